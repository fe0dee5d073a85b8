#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module: connects a simulator VM to a port group and sets its power.

The VM modules come with other work; the network tests need a VM on a port group
to check that removing it is refused.
"""

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_esx_vm_nic_probe
short_description: Test helper that adds a NIC on a port group to a VM of a host and powers the VM on or off
description: Test helper.
author: virt.esx contributors (@virt-esx)
options:
  host_name:
    description: Host whose first VM (by name) is used; the only host of an ESX endpoint when not set.
    type: str
  portgroup:
    description: Port group to connect a new E1000 NIC to; no NIC is added when not set.
    type: str
  power:
    description: Power state to leave the VM in.
    type: str
    choices: ['on', 'off']
extends_documentation_fragment:
  - virt.esx.connection
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import build_module, module_session
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import wait_for_task

try:
    from pyVmomi import vim
except ImportError:
    vim = None


def main():
    module = build_module(dict(host_name=dict(type='str'), portgroup=dict(type='str'),
                               power=dict(type='str', choices=['on', 'off'])))
    with module_session(module) as session:
        items = session.retrieve({'VirtualMachine': ['name', 'runtime.host', 'runtime.powerState'], 'HostSystem': ['name']})
        hosts = {item['_moid']: item['name'] for item in items if item['_type'] == 'HostSystem'}
        vms = sorted((item for item in items if item['_type'] == 'VirtualMachine'
                      and (not module.params['host_name'] or hosts.get(item['runtime.host']._moId) == module.params['host_name'])),
                     key=lambda item: item['name'])
        if not vms:
            module.fail_json(msg='no VM on host %s' % module.params['host_name'])
        vm = vms[0]
        changed = False
        if module.params['portgroup']:
            nic = vim.vm.device.VirtualE1000(key=-1, backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                deviceName=module.params['portgroup']))
            spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation='add', device=nic)])
            wait_for_task(vm['_obj'].ReconfigVM_Task(spec=spec))
            changed = True
        power = module.params['power']
        if power == 'on' and vm['runtime.powerState'] != 'poweredOn':
            wait_for_task(vm['_obj'].PowerOnVM_Task())
            changed = True
        elif power == 'off' and vm['runtime.powerState'] != 'poweredOff':
            wait_for_task(vm['_obj'].PowerOffVM_Task())
            changed = True
        module.exit_json(changed=changed, vm=vm['name'], host=hosts.get(vm['runtime.host']._moId))


if __name__ == '__main__':
    main()
