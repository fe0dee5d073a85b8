#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: vm_screenshot
short_description: Save the console of a running VM on an ESX host or vCenter as a PNG file
version_added: 0.3.0
description:
  - Captures the console of one running VM, selected by O(name), O(uuid) or O(moid), from the server's
    C(/screen?id=<moid>) endpoint and writes it as a PNG file to O(dest), as C(virsh screenshot) does with
    libvirt's ESX driver.
  - The file is written where the module runs; run it on the controller (a play on V(localhost), or
    C(delegate_to) V(localhost)), as every virt.esx module is usually run.
  - The image is taken with the module's session (its cookie), over the same TLS settings and proxy.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Name of the VM (as libvirt shows it, or as the vSphere API stores it with C(%XX) escapes).
      - One of O(name), O(uuid) and O(moid) is required.
    type: str
  uuid:
    description:
      - BIOS UUID (libvirt's domain UUID) or instance UUID of the VM.
    type: str
  moid:
    description:
      - Managed object id of the VM (for example V(vm-42)).
    type: str
  dest:
    description:
      - Path of the PNG file to write. Its directory must exist; an existing file is replaced (atomically) when the
        picture differs.
    type: path
    required: true
  screen:
    description:
      - The screen to capture, as C(virsh screenshot --screen). An ESX VM has one console, V(0); any other
        number is an error.
    type: int
    default: 0
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: The console is captured (a read) and compared with O(dest); nothing is written.
  diff_mode:
    support: full
    description: The SHA-256 of O(dest) before and after.
notes:
  - The VM must be powered on (libvirt refuses a screenshot of a VM that is not, and so does this module).
  - C(changed) is whether the file's content changes; a console that shows the same picture again is no change.
'''

EXAMPLES = r'''
- name: Save the console of web01 next to the playbook
  virt.esx.vm_screenshot:
    uri: esx://root@esx1.example.com/
    password: "{{ vault_esx_root_password }}"
    ca_file: /etc/pki/esx1-ca.pem
    name: web01
    dest: "{{ playbook_dir }}/web01-console.png"
  delegate_to: localhost

- name: The consoles of the VMs that did not come back after patching
  virt.esx.vm_screenshot:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    moid: "{{ item.moid }}"
    dest: "/srv/reports/{{ item.name }}.png"
  loop: "{{ unreachable_vms }}"
'''

RETURN = r'''
dest:
  description: The file written (or, in check mode, that would be written).
  returned: success
  type: str
  sample: /srv/reports/web01.png
mime_type:
  description: The image's MIME type, as libvirt's screenshot API returns it.
  returned: success
  type: str
  sample: image/png
width:
  description: Width of the image in pixels.
  returned: success
  type: int
  sample: 720
height:
  description: Height of the image in pixels.
  returned: success
  type: int
  sample: 400
size:
  description: Size of the PNG file in bytes.
  returned: success
  type: int
  sample: 4032
sha256:
  description: SHA-256 of the PNG data.
  returned: success
  type: str
vm:
  description: The VM captured.
  returned: success
  type: dict
  contains:
    name:
      description: The VM's name as libvirt shows it.
      type: str
    moid:
      description: Managed object id.
      type: str
    uuid:
      description: BIOS UUID.
      type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_screenshot import save_screenshot


def main():
    module = EsxModule(
        dict(
            name=dict(type='str'),
            uuid=dict(type='str'),
            moid=dict(type='str'),
            dest=dict(type='path', required=True),
            screen=dict(type='int', default=0),
        ),
        mutually_exclusive=[('name', 'uuid', 'moid')],
        required_one_of=[('name', 'uuid', 'moid')],
        supports_check_mode=True,
    )
    module.run(lambda session: save_screenshot(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
