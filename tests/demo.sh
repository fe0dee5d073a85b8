#!/usr/bin/env bash
# `make demo`: start the simulator in ESX mode, run the demo story (demo/README.md) against it, stop it.
#
#   VIRT_ESX_COLLECTIONS_PATH  where virt.esx is installed (default: build/, the copy `make` makes;
#                              tests/galaxy-install.sh points it at a collection installed from the tarball)
#   VIRT_ESX_VENV              the venv with ansible-core and pyvmomi (default: .venv)
#   VIRT_ESX_DEMO_STATE        the simulator's state directory (default: tests/output/demo)
#   VIRT_ESX_DEMO_DIR          the demo playbooks (default: demo/; an installed collection has them too)
# Arguments are passed on to every ansible-playbook run (e.g. -e demo_questions=false, -v).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
venv=${VIRT_ESX_VENV:-$root/.venv}
collections=${VIRT_ESX_COLLECTIONS_PATH:-$root/build}
state=${VIRT_ESX_DEMO_STATE:-$root/tests/output/demo}
demo_dir=${VIRT_ESX_DEMO_DIR:-$root/demo}
simctl() { "$python" "$root/tests/simctl.py" --state-dir "$state" "$@"; }
trap 'simctl stop demo-esx >/dev/null || true' EXIT

if [ ! -d "$collections/ansible_collections/virt/esx" ]; then
    echo "virt.esx is not installed under $collections (run 'make collection', or set VIRT_ESX_COLLECTIONS_PATH)" >&2
    exit 2
fi
step() { printf '\n=== %s\n' "$*"; }

demo_started=$(date +%s%N)
step "0. start the simulator"
ready=$(simctl start demo-esx --mode esx)
field() { echo "$ready" | "$python" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "simulator (ESX mode) ready in $(( ($(date +%s%N) - demo_started) / 1000000 )) ms: $(field url)"

export VMWARE_HOST=$(field host) VMWARE_PORT=$(field port) VMWARE_USER=$(field username) VMWARE_CA_FILE=$(field ca_file)
VMWARE_PASSWORD=$("$python" -c "import sys; sys.path.insert(0, '$root/tests'); import simctl; print(simctl.PASSWORD)")
export VMWARE_PASSWORD
export ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_LOCALHOST_WARNING=false \
       ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python" \
       ANSIBLE_DEPRECATION_WARNINGS=false ANSIBLE_NOCOLOR=1
inventory() { ANSIBLE_INVENTORY_ENABLED=virt.esx.vms "$venv/bin/ansible-inventory" -i demo.esx.yml "$@"; }
playbook_args=("$@")
playbook() { "$venv/bin/ansible-playbook" -i localhost, -c local ${playbook_args[@]+"${playbook_args[@]}"} "$@"; }
cd "$demo_dir"

step "1. what is this host? (demo/host_facts.yml)"
playbook host_facts.yml
step "2. a network, a volume, a VM from domain XML, its power-on and its question (demo/build.yml)"
playbook build.yml
step "3. the VMs as an Ansible inventory (ansible-inventory -i demo/demo.esx.yml)"
inventory --graph
inventory --host "$(sed -n 's/^demo_vm: //p' vars.yml)" \
    | "$python" -c 'import json,sys; h=json.load(sys.stdin); print("\n".join("%s: %s" % (k, h[k]) for k in sorted(h) if k in ("ansible_host", "esx_name", "esx_moid", "esx_power_state", "esx_vcpus", "esx_memory_mb", "esx_networks", "esx_datastores", "esx_vmx_path")))'
step "4. snapshot it (demo/snapshot.yml)"
playbook snapshot.yml
step "5. tear everything down (demo/teardown.yml)"
playbook teardown.yml
step "demo finished in $(( ($(date +%s%N) - demo_started) / 1000000 )) ms"
