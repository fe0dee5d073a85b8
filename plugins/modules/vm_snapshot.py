#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: vm_snapshot
short_description: Create, revert to, remove and list snapshots of a VM on an ESX host or vCenter
version_added: 0.1.0
description:
  - Manages the snapshots of one VM, selected by O(name), O(uuid) or O(moid), idempotently by snapshot name,
    as libvirt's C(virsh snapshot-create-as), C(snapshot-revert), C(snapshot-delete) and C(snapshot-list) do on ESX.
  - Every vSphere task goes through the collection's task poller, so a VM blocked by a question is answered
    (O(auto_answer=true)) or reported.
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
  snapshot_name:
    description:
      - Name of the snapshot. Required with O(state=absent) and O(state=current).
      - Without it (and the default O(state=present)) the module changes nothing and only lists the snapshots
        in RV(snapshots), as C(virsh snapshot-list).
    type: str
    aliases: [snapshot]
  description:
    description:
      - Description of a new snapshot.
    type: str
    default: ''
  xml:
    description:
      - The snapshot as libvirt snapshot XML (C(<domainsnapshot>), as C(virsh snapshot-create) takes it) instead of
        O(snapshot_name), O(description) and O(memory); the XML RV(snapshot.xml) returns can be given back.
      - C(<memory snapshot='internal'>) is O(memory=true), C(snapshot='no') false. C(<state>), C(<parent>) and
        C(<creationTime>) describe a snapshot that exists and are not read, as libvirt does without its redefine flag.
      - Refused, with the reason - no C(<name>) (libvirt would name the snapshot after the clock, which no rerun finds
        again), disk snapshots (C(<disks>) other than C(snapshot='no')), an external memory file, another VM's
        C(<domain>) UUID, and an option that says otherwise than the XML.
    type: str
  memory:
    description:
      - Include the memory of a running VM in a new snapshot (reverting then resumes the running VM).
    type: bool
    default: false
  quiesce:
    description:
      - Quiesce the guest file systems through VMware Tools before taking a new snapshot.
    type: bool
    default: false
  remove_children:
    description:
      - With O(state=absent), remove the snapshot's children too (C(virsh snapshot-delete --children)).
    type: bool
    default: false
  state:
    description:
      - V(present) creates the snapshot unless one of that name exists.
      - V(absent) removes every snapshot of that name (nothing to do when there is none).
      - V(current) reverts the VM to the snapshot unless it is already the current snapshot.
    type: str
    choices: [present, absent, current]
    default: present
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.connection.tasks
attributes:
  check_mode:
    support: full
    description: Reports whether a change would be made and the predicted snapshot list.
  diff_mode:
    support: none
    description: No diff is produced.
notes:
  - Snapshot names need not be unique in vSphere; O(state=current) refuses a name that several snapshots have.
  - Reverting to a snapshot taken without memory leaves the VM powered off (or suspended), as vSphere does.
'''

EXAMPLES = r'''
- name: Snapshot before an upgrade
  virt.esx.vm_snapshot:
    uri: esx://root@esx1.example.com/?no_verify=1
    password: "{{ vault_esx_root_password }}"
    name: web01
    snapshot_name: before-upgrade
    description: Taken by Ansible before the upgrade
    memory: true

- name: Go back to it
  virt.esx.vm_snapshot:
    uri: esx://root@esx1.example.com/?no_verify=1
    password: "{{ vault_esx_root_password }}"
    name: web01
    snapshot_name: before-upgrade
    state: current

- name: Remove it and the snapshots taken after it
  virt.esx.vm_snapshot:
    uri: esx://root@esx1.example.com/?no_verify=1
    password: "{{ vault_esx_root_password }}"
    name: web01
    snapshot_name: before-upgrade
    remove_children: true
    state: absent

- name: List (no snapshot_name)
  virt.esx.vm_snapshot:
    uri: esx://root@esx1.example.com/?no_verify=1
    password: "{{ vault_esx_root_password }}"
    name: web01
  register: snaps
'''

RETURN = r'''
action:
  description: What was done (or would be in check mode), V(create), V(revert), V(remove) or V(none).
  returned: success
  type: str
  sample: create
vm:
  description: The VM.
  returned: success
  type: dict
  contains:
    name:
      description: Name as libvirt shows it.
      type: str
    uuid:
      description: BIOS UUID.
      type: str
    moid:
      description: Managed object id.
      type: str
snapshot:
  description: The snapshot named O(snapshot_name) after the change (the first one of that name), null when there is none.
  returned: success
  type: dict
  contains:
    name:
      description: Snapshot name.
      type: str
    description:
      description: Snapshot description.
      type: str
    id:
      description: vSphere snapshot id (null for a snapshot predicted in check mode).
      type: int
    moid:
      description: Managed object id of the snapshot.
      type: str
    create_time:
      description: Creation time, ISO 8601.
      type: str
    state:
      description: Power state of the VM when the snapshot was taken.
      type: str
    quiesced:
      description: Whether the guest was quiesced.
      type: bool
    parent:
      description: Name of the parent snapshot, null for a root snapshot.
      type: str
    current:
      description: Whether this is the VM's current snapshot.
      type: bool
    xml:
      description: libvirt snapshot XML (C(virsh snapshot-dumpxml)) - name, description, state, parent, creationTime,
        and the VM's UUID in C(<domain>).
      type: str
snapshots:
  description: All snapshots of the VM after the change, parents before children (same keys as RV(snapshot)).
  returned: success
  type: list
  elements: dict
current_snapshot:
  description: Name of the current snapshot, null without snapshots.
  returned: success
  type: str
question:
  description: On failure because of a VM question, the question (id, text, choices, default).
  returned: when a VM question blocked a task
  type: dict
answered:
  description: The label of the choice given with auto_answer, null when nothing was answered.
  returned: when a VM question blocked a task
  type: str
task_started:
  description: Whether the task that was asked for was started at all.
  returned: when a VM question blocked a task
  type: bool
task_cancelled:
  description: For a started task, whether it was cancelled.
  returned: when a VM question blocked a task
  type: bool
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.snapshot import manage_snapshot


def main():
    module = EsxModule(
        dict(
            name=dict(type='str'),
            uuid=dict(type='str'),
            moid=dict(type='str'),
            snapshot_name=dict(type='str', aliases=['snapshot']),
            description=dict(type='str', default=''),
            memory=dict(type='bool', default=False),
            quiesce=dict(type='bool', default=False),
            remove_children=dict(type='bool', default=False),
            state=dict(type='str', default='present', choices=['present', 'absent', 'current']),
            xml=dict(type='str'),
        ),
        tasks=True,
        mutually_exclusive=[('name', 'uuid', 'moid')],
        required_one_of=[('name', 'uuid', 'moid')],
        required_if=[('state', 'absent', ('snapshot_name', 'xml'), True), ('state', 'current', ('snapshot_name', 'xml'), True)],
        supports_check_mode=True,
    )

    def manage(session):
        params = dict(module.params)
        params['auto_answer'] = session.params.auto_answer
        if params['state'] == 'present' and not params['snapshot_name']:
            params['state'] = 'list'
        return manage_snapshot(session, params, check_mode=module.check_mode)

    module.run(manage)


if __name__ == '__main__':
    main()
