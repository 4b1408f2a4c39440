#!/usr/bin/env bash
# The test harness: what `make test` runs after building everything. In order:
#
#   unit         each host-built unit test (UNIT_TESTS, test/unit/*.mk), plain and -asan
#   cli          test/cli/run.sh, if present, counted as one suite
#   conformance  every line of test/conformance/tests.list x 3 builds, natively, then
#                inside the enclave (one instance: occlum new, copy, occlum build, occlum run);
#                both must end with the listed status, and where the list says so the
#                enclave's stdout must equal the native run's byte for byte
#   busybox      test/apps/busybox.sh: Debian's busybox-static inside vs native
#   apps         test/apps/debian.sh: Debian's dynamic programs (python3, sqlite3, lua5.4,
#                busybox, coreutils, openssl, gzip) inside vs native
#   strace       test/strace_test.sh: guest syscalls never reach the host
#   errors       test/run_errors.sh: what `occlum run` says when a program cannot start or dies
#   leak         test/spawn_leak.sh: 1,000 spawns inside leak no fds, threads or host threads
#
# Output: one line per test, "ok - NAME" or "not ok - NAME" (with "#   " diagnostics after a
# failure), then exactly one last line "N passed, M failed"; the exit status is nonzero if
# M > 0. Every program runs under `timeout`, so a hang is a failure, not a stuck suite.
#
# Environment (all optional):
#   BUILD=build          the build directory
#   OCCLUM=...           the CLI (default $BUILD/bin/occlum)
#   SUITES="unit cli conformance busybox apps strace errors leak"   which suites to run
#   SKIP_ENCLAVE=1       run only the native legs (enclave legs are reported as skipped and
#                        counted neither way); for working on tests without the LibOS
#   TEST_TIMEOUT=60      seconds per program run
#
# Sub-scripts (busybox.sh, debian.sh, strace_test.sh) follow the same line format; this script
# counts their "ok - " / "not ok - " lines.

set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
export OCCLUM=${OCCLUM:-$BUILD/bin/occlum}
export TEST_TIMEOUT=${TEST_TIMEOUT:-60}
SUITES=${SUITES:-unit cli conformance busybox apps strace errors leak}
SKIP_ENCLAVE=${SKIP_ENCLAVE:-0}
export SKIP_ENCLAVE
VARIANTS=${CONF_VARIANTS:-glibc-pie glibc-nopie musl}
WORK=$BUILD/test/run
CONF_BIN=$BUILD/test/conformance

passed=0
failed=0

ok() {
    echo "ok - $*"
    passed=$((passed + 1))
}

not_ok() {
    echo "not ok - $*"
    failed=$((failed + 1))
}

# diag FILE [LINES]: show the tail of a file as diagnostics.
diag() {
    [ -s "$1" ] && tail -n "${2:-20}" "$1" | cut -c 1-300 | sed 's/^/#   /'
    return 0
}

want_suite() {
    case " $SUITES " in *" $1 "*) return 0 ;; esac
    return 1
}

# The data directory the `files` test reads (its layout is documented in files.c).
make_data_dir() {
    local d=$1
    rm -rf "$d"
    mkdir -p "$d/sub"
    printf 'hello, conformance\n' >"$d/hello.txt"
    : >"$d/empty.txt"
    seq 1 2000 >"$d/numbers.txt"
    ln -s hello.txt "$d/link"
    ln -s missing "$d/dangling"
    printf 'a\n' >"$d/sub/a.txt"
    printf 'bb\n' >"$d/sub/b.txt"
    chmod 0644 "$d"/*.txt "$d"/sub/*.txt
}

# run_script_suite NAME SECONDS CMD...: run a sub-script that prints ok/not ok lines itself.
run_script_suite() {
    local name=$1 secs=$2
    shift 2
    local log=$WORK/$name.log
    timeout "$secs" "$@" >"$log" 2>&1
    local rc=$?
    local p f
    p=$(grep -c '^ok - ' "$log")
    f=$(grep -c '^not ok - ' "$log")
    # Pass the script's own lines through; anything else is a diagnostic.
    sed -e '/^ok - /b' -e '/^not ok - /b' -e '/^#/b' -e 's/^/#   /' "$log"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        not_ok "$name: exited with status $rc$([ "$rc" -eq 124 ] && echo ' (timeout)')"
    fi
    if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        not_ok "$name: reported no results"
    fi
}

ulimit -c 0 # the abort test must not leave core files
rm -rf "$WORK"
mkdir -p "$WORK"

# --- (a) unit tests ----------------------------------------------------------------------------

if want_suite unit; then
    units=${UNIT_TESTS:-}
    if [ -z "$units" ] && [ -d "$BUILD/test/unit" ]; then
        units=$(find "$BUILD/test/unit" -maxdepth 1 -type f -perm -u+x ! -name '*-asan' \
            -printf '%f\n' | sort)
    fi
    for t in $units; do
        for bin in "$t" "$t-asan"; do
            log=$WORK/unit-$bin.log
            if [ ! -x "$BUILD/test/unit/$bin" ]; then
                not_ok "unit/$bin: not built"
                continue
            fi
            ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
                UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
                timeout "$TEST_TIMEOUT" "$BUILD/test/unit/$bin" >"$log" 2>&1 </dev/null
            rc=$?
            if [ $rc -eq 0 ]; then
                ok "unit/$bin"
            else
                not_ok "unit/$bin: status $rc"
                diag "$log" 30
            fi
        done
    done
fi

# --- (b) CLI tests -----------------------------------------------------------------------------

if want_suite cli && [ -f test/cli/run.sh ]; then
    log=$WORK/cli.log
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: cli (SKIP_ENCLAVE=1)"
    else
        PATH=$BUILD/bin:$PATH timeout 300 bash test/cli/run.sh >"$log" 2>&1 </dev/null
        rc=$?
        if [ $rc -eq 0 ]; then
            ok "cli: test/cli/run.sh"
        else
            not_ok "cli: test/cli/run.sh exited with status $rc"
            diag "$log" 40
        fi
    fi
fi

# --- (c) conformance ---------------------------------------------------------------------------

# Parsed tests.list: parallel arrays, one entry per line.
conf_names=()
conf_status=()
conf_cmp=()
conf_args=()
while read -r name status cmp rest; do
    case $name in '' | '#'*) continue ;; esac
    conf_names+=("$name")
    conf_status+=("$status")
    conf_cmp+=("$cmp")
    conf_args+=("$rest")
done <test/conformance/tests.list

# expand_args ARGS DATADIR HOSTDIR: fill the global array ARGV from a tests.list argument
# string.
expand_args() {
    local a data=$2 host=$3
    ARGV=()
    eval "set -- $1"
    for a in "$@"; do
        a=${a//@DATA@/$data}
        ARGV+=("${a//@HOSTDIR@/$host}")
    done
}

# label I VARIANT: the name a conformance run is reported under.
label() {
    local l="conformance/$2/${conf_names[$1]}"
    [ -n "${conf_args[$1]}" ] && l="$l ${conf_args[$1]}"
    echo "$l"
}

# check_run WHERE I VARIANT RC OUT ERR: report one run against the expected status.
check_run() {
    local where=$1 i=$2 v=$3 rc=$4 out=$5 err=$6
    local want=${conf_status[$i]} l
    l="$where $(label "$i" "$v")"
    if [ "$rc" -ne "$want" ]; then
        not_ok "$l: status $rc, want $want$([ "$rc" -eq 124 ] && echo ' (timeout)')"
        grep -E '^(FAIL|missing)' "$out" | head -n 20 | sed 's/^/#   /'
        diag "$err" 10
        return 1
    fi
    if [ "$where" = enclave ] && [ "${conf_cmp[$i]}" = yes ]; then
        local native=$WORK/native/$v/$i.out
        if ! cmp -s "$native" "$out"; then
            not_ok "$l: stdout differs from native"
            diff "$native" "$out" | head -n 20 | sed 's/^/#   /'
            diag "$err" 10
            return 1
        fi
    fi
    ok "$l"
}

if want_suite conformance; then
    NATIVE_DATA=$WORK/native/data
    make_data_dir "$NATIVE_DATA"
    NATIVE_HOST=$WORK/native/hostdir # @HOSTDIR@: natively a plain directory
    mkdir -p "$NATIVE_HOST"
    # The fixed environment of every run (inside: Occlum.json's env.default, set below).
    CONF_ENV=(env -i PATH=/usr/bin:/bin CONFORMANCE_ENV=hello)

    for v in $VARIANTS; do
        mkdir -p "$WORK/native/$v"
        for i in "${!conf_names[@]}"; do
            bin=$CONF_BIN/$v/${conf_names[$i]}
            out=$WORK/native/$v/$i.out
            err=$WORK/native/$v/$i.err
            if [ ! -x "$bin" ]; then
                not_ok "native $(label "$i" "$v"): $bin not built"
                continue
            fi
            expand_args "${conf_args[$i]}" "$NATIVE_DATA" "$NATIVE_HOST"
            # (The outer 2>/dev/null only drops bash's "Aborted" notice for the abort test.)
            (cd "$WORK" && "${CONF_ENV[@]}" timeout "$TEST_TIMEOUT" "$bin" "${ARGV[@]}" \
                </dev/null >"$out" 2>"$err") 2>/dev/null
            check_run native "$i" "$v" $? "$out" "$err"
        done
    done

    # The enclave leg: one instance holding every build of every test as /bin/<name>-<variant>.
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: conformance inside the enclave (SKIP_ENCLAVE=1)"
    else
        INST=$WORK/instance
        ilog=$WORK/instance.log
        inst_ok=1
        if [ ! -x "$OCCLUM" ]; then
            not_ok "enclave instance: $OCCLUM is not built"
            inst_ok=0
        elif ! "$OCCLUM" new "$INST" >"$ilog" 2>&1; then
            not_ok "enclave instance: occlum new failed"
            diag "$ilog"
            inst_ok=0
        else
            mkdir -p "$INST/image/bin" "$INST/image/etc"
            for v in $VARIANTS; do
                for n in $(printf '%s\n' "${conf_names[@]}" | sort -u); do
                    [ -x "$CONF_BIN/$v/$n" ] && cp "$CONF_BIN/$v/$n" "$INST/image/bin/$n-$v"
                done
            done
            make_data_dir "$INST/image/etc/conformance"
            mkdir -p "$INST/hostdir"
            # env.default carries the variable the auxv test looks for; /host is @HOSTDIR@,
            # a hostfs mount of the instance's hostdir.
            if ! jq '.env.default = ((.env.default // []) + ["CONFORMANCE_ENV=hello"]) |
                    .mount += [{"target": "/host", "type": "hostfs", "source": "./hostdir"}]' \
                "$INST/Occlum.json" >"$INST/Occlum.json.new" 2>>"$ilog"; then
                not_ok "enclave instance: cannot edit Occlum.json (is jq installed?)"
                diag "$ilog"
                inst_ok=0
            else
                mv "$INST/Occlum.json.new" "$INST/Occlum.json"
                if (cd "$INST" && timeout 300 "$OCCLUM" build) >>"$ilog" 2>&1; then
                    ok "enclave instance: occlum new + occlum build"
                else
                    not_ok "enclave instance: occlum build failed"
                    diag "$ilog"
                    inst_ok=0
                fi
            fi
        fi

        for v in $VARIANTS; do
            mkdir -p "$WORK/enclave/$v"
            for i in "${!conf_names[@]}"; do
                if [ $inst_ok -ne 1 ]; then
                    not_ok "enclave $(label "$i" "$v"): no enclave instance"
                    continue
                fi
                out=$WORK/enclave/$v/$i.out
                err=$WORK/enclave/$v/$i.err
                expand_args "${conf_args[$i]}" /etc/conformance /host
                (cd "$INST" && timeout "$TEST_TIMEOUT" "$OCCLUM" run \
                    "/bin/${conf_names[$i]}-$v" "${ARGV[@]}" </dev/null >"$out" 2>"$err") \
                    2>/dev/null
                check_run enclave "$i" "$v" $? "$out" "$err"
            done
        done
    fi
fi

# --- (d) busybox, apps, (e) strace ----------------------------------------------------------------

if want_suite busybox; then
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: busybox (SKIP_ENCLAVE=1)"
    else
        run_script_suite busybox 400 bash test/apps/busybox.sh
    fi
fi

if want_suite apps; then
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: apps (SKIP_ENCLAVE=1)"
    else
        run_script_suite apps 400 bash test/apps/debian.sh
    fi
fi

if want_suite strace; then
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: strace (SKIP_ENCLAVE=1)"
    else
        run_script_suite strace 300 bash test/strace_test.sh
    fi
fi

if want_suite errors; then
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: errors (SKIP_ENCLAVE=1)"
    else
        run_script_suite errors 300 bash test/run_errors.sh
    fi
fi

if want_suite leak; then
    if [ "$SKIP_ENCLAVE" = 1 ]; then
        echo "# skipped: leak (SKIP_ENCLAVE=1)"
    else
        run_script_suite leak 300 bash test/spawn_leak.sh
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
