#!/usr/bin/env bash
# Installs what building and testing need on Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Build: the toolchain, musl, BearSSL, jansson. Tests: strace (the interception proof), jq
# (editing Occlum.json), and the Debian programs test/apps/ runs inside the enclave.
apt-get install -y -q --no-install-recommends \
    build-essential musl-tools libbearssl-dev libjansson-dev strace jq binutils coreutils \
    python3 sqlite3 lua5.4 busybox openssl gzip dash libc-bin
