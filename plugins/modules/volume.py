#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: volume
short_description: Virtual disks on datastores as libvirt storage volumes
version_added: 0.1.0
description:
  - Creates, clones, extends, wipes and deletes virtual disks (C(.vmdk) files) on ESX datastores, the storage
    volumes of libvirt's ESX storage driver (C(virsh vol-create), C(vol-create-from), C(vol-resize), C(vol-wipe),
    C(vol-delete)), idempotently.
  - The volume is O(pool) and O(name) (its path inside the datastore), or O(path), or O(key) (the disk UUID libvirt
    uses as key), or libvirt volume XML in O(xml).
  - "A new volume's name must be C(<directory>/<file>.vmdk), as libvirt requires; each item of it is stored with the
    datastore item escaping of VMware (C(\"*<>:|?) become C(_), other special characters are percent- or
    base64-encoded), and the directory is created when missing."
  - A larger O(capacity) extends an existing disk; a smaller one is refused, so that no data is lost.
author:
  - virt.esx contributors (@virt-esx)
options:
  pool:
    description:
      - Datastore of the volume.
    type: str
  name:
    description:
      - Path of the volume inside O(pool), for example C(web01/web01_1.vmdk).
      - A path that would leave the datastore folder (C(..) or C(.) segments, empty segments, control characters, a
        leading C(/)) is refused before anything is sent; so are such paths in O(path), O(key) and O(clone_from).
    type: str
  path:
    description:
      - The volume as a datastore path, C([datastore1] web01/web01_1.vmdk), instead of O(pool) and O(name).
    type: str
  key:
    description:
      - The volume's key, the virtual disk UUID (C(6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d)). Alone it selects an
        existing volume (every disk of O(pool), or of all datastores, is asked for its UUID until one matches);
        with O(name) or O(path) it must match that volume's key.
    type: str
  datacenter:
    description:
      - On a vCenter, the datacenter of O(pool) when several datacenters have a datastore of that name.
    type: str
  state:
    description:
      - V(present) creates the volume when it does not exist (from O(capacity), O(clone_from) or O(xml)) and extends
        it when O(capacity) is larger.
      - V(absent) deletes it (virtual disks with C(DeleteVirtualDisk), images as files). A disk that a registered
        VM uses is kept unless O(force) is set.
      - V(wiped) overwrites an existing virtual disk with zeros (C(ZeroFillVirtualDisk), C(virsh vol-wipe)); it
        always reports a change.
    type: str
    choices: [present, absent, wiped]
    default: present
  capacity:
    description:
      - Size of the disk, with a unit (V(10GiB), V(512MiB), V(1TB); V(K)/V(KiB) are 1024, V(KB) is 1000, as in
        libvirt) or in bytes. It is rounded up to a whole KiB.
      - Required to create a volume unless O(clone_from) or O(xml) is given.
    type: str
  provisioning:
    description:
      - How a new disk is allocated; libvirt's volume allocation 0 is V(thin), an allocation equal to the
        capacity is V(thick_lazy_zeroed) (VMware's C(preallocated)). V(thick_eager_zeroed) zeroes every block when
        the disk is created (and when it is extended).
      - Only applies when the disk is created or cloned; a different provisioning of an existing disk gives a warning.
      - Defaults to V(thick_lazy_zeroed) on creation (libvirt's default when the XML has no allocation), and to the
        source's provisioning for O(clone_from) on an ESX host.
      - Through a vCenter a copy is always V(thick_lazy_zeroed) with a V(busLogic) adapter (the vCenter accepts no
        disk spec for copies); asking for anything else there is an error.
    type: str
    choices: [thin, thick_lazy_zeroed, thick_eager_zeroed]
  adapter_type:
    description:
      - Disk adapter type written into a new disk's descriptor (libvirt always uses V(busLogic), the default).
        A copy made on an ESX host keeps the source's adapter type unless this is set.
    type: str
    choices: [busLogic, lsiLogic, ide]
  clone_from:
    description:
      - Create the volume as a copy of this virtual disk (C(CopyVirtualDisk), C(virsh vol-create-from)) when it
        does not exist yet. A datastore path C([datastore] dir/file.vmdk), a name in O(pool), or a key.
      - An existing volume is not compared with the source.
    type: str
  xml:
    description:
      - libvirt volume XML as the volume's definition instead of O(name), O(capacity) and O(provisioning); needs
        O(pool). Its C(<name>), C(<capacity>) and C(<allocation>) are used (units as libvirt reads them); the
        target format must be C(vmdk) when given; the key cannot be chosen.
    type: str
  force:
    description:
      - Delete or wipe the volume even when a registered VM uses it as a disk.
    type: bool
    default: false
  task_timeout:
    description:
      - Seconds to wait for each disk task before failing (the task is not cancelled).
    type: int
    default: 3600
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reports exactly what would change, with the predicted volume and XML (a new disk's key is unknown).
  diff_mode:
    support: full
    description: The volume XML before and after.
'''

EXAMPLES = r'''
- name: A 20 GiB thin disk
  virt.esx.volume:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    pool: datastore1
    name: web01/web01_1.vmdk
    capacity: 20GiB
    provisioning: thin
  register: disk

- name: Grow it to 40 GiB (never shrinks)
  virt.esx.volume:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    path: "[datastore1] web01/web01_1.vmdk"
    capacity: 40GiB

- name: A copy, from libvirt volume XML
  virt.esx.volume:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    pool: datastore1
    clone_from: "[datastore1] web01/web01_1.vmdk"
    xml: |
      <volume>
        <name>web02/web02_1.vmdk</name>
        <capacity unit='GiB'>40</capacity>
        <allocation>0</allocation>
      </volume>

- name: Delete a disk by its key
  virt.esx.volume:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    key: "{{ disk.volume.key }}"
    state: absent
'''

RETURN = r'''
actions:
  description: What was done (or would be done in check mode), in order; empty when nothing changed.
  returned: success
  type: list
  elements: str
  sample: [create]
volume:
  description: The volume after the change (predicted in check mode), as M(virt.esx.volume_info) lists it;
    null when it is absent.
  returned: success
  type: dict
  contains:
    pool:
      description: Datastore name.
      type: str
    name:
      description: Path inside the datastore, as stored (escaped).
      type: str
    path:
      description: Datastore path.
      type: str
    key:
      description: Disk UUID (libvirt's key); null for a disk that check mode would create.
      type: str
    capacity:
      description: Capacity in bytes.
      type: int
    allocation:
      description: Bytes the disk takes on the datastore.
      type: int
    format:
      description: C(vmdk), C(iso) or C(raw).
      type: str
    provisioning:
      description: C(thin) or C(thick).
      type: str
    adapter_type:
      description: Adapter type of the disk (C(busLogic), C(lsiLogic), C(ide)).
      type: str
    attached_vms:
      description: Registered VMs that use the volume as a disk.
      type: list
      elements: str
    xml:
      description: libvirt storage volume XML.
      type: str
xml:
  description: libvirt storage volume XML of RV(volume); null when absent.
  returned: success
  type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.volume import ADAPTER_TYPES, PROVISIONING_DISK_TYPES, manage_volume

ARGUMENT_SPEC = dict(
    pool=dict(type='str'),
    name=dict(type='str'),
    path=dict(type='str'),
    key=dict(type='str', no_log=False),
    datacenter=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent', 'wiped'], default='present'),
    capacity=dict(type='str'),
    provisioning=dict(type='str', choices=list(PROVISIONING_DISK_TYPES)),
    adapter_type=dict(type='str', choices=list(ADAPTER_TYPES)),
    clone_from=dict(type='str'),
    xml=dict(type='str'),
    force=dict(type='bool', default=False),
)


def main():
    module = EsxModule(
        ARGUMENT_SPEC,
        task_timeout=True,
        supports_check_mode=True,
        required_one_of=[('name', 'path', 'key', 'xml')],
        mutually_exclusive=[('name', 'path', 'xml'), ('pool', 'path'), ('xml', 'capacity'), ('xml', 'provisioning')],
        required_by={'name': 'pool', 'xml': 'pool'},
    )
    module.run(lambda session: manage_volume(session, module.params, check_mode=module.check_mode, warn=module.warn))


if __name__ == '__main__':
    main()
