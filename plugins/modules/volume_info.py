#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: volume_info
short_description: Virtual disks and images on datastores as libvirt storage volumes
version_added: 0.1.0
description:
  - Lists the files libvirt's ESX storage driver shows as storage volumes (C(virsh vol-list), C(vol-info),
    C(vol-dumpxml)) - virtual disks (C(.vmdk)), ISO images and floppy images - of one datastore or of all, sub-folders
    included, or finds one volume by name, datastore path or key.
  - A volume's name is its path inside the datastore (C(web01/web01_1.vmdk)); its key is the virtual disk's UUID
    in the usual 8-4-4-4-12 form, as libvirt uses it (the datastore path for ISO and floppy images).
  - For each volume it also names the registered VMs that use it as a disk.
notes:
  - The LUNs of an iSCSI target (a pool of M(virt.esx.pool_info) with C(pool_type=iscsi)) are listed as block volumes,
    as libvirt's iSCSI storage backend does - name the device name, key the MD5 digest of the LUN's UUID, O(path) the
    device path (C(/vmfs/devices/disks/naa....)); they are read-only.
author:
  - virt.esx contributors (@virt-esx)
options:
  pool:
    description:
      - Datastore to list; all accessible datastores (of O(datacenter)) when not set.
    type: str
  name:
    description:
      - Only this volume of O(pool) (its path inside the datastore, as listed).
    type: str
  path:
    description:
      - Only this volume, as a datastore path C([datastore] dir/file.vmdk).
    type: str
  key:
    description:
      - Only the volume with this key (a virtual disk UUID, or a datastore path). Every disk of O(pool), or of all
        datastores, is asked for its UUID until one matches, as libvirt does.
    type: str
  datacenter:
    description:
      - On a vCenter, only the datastores of this datacenter.
    type: str
  keys:
    description:
      - Read each disk's UUID (one call per disk). V(false) leaves RV(volumes[].key) null for disks, which is faster
        on datastores with many disks.
    type: bool
    default: true
  attached:
    description:
      - Find the registered VMs that use each volume (one property query per datastore).
    type: bool
    default: true
  task_timeout:
    description:
      - Seconds to wait for each datastore search before failing.
    type: int
    default: 3600
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.attributes.info_module
'''

EXAMPLES = r'''
- name: Every volume of datastore1
  virt.esx.volume_info:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    pool: datastore1
  register: datastore1_volumes

- name: Disks that no registered VM uses
  ansible.builtin.debug:
    msg: "{{ datastore1_volumes.volumes | selectattr('format', '==', 'vmdk') | rejectattr('attached_vms') | map(attribute='path') }}"

- name: One volume by its libvirt key
  virt.esx.volume_info:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    key: 6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d
  register: by_key
'''

RETURN = r'''
volumes:
  description: The volumes found, sorted by datastore and name; empty when a requested volume does not exist.
  returned: success
  type: list
  elements: dict
  contains:
    pool:
      description: Datastore name.
      type: str
    name:
      description: Path inside the datastore (libvirt's volume name).
      type: str
      sample: web01/web01_1.vmdk
    path:
      description: Datastore path (libvirt's volume path).
      type: str
      sample: "[datastore1] web01/web01_1.vmdk"
    key:
      description: libvirt's volume key, the disk UUID (the datastore path for images); null if not read.
      type: str
      sample: 6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d
    capacity:
      description: Capacity in bytes (a disk's virtual size, an image's file size).
      type: int
    allocation:
      description: Bytes the file takes on the datastore.
      type: int
    format:
      description: C(vmdk), C(iso) or C(raw) (floppy image).
      type: str
    provisioning:
      description: C(thin) or C(thick) for virtual disks as the datastore reports them, else null.
      type: str
    adapter_type:
      description: Adapter type of a virtual disk (C(busLogic), C(lsiLogic), C(ide)) from its controller type, else null.
      type: str
    attached_vms:
      description: Names of registered VMs that use the volume as a disk (or as the parent of one).
      type: list
      elements: str
    xml:
      description: libvirt storage volume XML (C(virsh vol-dumpxml)).
      type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.volume import volume_info


def main():
    module = EsxModule(
        dict(pool=dict(type='str'), name=dict(type='str'), path=dict(type='str'), key=dict(type='str', no_log=False),
             datacenter=dict(type='str'), keys=dict(type='bool', default=True), attached=dict(type='bool', default=True)),
        task_timeout=True,
        supports_check_mode=True,
        mutually_exclusive=[('name', 'path', 'key'), ('pool', 'path')],
        required_by={'name': 'pool'},
    )
    module.run(lambda session: dict(volumes=volume_info(session, module.params)))


if __name__ == '__main__':
    main()
