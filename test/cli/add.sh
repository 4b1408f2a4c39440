# Tests of `occlum add` (src/cli/cmd_add.c, add_deps.c, elf_info.c). Sourced by
# test/cli/run.sh, whose helpers (occ, check, ok, notok, err_has) and counters it uses.
#
# Builds small programs and libraries with gcc into $W, each with a known way of being found
# (system directory, $ORIGIN RUNPATH, an RPATH inherited from the executable), checks what
# lands in a fresh instance's image/, and checks the copy against the native loader: a program
# whose library ld.so cannot find natively must be an error here too.

W=$T/w
mkdir -p "$W"
I=$T
occ new addapp
I=$T/addapp
IMG=$I/image
LIBDIR=/usr/lib/x86_64-linux-gnu # where Debian's /lib/x86_64-linux-gnu really is

cat > "$W/main.c" <<'EOF'
#include <stdio.h>
int f(void);
int main(void) { printf("f=%d\n", f()); return 0; }
EOF
printf 'extern const char *zlibVersion(void);\nint main(void) { return !zlibVersion(); }\n' \
    > "$W/hello.c"
printf 'int g(void);\nint f(void) { return g() + 1; }\n' > "$W/f.c"
printf 'int g(void) { return 41; }\n' > "$W/g.c"
printf 'int f(void) { return 7; }\n' > "$W/gone.c"

built=1
build() { "$@" 2>> "$T/gcc.err" || built=0; }
# A dynamic program needing libc and libz (linked by path: only zlib's runtime is needed).
build gcc -o "$W/hello" "$W/hello.c" "$(readlink -f /lib/x86_64-linux-gnu/libz.so.1)"
# $ORIGIN: app/bin/prog -> RUNPATH $ORIGIN/../lib -> libf.so -> RUNPATH ${ORIGIN} -> libg.so
mkdir -p "$W/app/bin" "$W/app/lib"
build gcc -shared -fPIC -o "$W/app/lib/libg.so" "$W/g.c"
build gcc -shared -fPIC -o "$W/app/lib/libf.so" "$W/f.c" -L"$W/app/lib" -lg \
    -Wl,-rpath,'${ORIGIN}'
build gcc -o "$W/app/bin/prog" "$W/main.c" -L"$W/app/lib" -lf -Wl,-rpath,'$ORIGIN/../lib'
# DT_RPATH is inherited: libf.so (no path of its own) finds libg.so through rp/bin/prog's.
mkdir -p "$W/rp/bin" "$W/rp/lib"
build gcc -shared -fPIC -o "$W/rp/lib/libg.so" "$W/g.c"
build gcc -shared -fPIC -o "$W/rp/lib/libf.so" "$W/f.c" -L"$W/rp/lib" -lg
build gcc -o "$W/rp/bin/prog" "$W/main.c" -L"$W/rp/lib" -lf -Wl,--disable-new-dtags \
    -Wl,-rpath,"$W/rp/lib"
# ... and DT_RUNPATH is not: the same with RUNPATH fails natively, so must fail here.
mkdir -p "$W/rn/bin"
build gcc -o "$W/rn/bin/prog" "$W/main.c" -L"$W/rp/lib" -lf -Wl,--enable-new-dtags \
    -Wl,-rpath,"$W/rp/lib"
# A program whose library is deleted after linking.
mkdir -p "$W/gone"
build gcc -shared -fPIC -o "$W/gone/libgone.so" "$W/gone.c"
build gcc -o "$W/orphan" "$W/main.c" -L"$W/gone" -lgone -Wl,-rpath,"$W/gone"
rm -f "$W/gone/libgone.so"
# A directory with a plugin (deps outside the directory), a subdirectory, symlinks.
mkdir -p "$W/pd/mods/sub" "$W/pd/deplib"
build gcc -shared -fPIC -o "$W/pd/deplib/libg.so" "$W/g.c"
build gcc -shared -fPIC -o "$W/pd/mods/plug.so" "$W/f.c" -L"$W/pd/deplib" -lg \
    -Wl,-rpath,'$ORIGIN/../deplib'
printf 'data\n' > "$W/pd/mods/sub/data.txt"
chmod 0640 "$W/pd/mods/sub/data.txt"
touch -d '2001-02-03 04:05:06' "$W/pd/mods/sub/data.txt"
ln -s plug.so "$W/pd/mods/link.so"
printf 'outside\n' > "$W/outside.txt"
ln -s "$W/outside.txt" "$W/pd/mods/out.txt"
# Malformed ELF files in a directory: warned about, never a crash, the rest still copied.
mkdir -p "$W/bad"
head -c 200 "$W/hello" > "$W/bad/truncated.so"
cp "$W/hello" "$W/bad/bogus-phoff"
printf '\377\377\377\377\377\377\377\177' |
    dd of="$W/bad/bogus-phoff" bs=1 seek=32 conv=notrunc status=none # e_phoff
printf 'fine\n' > "$W/bad/zz-plain.txt"
# A chain of named symlinks.
printf 'end of chain\n' > "$W/chain-file"
ln -s chain-file "$W/chain2"
ln -s "$W/chain2" "$W/chain1"
check "add: test programs build" eval '[ "$built" -eq 1 ]'
[ "$built" -eq 1 ] || cat "$T/gcc.err" | sed 's/^/#   /'

# ---- a single dynamic program ----
occ add -v "$W/hello"
interp_ok() {
    [ "$rc" -eq 0 ] && [ -f "$IMG$W/hello" ] && [ -x "$IMG$W/hello" ] &&
        [ -L "$IMG/usr/lib64/ld-linux-x86-64.so.2" ] &&
        [ "$(readlink "$IMG/usr/lib64/ld-linux-x86-64.so.2")" = \
            "$(readlink /lib64/ld-linux-x86-64.so.2)" ] &&
        [ -f "$IMG$LIBDIR/ld-linux-x86-64.so.2" ] && [ ! -L "$IMG$LIBDIR/ld-linux-x86-64.so.2" ] &&
        [ -f "$IMG$LIBDIR/libc.so.6" ]
}
check "add of a dynamic program copies it, its interpreter (a symlink kept) and libc" interp_ok
zlib_ok() {
    local target
    target=$(readlink "$LIBDIR/libz.so.1")
    [ -L "$IMG$LIBDIR/libz.so.1" ] && [ "$(readlink "$IMG$LIBDIR/libz.so.1")" = "$target" ] &&
        [ -f "$IMG$LIBDIR/$target" ] && [ ! -L "$IMG$LIBDIR/$target" ] &&
        cmp -s "$IMG$LIBDIR/$target" "$LIBDIR/$target"
}
check "a library symlink (libz.so.1) is kept as a symlink, with its target" zlib_ok
check "-v prints each copied path" eval 'grep -qxF "$W/hello" "$T/out" &&
    grep -qxF /lib64/ld-linux-x86-64.so.2 "$T/out" &&
    grep -qxF /lib/x86_64-linux-gnu/libz.so.1 "$T/out"'
same_meta() { # HOST-PATH: mode and mtime of the copy equal the original's
    [ "$(stat -c '%a %Y' "$1")" = "$(stat -c '%a %Y' "$IMG$1")" ]
}
check "copies keep mode bits and mtimes" eval \
    'same_meta "$W/hello" && same_meta "$LIBDIR/libc.so.6"'
check "nothing but the program and what it loads is copied" eval \
    '[ "$(find "$IMG" -type f | wc -l)" -eq $((4 + 4)) ]' # etc/* + hello, ld.so, libc, libz

# ---- idempotence ----
snapshot() { (cd "$IMG" && find . -printf '%p %y %m %s %T@ %l\n' | sort); }
snapshot > "$T/snap1"
occ add -v "$W/hello"
check "adding the same program again copies nothing and changes nothing" eval \
    '[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && snapshot | cmp -s - "$T/snap1"'

# ---- $ORIGIN, RUNPATH, RPATH ----
occ add "$W/app/bin/prog"
check "\$ORIGIN/../lib RUNPATH and a library's \${ORIGIN} RUNPATH are followed" eval \
    '[ "$rc" -eq 0 ] && [ -f "$IMG$W/app/lib/libf.so" ] && [ -f "$IMG$W/app/lib/libg.so" ]'
occ add "$W/rp/bin/prog"
check "DT_RPATH of the executable is inherited by the libraries it loads" eval \
    '[ "$rc" -eq 0 ] && [ -f "$IMG$W/rp/lib/libf.so" ] && [ -f "$IMG$W/rp/lib/libg.so" ]'
native_rn=$("$W/rn/bin/prog" 2>&1)
occ add "$W/rn/bin/prog"
check "DT_RUNPATH is not inherited (natively libg.so is not found either)" eval \
    '[ "$rc" -eq 1 ] && grep -q "libg.so" <<< "$native_rn" &&
    err_has "$W/rp/lib/libf.so: needs libg.so, which is not found"'
# There is no /proc in the chroot, so ld.so takes the program's $ORIGIN from LD_ORIGIN_PATH.
if [ "$(id -u)" -eq 0 ] && command -v chroot > /dev/null; then
    check "the copied programs run in a chroot of image/ (a native oracle)" eval \
        '[ "$(LD_ORIGIN_PATH="$W/app/bin" chroot "$IMG" "$W/app/bin/prog")" = "f=42" ] &&
        [ "$(chroot "$IMG" "$W/rp/bin/prog")" = "f=42" ] && chroot "$IMG" "$W/hello"'
else
    echo "skip - chroot oracle (needs root)"
fi

# ---- errors ----
occ add "$W/chain-file" /nonexistent-occlum-path
check "a missing path: error naming it, exit 1, nothing copied" eval \
    '[ "$rc" -eq 1 ] && err_has "/nonexistent-occlum-path: No such file or directory" &&
    [ ! -e "$IMG$W/chain-file" ]'
occ add "$W/orphan"
check "a missing DT_NEEDED library: error naming it and the program, exit 1" eval \
    '[ "$rc" -eq 1 ] && err_has "$W/orphan: needs libgone.so, which is not found" &&
    err_has "what was copied before it stays in image/"'
check "... and what was copied before the error stays" eval '[ -f "$IMG$W/orphan" ]'
occ add -x "$W/hello"
check "an unknown option: usage error" eval '[ "$rc" -eq 1 ] && err_has "unknown option"'
occ add
check "no path: usage error" eval '[ "$rc" -eq 1 ] && err_has "Usage: occlum add"'
occ add /
check "adding / is refused" eval '[ "$rc" -eq 1 ] && err_has "refusing to copy /"'

# ---- directories and symlinks ----
occ add -v "$W/pd/mods"
dir_ok() {
    [ "$rc" -eq 0 ] && [ -f "$IMG$W/pd/mods/plug.so" ] && [ -f "$IMG$W/pd/deplib/libg.so" ] &&
        [ "$(readlink "$IMG$W/pd/mods/link.so")" = plug.so ] &&
        [ "$(readlink "$IMG$W/pd/mods/out.txt")" = "$W/outside.txt" ] &&
        [ ! -e "$IMG$W/outside.txt" ] && cmp -s "$IMG$W/pd/mods/sub/data.txt" \
        "$W/pd/mods/sub/data.txt" && same_meta "$W/pd/mods/sub/data.txt" &&
        same_meta "$W/pd/mods" && same_meta "$W/pd/mods/sub"
}
check "a directory: copied recursively, symlinks inside kept (not followed), ELF deps pulled" \
    dir_ok
occ add "$W/bad"
check "malformed ELF files: a warning naming each, the rest copied, exit 0" eval \
    '[ "$rc" -eq 0 ] && err_has "$W/bad/truncated.so: malformed ELF file" &&
    err_has "$W/bad/bogus-phoff: malformed ELF file" && [ -f "$IMG$W/bad/zz-plain.txt" ] &&
    cmp -s "$IMG$W/bad/bogus-phoff" "$W/bad/bogus-phoff"'
occ add "$W/chain1"
chain_ok() {
    [ "$rc" -eq 0 ] && [ "$(readlink "$IMG$W/chain1")" = "$W/chain2" ] &&
        [ "$(readlink "$IMG$W/chain2")" = chain-file ] && [ -f "$IMG$W/chain-file" ]
}
check "a named symlink chain: each link kept, the final file copied" chain_ok
printf 'relative\n' > "$W/rel-file"
occ add ../w/rel-file # occ runs in $I = $T/addapp
check "a relative path is taken from the current directory" eval \
    '[ "$rc" -eq 0 ] && cmp -s "$IMG$W/rel-file" "$W/rel-file"'
rm -rf "$T/addapp/image/usr/sbin" "$T/addapp/image/sbin"
mkdir "$T/addapp/image/sbin"
if [ -e /sbin/ldconfig ]; then
    occ add /sbin/ldconfig
    check "a real directory in the image where the host has a symlink: copied through it" eval \
        '[ "$rc" -eq 0 ] && [ -f "$IMG/sbin/ldconfig" ] && [ ! -L "$IMG/sbin" ]'
fi

# ---- Debian's python3 (the issue's example), checked in a chroot ----
if [ "$(id -u)" -eq 0 ] && [ -x /usr/bin/python3.11 ] && [ -d /usr/lib/python3.11 ]; then
    I=$T
    occ new pyapp
    I=$T/pyapp
    occ add /usr/bin/python3 /usr/lib/python3.11
    py=$(chroot "$I/image" /usr/bin/python3 -c \
        'import json, hashlib, sqlite3, decimal, zlib, re; print(1)' 2>&1)
    check "add python3 + its stdlib: python3 runs in a chroot of image/" eval \
        '[ "$rc" -eq 0 ] && [ "$py" = 1 ] && [ -L "$I/image/usr/bin/python3" ] &&
        [ -f "$I/image$LIBDIR/libsqlite3.so.0" -o -L "$I/image$LIBDIR/libsqlite3.so.0" ]'
else
    echo "skip - python3 in a chroot (needs root and Debian's python3.11)"
fi
I=$T/app
