#!/usr/bin/env bash
# Proves the release path: `ansible-galaxy collection build` makes a tarball without venvs,
# build output or binaries; `ansible-galaxy collection install` installs it; the demo runs
# from the installed copy (its playbooks and plugins) against the simulator.
#   VIRT_ESX_VENV  the venv with ansible-core and pyvmomi (default: .venv)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VIRT_ESX_VENV:-$root/.venv}
work=$(mktemp -d "${TMPDIR:-/tmp}/virt-esx-galaxy.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

"$venv/bin/ansible-galaxy" collection build --force --output-path "$work/dist" "$root" >/dev/null
tarball=$(ls "$work"/dist/virt-esx-*.tar.gz)
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB) in $(elapsed)"

# Nothing that is local state, generated or binary may ship.
tar -tzf "$tarball" > "$work/contents"
forbidden='^(\.venv|\.ci|\.git|build|tests/output)/|__pycache__|\.pyc$|\.pytest_cache|\.hypothesis|\.tar\.gz$|tests/simulator/vcsim-virt-esx$|cloud-config-vcenter\.ini$'
if grep -E "$forbidden" "$work/contents"; then
    echo "the tarball contains the files above, which build_ignore in galaxy.yml must exclude" >&2
    exit 1
fi
for needed in MANIFEST.json FILES.json plugins/modules/vm.py plugins/inventory/vms.py meta/runtime.yml \
              roles/vm_provision/meta/argument_specs.yml demo/build.yml docs/getting-started.md; do
    grep -qx "$needed" "$work/contents" || { echo "the tarball lacks $needed" >&2; exit 1; }
done

ANSIBLE_COLLECTIONS_PATH="$work/collections" "$venv/bin/ansible-galaxy" collection install --offline -p "$work/collections" "$tarball" >/dev/null
installed="$work/collections/ansible_collections/virt/esx"
echo "installed into $installed in $(elapsed)"
ANSIBLE_COLLECTIONS_PATH="$work/collections" "$venv/bin/ansible-doc" -t module virt.esx.vm >/dev/null
ANSIBLE_COLLECTIONS_PATH="$work/collections" "$venv/bin/ansible-doc" -t role virt.esx.vm_provision >/dev/null

VIRT_ESX_COLLECTIONS_PATH="$work/collections" VIRT_ESX_DEMO_DIR="$installed/demo" VIRT_ESX_VENV="$venv" \
    VIRT_ESX_DEMO_STATE="$work/sim" "$root/tests/demo.sh" > "$work/demo.log" 2>&1 \
    || { cat "$work/demo.log"; echo "the demo failed from the installed collection" >&2; exit 1; }
grep -q "^=== demo finished" "$work/demo.log"
echo "demo from the installed collection passed; galaxy build + install + demo in $(elapsed)"
