# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create (or remove) the VMs the inventory_vms target lists, through pyvmomi.

    python sim_objects.py create|remove HOST PORT USER CA_FILE   (password on stdin)

create prints JSON: the VMs made (name -> moid), the total VM count, the datacenter.
vCenter mode: folders vm/virtesx_inventory/web, web VMs on the standalone host,
db1 in the cluster; ESX mode: everything in the datacenter's vm folder.
Guest IPs and host names come from the simulator's SET.guest.* extraConfig keys.
"""

from __future__ import annotations

import json
import ssl
import sys
import time

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim

PREFIX = 'virtesx-inv-'
FOLDER = 'virtesx_inventory'


def wait(task):
    while task.info.state not in ('success', 'error'):
        time.sleep(0.05)
    if task.info.state == 'error':
        raise SystemExit('task failed: %s' % task.info.error)
    return task.info.result


def all_of(content, kind):
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.DestroyView()


def vm_spec(name, datastore, guest_ip=None, guest_hostname=None):
    nic = vim.vm.device.VirtualDeviceSpec(
        operation='add',
        device=vim.vm.device.VirtualE1000(key=-1, backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName='VM Network')))
    extra = []
    if guest_ip:
        extra.append(vim.option.OptionValue(key='SET.guest.ipAddress', value=guest_ip))
    if guest_hostname:
        extra.append(vim.option.OptionValue(key='SET.guest.hostName', value=guest_hostname))
    return vim.vm.ConfigSpec(name=name, guestId='otherLinux64Guest', numCPUs=2, numCoresPerSocket=2, memoryMB=64,
                             files=vim.vm.FileInfo(vmPathName='[%s]' % datastore), deviceChange=[nic], extraConfig=extra)


def child_folder(parent, name):
    for child in parent.childEntity:
        if isinstance(child, vim.Folder) and child.name == name:
            return child
    return parent.CreateFolder(name)


def create(content):
    datacenter = content.rootFolder.childEntity[0]
    computes = [entity for entity in datacenter.hostFolder.childEntity if isinstance(entity, vim.ComputeResource)]
    standalone = next(c for c in computes if not isinstance(c, vim.ClusterComputeResource))
    cluster = next((c for c in computes if isinstance(c, vim.ClusterComputeResource)), standalone)
    datastore = standalone.host[0].datastore[0].name
    vcenter = content.about.apiType == 'VirtualCenter'
    top = child_folder(datacenter.vmFolder, FOLDER) if vcenter else datacenter.vmFolder
    web = child_folder(top, 'web') if vcenter else datacenter.vmFolder

    plan = [
        # name, folder, compute resource, guest IP, guest host name, power state
        (PREFIX + 'web1', web, standalone, '192.0.2.11', 'web1.example.test', 'poweredOn'),
        (PREFIX + 'web2', web, standalone, '192.0.2.12', None, 'poweredOff'),
        (PREFIX + 'db1', top, cluster, None, 'db1.example.test', 'suspended'),
    ]
    if vcenter:
        # Same name as the first, in another folder: hostnames must stay unique.
        plan.append((PREFIX + 'web1', top, cluster, None, None, 'poweredOn'))
    made = {}
    for name, folder, compute, guest_ip, guest_hostname, power in plan:
        vm = wait(folder.CreateVM_Task(config=vm_spec(name, datastore, guest_ip, guest_hostname),
                                       pool=compute.resourcePool, host=compute.host[0]))
        if power in ('poweredOn', 'suspended'):
            wait(vm.PowerOnVM_Task())
        if power == 'suspended':
            wait(vm.SuspendVM_Task())
        made.setdefault(name, []).append(vm._moId)
    return dict(vms=made, total=len(all_of(content, vim.VirtualMachine)), datacenter=datacenter.name,
                standalone_host=standalone.host[0].name, cluster=cluster.name if cluster is not standalone else None,
                vcenter=vcenter)


def remove(content):
    for vm in all_of(content, vim.VirtualMachine):
        if vm.name.startswith(PREFIX):
            if vm.runtime.powerState != 'poweredOff':
                wait(vm.PowerOffVM_Task())
            wait(vm.Destroy_Task())
    for folder in all_of(content, vim.Folder):
        if folder.name == FOLDER:
            wait(folder.Destroy_Task())
    return dict(total=len(all_of(content, vim.VirtualMachine)))


def main():
    action, host, port, user, ca_file = sys.argv[1:6]
    password = sys.stdin.readline().rstrip('\n')
    si = SmartConnect(host=host, port=int(port), user=user, pwd=password,
                      sslContext=ssl.create_default_context(cafile=ca_file))
    try:
        content = si.RetrieveContent()
        remove(content)
        result = create(content) if action == 'create' else remove(content)
    finally:
        Disconnect(si)
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
