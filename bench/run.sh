#!/usr/bin/env bash
# Benchmarks: each program natively and inside the enclave, in the same run, and the ratio.
#
# Rows (bench/README.md says what each one measures):
#   getppid via syscall(2)     bench/syscall_lat.c getppid N, glibc static-pie (its syscall()
#                              is rewritten by the fast path) and musl (its syscall() traps)
#   getppid() via libc         bench/syscall_lat.c getppid-libc N: a site the fast path rewrites
#   write 1 B to /dev/null     bench/syscall_lat.c write1 N, stdout -> /dev/null
#   write 4 KiB to /dev/null   bench/syscall_lat.c write4k N, stdout -> /dev/null
#   run hello (ms/run)         wall time of `occlum run /bin/hello` vs the same binary natively
#   python3 -c pass (ms/run)   wall time of Debian's python3 starting and exiting
#   spawn (us/spawn)           bench/spawn_lat.c: posix_spawn + waitpid of bench/exit0.c
#                              (static-pie) and of Debian's /bin/true (dynamic)
#   pipe (MB/s)                bench/pipe_tput.c: two processes, 4 KiB and 64 KiB blocks
#   ramfs, hostfs (MB/s)       bench/fs_seq.c: 64 MB written then read sequentially; ramfs
#                              inside vs tmpfs (/dev/shm) natively, hostfs vs the same host
#                              directory natively
# and, under the table, the floor for a trapped call (the musl getppid row): bench/sud_floor.c,
# a bare Syscall User Dispatch trap measured natively.
#
# The latency rows take the median of BENCH_REPS runs (native and enclave interleaved, so a
# slow spell of the machine hits both); the wall-time row is the mean over BENCH_RUNS runs,
# timed around the whole loop with date +%s%N after one warm-up run each.
#
# Nothing is asserted about time. The script fails (exit 1) only when a program cannot be
# built or run, or does not print its result line. It writes only under $BUILD/bench/.
#
# Environment: BUILD (default build), BENCH_BUILT=1 (skip the make step), BENCH_N (calls
# per latency run, default 200000), BENCH_REPS (default 5), BENCH_RUNS (default 20),
# BENCH_SPAWNS (spawns per spawn run, default 1000).

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OCCLUM=$BUILD/bin/occlum
N=${BENCH_N:-200000}
REPS=${BENCH_REPS:-5}
RUNS=${BENCH_RUNS:-20}
DIR=$BUILD/bench
INST=$DIR/instance
LOG=$DIR/log
errors=0
last_occ=""

die() {
    echo "bench: $*" >&2
    exit 1
}

# Build the programs through make, so there is one set of rules (bench/build.mk). `make bench`
# has already done it and says so with BENCH_BUILT=1.
if [ "${BENCH_BUILT:-0}" != 1 ]; then
    make -s BUILD="$BUILD" all bench-bins || die "cannot build the LibOS or the bench programs"
fi
[ -x "$OCCLUM" ] || die "$OCCLUM is not built"
for p in "$DIR/glibc/syscall_lat" "$DIR/glibc/hello" "$DIR/glibc/sud_floor" \
    "$DIR/glibc/spawn_lat" "$DIR/glibc/exit0" "$DIR/glibc/pipe_tput" "$DIR/glibc/fs_seq"; do
    [ -x "$p" ] || die "$p is not built"
done

# --- scratch instance ----------------------------------------------------------------------

rm -rf "$INST" "$LOG"
mkdir -p "$LOG"
"$OCCLUM" new "$INST" >"$LOG/setup" 2>&1 || {
    cat "$LOG/setup" >&2
    die "occlum new failed"
}
mkdir -p "$INST/image/bin"
cp "$DIR/glibc/syscall_lat" "$DIR/glibc/hello" "$DIR/glibc/spawn_lat" "$DIR/glibc/exit0" \
    "$DIR/glibc/pipe_tput" "$DIR/glibc/fs_seq" "$INST/image/bin/"
HOSTDIR=$DIR/hostdir
mkdir -p "$HOSTDIR"
# Debian's programs with their libraries; a LibOS heap big enough for a 64 MB ramfs file;
# the host directory mounted at /host.
have_python=0
if [ -x /usr/bin/python3 ] && (cd "$INST" && "$OCCLUM" add /usr/bin/python3 /usr/lib/python3.11 \
    /bin/true) >>"$LOG/setup" 2>&1; then
    have_python=1
else
    (cd "$INST" && "$OCCLUM" add /bin/true) >>"$LOG/setup" 2>&1 || die "occlum add /bin/true failed"
fi
jq --arg h "$HOSTDIR" '.resource_limits.kernel_space_heap_size = "256MB"
    | .mount += [{"target": "/host", "type": "hostfs", "source": $h}]' \
    "$INST/Occlum.json" >"$INST/Occlum.json.new" && mv "$INST/Occlum.json.new" "$INST/Occlum.json" ||
    die "cannot edit Occlum.json (is jq installed?)"
have_musl=0
if [ -x "$DIR/musl/syscall_lat" ]; then
    cp "$DIR/musl/syscall_lat" "$INST/image/bin/syscall_lat-musl"
    have_musl=1
fi
(cd "$INST" && "$OCCLUM" build) >>"$LOG/setup" 2>&1 || {
    cat "$LOG/setup" >&2
    die "occlum build failed"
}

# --- helpers -------------------------------------------------------------------------------

# median: the middle of the numbers on stdin (the lower middle for an even count).
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# lat WHERE PROG MODE: one run of syscall_lat; prints ns/call, or nothing (and counts an
# error) if the run failed. WHERE is "native" (PROG is a host path) or "occlum" (PROG is a
# path in the image). stdout is the sink, /dev/null as the benchmark requires.
lat() {
    local where=$1 prog=$2 mode=$3 err rc
    err=$LOG/$where-$(basename "$prog")-$mode.err
    if [ "$where" = native ]; then
        "$prog" "$mode" "$N" >/dev/null 2>"$err"
    else
        (cd "$INST" && "$OCCLUM" run "$prog" "$mode" "$N") >/dev/null 2>"$err"
    fi
    rc=$?
    local line
    line=$(grep -m1 "^syscall_lat $mode $N " "$err")
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        echo "bench: $where $prog $mode failed (status $rc):" >&2
        tail -n 5 "$err" | sed 's/^/bench:   /' >&2
        return 1
    fi
    echo "${line##* }"
}

# row NAME NATIVE OCCLUM: one line of the table; empty values print as "error".
row() {
    awk -v name="$1" -v a="$2" -v b="$3" 'BEGIN {
        ratio = (a != "" && b != "" && a > 0) ? sprintf("%.1fx", b / a) : "-";
        printf "%-34s %12s %12s   %s\n", name, (a == "" ? "error" : a), \
               (b == "" ? "error" : b), ratio
    }'
}

# latency_row NAME NATIVE_PROG IMAGE_PROG MODE
latency_row() {
    local name=$1 nprog=$2 iprog=$3 mode=$4 i v nat="" occ=""
    for ((i = 0; i < REPS; i++)); do
        if v=$(lat native "$nprog" "$mode"); then nat+="$v"$'\n'; else errors=$((errors + 1)); fi
        if v=$(lat occlum "$iprog" "$mode"); then occ+="$v"$'\n'; else errors=$((errors + 1)); fi
    done
    last_occ=$(printf '%s' "$occ" | median)
    row "$name" "$(printf '%s' "$nat" | median)" "$last_occ"
}

# sud_floor_line OCC_NS: the median over REPS runs of bench/sud_floor.c (the bare trap,
# natively), and its share of OCC_NS, the enclave's trapped getppid.
sud_floor_line() {
    local occ_ns=$1 i out v=""
    for ((i = 0; i < REPS; i++)); do
        if out=$("$DIR/glibc/sud_floor" "$N" 2>>"$LOG/sud_floor.err"); then
            v+="${out##* }"$'\n'
        else
            errors=$((errors + 1))
            tail -n 3 "$LOG/sud_floor.err" | sed 's/^/bench:   /' >&2
        fi
    done
    v=$(printf '%s' "$v" | median)
    [ -n "$v" ] || return
    awk -v f="$v" -v o="$occ_ns" 'BEGIN {
        share = (o > 0) ? sprintf(", %.0f%% of a trapped enclave getppid", 100 * f / o) : "";
        printf "# floor: a bare Syscall User Dispatch trap (SIGSYS + sigreturn), native: " \
               "%.1f ns/call%s\n", f, share
    }'
}

# wall CMD...: mean wall time in ms of RUNS runs of CMD (after one warm-up), or nothing if any
# run failed or printed something other than "hello".
wall() {
    local i t0 t1 out rc
    out=$("$@" 2>"$LOG/wall.err")
    rc=$?
    if [ $rc -ne 0 ] || [ "$out" != hello ]; then
        echo "bench: '$*' exited $rc and printed '$out', want 0 and 'hello':" >&2
        tail -n 5 "$LOG/wall.err" | sed 's/^/bench:   /' >&2
        return 1
    fi
    t0=$(date +%s%N)
    for ((i = 0; i < RUNS; i++)); do
        "$@" >/dev/null 2>>"$LOG/wall.err" || return 1
    done
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) -v n="$RUNS" 'BEGIN { printf "%.2f\n", d / n / 1e6 }'
}

# metric WHERE KEY CMD...: runs CMD (natively, or inside with WHERE=occlum) and prints the
# value of its stderr line "KEY value", or nothing (and counts an error).
metric() {
    local where=$1 key=$2 err rc line
    shift 2
    err=$LOG/metric-$where-${key// /_}.err
    if [ "$where" = native ]; then
        "$@" >/dev/null 2>"$err"
    else
        (cd "$INST" && "$OCCLUM" run "$@") >/dev/null 2>"$err"
    fi
    rc=$?
    line=$(grep -m1 "^$key " "$err")
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        echo "bench: $where $* failed (status $rc):" >&2
        tail -n 5 "$err" | sed 's/^/bench:   /' >&2
        return 1
    fi
    echo "${line##* }"
}

# metric_row NAME KEY NATIVE_CMD -- IMAGE_CMD: median over REPS runs of each.
metric_row() {
    local name=$1 key=$2 i v nat="" occ=""
    shift 2
    local ncmd=() icmd=()
    while [ "$1" != -- ]; do ncmd+=("$1"); shift; done
    shift
    icmd=("$@")
    for ((i = 0; i < REPS; i++)); do
        if v=$(metric native "$key" "${ncmd[@]}"); then nat+="$v"$'\n'; else errors=$((errors + 1)); fi
        if v=$(metric occlum "$key" "${icmd[@]}"); then occ+="$v"$'\n'; else errors=$((errors + 1)); fi
    done
    row "$name" "$(printf '%s' "$nat" | median)" "$(printf '%s' "$occ" | median)"
}

# wall_quiet CMD...: mean wall time in ms of RUNS runs of CMD after a warm-up, output ignored.
wall_quiet() {
    local i t0 t1
    "$@" >/dev/null 2>>"$LOG/wall.err" || return 1
    t0=$(date +%s%N)
    for ((i = 0; i < RUNS; i++)); do
        "$@" >/dev/null 2>>"$LOG/wall.err" || return 1
    done
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) -v n="$RUNS" 'BEGIN { printf "%.2f\n", d / n / 1e6 }'
}

# --- run -----------------------------------------------------------------------------------

echo "# occlum bench: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r)," \
    "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: *//'), $(nproc) CPUs"
echo "# latency: median of $REPS runs of $N calls each; wall time: mean of $RUNS runs"
printf "%-34s %12s %12s   %s\n" benchmark native occlum "ratio (occlum/native)"

latency_row "syscall(getppid) (ns/call, glibc)" "$DIR/glibc/syscall_lat" /bin/syscall_lat getppid
latency_row "getppid() libc, fast path (ns/call)" "$DIR/glibc/syscall_lat" /bin/syscall_lat \
    getppid-libc
getppid_occ=""
if [ $have_musl -eq 1 ]; then
    latency_row "syscall(getppid) (ns/call, musl)" "$DIR/musl/syscall_lat" /bin/syscall_lat-musl \
        getppid
    getppid_occ=$last_occ
fi
latency_row "write 1 B to /dev/null (ns/call)" "$DIR/glibc/syscall_lat" /bin/syscall_lat write1
latency_row "write 4 KiB to /dev/null (ns/call)" "$DIR/glibc/syscall_lat" /bin/syscall_lat \
    write4k

nat=$(wall "$DIR/glibc/hello") || { nat=""; errors=$((errors + 1)); }
occ=$(cd "$INST" && wall "$OCCLUM" run /bin/hello) || { occ=""; errors=$((errors + 1)); }
row "run hello (ms/run)" "$nat" "$occ"
if [ $have_python -eq 1 ]; then
    nat=$(wall_quiet /usr/bin/python3 -c pass) || { nat=""; errors=$((errors + 1)); }
    occ=$(cd "$INST" && wall_quiet "$OCCLUM" run /usr/bin/python3 -c pass) ||
        { occ=""; errors=$((errors + 1)); }
    row "python3 -c pass (ms/run)" "$nat" "$occ"
fi
SPAWNS=${BENCH_SPAWNS:-1000} # the first spawn of a program copies it; later ones reuse it
metric_row "spawn static-pie (us/spawn)" spawn_lat "$DIR/glibc/spawn_lat" "$DIR/glibc/exit0" \
    "$SPAWNS" -- /bin/spawn_lat /bin/exit0 "$SPAWNS"
metric_row "spawn /bin/true (us/spawn)" spawn_lat "$DIR/glibc/spawn_lat" /bin/true "$SPAWNS" \
    -- /bin/spawn_lat /bin/true "$SPAWNS"
metric_row "pipe 4 KiB blocks (MB/s)" "pipe_tput 4096" "$DIR/glibc/pipe_tput" 4096 256 \
    -- /bin/pipe_tput 4096 256
metric_row "pipe 64 KiB blocks (MB/s)" "pipe_tput 65536" "$DIR/glibc/pipe_tput" 65536 1024 \
    -- /bin/pipe_tput 65536 1024
metric_row "ramfs 64 MB write (MB/s)" "fs_seq write" "$DIR/glibc/fs_seq" /dev/shm 64 \
    -- /bin/fs_seq /tmp 64
metric_row "ramfs 64 MB read (MB/s)" "fs_seq read" "$DIR/glibc/fs_seq" /dev/shm 64 \
    -- /bin/fs_seq /tmp 64
metric_row "hostfs 64 MB write (MB/s)" "fs_seq write" "$DIR/glibc/fs_seq" "$HOSTDIR" 64 \
    -- /bin/fs_seq /host 64
metric_row "hostfs 64 MB read (MB/s)" "fs_seq read" "$DIR/glibc/fs_seq" "$HOSTDIR" 64 \
    -- /bin/fs_seq /host 64
sud_floor_line "$getppid_occ"

if [ $errors -ne 0 ]; then
    echo "bench: $errors run(s) failed; logs in $LOG" >&2
    exit 1
fi
