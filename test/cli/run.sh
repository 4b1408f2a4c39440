#!/bin/bash
# Tests of the occlum CLI (src/cli): new, build (Occlum.json validation, mount entries,
# enclave.conf, image packing, reproducibility), run (instance checks and the exec of the host
# runtime), help, and add (test/cli/add.sh, sourced at the end so the counts stay in one line).
#
# Builds nothing: run `make` first. Uses $OCCLUM_BIN (default build/bin/occlum). The binary
# is copied into a scratch tree next to a stand-in LibOS image (../lib/libos.so) and a
# stand-in host runtime (./occlum-runtime, a script that prints its arguments), so these
# tests check the CLI alone and do not depend on the enclave working.
#
# Prints "ok - name" / "not ok - name" per check, then "cli: N passed, M failed".

set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OCCLUM_BIN=${OCCLUM_BIN:-$REPO/build/bin/occlum}
if [ ! -x "$OCCLUM_BIN" ]; then
    echo "not ok - occlum binary at $OCCLUM_BIN (run make first)"
    echo "cli: 0 passed, 1 failed"
    exit 1
fi

T=$(mktemp -d /tmp/occlum-cli-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/lib"
cp "$OCCLUM_BIN" "$T/bin/occlum"
printf '\177ELF stand-in LibOS image\n' > "$T/lib/libos.so"
cat > "$T/bin/occlum-runtime" <<'EOF'
#!/bin/sh
printf 'runtime-argv:'
for a in "$@"; do printf ' [%s]' "$a"; done
printf '\n'
printf 'runtime-env: %s\n' "${CLI_TEST_VAR-unset}"
EOF
chmod +x "$T/bin/occlum-runtime"
OCCLUM="$T/bin/occlum"
unset OCCLUM_LOG_LEVEL

pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() {
    echo "not ok - $1"
    fail=$((fail + 1))
    if [ -n "${2-}" ]; then printf '%s\n' "$2" | sed 's/^/#   /'; fi
}
check() { # check NAME CONDITION-COMMAND...
    local name=$1
    shift
    if "$@"; then ok "$name"; else notok "$name" "$(cat "$T/err" 2>/dev/null)"; fi
}

# Runs occlum in the instance dir $I; stdout -> $T/out, stderr -> $T/err, status -> $rc.
occ() {
    (cd "$I" && "$OCCLUM" "$@") > "$T/out" 2> "$T/err"
    rc=$?
}
err_has() { grep -qF -- "$1" "$T/err"; }
err_lines() { [ "$(wc -l < "$T/err")" -eq "$1" ]; }

# Writes Occlum.json as the default with a sed expression applied, then builds.
build_with() {
    sed "$1" "$T/default.json" > "$I/Occlum.json"
    occ build
}

# A build that must fail, with an error naming the key.
expect_error() { # NAME SED-EXPR KEY
    build_with "$2"
    if [ "$rc" -eq 1 ] && err_has "error: Occlum.json: $3:"; then
        ok "$1"
    else
        notok "$1" "exit $rc; stderr: $(cat "$T/err")"
    fi
}

# ---- new ----
I=$T
occ new app
I=$T/app
layout_ok() {
    [ "$rc" -eq 0 ] && [ -f "$I/Occlum.json" ] || return 1
    for d in dev etc host opt proc root sys tmp usr/bin usr/lib usr/lib64 usr/sbin; do
        [ -d "$I/image/$d" ] && [ ! -L "$I/image/$d" ] ||
            { echo "missing directory image/$d" > "$T/err"; return 1; }
    done
    for l in bin lib lib64 sbin; do # Debian 12's merged /usr
        [ "$(readlink "$I/image/$l")" = "usr/$l" ] ||
            { echo "image/$l is not a symlink to usr/$l" > "$T/err"; return 1; }
    done
    [ -s "$I/image/etc/hosts" ] && [ -s "$I/image/etc/hostname" ] &&
        [ "$(stat -c %a "$I/image/tmp")" = 1777 ] &&
        grep -q '"user_space_size": "300MB"' "$I/Occlum.json" &&
        grep -q '"entry_points"' "$I/Occlum.json" && grep -q '"mount"' "$I/Occlum.json"
}
check "new creates Occlum.json and the merged-/usr image layout" layout_ok
cp "$I/Occlum.json" "$T/default.json"

I=$T
occ new app
check "new refuses an existing non-empty directory" eval '[ "$rc" -eq 1 ] && err_has "not empty"'
mkdir "$T/empty"
occ new empty
check "new accepts an existing empty directory" eval \
    '[ "$rc" -eq 0 ] && [ -f "$T/empty/Occlum.json" ]'

# ---- run before build, outside an instance ----
I=$T
occ run /bin/hello
check "run outside an instance: one clear line, exit 1" eval \
    '[ "$rc" -eq 1 ] && err_lines 1 &&
    err_has "$T is not an Occlum instance (no Occlum.json); run \`occlum new\`"'
I=$T/app
occ run /bin/hello
check "run before build: one line telling to build, exit 1" eval \
    '[ "$rc" -eq 1 ] && err_lines 1 && err_has "run \`occlum build\`"'
I=$T
occ build
check "build outside an instance: exit 1" eval '[ "$rc" -eq 1 ] && err_has "not an Occlum instance"'

# ---- build of the default config ----
I=$T/app
occ build
expected_conf='user_space_size 314572800
kernel_space_heap_size 33554432
kernel_space_stack_size 1048576
max_num_of_threads 32
entry_point /bin
entry_point /usr/bin
env_default OCCLUM=yes
env_untrusted EXAMPLE
mount unionfs / - upper=ramfs
mount ramfs /tmp - -
mount procfs /proc - -
mount devfs /dev - -
mount sysfs /sys - -'
check "build of the default config succeeds silently" eval '[ "$rc" -eq 0 ] && [ ! -s "$T/err" ]'
check "enclave.conf of the default config, with its mount lines" eval \
    '[ "$(cat "$I/build/enclave.conf")" = "$expected_conf" ]'
check "image.fs written with the image magic" eval \
    '[ "$(head -c 8 "$I/build/image.fs")" = OCCIMG01 ]'
check "libos.so copied into the instance" cmp -s "$T/lib/libos.so" "$I/build/libos.so"

# ---- validation errors ----
printf '{ "resource_limits": {\n' > "$I/Occlum.json"
occ build
check "invalid JSON: exit 1 with line and column" eval \
    '[ "$rc" -eq 1 ] && err_has "Occlum.json:2:" && err_has "invalid JSON"'
expect_error "unknown top-level key" 's/^{$/{ "bogus_key": 1,/' bogus_key
expect_error "unknown nested key" 's/"resource_limits": {/&"bogus": 1,/' resource_limits.bogus
expect_error "unknown key in a mount entry" 's/"type": "procfs"/&, "bogus": 2/' 'mount[2].bogus'
expect_error "bad size string" 's/"300MB"/"300M"/' resource_limits.user_space_size
expect_error "size not a multiple of 4KB" 's/"1MB"/"1000B"/' resource_limits.kernel_space_stack_size
expect_error "wrong type (thread count as a string)" \
    's/"max_num_of_threads": 32/"max_num_of_threads": "32"/' resource_limits.max_num_of_threads
expect_error "zero thread count" 's/"max_num_of_threads": 32/"max_num_of_threads": 0/' \
    resource_limits.max_num_of_threads
expect_error "negative thread count" 's/"max_num_of_threads": 32/"max_num_of_threads": -4/' \
    resource_limits.max_num_of_threads
expect_error "entry_points not absolute" 's|"/bin"|"bin"|' 'entry_points[0]'
expect_error "env.default entry without =" 's/"OCCLUM=yes"/"OCCLUM"/' 'env.default[0]'
expect_error "wrong type (boolean as a string)" 's/"debuggable": true/"debuggable": "yes"/' \
    metadata.debuggable
build_with 's/"resource_limits": {/&"user_space_max_size": "1MB",/'
check "user_space_max_size below user_space_size: error" eval \
    '[ "$rc" -eq 1 ] && err_has "resource_limits.user_space_max_size"'
check "a failed validation leaves the last build in place" eval \
    '[ "$(cat "$I/build/enclave.conf")" = "$expected_conf" ]'

# ---- honoured and unhonoured keys ----
build_with 's/"enable_posix_shm": false/"enable_posix_shm": true/'
check "unhonoured key: warning naming it, exit 0" eval \
    '[ "$rc" -eq 0 ] && err_has "warning: Occlum.json: feature.enable_posix_shm: not honoured yet"'
sed 's/"enable_posix_shm": false/"enable_posix_shm": true/' "$T/default.json" > "$I/Occlum.json"
(cd "$I" && OCCLUM_LOG_LEVEL=error "$OCCLUM" build) > "$T/out" 2> "$T/err"
rc=$?
check "OCCLUM_LOG_LEVEL=error silences the warning" eval '[ "$rc" -eq 0 ] && [ ! -s "$T/err" ]'
build_with 's/"resource_limits": {/&"user_space_max_size": "1GB",/;
    s/"OCCLUM=yes"/"OCCLUM=yes", "A=b c"/;s|"/usr/bin"|"/usr/bin", "/opt/app"|'
check "honoured keys reach enclave.conf" eval '[ "$rc" -eq 0 ] &&
    grep -qx "user_space_size 1073741824" "$I/build/enclave.conf" &&
    grep -qx "env_default A=b c" "$I/build/enclave.conf" &&
    grep -qx "entry_point /opt/app" "$I/build/enclave.conf"'
cp "$T/default.json" "$I/Occlum.json"

# ---- mount entries ----
# Writes Occlum.json as the default with its mount array (the last key) replaced, then builds.
build_mounts() {
    sed '/"mount": \[/,$d' "$T/default.json" > "$I/Occlum.json"
    printf '    "mount": %s\n}\n' "$1" >> "$I/Occlum.json"
    occ build
}
ROOT_UNION='{"target": "/", "type": "unionfs", "options": {"layers": [
    {"target": "/", "type": "sefs", "source": "./build/mount/__ROOT", "options": {"MAC": ""}},
    {"target": "/", "type": "sefs", "source": "./run/mount/__ROOT"}]}}'
build_mounts "[$ROOT_UNION,
    {\"target\": \"/host\", \"type\": \"hostfs\", \"source\": \".\"},
    {\"target\": \"/data\", \"type\": \"hostfs\", \"source\": \"/srv/app-data\"},
    {\"target\": \"/scratch\", \"type\": \"ramfs\", \"options\": {\"size\": \"64MB\"}},
    {\"target\": \"/proc\", \"type\": \"procfs\"}]"
check "custom hostfs/ramfs mounts: lines in order, size in bytes, no warning" eval \
    '[ "$rc" -eq 0 ] && [ ! -s "$T/err" ] &&
    [ "$(grep "^mount " "$I/build/enclave.conf")" = "mount unionfs / - upper=ramfs
mount hostfs /host . -
mount hostfs /data /srv/app-data -
mount ramfs /scratch - size=67108864
mount procfs /proc - -" ]'
check "the default config mounts no hostfs" eval \
    '! grep -q hostfs <<< "$expected_conf" && ! grep -q hostfs "$T/default.json"'
expect_mount_error() { # NAME MOUNT-ARRAY KEY MESSAGE-PART
    build_mounts "$2"
    if [ "$rc" -eq 1 ] && err_has "error: Occlum.json: $3: " && err_has "$4"; then
        ok "$1"
    else
        notok "$1" "exit $rc; stderr: $(cat "$T/err")"
    fi
}
with_root() { printf '[%s, %s]' "$ROOT_UNION" "$1"; } # the unionfs entry, then $1
expect_mount_error "hostfs without a source" "$(with_root '{"target": "/h", "type": "hostfs"}')" \
    'mount[1].source' "hostfs needs a source"
expect_mount_error "option a type does not take" \
    "$(with_root '{"target": "/h", "type": "ramfs", "options": {"MAC": ""}}')" \
    'mount[1].options.MAC' "not an option of ramfs (its options: size)"
expect_mount_error "unknown option key" \
    "$(with_root '{"target": "/h", "type": "ramfs", "options": {"sz": "1MB"}}')" \
    'mount[1].options.sz' "unknown key"
expect_mount_error "bad ramfs size" \
    "$(with_root '{"target": "/h", "type": "ramfs", "options": {"size": "0MB"}}')" \
    'mount[1].options.size' "non-zero size"
expect_mount_error "unionfs not first" "[{\"target\": \"/proc\", \"type\": \"procfs\"},
    $ROOT_UNION]" 'mount[0]' "must be the unionfs on /"
expect_mount_error "target not normalised" "$(with_root '{"target": "/tmp/", "type": "ramfs"}')" \
    'mount[1].target' "normalised absolute path"
expect_mount_error "target with a blank" "$(with_root '{"target": "/a b", "type": "ramfs"}')" \
    'mount[1].target' "without blanks"
expect_mount_error "duplicate target" "$(with_root '{"target": "/t", "type": "ramfs"},
    {"target": "/t", "type": "procfs"}')" 'mount[2].target' "already the target of mount[1]"
expect_mount_error "second entry on /" "$(with_root '{"target": "/", "type": "ramfs"}')" \
    'mount[1].type' "only the first entry"
expect_mount_error "sefs outside the unionfs" \
    "$(with_root '{"target": "/s", "type": "sefs", "source": "./s"}')" \
    'mount[1].type' "only as a layer"
expect_mount_error "unsupported Occlum type (async_sfs)" \
    "$(with_root '{"target": "/s", "type": "async_sfs"}')" 'mount[1].type' "not supported"
expect_mount_error "procfs with a source" \
    "$(with_root '{"target": "/p", "type": "procfs", "source": "x"}')" \
    'mount[1].source' "procfs takes no source"
expect_mount_error "unionfs with one layer" '[{"target": "/", "type": "unionfs",
    "options": {"layers": [{"target": "/", "type": "sefs"}]}}]' \
    'mount[0].options.layers' "expected two layers"
expect_mount_error "unionfs layer of another type" '[{"target": "/", "type": "unionfs",
    "options": {"layers": [{"target": "/", "type": "sefs"}, {"target": "/", "type": "ramfs"}]}}]' \
    'mount[0].options.layers[1]' "must be sefs"
build_mounts "[]"
check "empty mount array: error" eval '[ "$rc" -eq 1 ] && err_has "mount: empty"'
cp "$T/default.json" "$I/Occlum.json"
occ build

# ---- image contents and reproducibility ----
printf 'SECRET-OUTSIDE-7d3f9\n' > "$T/outside"
printf 'hello image\n' > "$I/image/bin/hello"
ln -s "$T/outside" "$I/image/bin/abs-link"
ln -s hello "$I/image/bin/rel-link"
mkfifo "$I/image/tmp/fifo"
occ build
check "fifo in image/: warning, skipped, build succeeds" eval \
    '[ "$rc" -eq 0 ] && err_has "image/tmp/fifo: fifo not packed"'
check "symlinks kept as symlinks, never followed" eval \
    'grep -qaF "$T/outside" "$I/build/image.fs" && ! grep -qaF SECRET-OUTSIDE "$I/build/image.fs"'
cp "$I/build/image.fs" "$T/image1.fs"
occ build
check "building twice gives identical image.fs" cmp -s "$T/image1.fs" "$I/build/image.fs"
rm "$I/image/tmp/fifo"
occ build
cp -a "$I" "$T/copy"
(cd "$T/copy" && "$OCCLUM" build) 2> "$T/err"
check "a copy of the instance (same mtimes) builds the same image" \
    cmp -s "$I/build/image.fs" "$T/copy/build/image.fs"
touch -d '2001-01-01 00:00:00' "$I/image/bin/hello"
occ build
check "a changed mtime changes the image" eval '! cmp -s "$T/image1.fs" "$I/build/image.fs"'

# ---- run ----
occ run /bin/hello 'two words' -x
check "run execs occlum-runtime with INSTANCE/build PATH ARGS" eval \
    '[ "$rc" -eq 0 ] && grep -qxF "runtime-argv: [$I/build] [/bin/hello] [two words] [-x]" "$T/out"'
(cd "$I" && CLI_TEST_VAR=kept "$OCCLUM" run -- /bin/hello) > "$T/out" 2> "$T/err"
check "run passes the environment through, and -- before the path" eval \
    'grep -qxF "runtime-env: kept" "$T/out" && grep -qF "[/bin/hello]" "$T/out"'

# ---- help and unknown commands ----
occ --help
check "--help lists the commands" eval '[ "$rc" -eq 0 ] && grep -q "^  run <path>" "$T/out" &&
    grep -q "not implemented yet" "$T/out"'
occ build --help
help1=$(cat "$T/out")
occ help build
check "build --help and help build print the build usage" eval \
    '[ "$rc" -eq 0 ] && [ "$help1" = "$(cat "$T/out")" ] && grep -q "^Usage: occlum build" "$T/out"'
occ frobnicate
check "unknown command: error and usage, exit 1" eval \
    '[ "$rc" -eq 1 ] && err_has "unknown command" && err_has "Usage: occlum"'
occ start
check "start: not implemented, exit 1" eval '[ "$rc" -eq 1 ] && err_has "not implemented yet"'

# ---- add ----
. "$REPO/test/cli/add.sh"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
