#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: folder
short_description: Create, rename and remove VM folders of a vCenter datacenter
version_added: 0.3.0
description:
  - Makes a VM folder (below the datacenter's VM folder) exist, with every missing level of a nested path, renames
    it, or removes it when it is empty.
  - A VM is moved into a folder by M(virt.esx.vm) with its O(virt.esx.vm#module:folder) option.
  - Needs a vCenter; a standalone ESX host has no VM folders to manage.
author:
  - virt.esx contributors (@virt-esx)
options:
  path:
    description:
      - The folder, as a path below the datacenter's VM folder (V(prod/web)); a leading V(/), V(vm/) or
        V(/<datacenter>/vm/) is accepted. Folder names may hold any character but V(/).
    type: str
    required: true
  datacenter:
    description: The datacenter; defaults to the O(uri) path's, or the only one.
    type: str
  new_name:
    description:
      - Rename the folder O(path) to this name (it stays in the same parent folder). When O(path) does not exist
        but a sibling named O(new_name) does, the rename is taken as done.
    type: str
  state:
    description:
      - V(present) creates the folder and its missing parents (or renames it with O(new_name)).
      - V(absent) removes the folder; a folder that holds VMs or folders is refused, nothing is removed.
    type: str
    choices: [present, absent]
    default: present
  task_timeout:
    description:
      - Seconds to wait for a rename or removal task before failing (the task is not cancelled).
    type: int
    default: 3600
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be created, renamed or removed.
  diff_mode:
    support: full
    description: The datacenter's VM folder paths before and after, one per line.
'''

EXAMPLES = r'''
- name: A nested folder for the web servers
  virt.esx.folder:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    datacenter: DC1
    path: prod/web

- name: Rename it
  virt.esx.folder:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    datacenter: DC1
    path: prod/web
    new_name: frontend

- name: Remove it once it is empty
  virt.esx.folder:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    datacenter: DC1
    path: prod/frontend
    state: absent
'''

RETURN = r'''
folder:
  description: The folder after the run; null with O(state=absent).
  returned: always
  type: dict
  contains:
    path:
      description: Its path below the datacenter's VM folder.
      type: str
      sample: /prod/web
    name:
      description: Its name.
      type: str
      sample: web
    datacenter:
      description: The datacenter.
      type: str
      sample: DC1
    moid:
      description: Managed object id; null in check mode for a folder not yet created.
      type: str
      sample: group-v42
changes:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
  sample: ["create folder /prod", "create folder /prod/web"]
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.folder import manage_folder


def main():
    module = EsxModule(
        dict(
            path=dict(type='str', required=True),
            datacenter=dict(type='str'),
            new_name=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
        ),
        task_timeout=True,
        supports_check_mode=True,
    )
    module.run(lambda session: manage_folder(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
