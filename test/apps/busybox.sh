#!/usr/bin/env bash
# Debian's busybox-static inside the enclave against the same binary natively, for applets
# that do not create processes. Each case must give the same exit status and the same stdout.
#
# The busybox binary: $BUSYBOX if set, else a cached $BUILD/apps/busybox, else /bin/busybox
# if it is static (the busybox-static package installed), else `apt-get download
# busybox-static` unpacked into $BUILD/apps/ (no binary is kept in the repository).
#
# File arguments are written @/path: inside the enclave that is /path in the image; natively
# it is the same file under the instance's image/ directory, and that prefix is removed from
# the native output so that, e.g., `sha256sum` and `ls` print the same names.
#
# Prints one "ok - busybox ..." / "not ok - busybox ..." line per case (run_tests.sh counts
# them) and exits nonzero if any case failed.

set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OCCLUM=${OCCLUM:-$BUILD/bin/occlum}
T=${TEST_TIMEOUT:-60}
WORK=$BUILD/test/apps/busybox
INST=$WORK/instance
IMG=$INST/image
fails=0

ok() { echo "ok - busybox $*"; }
not_ok() {
    echo "not ok - busybox $*"
    fails=$((fails + 1))
}

is_static() {
    [ -x "$1" ] && ! readelf -lW "$1" 2>/dev/null | grep -q INTERP &&
        readelf -hW "$1" 2>/dev/null | grep -q 'X86-64'
}

get_busybox() {
    local cached=$BUILD/apps/busybox
    if [ -n "${BUSYBOX:-}" ]; then
        echo "$BUSYBOX"
        return
    fi
    if is_static "$cached"; then
        echo "$cached"
        return
    fi
    mkdir -p "$BUILD/apps"
    if is_static /bin/busybox; then
        cp /bin/busybox "$cached"
    else
        local dl=$BUILD/apps/dl
        rm -rf "$dl"
        mkdir -p "$dl"
        (cd "$dl" && apt-get download busybox-static >&2 && dpkg-deb -x ./busybox-static_*.deb x) ||
            return 1
        cp "$dl/x/bin/busybox" "$cached"
        rm -rf "$dl"
    fi
    is_static "$cached" && echo "$cached"
}

BB=$(get_busybox)
if [ -z "$BB" ]; then
    not_ok "setup: no static busybox (install busybox-static, or set BUSYBOX=)"
    exit 1
fi

rm -rf "$WORK"
mkdir -p "$WORK"
if ! "$OCCLUM" new "$INST" >"$WORK/setup.log" 2>&1; then
    not_ok "setup: occlum new failed"
    sed 's/^/#   /' "$WORK/setup.log"
    exit 1
fi
mkdir -p "$IMG/bin" "$IMG/data"
cp "$BB" "$IMG/bin/busybox"
printf 'hello from the image\n' >"$IMG/data/hello.txt"
printf 'pear\napple\nfig\nbanana\napple\ncherry\n' >"$IMG/data/words.txt"
printf '10\n9\n100\n-3\n42\n' >"$IMG/data/nums.txt"
printf 'root:x:0:0\ndaemon:x:1:1\n' >"$IMG/data/colon.txt"
# All 256 byte values, for od and base64.
# shellcheck disable=SC2059 # the format is the octal escape itself
for i in $(seq 0 255); do printf "\\$(printf %03o "$i")"; done >"$IMG/data/bytes.bin"
base64 "$IMG/data/bytes.bin" >"$IMG/data/bytes.b64"
if ! (cd "$INST" && timeout 300 "$OCCLUM" build) >>"$WORK/setup.log" 2>&1; then
    not_ok "setup: occlum build failed"
    sed 's/^/#   /' "$WORK/setup.log" | tail -n 20
    exit 1
fi

# One case a line: STDIN|ARGS. STDIN is - for /dev/null or an @ path; ARGS are shell words.
cases=$(
    cat <<'CASES'
-|echo hello world
-|echo -n no newline
-|uname -m
-|sha256sum @/data/hello.txt
-|sha256sum @/bin/busybox
@/data/words.txt|sha256sum
-|md5sum @/data/bytes.bin
-|seq 1 100
-|seq 10 -3 -10
-|sort @/data/words.txt
-|sort -u @/data/words.txt
-|sort -n -r @/data/nums.txt
@/data/words.txt|sort
-|wc @/data/words.txt
@/data/words.txt|wc -l
-|od -c @/data/bytes.bin
-|od -A x -t x1 @/data/hello.txt
-|base64 @/data/bytes.bin
@/data/bytes.b64|base64 -d
-|expr 6 '*' 7
-|expr length hello
-|expr 0
-|printf '%s-%05d|%x|%c\n' abc 42 255 Z
-|cat @/data/hello.txt @/data/words.txt
@/data/hello.txt|cat
-|cat @/data/missing
-|head -n 2 @/data/words.txt
-|tail -n 2 @/data/words.txt
@/data/words.txt|tr a-z A-Z
-|cut -d : -f 1 @/data/colon.txt
-|ls @/bin
-|ls -a @/data
-|ls @/data/hello.txt @/data/words.txt
-|ls @/data/missing
-|true
-|false
CASES
)

n=0
while IFS='|' read -r stdin args; do
    n=$((n + 1))
    eval "set -- $args"
    nat=() enc=()
    for a in "$@"; do
        case $a in
        @/*)
            nat+=("$IMG${a#@}")
            enc+=("${a#@}")
            ;;
        *)
            nat+=("$a")
            enc+=("$a")
            ;;
        esac
    done
    in=/dev/null
    [ "$stdin" != - ] && in=$IMG${stdin#@}

    timeout "$T" "$IMG/bin/busybox" "${nat[@]}" <"$in" \
        >"$WORK/$n.native.raw" 2>"$WORK/$n.native.err"
    nrc=$?
    sed "s#$IMG##g" "$WORK/$n.native.raw" >"$WORK/$n.native"
    (cd "$INST" && timeout "$T" "$OCCLUM" run /bin/busybox "${enc[@]}" <"$in" \
        >"$WORK/$n.enclave" 2>"$WORK/$n.enclave.err")
    erc=$?

    name="$args$([ "$stdin" != - ] && echo " < $stdin")"
    if [ $nrc -ne $erc ]; then
        not_ok "$name: status $erc inside, $nrc natively"
        tail -n 5 "$WORK/$n.enclave.err" | sed 's/^/#   /'
    elif ! cmp -s "$WORK/$n.native" "$WORK/$n.enclave"; then
        not_ok "$name: output differs"
        diff "$WORK/$n.native" "$WORK/$n.enclave" | head -n 10 | sed 's/^/#   /'
        tail -n 5 "$WORK/$n.enclave.err" | sed 's/^/#   /'
    else
        ok "$name"
    fi
done <<<"$cases"

[ $fails -eq 0 ]
