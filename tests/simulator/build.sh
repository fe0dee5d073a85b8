#!/bin/sh
# Builds tests/simulator/vcsim-virt-esx from Debian's Go toolchain and govmomi
# source (golang-go, golang-github-vmware-govmomi-dev). Run from anywhere.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

: "${GOPATH:=/usr/share/gocode}"
if [ ! -d "$GOPATH/src/github.com/vmware/govmomi/simulator" ]; then
    echo "build.sh: govmomi source not found under $GOPATH (install golang-github-vmware-govmomi-dev)" >&2
    exit 1
fi
command -v go >/dev/null 2>&1 || { echo "build.sh: go not found (install golang-go)" >&2; exit 1; }

# The build cache must be writable; GOPATH (a system directory) is not.
if [ -z "${GOCACHE:-}" ]; then
    GOCACHE="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/go-build"
    if ! mkdir -p "$GOCACHE" 2>/dev/null || [ ! -w "$GOCACHE" ]; then
        GOCACHE="${TMPDIR:-/tmp}/vcsim-virt-esx-go-build-$(id -u)"
        mkdir -p "$GOCACHE"
    fi
fi

cd "$repo"
GOPATH="$GOPATH" GO111MODULE=off GOFLAGS= GOCACHE="$GOCACHE" \
    go build -o tests/simulator/vcsim-virt-esx ./tests/simulator
echo "built $repo/tests/simulator/vcsim-virt-esx"
