#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: tag_category
short_description: Create, update and remove a vCenter tag category
version_added: 0.3.0
description:
  - Makes one tag category of a vCenter match, by name, over the vSphere Automation API (C(/api/cis/tagging) on
    vCenter 7 and later, C(/rest/com/vmware/cis/tagging) where only that exists). The module logs in to that API
    with the same user, password and TLS settings as to the vSphere API.
  - An existing category is updated in place. vCenter only widens a category (single to multiple cardinality, more
    associable types); a change that would narrow it fails and says so.
  - Standalone ESX hosts have no tags; the module fails there.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description: Name of the category (unique on the vCenter).
    type: str
    required: true
  description:
    description: Description of the category; unchanged when not given (empty for a new category).
    type: str
  cardinality:
    description:
      - V(single) allows one tag of this category per object, V(multiple) several.
      - A new category is V(multiple) when not given; an existing one is unchanged.
    type: str
    choices: [single, multiple]
  associable_types:
    description:
      - vSphere object types the category's tags can be attached to, such as V(VirtualMachine), V(HostSystem),
        V(Datastore), V(Network), V(DistributedVirtualPortgroup), V(Folder), V(ClusterComputeResource).
      - An empty list (the default of a new category) means every type. Unchanged when not given.
    type: list
    elements: str
  state:
    description: V(present) creates or updates the category; V(absent) removes it with its tags.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reads the category and reports what would change.
  diff_mode:
    support: full
    description: The category before and after.
notes:
  - Give a vCenter (C(vpx://) or O(hostname) of a vCenter). An HTTP O(proxy) is not used for the Automation API;
    giving one fails.
'''

EXAMPLES = r'''
- name: One environment per VM
  virt.esx.tag_category:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    name: environment
    description: Where the VM runs in the release cycle
    cardinality: single
    associable_types: [VirtualMachine]

- name: Remove a category and its tags
  virt.esx.tag_category:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    name: obsolete
    state: absent
'''

RETURN = r'''
category:
  description: The category after the run (for O(state=absent), what it was; null when there was none).
  returned: always
  type: dict
  contains:
    id:
      description: The category's identifier (null for one only predicted in check mode).
      type: str
      sample: urn:vmomi:InventoryServiceCategory:8a3c5d2e-6f1b-4c7e-9d0a-1b2c3d4e5f60:GLOBAL
    name:
      description: Name.
      type: str
    description:
      description: Description.
      type: str
    cardinality:
      description: V(single) or V(multiple).
      type: str
    associable_types:
      description: Object types its tags can be attached to, sorted; empty for every type.
      type: list
      elements: str
changes:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
  sample: ["cardinality: 'single' -> 'multiple'"]
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.tags import manage_category


def main():
    module = EsxModule(
        dict(
            name=dict(type='str', required=True),
            description=dict(type='str'),
            cardinality=dict(type='str', choices=['single', 'multiple']),
            associable_types=dict(type='list', elements='str'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        supports_check_mode=True,
    )
    module.run(lambda session: manage_category(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
