#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pool_info
short_description: Datastores of an ESX host or vCenter as libvirt storage pools
version_added: 0.1.0
description:
  - Lists the datastores as libvirt's ESX storage driver shows them as storage pools (C(virsh pool-list),
    C(pool-info), C(pool-dumpxml)) with their type, sizes, accessibility, the hosts that mount them and the
    pool XML.
  - The pool UUID is the one libvirt derives, the MD5 digest of the datastore's mount path on a host
    (C(/vmfs/volumes/...)), so the same datastore has the same UUID here and in libvirt. On a vCenter the
    mount path of the host of a C(vpx://) O(uri) is used, else that of the first host that mounts the datastore.
  - "Pool types as libvirt maps them: a VMFS datastore is C(fs), an NFS or CIFS datastore C(netfs) (with its
    server and export as the pool source), a hosted product's local datastore C(dir). libvirt refuses other kinds
    (vSAN, vVol, PMem); they are shown as C(fs) here."
  - One property query reads every datastore, whatever their number.
  - As libvirt's iSCSI storage backend, the static targets of the hosts' software iSCSI adapters are pools too
    (C(pool_type=iscsi), named by the target's IQN, UUID the MD5 digest of the IQN, no sizes); their LUNs are the
    volumes M(virt.esx.volume_info) lists. They are read-only, as in libvirt.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Only the datastore of this name.
    type: str
  datacenter:
    description:
      - On a vCenter, only the datastores of this datacenter. With a C(vpx://) O(uri) the datacenter of the
        path is the default.
    type: str
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.attributes.info_module
'''

EXAMPLES = r'''
- name: Every datastore of a host
  virt.esx.pool_info:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
  register: esx1_pools

- name: Free space of datastore1 in GiB
  ansible.builtin.debug:
    msg: "{{ ((esx1_pools.pools | selectattr('name', '==', 'datastore1') | first).available / 1073741824) | round(1) }}"

- name: The datastores of one datacenter of a vCenter
  virt.esx.pool_info:
    uri: vpx://administrator%40vsphere.local@vcenter.example.com/DC1/Cluster1/esx1.example.com
    password: "{{ vault_vcenter_password }}"
  register: dc1_pools
'''

RETURN = r'''
pools:
  description: The datastores, sorted by datacenter and name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Datastore name (libvirt's pool name).
      type: str
      sample: datastore1
    uuid:
      description: libvirt's pool UUID, the MD5 digest of RV(pools[].mount_path); null when no host mounts it.
      type: str
      sample: 8b2bd0bd-7c2f-5cf3-46a2-bd1c0d4b1bcf
    type:
      description: Datastore file system type in lower case (C(vmfs), C(nfs), C(nfs41), C(cifs), C(vsan), C(vvol), ...).
      type: str
      sample: vmfs
    pool_type:
      description: libvirt pool type (C(fs), C(netfs), C(dir)).
      type: str
      sample: fs
    capacity:
      description: Capacity in bytes (0 when inaccessible).
      type: int
    allocation:
      description: Bytes in use, capacity less available, as libvirt computes it (0 when inaccessible).
      type: int
    available:
      description: Free space in bytes (0 when inaccessible).
      type: int
    accessible:
      description: Whether the datastore is accessible.
      type: bool
    state:
      description: libvirt pool state, C(running) or C(inaccessible).
      type: str
    mount_path:
      description: Mount path on the host the UUID comes from (libvirt's pool target path).
      type: str
      sample: /vmfs/volumes/5f3c1e9a-1b2c3d4e-5f60-001122334455
    url:
      description: Datastore URL as the server reports it.
      type: str
    hosts:
      description: Names of the hosts that mount the datastore.
      type: list
      elements: str
    datacenter:
      description: Datacenter name.
      type: str
    remote_host:
      description: NFS/CIFS server (netfs pools), else null.
      type: str
    remote_path:
      description: NFS/CIFS export (netfs pools), else null.
      type: str
    source_format:
      description: C(nfs) or C(cifs) for netfs pools, else null.
      type: str
    xml:
      description: libvirt storage pool XML (C(virsh pool-dumpxml)); null without a mount path.
      type: str
    port:
      description: The iSCSI target's TCP port (C(pool_type=iscsi) only; null when the target names none).
      type: int
      returned: for iSCSI pools
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.volume import find_pool, public, read_pools
from ansible_collections.virt.esx.plugins.module_utils.resources.iscsi import iscsi_pools


def main():
    module = EsxModule(dict(name=dict(type='str'), datacenter=dict(type='str')), supports_check_mode=True)

    def list_pools(session):
        pools = read_pools(session, module.params['datacenter']) + iscsi_pools(session, module.params['datacenter'])
        if module.params['name'] is not None:
            pools = [find_pool(pools, module.params['name'])]
        return dict(pools=[public(pool) for pool in pools])

    module.run(list_pools)


if __name__ == '__main__':
    main()
