#!/usr/bin/env bash
# Debian packages the tests need: Go and govmomi's source (the `simulator` package), libvirt's virsh
# (libvirt-clients) as the oracle, plus git for the collection copy. Installs only what is missing.
set -euo pipefail
missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] || missing+=(golang-github-vmware-govmomi-dev)

command -v git >/dev/null 2>&1 || missing+=(git)
# Test-only: libvirt 9.0.0's virsh and ESX driver, the oracle the collection's outputs are compared with
# (tests/oracle, the libvirt_oracle integration target).
command -v virsh >/dev/null 2>&1 || missing+=(libvirt-clients)
# `install-system-deps.sh docs`: headless Chromium, which opens the built docs site (make docs).
if [ "${1:-}" = docs ]; then
    missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
