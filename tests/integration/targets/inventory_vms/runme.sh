#!/usr/bin/env bash
# virt.esx.vms against both simulators. prepare.yml creates VMs and folders through pyvmomi
# and writes one inventory source per case and mode; each check_<case>.yml runs over its
# source and asserts on groups and hostvars; check_requests.yml counts requests at the
# simulator (cache, paging) and tries libvirt-style URIs; cleanup.yml removes the VMs.
set -eux

export ANSIBLE_ROLES_PATH=..
export ANSIBLE_INVENTORY_ENABLED=virt.esx.vms
work="${OUTPUT_DIR:-$(mktemp -d)}/inventory_vms"
mkdir -p "$work"

cleanup() {
    ansible-playbook cleanup.yml -e work_dir="$work" "$@"
}
trap 'cleanup "$@"' EXIT

ansible-playbook prepare.yml -e work_dir="$work" "$@"
for mode in vpx esx; do
    for case in default hostnames filters; do
        ansible-playbook -i "$work/$mode-$case.esx.yml" "check_$case.yml" -e work_dir="$work" -e mode="$mode" "$@"
    done
done
ansible-playbook check_requests.yml -e work_dir="$work" "$@"
