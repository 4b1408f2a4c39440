#!/usr/bin/env bash
# Guest system calls never reach the host: under `strace -f`, a guest program that calls
# getppid 1000 times (test/conformance/getppid_loop.c) makes the host see zero getppid calls,
# while the program itself reports making all 1000. A native run under the same strace
# command must show all 1000, which proves the strace filter would have seen them.
# The fast path: rewritten syscall sites (libc's getppid(), glibc's read() on both of its
# paths, test/conformance/read_loop.c) cost far fewer host traps than calls.
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
READ_BIN=$BUILD/test/conformance/glibc-pie/read_loop
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
for b in "$BIN" "$READ_BIN"; do
    if [ ! -x "$b" ]; then
        not_ok "setup: $b is not built"
        exit 1
    fi
done

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
cp "$READ_BIN" "$INST/image/bin/read_loop"
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

# fast NAME WHAT ARGS...: runs /bin/ARGS inside under `strace -f -e trace=rt_sigreturn`; the
# program must report "made $N WHAT" and the host must deliver far fewer SIGSYS (each one is
# an rt_sigreturn) than N: the site trapped once, then was rewritten to enter the LibOS
# directly. Without the rewrite there would be at least N.
fast() {
    local name=$1 what=$2
    shift 2
    (cd "$INST" && timeout "$T" strace -f -e trace=rt_sigreturn -o "$WORK/$name.strace" \
        "$OCCLUM" run "/bin/$@" >"$WORK/$name.out" 2>"$WORK/$name.err")
    local rc=$? traps
    traps=$(grep -c 'rt_sigreturn(' "$WORK/$name.strace")
    if [ $rc -ne 0 ] || ! grep -q "made $N $what" "$WORK/$name.out"; then
        not_ok "fast path: $* did not report $N $what (status $rc)"
        sed "s/^/#   /" "$WORK/$name.out"
        tail -n 10 "$WORK/$name.err" | sed 's/^/#   /'
    elif [ "$traps" -ge $((N / 2)) ]; then
        not_ok "fast path: $traps host traps for $* ($N $what), want far fewer than $N"
    else
        ok "fast path: $* ($N $what) took $traps host traps in all"
    fi
}

# `mov $nr, %eax; syscall` (libc's getppid()): the mov becomes a jump to a stub.
fast getppid "getppid calls" getppid_loop $N wrapper
# `xor %eax, %eax; syscall` (glibc's read()): the xor becomes a short jump into the function's
# alignment padding, which jumps to a stub. Single-threaded, then with a second thread, where
# glibc takes its cancellable read path (another site, with other padding).
fast read "reads" read_loop $N
fast read_threads "reads" read_loop $N threads

[ $fails -eq 0 ]
