#!/usr/bin/env bash
# `make demo`: builds a static-pie program, puts it in a fresh Occlum instance with a file
# for it to read, builds the enclave and runs the program inside it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
OCCLUM=$BUILD/bin/occlum
INST=$BUILD/demo/instance

mkdir -p "$BUILD/demo"
gcc -std=gnu11 -O2 -static-pie -fPIE -o "$BUILD/demo/demo" demo/demo.c
rm -rf "$INST"
"$OCCLUM" new "$INST" >/dev/null
mkdir -p "$INST/image/etc/demo"
cp "$BUILD/demo/demo" "$INST/image/bin/demo"
echo "Hello from inside the enclave: this file came from the image." \
    >"$INST/image/etc/demo/message.txt"
cd "$INST"
"$OCCLUM" build
echo "+ occlum run /bin/demo"
"$OCCLUM" run /bin/demo
