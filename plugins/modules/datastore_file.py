#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: datastore_file
short_description: Upload, download, make, delete and inspect files and folders on a datastore
version_added: 0.3.0
description:
  - Moves files between the machine the module runs on and an ESX or vCenter datastore through the server's
    C(/folder) HTTP endpoint, in chunks (memory stays at one chunk, whatever the file size), and makes, deletes and
    inspects files and folders with the datastore browser and the FileManager.
  - "The module runs where Ansible runs it; for files on the controller use C(delegate_to: localhost), as with the
    other virt.esx modules."
  - "Idempotent: an upload (or a download) is skipped when the other side already has a file of the same size
    whose SHA-256 matches; O(compare) says how much of the file is read for that."
  - Each item of O(path) is stored with VMware's datastore item escaping (C(\"*<>:|?) become C(_), other special
    characters are percent- or base64-encoded), as M(virt.esx.volume) stores names; a path that would leave its
    datastore folder (C(..) or C(.) items, empty items, control characters, a leading C(/)) is refused before anything
    is sent.
  - Long transfers work with C(async)/C(poll); the connection O(timeout) applies to each network read or write,
    not to the whole transfer, so the only limit on a transfer's length is the one the task sets.
author:
  - virt.esx contributors (@virt-esx)
options:
  path:
    description:
      - The file or folder, as a datastore path C([datastore1] iso/debian-12.iso).
    type: str
    required: true
  state:
    description:
      - V(file) uploads O(src) to O(path) (missing folders are made); V(fetched) downloads O(path) to O(dest);
        V(directory) makes the folder O(path) with its parents; V(absent) deletes the file, or the folder with
        everything in it; V(stat) only reports RV(stat).
    type: str
    choices: [file, fetched, directory, absent, stat]
    default: file
  src:
    description:
      - Local file to upload, for O(state=file).
    type: path
  dest:
    description:
      - Local file to write, for O(state=fetched); an existing folder receives the file under its datastore name.
        The file is written to a temporary name beside it and renamed once complete.
    type: path
  force:
    description:
      - Upload or download even when the other side already has the same content.
    type: bool
    default: false
  compare:
    description:
      - How an existing file is compared when the sizes are equal.
      - V(sampled) reads 16 blocks of 64 KiB with HTTP range requests (the first, the last and 14 evenly spaced
        between them) and compares their SHA-256, so 1 MiB crosses the network whatever the file size; files up to
        1 MiB are compared whole. A same-size change that touches no sampled block (an edit in place) is not seen.
      - V(full) streams the whole remote file through SHA-256, an exact comparison for the cost of one download.
      - A server that ignores range requests gets the V(full) comparison.
    type: str
    choices: [sampled, full]
    default: sampled
  escape:
    description:
      - Store each item of O(path) with the datastore item escaping. V(false) takes O(path) as a datastore listing
        shows it (already escaped).
    type: bool
    default: true
  datacenter:
    description:
      - On a vCenter, the datacenter of the datastore when several datacenters have a datastore of that name.
    type: str
  task_timeout:
    description:
      - Seconds to wait for each FileManager and datastore browser task (a folder made or deleted, a look-up)
        before failing; it does not limit a transfer, whose length only the task's C(async) limits.
    type: int
    default: 3600
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reads and compares what is there and reports what would change; nothing is written.
  diff_mode:
    support: full
    description: The file's (or for O(state=fetched), the local file's) state and size before and after.
'''

EXAMPLES = r'''
- name: Upload an installer ISO (skipped when the datastore already has it)
  virt.esx.datastore_file:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    path: "[datastore1] iso/debian-12.7.0-amd64-netinst.iso"
    src: /srv/images/debian-12.7.0-amd64-netinst.iso
  delegate_to: localhost
  async: 3600
  poll: 10

- name: Fetch a VM's log
  virt.esx.datastore_file:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    path: "[datastore1] web01/vmware.log"
    state: fetched
    dest: /tmp/web01-vmware.log
    force: true
  delegate_to: localhost

- name: A folder tree for templates
  virt.esx.datastore_file:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    path: "[datastore1] templates/2024/q4"
    state: directory
  delegate_to: localhost

- name: Is it there?
  virt.esx.datastore_file:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    path: "[datastore1] iso/debian-12.7.0-amd64-netinst.iso"
    state: stat
  register: iso
  delegate_to: localhost

- name: Remove the old tree
  virt.esx.datastore_file:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    path: "[datastore1] templates/2023"
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
path:
  description: The datastore path as stored (each item escaped unless O(escape=false)).
  returned: success
  type: str
  sample: "[datastore1] iso/debian-12.iso"
stat:
  description: The file or folder after the change (predicted in check mode); for O(state=fetched), the remote file.
  returned: success
  type: dict
  contains:
    exists:
      description: Whether it exists.
      type: bool
    path:
      description: Datastore path.
      type: str
    type:
      description: C(file) or C(directory); null when it does not exist.
      type: str
    kind:
      description: What the datastore browser calls it, C(directory), C(iso), C(floppy), C(disk), C(vmx), C(log),
        C(nvram) or C(file).
      type: str
    size:
      description: Size in bytes of a file; null for a folder.
      type: int
    mtime:
      description: Modification time (ISO 8601, from the datastore browser).
      type: str
transfer:
  description: The transfer done; null when nothing was moved.
  returned: success
  type: dict
  contains:
    bytes:
      description: Bytes moved.
      type: int
    seconds:
      description: Seconds the transfer took.
      type: float
    mb_per_second:
      description: Throughput in MB (10^6 bytes) per second.
      type: float
compared_by:
  description: How an existing file was found equal or different, C(size), C(sampled) or C(full); null when
    nothing was compared.
  returned: success
  type: str
dest:
  description: The local file written, for O(state=fetched).
  returned: when O(state=fetched)
  type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.datastore_file import STATES, manage_datastore_file

ARGUMENT_SPEC = dict(
    path=dict(type='str', required=True),
    state=dict(type='str', choices=list(STATES), default='file'),
    src=dict(type='path'),
    dest=dict(type='path'),
    force=dict(type='bool', default=False),
    compare=dict(type='str', choices=['sampled', 'full'], default='sampled'),
    escape=dict(type='bool', default=True),
    datacenter=dict(type='str'),
)


def main():
    module = EsxModule(
        ARGUMENT_SPEC,
        task_timeout=True,
        supports_check_mode=True,
        required_if=[('state', 'file', ('src',)), ('state', 'fetched', ('dest',))],
    )
    module.run(lambda session: manage_datastore_file(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
