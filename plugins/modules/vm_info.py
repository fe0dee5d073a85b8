#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: vm_info
short_description: Facts of VMs (libvirt domains) on an ESX host or vCenter, and their domain XML
version_added: 0.1.0
description:
  - Lists every VM of the endpoint, or the one selected by O(name), O(uuid) or O(moid), with libvirt's view of
    each one (C(virsh dominfo), C(domstate --reason), C(domifaddr), C(snapshot-list), C(dumpxml)).
  - The list comes from one paged property query for all VMs (plus one for the hosts' autostart configuration),
    not from one call per VM.
  - With O(xml=true) each listed VM's C(.vmx) file is downloaded from its datastore and turned into libvirt
    domain XML as libvirt's ESX driver does; secrets such as a VNC password only appear with O(secure=true).
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Only the VM of this name (the name as libvirt shows it, or as the vSphere API stores it with V(%), V(/)
        and V(\\) escaped as C(%XX)).
      - Mutually exclusive with O(uuid) and O(moid).
    type: str
  uuid:
    description:
      - Only the VM with this BIOS UUID (C(config.uuid), libvirt's domain UUID) or instance UUID.
    type: str
  moid:
    description:
      - Only the VM with this managed object id (for example V(vm-42)).
    type: str
  xml:
    description:
      - Add the domain XML of each listed VM (RV(vms[].xml)), read from its C(.vmx) file.
      - One file download per VM; select a VM with O(name), O(uuid) or O(moid) on large inventories.
    type: bool
    default: false
  secure:
    description:
      - Include secure data (the VNC password) in the domain XML, as C(virsh dumpxml --security-info).
    type: bool
    default: false
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.attributes.info_module
notes:
  - A VM selected by O(name), O(uuid) or O(moid) that does not exist gives an empty RV(vms) and a null RV(vm),
    not an error.
'''

EXAMPLES = r'''
- name: All VMs of a host
  virt.esx.vm_info:
    uri: esx://root@esx1.example.com/?no_verify=1
    password: "{{ vault_esx_root_password }}"
  register: all_vms

- name: Names of the running VMs
  ansible.builtin.debug:
    msg: "{{ all_vms.vms | selectattr('state', 'equalto', 'running') | map(attribute='name') | list }}"

- name: One VM with its domain XML, as virsh dumpxml
  virt.esx.vm_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    name: web01
    xml: true
  register: web01

- name: Save the XML
  ansible.builtin.copy:
    content: "{{ web01.vm.xml }}"
    dest: /backup/web01.xml
    mode: "0600"
'''

RETURN = r'''
vms:
  description: The VMs, sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Name as libvirt shows it (the API's C(%XX) escapes undone).
      type: str
      sample: web/01
    api_name:
      description: Name as the vSphere API stores it.
      type: str
      sample: web%2f01
    uuid:
      description: BIOS UUID (C(config.uuid)), libvirt's domain UUID.
      type: str
      sample: 4216c58b-4a43-8ac7-34d5-09f8b1bd2a4e
    instance_uuid:
      description: vCenter instance UUID (C(config.instanceUuid)).
      type: str
    moid:
      description: Managed object id.
      type: str
      sample: vm-42
    id:
      description: libvirt's domain id, the number of the moid for an active VM, V(-1) for an inactive one.
      type: int
      sample: 42
    state:
      description: libvirt's state name, V(running) (poweredOn), V(shutoff) (poweredOff) or V(paused) (suspended).
      type: str
      sample: running
    state_reason:
      description: libvirt's state reason; its ESX driver reports none, so always V(unknown).
      type: str
      sample: unknown
    power_state:
      description: vSphere power state.
      type: str
      sample: poweredOn
    active:
      description: Whether the VM is active (powered on or suspended), as libvirt's C(virDomainIsActive).
      type: bool
    persistent:
      description: Always V(true), every ESX VM is a persistent libvirt domain.
      type: bool
      sample: true
    template:
      description: Whether the VM is a template.
      type: bool
    vcpus:
      description: Virtual CPUs.
      type: int
      sample: 2
    memory_mb:
      description: Memory in MiB.
      type: int
      sample: 2048
    memory_kib:
      description: Memory in KiB (libvirt's unit).
      type: int
      sample: 2097152
    guest_id:
      description: vSphere guest OS id.
      type: str
      sample: otherGuest64
    annotation:
      description: Annotation (libvirt's description).
      type: str
    autostart:
      description: libvirt's autostart, true when the host's autostart is enabled and the VM's start action is powerOn.
      type: bool
    vmx_path:
      description: Datastore path of the C(.vmx) file.
      type: str
      sample: '[datastore1] web01/web01.vmx'
    host_moid:
      description: Managed object id of the VM's host.
      type: str
      sample: host-21
    ip_addresses:
      description: Guest IP addresses reported by VMware Tools.
      type: list
      elements: str
      sample: [192.0.2.10]
    interfaces:
      description:
        - libvirt's C(virsh domifaddr) (domainInterfaceAddresses) - per guest NIC that VMware Tools reports, its MAC
          address and IP addresses with their prefix length (null when Tools gives no prefix).
      type: list
      elements: dict
      sample: [{"mac": "00:50:56:aa:bb:cc", "network": "VM Network", "connected": true,
                "addresses": [{"type": "ipv4", "address": "192.0.2.10", "prefix": 24}]}]
    guest_hostname:
      description: libvirt's C(virsh domhostname) (domainGetHostname) - the guest's host name VMware Tools reports; null
        without Tools.
      type: str
      sample: web01.example.com
    max_vcpus:
      description: libvirt's C(virsh maxvcpus) for the VM (domainGetMaxVcpus) - the most virtual CPUs its host allows,
        the host's C(capability.maxSupportedVcpus); null when the host does not report it.
      type: int
      sample: 768
    snapshots:
      description: Names of the VM's snapshots, parents before children.
      type: list
      elements: str
      sample: [before-upgrade]
    current_snapshot:
      description: Name of the current snapshot, null without snapshots.
      type: str
    custom_attributes:
      description: vCenter custom attributes by name (the definitions for VMs and global ones); null on a standalone ESX host.
      type: dict
      sample: {"owner": "team-web"}
    xml:
      description: Domain XML from the C(.vmx) file; only with O(xml=true).
      type: str
      returned: when O(xml=true)
vm:
  description: The VM selected by O(name), O(uuid) or O(moid) (same keys as RV(vms) items); null when none matches or no
    filter is given.
  returned: success
  type: dict
'''

from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreFiles
from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_facts import domain_xml, list_vms


def main():
    module = EsxModule(
        dict(
            name=dict(type='str'),
            uuid=dict(type='str'),
            moid=dict(type='str'),
            xml=dict(type='bool', default=False),
            secure=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('name', 'uuid', 'moid')],
        supports_check_mode=True,
    )
    params = module.params

    def describe(session):
        vms = list_vms(session, name=params['name'], uuid=params['uuid'], moid=params['moid'])
        if params['xml']:
            files = DatastoreFiles(session)
            for facts in vms:
                facts['xml'] = domain_xml(session, facts, secure=params['secure'], files=files)
        selected = params['name'] is not None or params['uuid'] is not None or params['moid'] is not None
        return dict(vms=vms, vm=vms[0] if selected and len(vms) == 1 else None)

    module.run(describe)


if __name__ == '__main__':
    main()
