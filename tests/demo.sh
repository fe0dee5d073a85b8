#!/usr/bin/env bash
# `make demo`: start the simulator in ESX mode, run the demo playbook(s) against it, stop it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
state="$root/tests/output/demo"
simctl() { "$python" "$root/tests/simctl.py" --state-dir "$state" "$@"; }
trap 'simctl stop demo-esx >/dev/null || true' EXIT

started=$(date +%s%N)
ready=$(simctl start demo-esx --mode esx)
echo "simulator (ESX mode) ready in $(( ($(date +%s%N) - started) / 1000000 )) ms: $(echo "$ready" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["url"])')"
field() { echo "$ready" | "$python" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

export VMWARE_HOST=$(field host) VMWARE_PORT=$(field port) VMWARE_USER=$(field username) VMWARE_CA_FILE=$(field ca_file)
VMWARE_PASSWORD=$("$python" -c "import sys; sys.path.insert(0, '$root/tests'); import simctl; print(simctl.PASSWORD)")
export VMWARE_PASSWORD
export ANSIBLE_COLLECTIONS_PATH="$root/build" ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_LOCALHOST_WARNING=false \
       ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_PYTHON_INTERPRETER="$root/.venv/bin/python"
cd "$root/demo"
"$root/.venv/bin/ansible-playbook" -i localhost, -c local host_facts.yml
