#!/usr/bin/env bash
# Debian's own dynamically linked programs inside the enclave against the same programs
# natively (issues 3 and 4): python3 with its standard library, sqlite3, lua5.4, the dynamic
# busybox, coreutils, openssl and gzip, including the python3/lua5.4 cases that create
# processes, threads, pipes and timers. Each case must end with the same exit status and
# print the same stdout and stderr, byte for byte.
#
# Setup: one instance under $BUILD/test/apps/debian/instance; `occlum add` copies the programs
# (with their interpreter and libraries) and /usr/lib/python3.11; the inputs are written to
# image/root/apps/ (data/, tree/, and the scripts of test/apps/debian/); Occlum.json gets
# /root/apps as an entry point (for the #! script) and env.default PATH=/usr/bin:/bin.
# Natively every program runs with `env -i PATH=/usr/bin:/bin OCCLUM=yes` (the enclave's
# environment) from an empty directory.
#
# Arguments of a case: @/path is /path in the image: inside the enclave that path, natively
# the same file under image/. @tmp/NAME is a file in a scratch directory: in /tmp inside (a
# fresh ramfs each run), natively in a fresh directory under $WORK. Both prefixes are removed
# from the native output ("image/..." -> "/...", scratch -> /tmp), so programs that print
# paths still match.
# stderr must match too (after the same rewriting): a LibOS that makes a program complain
# fails the case even when stdout and status agree. The native run must end with the case's
# expected status (`want=N c ...`, default 0), so a case that is broken natively is caught.
# A case may name a FILTER applied to both outputs before comparing, for fields that differ
# between file systems for good reasons (ls's "total" blocks, directory sizes).
#
# The programs come from Debian packages: python3 (python3.11), sqlite3, lua5.4, busybox,
# openssl, gzip, coreutils, dash, and libc-bin's C.UTF-8 locale (python3 switches to it, and
# its children then print UTF-8 quotes). A missing one fails the setup with its name.
#
# Prints one "ok - apps ..." / "not ok - apps ..." line per case (run_tests.sh counts them)
# and exits nonzero if any case failed. APPS_TIMEOUT (default 30) bounds each program run.

# shellcheck disable=SC2016 # the single-quoted $ are for the programs (sh -c, lua5.4 -e)
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OCCLUM=${OCCLUM:-$BUILD/bin/occlum}
case $OCCLUM in /*) ;; *) OCCLUM=$ROOT/$OCCLUM ;; esac
T=${APPS_TIMEOUT:-30}
WORK=$BUILD/test/apps/debian
INST=$WORK/instance
IMG=$INST/image
APPS=$IMG/root/apps
NTMP=$WORK/ntmp   # the native scratch directory (@tmp)
NCWD=$WORK/ncwd   # the native working directory (empty)
NATIVE_ENV=(env -i PATH=/usr/bin:/bin OCCLUM=yes)
fails=0

ok() { echo "ok - apps $*"; }
not_ok() {
    echo "not ok - apps $*"
    fails=$((fails + 1))
}
setup_fail() {
    not_ok "setup: $1"
    [ -s "$WORK/setup.log" ] && tail -n 20 "$WORK/setup.log" | cut -c 1-300 | sed 's/^/#   /'
    exit 1
}

PROGRAMS=(
    /usr/bin/python3 /usr/bin/sqlite3 /usr/bin/lua5.4 /bin/busybox /usr/bin/openssl
    /usr/bin/gzip /usr/bin/gunzip /bin/sh /usr/bin/dash
    /usr/bin/ls /usr/bin/cp /usr/bin/mv /usr/bin/rm /usr/bin/mkdir /usr/bin/ln /usr/bin/stat
    /usr/bin/sha256sum /usr/bin/sort /usr/bin/head /usr/bin/tail /usr/bin/tr /usr/bin/cut
    /usr/bin/date /usr/bin/cat /usr/bin/env /usr/bin/true /usr/bin/false /usr/bin/readlink
    /usr/bin/sleep /usr/bin/yes /usr/bin/wc /usr/bin/make /usr/lib/locale/C.utf8
)

rm -rf "$WORK"
mkdir -p "$WORK" "$NCWD"
: >"$WORK/setup.log"
for p in "${PROGRAMS[@]}" /usr/lib/python3.11; do
    [ -e "$p" ] || setup_fail "$p is missing (Debian: apt-get install python3 sqlite3 lua5.4 \
busybox openssl gzip coreutils dash libc-bin)"
done
[ -x "$OCCLUM" ] || setup_fail "$OCCLUM is not built"
"$OCCLUM" new "$INST" >>"$WORK/setup.log" 2>&1 || setup_fail "occlum new failed"
(cd "$INST" && "$OCCLUM" add "${PROGRAMS[@]}" /usr/lib/python3.11) >>"$WORK/setup.log" 2>&1 ||
    setup_fail "occlum add failed"

# The inputs.
mkdir -p "$APPS/data" "$APPS/tree/sub"
cp test/apps/debian/*.py test/apps/debian/*.lua test/apps/debian/Makefile.jobs "$APPS/"
chmod 644 "$APPS"/*.py "$APPS"/*.lua
chmod 755 "$APPS/shebang.py"
printf 'hello from the image\n' >"$APPS/data/hello.txt"
printf 'pear\napple\nfig\nbanana\napple\ncherry\n' >"$APPS/data/words.txt"
printf '10\n9\n100\n-3\n42\n' >"$APPS/data/nums.txt"
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n' \
    >"$APPS/data/colon.txt"
seq 1 60000 | sed 's/$/ the quick brown fox jumps over the lazy dog/' >"$APPS/data/big.txt"
gzip -9 -n -c "$APPS/data/big.txt" >"$APPS/data/big.txt.gz"
{
    echo 'create table t(a integer primary key, b text, c real);'
    echo 'begin;'
    seq 1 10000 |
        awk '{ printf "insert into t(b, c) values (\x27row %d\x27, %d.5);\n", $1, $1 % 97 }'
    echo 'commit;'
    echo 'select count(*), sum(a), sum(c), min(b), max(b) from t;'
    echo 'select b from t where a in (1, 5000, 10000) order by a;'
    echo 'delete from t where a % 2 = 0;'
    echo 'select count(*), total(c) from t;'
    echo 'pragma integrity_check;'
} >"$APPS/data/rows.sql"
printf 'one\n' >"$APPS/tree/f1"
printf 'second file\n' >"$APPS/tree/f2"
printf 'third, in sub\n' >"$APPS/tree/sub/f3"
ln -s f1 "$APPS/tree/link"
chmod 640 "$APPS/tree/f1"
chmod 644 "$APPS/tree/f2" "$APPS/tree/sub/f3"
chmod 755 "$APPS/tree" "$APPS/tree/sub"
touch -h -d '2021-03-04 05:06:07' "$APPS/tree"/* "$APPS/tree/sub/f3" "$APPS/tree/sub"
chmod 755 "$IMG/root" "$APPS" "$APPS/data"

# user_space_size: glibc gives each new thread's malloc arena a 128 MiB PROT_NONE reservation,
# which takes user range inside; with the default 300MB, ThreadPoolExecutor's second arena does
# not fit (glibc falls back to the main arena, but the LibOS logs an error on stderr).
if ! jq '.entry_points += ["/root/apps"] | .env.default = ["PATH=/usr/bin:/bin", "OCCLUM=yes"]
        | .resource_limits.user_space_size = "1GB"' "$INST/Occlum.json" \
    >"$INST/Occlum.json.new" 2>>"$WORK/setup.log"; then
    setup_fail "cannot edit Occlum.json (is jq installed?)"
fi
mv "$INST/Occlum.json.new" "$INST/Occlum.json"
(cd "$INST" && timeout 300 "$OCCLUM" build) >>"$WORK/setup.log" 2>&1 ||
    setup_fail "occlum build failed"

# filter NAME: the comparison filter of a case (stdin to stdout).
filter() {
    case $1 in
    -) cat ;;
    # ls -l: the "total" line counts blocks, and a directory's size and link count are the
    # file system's (4096 and 2+subdirs on ext4; ramfs and the image differ).
    # Columns are rejoined with single spaces, since their widths follow the widest field.
    lsl) sed '/^total /d' | awk '$1 ~ /^d/ { $2 = "N"; $5 = "S" } { $1 = $1; print }' ;;
    # Directory order: readdir order is the file system's, so cp -v's order may differ.
    sort) LC_ALL=C sort ;;
    *) echo "unknown filter $1" ;;
    esac
}

n=0
mkdir -p "$WORK/cases"
# [want=N] c NAME STDIN FILTER PROGRAM ARGS...: run one case natively and inside, compare.
# STDIN is - for /dev/null or an @/path; N is the status the native run must end with.
c() {
    local name=$1 stdin=$2 filt=$3 wantrc=${want:-0}
    shift 3
    n=$((n + 1))
    local nat=() enc=() a
    for a in "$@"; do
        case $a in
        @/*) nat+=("$IMG${a#@}") && enc+=("${a#@}") ;;
        @tmp/*) nat+=("$NTMP${a#@tmp}") && enc+=("/tmp${a#@tmp}") ;;
        *) nat+=("$a") && enc+=("$a") ;;
        esac
    done
    local in=/dev/null
    [ "$stdin" != - ] && in=$IMG${stdin#@}
    local base=$WORK/cases/$n
    rm -rf "$NTMP"
    mkdir -p "$NTMP"

    (cd "$NCWD" && "${NATIVE_ENV[@]}" timeout "$T" "${nat[@]}" <"$in" >"$base.native.raw" \
        2>"$base.native.err")
    local nrc=$?
    sed -e "s#$NTMP#/tmp#g" -e "s#$IMG##g" "$base.native.raw" | filter "$filt" >"$base.native"
    sed -i -e "s#$NTMP#/tmp#g" -e "s#$IMG##g" "$base.native.err"
    # (The outer 2>/dev/null drops bash's "Aborted" notice when the runtime dies.)
    (cd "$INST" && timeout "$T" "$OCCLUM" run "${enc[@]}" <"$in" >"$base.enclave.raw" \
        2>"$base.enclave.err") 2>/dev/null
    local erc=$?
    filter "$filt" <"$base.enclave.raw" >"$base.enclave"

    if [ $nrc -ne "$wantrc" ]; then
        not_ok "$name: status $nrc natively, want $wantrc (test bug?)"
        tail -n 8 "$base.native.err" | cut -c 1-300 | sed 's/^/#   native stderr: /'
    elif [ $nrc -ne $erc ]; then
        local why=
        [ $erc -eq 124 ] && why=" (timeout after ${T}s)"
        [ $erc -gt 128 ] && [ $erc -ne 255 ] && why=" (killed by signal $((erc - 128)))"
        not_ok "$name: status $erc inside, $nrc natively$why"
        diff "$base.native" "$base.enclave" | head -n 10 | cut -c 1-300 | sed 's/^/#   /'
        tail -n 8 "$base.enclave.err" | cut -c 1-300 | sed 's/^/#   stderr: /'
    elif ! cmp -s "$base.native" "$base.enclave"; then
        not_ok "$name: output differs"
        diff "$base.native" "$base.enclave" | head -n 14 | cut -c 1-300 | sed 's/^/#   /'
        tail -n 8 "$base.enclave.err" | cut -c 1-300 | sed 's/^/#   stderr: /'
    elif ! cmp -s "$base.native.err" "$base.enclave.err"; then
        not_ok "$name: stderr differs"
        diff "$base.native.err" "$base.enclave.err" | head -n 10 | cut -c 1-300 | sed 's/^/#   /'
    else
        ok "$name"
    fi
}

# --- python3 (issue 3) ---
c "python3 -c" - - /usr/bin/python3 -c \
    'import json, hashlib, sqlite3, decimal, re, zlib
print(json.dumps({"a": [1, 2]}), hashlib.sha256(b"x").hexdigest(), sqlite3.sqlite_version,
      decimal.Decimal(1) / 3, re.sub("b+", "-", "abbbc"), zlib.crc32(b"occlum"))'
c "python3 stdlib imports" - - /usr/bin/python3 @/root/apps/imports.py
c "python3 #! script" - - @/root/apps/shebang.py a 'b c'
want=7 c "python3 #! script exit status" - - @/root/apps/shebang.py 7
want=3 c "python3 exit status" - - /usr/bin/python3 -c 'import sys; print("bye"); sys.exit(3)'
want=1 c "python3 uncaught exception" - - /usr/bin/python3 -c 'print("before", flush=True); 1/0'
c "python3 stdin" @/root/apps/data/words.txt - /usr/bin/python3 -c \
    'import sys; print(sorted(sys.stdin.read().split()))'
# A regular file as stdin: fstat shows the file (gzip compares st_size with what it read),
# and it is seekable (tail, sqlite3's .read and python's buffered reader rely on that).
c "python3 stdin file: fstat" @/root/apps/data/words.txt - /usr/bin/python3 -c \
    'import os, stat; st = os.fstat(0)
print(stat.S_ISREG(st.st_mode), oct(stat.S_IMODE(st.st_mode)), st.st_size, st.st_nlink)'
c "python3 stdin file: lseek" @/root/apps/data/words.txt - /usr/bin/python3 -c \
    'import os, sys
print(sys.stdin.seekable(), os.lseek(0, 0, 1), os.read(0, 5), os.lseek(0, 0, 1),
      os.lseek(0, -3, 2), os.read(0, 10))'

# --- python3 with processes, threads, pipes, timers (issue 4) ---
c "python3 subprocess.run sort" - - /usr/bin/python3 @/root/apps/subproc.py \
    @/root/apps/data/words.txt
c "python3 ThreadPoolExecutor" - - /usr/bin/python3 @/root/apps/threads.py
c "python3 signal.setitimer" - - /usr/bin/python3 @/root/apps/itimer.py
c "python3 os.pipe between children" - - /usr/bin/python3 @/root/apps/pipes.py \
    @/root/apps/data/words.txt @/root/apps/data/big.txt
c "python3 os.system" - - /usr/bin/python3 -c \
    'import os; print(os.system("/usr/bin/true"), os.waitstatus_to_exitcode(os.system("exit 5")))'
c "coreutils mkdir -p, cp -a, mv, ln -s, rm -r (driven by python3)" - - /usr/bin/python3 \
    @/root/apps/fsops.py @/root/apps/tree
c "python3 maps libc and programs after 60 spawns: the files' bytes" - - /usr/bin/python3 \
    @/root/apps/reuse.py

# --- sqlite3 ---
c "sqlite3 10000 rows in a transaction, file in /tmp" @/root/apps/data/rows.sql - \
    /usr/bin/sqlite3 @tmp/app.db
c "sqlite3 one-liner on /tmp" - - /usr/bin/sqlite3 @tmp/app.db \
    'create table t(a); insert into t values(42); select * from t;'
c "sqlite3 :memory:" - - /usr/bin/sqlite3 -header -csv :memory: \
    "select 1 as one, 'two' as two, printf('%.3f', 22.0/7) as pi, hex(zeroblob(2)) as z;"

# --- lua5.4 ---
c "lua5.4 -e" - - /usr/bin/lua5.4 -e \
    'local t = {} for i = 1, 10 do t[i] = (i * 37) % 11 end table.sort(t)
print(table.concat(t, ","), string.format("%5.2f|%x|%q", math.pi, 255, "a\n"),
      #string.rep("ab", 1000), 2^53, 7 // 2, math.maxinteger, utf8.char(233, 8364))'
want=4 c "lua5.4 io.write/os.exit" - - /usr/bin/lua5.4 -e 'io.write("no newline") os.exit(4)'
c "lua5.4 io.lines from stdin" @/root/apps/data/words.txt - /usr/bin/lua5.4 -e \
    'local n = 0 for l in io.lines() do n = n + #l end print(n)'
c "lua5.4 files in the image and /tmp" - - /usr/bin/lua5.4 @/root/apps/files.lua \
    @/root/apps/data/big.txt
c "lua5.4 io.popen, os.execute" - - /usr/bin/lua5.4 @/root/apps/popen.lua \
    @/root/apps/data/words.txt

# --- make: parallel jobs, each recipe a spawned process ---
c "make -j2" - - /usr/bin/make -s -j2 -C @tmp/ -f @/root/apps/Makefile.jobs

# --- coreutils, one program per case ---
c "coreutils ls -1" - - /usr/bin/ls -1 @/root/apps/tree @/root/apps/tree/sub
c "coreutils ls -la" - lsl /usr/bin/ls -la --time-style=+%F_%T @/root/apps/tree
c "coreutils ls -lan (numeric ids)" - lsl /usr/bin/ls -lan --time-style=+%F_%T @/root/apps/tree/sub
c "coreutils cp -av into /tmp" - sort /usr/bin/cp -av @/root/apps/tree @tmp/copy
c "coreutils mkdir -pv in /tmp" - - /usr/bin/mkdir -pv @tmp/a/b/c
c "coreutils ln -sv in /tmp" - - /usr/bin/ln -sv /root/apps/data/hello.txt @tmp/l
c "coreutils stat -c" - - /usr/bin/stat -c '%s %F %a' @/root/apps/tree/f1 @/root/apps/tree/link \
    @/root/apps/data/big.txt
c "coreutils stat -L -c" - - /usr/bin/stat -L -c '%s %F %a %Y' @/root/apps/tree/link
want=1 c "coreutils stat missing" - - /usr/bin/stat -c '%s' @/root/apps/tree/missing
c "coreutils sha256sum" - - /usr/bin/sha256sum @/root/apps/data/big.txt @/root/apps/data/hello.txt
c "coreutils sha256sum stdin" @/root/apps/data/words.txt - /usr/bin/sha256sum
c "coreutils sort" - - /usr/bin/sort @/root/apps/data/words.txt
c "coreutils sort -n -r" - - /usr/bin/sort -n -r @/root/apps/data/nums.txt
c "coreutils sort -u stdin" @/root/apps/data/words.txt - /usr/bin/sort -u
c "coreutils head" - - /usr/bin/head -n 3 @/root/apps/data/big.txt
c "coreutils head -c" - - /usr/bin/head -c 100 @/root/apps/data/big.txt
c "coreutils tail" - - /usr/bin/tail -n 2 @/root/apps/data/big.txt
c "coreutils tail stdin" @/root/apps/data/big.txt - /usr/bin/tail -n 1
c "coreutils tr" @/root/apps/data/words.txt - /usr/bin/tr a-z A-Z
c "coreutils tr -d" @/root/apps/data/hello.txt - /usr/bin/tr -d aeiou
c "coreutils cut" - - /usr/bin/cut -d : -f 1,6 @/root/apps/data/colon.txt
c "coreutils date -u -d @0" - - /usr/bin/date -u -d @0
c "coreutils date -u format" - - /usr/bin/date -u -d @1700000000 '+%F %T %s %A %j'
c "coreutils wc" - - /usr/bin/wc @/root/apps/data/big.txt
want=1 c "coreutils cat missing file" - - /usr/bin/cat @/root/apps/data/missing

# --- the dynamic busybox ---
c "busybox echo" - - /bin/busybox echo hello world
c "busybox ls -1" - - /bin/busybox ls -1 @/root/apps/tree
c "busybox sha256sum" - - /bin/busybox sha256sum @/root/apps/data/big.txt
c "busybox sort -n" - - /bin/busybox sort -n @/root/apps/data/nums.txt
c "busybox tail" - - /bin/busybox tail -n 3 @/root/apps/data/big.txt
c "busybox tr" @/root/apps/data/words.txt - /bin/busybox tr a-z A-Z
c "busybox cut" - - /bin/busybox cut -d : -f 7 @/root/apps/data/colon.txt
c "busybox date -u -d @0" - - /bin/busybox date -u -d @0
c "busybox stat -c" - - /bin/busybox stat -c '%s %F' @/root/apps/tree/f2 @/root/apps/tree/link
c "busybox mkdir -p in /tmp" - - /bin/busybox mkdir -p @tmp/x/y/z
c "busybox gunzip -c" - - /bin/busybox gunzip -c @/root/apps/data/big.txt.gz
c "busybox sh -c (last command exec'd)" - - /bin/busybox sh -c 'echo from ash; exec /usr/bin/true'
c "busybox sh -c simple command" - - /bin/busybox sh -c '/bin/busybox echo simple'

# --- dash: sh -c with one simple command needs no fork ---
c "sh -c one command" - - /bin/sh -c '/usr/bin/cat "$1"' sh @/root/apps/data/hello.txt
want=2 c "sh -c builtins only" - - /bin/sh -c 'x=3; echo "x=$x"; exit 2'

# --- openssl, gzip ---
c "openssl dgst -sha256" - - /usr/bin/openssl dgst -sha256 @/root/apps/data/big.txt
c "openssl dgst -sha512 stdin" @/root/apps/data/words.txt - /usr/bin/openssl dgst -sha512
c "openssl base64" - - /usr/bin/openssl base64 -in @/root/apps/data/hello.txt
c "gzip -c -n" - - /usr/bin/gzip -c -n -6 @/root/apps/data/big.txt
c "gunzip -c" - - /usr/bin/gunzip -c @/root/apps/data/big.txt.gz
c "gzip -c stdin" @/root/apps/data/big.txt - /usr/bin/gzip -c -n
c "gzip -t" - - /usr/bin/gzip -t -v @/root/apps/data/big.txt.gz

[ $fails -eq 0 ]
