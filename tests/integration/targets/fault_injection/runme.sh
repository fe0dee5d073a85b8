#!/usr/bin/env bash
# The fault-injection harness (tests/faultproxy.py) in front of both simulators: connections
# dropped mid-task, a server away for a while, stalls and drips, garbage and huge answers, sessions
# expired at a chosen call (also between two inventory pages); then the secrets at -vvv.
set -eux

export ANSIBLE_ROLES_PATH=..
work="${OUTPUT_DIR:-$(mktemp -d)}/fault_injection"
mkdir -p "$work"
# ansible-test runs a copy of the target alone; the collection's tests/ is where its output goes.
collection=$(cd ../../../.. && pwd)
if [ ! -f "$collection/tests/faultproxy.py" ] && [ -n "${OUTPUT_DIR:-}" ]; then
    collection=${OUTPUT_DIR%%/tests/output/*}
fi
python=$(command -v python3.11 || command -v python3)

# The simulators' settings (ansible-test's cloud config) as a JSON file the shell can read.
ansible-playbook endpoints.yml -e work_dir="$work" "$@"

pids=()
stop_proxies() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_proxies EXIT
for mode in vpx esx; do
    read -r upstream ca < <("$python" -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1])) if x["mode"]==sys.argv[2]][0]; print("https://%s:%s" % (e["hostname"], e["port"]), e["ca_file"])' "$work/endpoints.json" "$mode")
    rm -f "$work/$mode.port"
    "$python" "$collection/tests/faultproxy.py" --upstream "$upstream" --ca-file "$ca" --port-file "$work/$mode.port" \
        > "$work/$mode-proxy.log" 2>&1 &
    pids+=($!)
done
for mode in vpx esx; do
    for _ in $(seq 50); do [ -s "$work/$mode.port" ] && break; sleep 0.1; done
done

for mode in vpx esx; do
    ansible-playbook faults.yml -e work_dir="$work" -e mode="$mode" -e proxy_port="$(cat "$work/$mode.port")" "$@"
    # A paging inventory run whose session expires between two pages logs in again and finishes.
    ansible-playbook inventory.yml -e work_dir="$work" -e mode="$mode" -e proxy_port="$(cat "$work/$mode.port")" "$@"
done

# Secrets given inside options never appear at -vvv, although the tasks print their invocation.
ansible-playbook secrets.yml -vvv -e work_dir="$work" -e proxy_port="$(cat "$work/vpx.port")" "$@" > "$work/vvv.log" 2>&1 \
    || { cat "$work/vvv.log"; exit 1; }
grep -c '\*\*\*\*\*\*\*\*' "$work/vvv.log"
if grep -n -e 'S3cr3t-In-Uri' -e 'Pr0xy-S3cret' -e 'Vnc-S3cret-1' -e 'Vnc-S3cret-2' "$work/vvv.log"; then
    echo 'a secret was printed at -vvv' >&2
    exit 1
fi
