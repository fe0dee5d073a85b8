#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: tag
short_description: Create, update and remove a vCenter tag
version_added: 0.3.0
description:
  - Makes one tag of a vCenter tag category match, by category and name, over the vSphere Automation API
    (C(/api/cis/tagging), or C(/rest/com/vmware/cis/tagging) where only that exists), logged in with the same user,
    password and TLS settings as to the vSphere API.
  - Attach tags to VMs with O(virt.esx.vm#module:tags). Standalone ESX hosts have no tags; the module fails there.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description: Name of the tag (unique within its category).
    type: str
    required: true
  category:
    description: Name of the tag's category (M(virt.esx.tag_category)); it must exist for O(state=present).
    type: str
    required: true
  description:
    description: Description of the tag; unchanged when not given (empty for a new tag).
    type: str
  state:
    description: V(present) creates or updates the tag; V(absent) removes it (and detaches it from every object).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reads the tag and reports what would change.
  diff_mode:
    support: full
    description: The tag before and after.
notes:
  - An HTTP O(proxy) is not used for the Automation API; giving one fails.
'''

EXAMPLES = r'''
- name: Tags of the environment category
  virt.esx.tag:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    category: environment
    name: "{{ item }}"
  loop: [production, staging, test]
'''

RETURN = r'''
tag:
  description: The tag after the run (for O(state=absent), what it was; null when there was none).
  returned: always
  type: dict
  contains:
    id:
      description: The tag's identifier (null for one only predicted in check mode).
      type: str
      sample: urn:vmomi:InventoryServiceTag:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0:GLOBAL
    name:
      description: Name.
      type: str
    category:
      description: Name of its category.
      type: str
    category_id:
      description: Identifier of its category.
      type: str
    description:
      description: Description.
      type: str
changes:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
  sample: ["create tag environment/production"]
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.tags import manage_tag


def main():
    module = EsxModule(
        dict(
            name=dict(type='str', required=True),
            category=dict(type='str', required=True),
            description=dict(type='str'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        supports_check_mode=True,
    )
    module.run(lambda session: manage_tag(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
