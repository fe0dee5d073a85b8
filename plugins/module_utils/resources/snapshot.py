# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of virt.esx.vm_snapshot: snapshots of one VM, idempotent by name.

``plan(snapshots, state, snapshot_name) -> (action, targets)``
    pure: what a request means for a VM's snapshot list (``vm_facts.snapshot_list``):
    ``('create', [])``, ``('revert', [snapshot])``, ``('remove', [snapshot, ...])`` or
    ``('none', [...])``. Raises ``SnapshotError`` for a request that cannot be met.
``manage_snapshot(session, params, check_mode=False) -> dict``
    carries it out, every task through the poller (``tasks.run_vm_task``) with
    ``auto_answer``, and returns the module result.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import EarlierTaskResumed, run_vm_task
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_facts import find_vm_item, snapshot_list
from ansible_collections.virt.esx.plugins.module_utils.formats.snapshot_xml import format_snapshot_xml, parse_snapshot_xml
from ansible_collections.virt.esx.plugins.module_utils.vsphere.answers import answer_policy

STATES = ('present', 'absent', 'current', 'list')


class SnapshotError(VirtEsxError):
    """A snapshot request that cannot be carried out as asked."""


def plan(snapshots, state, snapshot_name):
    """What to do; see the module docstring."""
    if state not in STATES:
        raise SnapshotError("state must be one of %s, not '%s'" % (', '.join(STATES), state))
    if state == 'list':
        return 'none', []
    if not snapshot_name:
        raise SnapshotError("snapshot_name is required with state '%s'" % state)
    named = [snapshot for snapshot in snapshots if snapshot['name'] == snapshot_name]
    if state == 'present':
        return ('none', named) if named else ('create', [])
    if state == 'absent':
        # Children first, so removing a parent never takes a named child with it unasked.
        ordered = sorted(named, key=lambda snapshot: -_depth(snapshots, snapshot))
        return ('remove', ordered) if named else ('none', [])
    if not named:
        raise SnapshotError("The VM has no snapshot named '%s' to revert to (it has: %s)"
                            % (snapshot_name, ', '.join(s['name'] for s in snapshots) or 'none'))
    if len(named) > 1:
        raise SnapshotError("The VM has %d snapshots named '%s'; revert to one of them in vSphere, or rename them"
                            % (len(named), snapshot_name))
    return ('none', named) if named[0]['current'] else ('revert', named)


def _depth(snapshots, snapshot):
    by_name = {}
    for item in snapshots:
        by_name.setdefault(item['name'], item)
    depth, parent = 0, snapshot['parent']
    while parent is not None and depth < 1000:
        depth += 1
        parent = by_name.get(parent, {}).get('parent')
    return depth


def _snapshot_objects(snapshot_info):
    """{moid: vim.vm.Snapshot} of a VM's snapshot tree."""
    found = {}

    def walk(trees):
        for tree in trees or ():
            found[tree.snapshot._moId] = tree.snapshot
            walk(tree.childSnapshotList)

    walk(getattr(snapshot_info, 'rootSnapshotList', None))
    return found


def params_from_xml(params, domain_uuid):
    """The module parameters with a ``<domainsnapshot>`` given as ``xml`` read into them; a conflict is an error."""
    if not params.get('xml'):
        return params
    wanted = parse_snapshot_xml(params['xml'], domain_uuid)
    merged = dict(params)
    for option, value, default in (('snapshot_name', wanted['name'], None), ('description', wanted['description'], ''),
                                   ('memory', wanted['memory'], False)):
        if value is None:
            continue
        given = params.get(option)
        if given not in (None, default) and given != value:
            raise SnapshotError('%s %r differs from the snapshot XML\'s %r' % (option, given, value))
        merged[option] = value
    if merged.get('state') == 'list':
        merged['state'] = 'present'
    return merged


def with_xml(snapshots, domain_uuid):
    """Each snapshot dict with its libvirt ``<domainsnapshot>`` XML (``xml``)."""
    return [dict(snapshot, xml=format_snapshot_xml(snapshot, domain_uuid)) for snapshot in snapshots]


def manage_snapshot(session, params, check_mode=False):
    try:
        return _manage_snapshot(session, params, check_mode)
    except EarlierTaskResumed as resumed:
        # auto_answer let an earlier, blocked task finish: plan again from the VM as it is now, once.
        result = _manage_snapshot(session, params, check_mode)
        result['changed'] = True
        result['warnings'] = [str(resumed)]
        return result


def _manage_snapshot(session, params, check_mode=False):
    # The VM's properties (the snapshot tree among them) come with finding it.
    item, facts = find_vm_item(session, name=params.get('name'), uuid=params.get('uuid'), moid=params.get('moid'),
                               autostart=False)
    vm = item['_obj']
    params = params_from_xml(params, facts['uuid'])
    state = params.get('state') or 'present'
    snapshot_name = params.get('snapshot_name')
    info = item.get('snapshot')
    snapshots = snapshot_list(info)
    action, targets = plan(snapshots, state, snapshot_name)
    auto_answer = answer_policy(params.get('auto_answer'), params.get('answers'))
    timeout = params.get('task_timeout')
    changed = action != 'none'

    if changed and not check_mode:
        if action == 'create':
            run_vm_task(vm, lambda: vm.CreateSnapshot_Task(
                name=snapshot_name, description=params.get('description') or '',
                memory=bool(params.get('memory')), quiesce=bool(params.get('quiesce'))),
                auto_answer=auto_answer, timeout=timeout, description="creating snapshot '%s'" % snapshot_name)
        else:
            objects = _snapshot_objects(info)
            for target in targets:
                snapshot = objects.get(target['moid'])
                if snapshot is None:
                    continue
                if action == 'revert':
                    run_vm_task(vm, lambda snap=snapshot: snap.RevertToSnapshot_Task(),
                                auto_answer=auto_answer, timeout=timeout,
                                description="reverting to snapshot '%s'" % snapshot_name)
                else:
                    run_vm_task(vm, lambda snap=snapshot: snap.RemoveSnapshot_Task(
                        removeChildren=bool(params.get('remove_children'))),
                        auto_answer=auto_answer, timeout=timeout,
                        description="removing snapshot '%s'" % snapshot_name)
        snapshots = snapshot_list(properties.retrieve_one(session.content, vm, ['snapshot']).get('snapshot'))

    predicted = snapshots
    if check_mode and changed:
        predicted = _predict(snapshots, action, targets, snapshot_name, params)
    predicted = with_xml(predicted, facts['uuid'])
    current = next((snapshot for snapshot in predicted if snapshot['current']), None)
    affected = next((snapshot for snapshot in predicted if snapshot['name'] == snapshot_name), None)
    return dict(
        changed=changed,
        action=action,
        vm=dict(name=facts['name'], uuid=facts['uuid'], moid=facts['moid']),
        snapshot=affected,
        snapshots=predicted,
        current_snapshot=current['name'] if current else None,
    )


def _predict(snapshots, action, targets, snapshot_name, params):
    """The snapshot list after the change (check mode)."""
    if action == 'create':
        current = next((snapshot for snapshot in snapshots if snapshot['current']), None)
        predicted = [dict(snapshot, current=False) for snapshot in snapshots]
        predicted.append(dict(name=snapshot_name, description=params.get('description') or '', id=None, moid=None,
                              create_time=None, state=None, quiesced=bool(params.get('quiesce')),
                              parent=current['name'] if current else None, current=True))
        return predicted
    if action == 'revert':
        wanted = targets[0]['moid']
        return [dict(snapshot, current=snapshot['moid'] == wanted) for snapshot in snapshots]
    removed = set(target['moid'] for target in targets)
    if params.get('remove_children'):
        grew = True
        while grew:
            names = set(s['name'] for s in snapshots if s['moid'] in removed)
            before = len(removed)
            removed.update(s['moid'] for s in snapshots if s['parent'] in names)
            grew = len(removed) != before
    parents = dict((s['name'], s['parent']) for s in snapshots if s['moid'] in removed)
    kept = []
    for snapshot in snapshots:
        if snapshot['moid'] in removed:
            continue
        parent = snapshot['parent']
        while parent in parents:
            # A removed snapshot's children move up to its parent.
            parent = parents[parent]
        kept.append(dict(snapshot, parent=parent))
    return kept
