#!/usr/bin/env bash
# Guest system calls never reach the host: under `strace -f`, a guest program that calls
# getppid 1000 times (test/conformance/getppid_loop.c) makes the host see zero getppid calls,
# while the program itself reports making all 1000. A native run under the same strace
# command must show all 1000, which proves the strace filter would have seen them.
#
# Prints "ok - strace ..." / "not ok - strace ..." lines (run_tests.sh counts them) and exits
# nonzero if any failed.

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OCCLUM=${OCCLUM:-$BUILD/bin/occlum}
T=${TEST_TIMEOUT:-60}
N=1000
BIN=$BUILD/test/conformance/glibc-pie/getppid_loop
WORK=$BUILD/test/strace
INST=$WORK/instance
fails=0

ok() { echo "ok - strace $*"; }
not_ok() {
    echo "not ok - strace $*"
    fails=$((fails + 1))
}

# calls FILE: how many getppid calls strace recorded.
calls() {
    grep -c 'getppid(' "$1"
}

rm -rf "$WORK"
mkdir -p "$WORK"
if ! command -v strace >/dev/null; then
    not_ok "setup: strace is not installed"
    exit 1
fi
if [ ! -x "$BIN" ]; then
    not_ok "setup: $BIN is not built"
    exit 1
fi

# Native: strace sees every call.
timeout "$T" strace -f -e trace=getppid -o "$WORK/native.strace" "$BIN" $N \
    >"$WORK/native.out" 2>"$WORK/native.err"
rc=$?
c=$(calls "$WORK/native.strace")
if [ $rc -eq 0 ] && [ "$c" -eq $N ] && grep -q "made $N getppid calls" "$WORK/native.out"; then
    ok "native: the host sees all $N getppid calls"
else
    not_ok "native: status $rc, strace saw $c getppid calls, want $N"
    tail -n 5 "$WORK/native.err" | sed 's/^/#   /'
fi

# Inside the enclave: strace sees none.
if ! "$OCCLUM" new "$INST" >"$WORK/setup.log" 2>&1; then
    not_ok "setup: occlum new failed"
    sed 's/^/#   /' "$WORK/setup.log" | tail -n 20
    exit 1
fi
mkdir -p "$INST/image/bin"
cp "$BIN" "$INST/image/bin/getppid_loop"
if ! (cd "$INST" && timeout 300 "$OCCLUM" build) >>"$WORK/setup.log" 2>&1; then
    not_ok "setup: occlum build failed"
    sed 's/^/#   /' "$WORK/setup.log" | tail -n 20
    exit 1
fi
(cd "$INST" && timeout "$T" strace -f -e trace=getppid -o "$WORK/enclave.strace" \
    "$OCCLUM" run /bin/getppid_loop $N >"$WORK/enclave.out" 2>"$WORK/enclave.err")
rc=$?
c=$(calls "$WORK/enclave.strace")
if [ $rc -ne 0 ] || ! grep -q "made $N getppid calls" "$WORK/enclave.out"; then
    not_ok "enclave: getppid_loop did not report $N calls (status $rc)"
    sed "s/^/#   /" "$WORK/enclave.out"
    tail -n 10 "$WORK/enclave.err" | sed 's/^/#   /'
elif ! grep -q '+++ exited with' "$WORK/enclave.strace"; then
    not_ok "enclave: strace recorded no process exit (did it trace anything?)"
elif [ "$c" -ne 0 ]; then
    not_ok "enclave: the host saw $c of the guest's $N getppid calls, want 0"
else
    ok "enclave: $N guest getppid calls, none seen by the host"
fi

# The fast path: a `mov $nr, %eax; syscall` site (libc's getppid()) traps once, then is
# rewritten to enter the LibOS directly, so the host delivers far fewer SIGSYS (each one is
# an rt_sigreturn) than there are calls. Without the rewrite there would be at least N.
(cd "$INST" && timeout "$T" strace -f -e trace=rt_sigreturn -o "$WORK/fast.strace" \
    "$OCCLUM" run /bin/getppid_loop $N wrapper >"$WORK/fast.out" 2>"$WORK/fast.err")
rc=$?
traps=$(grep -c 'rt_sigreturn(' "$WORK/fast.strace")
if [ $rc -ne 0 ] || ! grep -q "made $N getppid calls" "$WORK/fast.out"; then
    not_ok "fast path: getppid_loop wrapper did not report $N calls (status $rc)"
    tail -n 10 "$WORK/fast.err" | sed 's/^/#   /'
elif [ "$traps" -ge $((N / 2)) ]; then
    not_ok "fast path: $traps host traps for $N getppid() calls, want far fewer than $N"
else
    ok "fast path: $N getppid() calls took $traps host traps in all"
fi

[ $fails -eq 0 ]
