#!/usr/bin/env bash
# What a user sees when `occlum run` cannot start a program: exactly one clear line on stderr
# naming the problem, exit status 127, never a crash; and how a program that dies ends: a
# guest fault kills only the guest, and `occlum run` exits 128+N like a shell.
#
# Prints "ok - run-errors ..." / "not ok - run-errors ..." lines (run_tests.sh counts them).

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OCCLUM=${OCCLUM:-$BUILD/bin/occlum}
T=${TEST_TIMEOUT:-60}
CONF=$BUILD/test/conformance
WORK=$BUILD/test/run_errors
INST=$WORK/instance
fails=0

ok() { echo "ok - run-errors $*"; }
not_ok() {
    echo "not ok - run-errors $*"
    fails=$((fails + 1))
}

rm -rf "$WORK"
mkdir -p "$WORK"
"$OCCLUM" new "$INST" >/dev/null 2>&1 || { not_ok "setup: occlum new"; exit 1; }
cp "$CONF/glibc-pie/exit_code" "$INST/image/bin/exit_code"
mkdir -p "$INST/image/opt"
cp "$CONF/glibc-pie/exit_code" "$INST/image/opt/outside"
printf 'not an ELF\n' >"$INST/image/bin/text"
chmod +x "$INST/image/bin/text"
head -c 40 "$CONF/glibc-pie/exit_code" >"$INST/image/bin/truncated"
chmod +x "$INST/image/bin/truncated"
# A dynamically linked program (any will do: the host's own env), without its ld.so.
cp "$(command -v env)" "$INST/image/bin/dynamic"
# A program that faults: SIGSEGV from a null-page write, built here.
cat >"$WORK/fault.c" <<'C'
int main(int argc, char **argv) { volatile int *p = (int *)(long)argc; *p = 1; return 0; }
C
gcc -static-pie -O1 -o "$INST/image/bin/fault" "$WORK/fault.c"
# Interpreter scripts: one that works (its interpreter prints its argv), nested, and broken.
cat >"$WORK/args.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) { for (int i = 0; i < argc; i++) printf("[%s]", argv[i]); puts(""); return 0; }
C
gcc -static-pie -O1 -o "$INST/image/bin/args" "$WORK/args.c"
printf '#!/bin/args  one arg  \necho this is not run\n' >"$INST/image/bin/script"
printf '#!/bin/script\n' >"$INST/image/bin/nested"
printf '#!\n' >"$INST/image/bin/empty-shebang"
printf '#!/bin/missing-interp\n' >"$INST/image/bin/no-interp"
printf '#!/bin/loop\n' >"$INST/image/bin/loop"
chmod +x "$INST/image/bin/"{script,nested,empty-shebang,no-interp,loop}
(cd "$INST" && "$OCCLUM" build >/dev/null 2>&1) || { not_ok "setup: occlum build"; exit 1; }

# expect NAME WANT_STATUS PATTERN -- ARGS...: run, check the status and that stderr is one
# line matching PATTERN.
expect() {
    local name=$1 want=$2 pattern=$3
    shift 4
    local err=$WORK/$name.err
    (cd "$INST" && timeout "$T" "$OCCLUM" run "$@" </dev/null >/dev/null 2>"$err")
    local got=$?
    local lines
    lines=$(wc -l <"$err")
    if [ "$got" != "$want" ]; then
        not_ok "$name: status $got, want $want"
        sed 's/^/#   /' "$err"
    elif [ -n "$pattern" ] && { [ "$lines" != 1 ] || ! grep -q -- "$pattern" "$err"; }; then
        not_ok "$name: stderr is not one line matching '$pattern'"
        sed 's/^/#   /' "$err"
    else
        ok "$name"
    fi
}

expect not-in-image 127 "/bin/missing: no such file in the image" -- /bin/missing
expect outside-entry-points 127 "/opt/outside is not under any of Occlum.json's entry_points" \
    -- /opt/outside exit 0
expect relative-path 127 "absolute path" -- bin/exit_code exit 0
expect not-elf 127 "cannot execute /bin/text: not an ELF file" -- /bin/text
expect truncated-elf 127 "cannot execute /bin/truncated: truncated ELF header" -- /bin/truncated
expect dynamic-without-interpreter 127 \
    "cannot execute /bin/dynamic: its interpreter /lib64/ld-linux-x86-64.so.2 is not in the image" \
    -- /bin/dynamic
expect directory 127 "/bin: permission denied (not a regular file)" -- /bin
expect fault-segv 139 "" -- /bin/fault
expect exit-status 42 "" -- /bin/exit_code exit 42
expect still-runs-after-fault 0 "" -- /bin/exit_code exit 0

expect empty-shebang 127 "cannot execute /bin/empty-shebang: empty #! line" -- /bin/empty-shebang
expect missing-interpreter 127 "/bin/no-interp: its interpreter /bin/missing-interp is not in" \
    -- /bin/no-interp
expect script-loop 127 "/bin/loop: too many levels of #! interpreters" -- /bin/loop

# script_output NAME WANT -- ARGS: stdout of a script run must be WANT (Linux's argv rules).
script_output() {
    local name=$1 want=$2
    shift 3
    local got
    got=$(cd "$INST" && timeout "$T" "$OCCLUM" run "$@" 2>"$WORK/$name.err")
    if [ "$got" = "$want" ]; then
        ok "$name"
    else
        not_ok "$name: got '$got', want '$want'"
        sed 's/^/#   /' "$WORK/$name.err"
    fi
}
script_output script "[/bin/args][one arg][/bin/script][x][y z]" -- /bin/script x "y z"
script_output nested-script "[/bin/args][one arg][/bin/script][/bin/nested][x]" -- /bin/nested x

# Outside an instance: one line, status 1.
out=$(cd "$WORK" && "$OCCLUM" run /bin/exit_code 2>&1 >/dev/null)
st=$?
if [ "$st" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
    printf '%s' "$out" | grep -q "not an Occlum instance"; then
    ok "outside-instance"
else
    not_ok "outside-instance: status $st, output: $out"
fi

[ "$fails" -eq 0 ]
