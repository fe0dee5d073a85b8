#!/usr/bin/env bash
# Integration tests: start the simulator in vCenter and in ESX mode, write ansible-test's
# cloud config for both, run every target (alias cloud/vcenter), stop the simulators.
set -euo pipefail
collection=$(cd "$1" && pwd)
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
state="$root/tests/output/simulators"
simctl() { "$python" "$root/tests/simctl.py" --state-dir "$state" "$@"; }
cleanup() { simctl stop vcenter || true; simctl stop esx || true; }
trap cleanup EXIT

started=$(date +%s%N)
# -libvirt: answers typed as a real server types them (xsi:type on array items), which libvirt's ESX driver
# needs (the libvirt_oracle target) and pyVmomi and the inventory's reader must handle anyway.
simctl start vcenter --mode vpx -- -libvirt
# Sessions on the ESX simulator expire after 5 idle seconds, so that re-login is exercised.
simctl start esx --mode esx -- -idle-timeout 5s -libvirt
echo "simulators started in $(( ($(date +%s%N) - started) / 1000000 )) ms"
simctl cloud-config "$collection/tests/integration/cloud-config-vcenter.ini"

cd "$collection"
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test integration --color no --python "$pyver" --local "$@"
