#!/usr/bin/env bash
# 1,000 spawn-and-wait iterations inside one enclave leak no host threads: while
# test/conformance/spawn_many runs inside (it checks fds and threads from inside, via /proc),
# the host runtime's thread count is sampled from outside and must stay small — each child
# runs on a host thread that ends with it.
#
# Prints "ok - leak ..." / "not ok - leak ..." lines (run_tests.sh counts them).

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OCCLUM=${OCCLUM:-$BUILD/bin/occlum}
T=${TEST_TIMEOUT:-60}
BIN=$BUILD/test/conformance/glibc-pie/spawn_many
WORK=$BUILD/test/spawn_leak
INST=$WORK/instance
# main thread + spawner + one child's thread + one child still leaving
MAX_HOST_THREADS=5

rm -rf "$WORK"
mkdir -p "$WORK"
if [ ! -x "$BIN" ]; then
    echo "not ok - leak setup: $BIN is not built"
    exit 1
fi
"$OCCLUM" new "$INST" >/dev/null 2>&1 && cp "$BIN" "$INST/image/bin/spawn_many" &&
    (cd "$INST" && "$OCCLUM" build >/dev/null 2>&1) || {
    echo "not ok - leak setup: cannot build the instance"
    exit 1
}

cd "$INST" || exit 1
# `occlum run` execs the runtime, so $! is the runtime's pid (no `timeout` in between: a
# watchdog kills it instead).
"$OCCLUM" run /bin/spawn_many 1000 >"$WORK/out" 2>"$WORK/err" &
pid=$!
(sleep "$T" && kill -9 "$pid" 2>/dev/null) &
watchdog=$!
max=0
samples=0
while kill -0 "$pid" 2>/dev/null; do
    n=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
    [ "$n" -gt "$max" ] && max=$n
    samples=$((samples + 1))
    sleep 0.02
done
wait "$pid"
rc=$?
kill "$watchdog" 2>/dev/null
fails=0
if [ "$rc" = 0 ] && grep -q "spawn_many: 6 checks, 0 failed" "$WORK/out"; then
    echo "ok - leak 1000 spawns inside: fds, threads and children all back to the start"
else
    echo "not ok - leak 1000 spawns inside: status $rc"
    sed 's/^/#   /' "$WORK/out" "$WORK/err" | tail -20
    fails=1
fi
if [ "$max" -le "$MAX_HOST_THREADS" ] && [ "$samples" -gt 3 ]; then
    echo "ok - leak host threads stay at most $MAX_HOST_THREADS (saw $max in $samples samples)"
else
    echo "not ok - leak host threads: saw $max (limit $MAX_HOST_THREADS) in $samples samples"
    fails=1
fi
[ "$fails" -eq 0 ]
