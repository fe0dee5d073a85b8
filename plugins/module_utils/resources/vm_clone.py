# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vm the vCenter way: a new VM as a clone, templates, folder moves, waiting for the guest.

These are hooks of ``vm.VmRun`` (``run`` is the VmRun):

``find_more(run, lookup, folder, vm, find_vm)``
    a VM outside ``folder`` is found to be moved; with ``template`` a template is found like a VM.
``clone_run(run, lookup, desired, folder, diff) -> result``
    the VM does not exist and ``clone_from`` is given: CloneVM_Task (with the
    placement, datastore, disk format, linked-clone snapshot and guest
    customization asked for), then the rest of the desired state exactly as
    for an existing VM (``run.edit``, power, autostart), then the template flag
    and ``wait_for``. Check mode predicts the clone from the source's .vmx.
``before_edit(run, vm, folder_item)`` / ``after_power(run, vm)``
    an existing VM: moved into ``folder`` (MoveIntoFolder_Task), unmarked from
    a template before it is edited, marked as a template or waited for after.
``result_fields(run, result, vm)``
    adds ``vm.template``, ``clone`` and ``guest`` to the module result.

Cloning and templates need a vCenter; on a standalone host the options are refused.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import escape_datastore_item, escape_vm_name, unescape_vm_name
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_hardware, vm_spec as specs
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_customization import build_customization, stored_specification
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_diff import describe_change, plan_changes
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.guest_wait import GuestWaitTimeout, wait_for_guest
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import wait_for_task

_UUID = re.compile(r'^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$')

# Disk formats of a clone -> (thinProvisioned, eagerlyScrub) of the new disks' backing.
DISK_FORMATS = {'thin': (True, False), 'thick': (False, False), 'eagerzeroedthick': (False, True)}

# Keys of the source's .vmx that a clone gets anew from the server (identity, MACs, file locks).
_IDENTITY_KEY = re.compile(r'^(uuid\.bios|uuid\.location|vc\.uuid|ethernet\d+\.generatedAddress(Offset)?)$', re.IGNORECASE)

VCENTER_OPTIONS = ('clone_from', 'template', 'customization')


class CloneError(VirtEsxError):
    """A clone, template or folder request that cannot be carried out as asked."""


def check_options(run):
    """Refuse, before any change, what the endpoint or the option combination cannot do."""
    params = run.params
    given = [option for option in VCENTER_OPTIONS if params.get(option) is not None]
    if given and not run.session.is_vcenter:
        raise CloneError('%s need%s a vCenter: a standalone ESX host has no CloneVM_Task, templates or guest customization; '
                         'connect to the vCenter that manages this host' % (', '.join(given), 's' if len(given) == 1 else ''))
    if params.get('linked') and not params.get('clone_from'):
        raise CloneError('linked: true needs clone_from (the VM or template whose snapshot the clone shares)')
    if params.get('clone_snapshot') and not params.get('linked'):
        raise CloneError('clone_snapshot (%s) is only used by a linked clone: set linked: true' % params['clone_snapshot'])
    if params.get('linked') and params.get('clone_disk_format'):
        raise CloneError('clone_disk_format (%s) cannot be honoured by a linked clone, whose disks are delta disks of the '
                         "source's snapshot" % params['clone_disk_format'])
    if params.get('template') and params.get('state') not in ('present', 'destroyed', 'shutdown', 'absent'):
        raise CloneError('template: true needs the VM powered off, but state is %s' % params['state'])
    if params.get('customization') is not None and not params.get('clone_from'):
        raise CloneError('customization is applied to a clone before its first power-on: give clone_from')
    if params.get('wait_for') and params.get('state') not in ('running', 'restarted'):
        raise CloneError('wait_for: %s needs a running VM: set state: running' % params['wait_for'])


# Finding ---------------------------------------------------------------------------

def _vms_and_templates(session, root):
    return session.retrieve({'VirtualMachine': ['name', 'config.uuid', 'config.instanceUuid', 'config.template', 'parent']},
                            root=root)


def _matching(items, ref):
    if _UUID.match(ref):
        wanted = ref.replace('-', '').lower()
        return [item for item in items if wanted in ((item.get('config.uuid') or '').replace('-', '').lower(),
                                                     (item.get('config.instanceUuid') or '').replace('-', '').lower())]
    return [item for item in items if unescape_vm_name(item.get('name') or '') == ref]


def find_more(run, lookup, folder, vm, find_vm):
    """The VM ``find_vm`` did not find in ``folder``: elsewhere in the datacenter (to be moved), or a template.

    A template counts as the VM with the ``template`` option (find_vm skips templates).
    """
    if vm is None and folder is not None and run.datacenter is not None:
        vm = find_vm(run.session, lookup, run.datacenter, None)
    if vm is not None or run.params.get('template') is None:
        return vm
    root = folder['_obj'] if folder is not None else (run.datacenter['vmFolder'] if run.datacenter is not None else None)
    found = [item for item in _matching(_vms_and_templates(run.session, root), lookup.get('uuid') or lookup.get('name') or '')
             if item.get('config.template')]
    if len(found) > 1:
        raise CloneError('%d templates are named %s: give uuid (theirs: %s)'
                         % (len(found), lookup.get('name'), ', '.join(sorted(item.get('config.uuid') or '?' for item in found))))
    return found[0]['_obj'] if found else None


def find_source(run, ref):
    """The VM or template ``clone_from`` names: a uuid, an inventory path (folder/name) or a name."""
    datacenter = run.datacenter
    root = datacenter['vmFolder'] if datacenter is not None else None
    name = ref
    if '/' in ref.strip('/') and not _UUID.match(ref):
        path, _sep, name = ref.strip('/').rpartition('/')
        try:
            root = run.inventory.folder(datacenter, path)['_obj']
        except VirtEsxError as exc:
            raise CloneError('clone_from %s: %s' % (ref, exc))
    found = _matching(_vms_and_templates(run.session, root), name)
    if not found:
        raise CloneError('clone_from: no VM or template %s%s' % (ref, ' in datacenter %s' % datacenter['name'] if datacenter else ''))
    if len(found) > 1:
        raise CloneError('clone_from: %d VMs or templates are named %s: give its uuid (theirs: %s) or its folder path'
                         % (len(found), ref, ', '.join(sorted(item.get('config.uuid') or '?' for item in found))))
    return found[0]


# Cloning ---------------------------------------------------------------------------

def _snapshot_of(run, source_obj):
    params = run.params
    info = retrieve_one(run.session.content, source_obj, ['snapshot']).get('snapshot')
    if info is None or not info.rootSnapshotList:
        raise CloneError('linked: true needs a snapshot of %s, which has none: take one (virt.esx.vm_snapshot) first'
                         % params['clone_from'])
    wanted = params.get('clone_snapshot')
    if not wanted:
        return info.currentSnapshot, None
    stack = list(info.rootSnapshotList)
    names = []
    while stack:
        tree = stack.pop(0)
        names.append(tree.name)
        if tree.name == wanted:
            return tree.snapshot, tree.name
        stack.extend(tree.childSnapshotList or [])
    raise CloneError('clone_snapshot: %s has no snapshot named %s (snapshots: %s)' % (params['clone_from'], wanted, ', '.join(names)))


def _datastore(run, name):
    items = run.session.retrieve({'Datastore': ['name']}, root=run.datacenter['_obj'] if run.datacenter is not None else None)
    found = [item for item in items if item['name'] == name]
    if not found:
        raise CloneError('datastore: no datastore named %s (datastores: %s)' % (name, ', '.join(sorted(item['name'] for item in items))))
    return found[0]['_obj']


def _relocate_spec(run, source_item, source_config):
    params = run.params
    relocate = vim.vm.RelocateSpec()
    if source_item.get('config.template') or any(params.get(key) for key in ('cluster', 'esxi_hostname', 'resource_pool')) \
            or (run.session.scope or {}).get('compute_resource'):
        pool, host, _compute = run.inventory.placement(run.datacenter, params)
        relocate.pool = pool['_obj']
        if host is not None:
            relocate.host = host['_obj']
    datastore = _datastore(run, params['datastore']) if params.get('datastore') else None
    if datastore is not None:
        relocate.datastore = datastore
    disk_format = params.get('clone_disk_format')
    if disk_format:
        thin, eager = DISK_FORMATS[disk_format]
        locators = []
        for device in source_config.hardware.device or []:
            if isinstance(device, vim.vm.device.VirtualDisk):
                backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                    diskMode='persistent', fileName='', thinProvisioned=thin, eagerlyScrub=eager)
                locators.append(vim.vm.RelocateSpec.DiskLocator(
                    diskId=device.key, datastore=datastore or device.backing.datastore, diskBackingInfo=backing))
        relocate.disk = locators
    if params.get('linked'):
        relocate.diskMoveType = 'createNewChildDiskBacking'
    return relocate


def _nic_count(desired, source_config):
    if desired is not None and desired.get('nics') is not None:
        return len(desired['nics'])
    return len([device for device in source_config.hardware.device or [] if isinstance(device, vim.vm.device.VirtualEthernetCard)])


def _target_folder(run, folder, source_item):
    if folder is not None:
        return folder
    datacenter = run.datacenter
    return run.inventory.by_moid[datacenter['vmFolder']._moId]


def clone_run(run, lookup, desired, folder, diff):
    """Create the VM as a clone of ``clone_from`` and bring it to the rest of the desired state."""
    params = run.params
    name = lookup.get('name') or (desired or {}).get('name')
    if not name:
        raise CloneError('A clone needs a name: give name')
    if desired is None:
        desired = specs.spec_from_options(dict(name=name))
    desired['name'] = name
    if desired.get('uuid') and params.get('uuid'):
        # The uuid option names the VM to find; a clone gets its own, given only by the domain XML.
        desired['uuid'] = None
    source = find_source(run, params['clone_from'])
    source_obj = source['_obj']
    source_vm = retrieve_one(run.session.content, source_obj, ['name', 'config', 'runtime.powerState', 'parent', 'resourcePool'])
    source_config = source_vm['config']
    customization = build_customization(params.get('customization'), _nic_count(desired, source_config))
    relocate = _relocate_spec(run, source, source_config)
    snapshot, snapshot_name = _snapshot_of(run, source_obj) if params.get('linked') else (None, None)
    run.changed = True
    linked_text = ' (linked to its snapshot %s)' % (snapshot_name or 'current') if snapshot is not None else ''
    kind = 'template' if source.get('config.template') else 'VM'
    run.changes.append('clone VM %s from %s %s%s' % (name, kind, unescape_vm_name(source['name']), linked_text))
    run.clone_facts = dict(source=unescape_vm_name(source['name']), source_moid=source['_moid'],
                           source_is_template=bool(source.get('config.template')), linked=bool(params.get('linked')),
                           snapshot=snapshot_name, disk_format=params.get('clone_disk_format'),
                           customization=customization.summary if customization is not None else None)
    if customization is not None:
        run.changes.append('customize the guest at first power-on (%s)'
                           % ('stored spec %s' % customization.stored_name if customization.stored_name else
                              ('inline spec' if customization.spec is not None else 'cloud-init guestinfo')))
    target_folder = _target_folder(run, folder, source)
    if run.check_mode:
        return _predicted_clone(run, source_vm, desired, diff, relocate)
    clone_spec = vim.vm.CloneSpec(location=relocate, powerOn=False, template=False)
    if snapshot is not None:
        clone_spec.snapshot = snapshot
    if customization is not None:
        if customization.stored_name:
            clone_spec.customization = stored_specification(run.session, customization.stored_name)
        elif customization.spec is not None:
            clone_spec.customization = customization.spec
        if customization.extra_config:
            clone_spec.config = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key=key, value=value)
                                                               for key, value in sorted(customization.extra_config.items())])
    try:
        vm = run.task(source_obj, lambda: source_obj.CloneVM_Task(
            folder=target_folder['_obj'], name=escape_vm_name(name), spec=clone_spec), 'CloneVM_Task')
    except TaskError as exc:
        raise CloneError('Cloning %s into VM %s failed: %s' % (params['clone_from'], name, getattr(exc, 'fault_text', None) or exc))
    before_changes = len(run.changes)
    run.edit(vm, desired, diff)
    vm_hardware.apply(run, vm)
    # The clone is new: the diff starts from nothing, like a VM made by CreateVM_Task.
    diff['before'] = ''
    if len(run.changes) > before_changes:
        run.changes.insert(before_changes, 'then reconfigure the clone:')
    run.power(vm, params['state'])
    run.autostart(vm)
    after_power(run, vm)
    return run.result(vm, diff)


def _predicted_clone(run, source_vm, desired, diff, relocate):
    """Check mode: the source's .vmx with the clone's identity dropped and the desired changes made."""
    config = source_vm['config']
    current = specs.spec_from_config(config, run.network_names(config))
    plan = plan_changes(current, desired, 'poweredOff')
    if plan.refused:
        raise CloneError('The clone of %s cannot be changed as asked: %s' % (run.params['clone_from'], '; '.join(plan.refused)))
    run.changes.extend(describe_change(change) for change in plan.changes if change.field != 'name')
    vm_hardware.apply(run, None, config)
    vmx_data = run.vmx_and_xml(source_vm)[0]
    vmx = parse_vmx(vmx_data)
    for key in list(vmx.keys()):
        if _IDENTITY_KEY.match(key):
            vmx.remove(key)
    _rename_disks(vmx, escape_datastore_item(desired['name']))
    new_files = {}
    predicted = specs.vmx_after_changes(vmx.render(), plan.changes, plan.after, new_files)
    datastore = run.params.get('datastore') or specs_datastore(config.files.vmPathName)
    directory = escape_datastore_item(desired['name'])
    vmx_path = '[%s] %s/%s.vmx' % (datastore, directory, directory)
    run.predicted_xml = run.predicted_domain_xml(predicted, vmx_path)
    diff['after'] = run.predicted_xml
    run._predicted_power = 'poweredOff'  # pylint: disable=protected-access
    run.power(None, run.params['state'])
    if run.params.get('autostart'):
        run.changes.append('autostart on')
    if run.params.get('template'):
        run.changes.append('mark as template')
    return run.result(None, diff, spec=plan.after)


_DISK_FILE_KEY = re.compile(r'^((?:scsi|ide|sata|nvme)\d+:\d+)\.fileName$', re.IGNORECASE)


def _rename_disks(vmx, base):
    """vCenter names a full clone's disks after the clone, in its own folder: base.vmdk, base_1.vmdk, ..."""
    disks = []
    for key in vmx.keys():
        match = _DISK_FILE_KEY.match(key)
        if match and (vmx.get(key) or '').lower().endswith('.vmdk') and \
                (vmx.get(match.group(1) + '.deviceType') or 'scsi-hardDisk').lower().endswith('harddisk'):
            disks.append(key)
    for index, key in enumerate(sorted(disks, key=lambda text: text.lower())):
        vmx.set(key, '%s.vmdk' % base if index == 0 else '%s_%d.vmdk' % (base, index))


def specs_datastore(vmx_path):
    return vmx_path[1:vmx_path.index(']')] if vmx_path and vmx_path.startswith('[') and ']' in vmx_path else vmx_path


# Existing VMs: folders, templates, the guest ---------------------------------------

def before_edit(run, vm, folder_item):
    """Move the VM into ``folder`` and take it out of template mode, before the rest of the state is applied."""
    if vm is None:
        return
    params = run.params
    item = run.read(vm)  # the run's one read of the VM (VM_PATHS)
    item = dict(item, **{'config.template': getattr(item.get('config'), 'template', False)})
    if folder_item is not None and getattr(item.get('parent'), '_moId', None) != folder_item['_moid']:
        old = run.inventory.by_moid.get(getattr(item.get('parent'), '_moId', None))
        run.changed = True
        run.changes.append('move to folder %s (from %s)' % (params['folder'], unescape_vm_name(old['name']) if old else '?'))
        if not run.check_mode:
            with vsphere_call('Moving VM %s into folder %s' % (unescape_vm_name(item['name']), params['folder']), CloneError):
                task = folder_item['_obj'].MoveIntoFolder_Task(list=[vm])
            try:
                wait_for_task(task, timeout=run.timeout, description='MoveIntoFolder_Task')
            except TaskError as exc:
                raise CloneError('Moving VM %s into folder %s failed: %s' % (unescape_vm_name(item['name']), params['folder'], exc))
            run._stale()  # pylint: disable=protected-access  # the run's read of the VM predates the move
    if params.get('template') is False and item.get('config.template'):
        run.changed = True
        run.changes.append('mark as virtual machine')
        if run.check_mode:
            return
        pool, host, _compute = run.inventory.placement(run.datacenter or run.inventory.datacenter(), params)
        with vsphere_call('Marking template %s as a virtual machine' % unescape_vm_name(item['name']), CloneError):
            vm.MarkAsVirtualMachine(pool=pool['_obj'], host=host['_obj'] if host is not None else None)
        run._stale()  # pylint: disable=protected-access  # the run's read of the VM predates the change


def is_template(run, vm):
    return bool(getattr(run.read(vm).get('config'), 'template', False))


def after_power(run, vm):
    """Mark the VM as a template, or wait for its guest, once its power state is what was asked."""
    if vm is None:
        return
    params = run.params
    if params.get('template') and (run.check_mode or not is_template(run, vm)):
        if run.check_mode and is_template(run, vm):
            return
        run.changed = True
        run.changes.append('mark as template')
        if run.check_mode:
            return
        power_state = run.power_state(vm)
        if power_state != 'poweredOff':
            raise CloneError('VM %s is %s: a template must be powered off (state: shutdown or destroyed first)'
                             % (params.get('name') or params.get('uuid'), POWER_STATE_NAMES.get(power_state, power_state)))
        with vsphere_call('Marking VM %s as a template' % (params.get('name') or params.get('uuid')), CloneError):
            vm.MarkAsTemplate()
        run._stale()  # pylint: disable=protected-access  # the run's read of the VM predates the change
    if params.get('wait_for') and not run.check_mode:
        try:
            run.guest_facts = wait_for_guest(run.session.content, vm, params['wait_for'], params.get('wait_timeout') or 300)
        except GuestWaitTimeout as exc:
            error = CloneError(str(exc))
            error.guest = exc.seen
            raise error


def result_fields(run, result, vm_obj):
    """vm.template (predicted in check mode), clone (what the clone was made from and how) and guest (what wait_for found)."""
    vm = result.get('vm')
    if vm is not None and 'template' not in vm:
        vm['template'] = bool(run.params.get('template')) if vm_obj is None or run.check_mode else is_template(run, vm_obj)
    elif vm is not None and run.check_mode and run.params.get('template') is not None:
        vm['template'] = bool(run.params['template'])
    if getattr(run, 'clone_facts', None) is not None:
        result['clone'] = run.clone_facts
    if getattr(run, 'guest_facts', None) is not None:
        result['guest'] = run.guest_facts
