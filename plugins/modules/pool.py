#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pool
short_description: Refresh a datastore (libvirt storage pool) of an ESX host or vCenter
version_added: 0.3.0
description:
  - Refreshes one datastore as C(virsh pool-refresh) does with libvirt's ESX storage driver, so that its free space
    and file listing are measured again (after files were changed behind the host's back, for example on an NFS
    server).
  - Calls C(RefreshDatastoreStorageInfo), or C(RefreshDatastore) on a server that lacks it, and returns the pool as
    M(virt.esx.pool_info) shows it, read after the refresh.
  - libvirt's other pool calls (define, build, start, destroy, undefine) do not apply to ESX datastores, which
    libvirt's driver refuses too.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Name of the datastore.
    type: str
    required: true
  datacenter:
    description:
      - On a vCenter, the datacenter of the datastore when several datacenters have one of that name.
    type: str
  state:
    description:
      - V(refreshed) refreshes the datastore. A refresh is an action, so the module always reports a change.
    type: str
    choices: [refreshed]
    default: refreshed
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reports the refresh it would do and the pool as it is; nothing is called.
  diff_mode:
    support: none
    description: A refresh changes no setting; the result shows the pool after it.
'''

EXAMPLES = r'''
- name: Measure the NFS datastore again after the images were copied onto the filer
  virt.esx.pool:
    uri: esx://root@esx1.example.com/
    password: "{{ vault_esx_root_password }}"
    name: nfs-images
  register: refreshed

- name: Show its free space
  ansible.builtin.debug:
    msg: "{{ refreshed.pool.available | human_readable }} free"
'''

RETURN = r'''
pool:
  description: The datastore as an item of M(virt.esx.pool_info)'s RV(virt.esx.pool_info#module:pools), after the refresh.
  returned: success
  type: dict
refreshed_at:
  description: The datastore's C(info.timestamp), the time of its last refresh (ISO 8601); in check mode the one before.
  returned: success
  type: str
  sample: '2026-01-02T03:04:05.123456+00:00'
method:
  description: The vSphere method called, C(RefreshDatastoreStorageInfo) or C(RefreshDatastore); null in check mode.
  returned: success
  type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.pool import refresh_pool


def main():
    module = EsxModule(
        dict(
            name=dict(type='str', required=True),
            datacenter=dict(type='str'),
            state=dict(type='str', default='refreshed', choices=['refreshed']),
        ),
        supports_check_mode=True,
    )
    module.run(lambda session: refresh_pool(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
