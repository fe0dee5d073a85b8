# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of virt.esx.vm: find, create, edit, power and remove one VM.

``manage_vm(session, params, check_mode=False) -> dict``
    does what the module's parameters ask and returns the module result
    (``changed``, ``vm``, ``diff``, ``changes``, ``warnings``). Raises
    ``VirtEsxError`` (``QuestionBlocked`` when a VM question stops a task).

The VM's definition is compared as ``vm_spec`` dicts (see there); ``vm_diff``
plans the changes; this module turns them into vSphere calls, every VM task
through the poller (``tasks.run_vm_task``) with ``auto_answer``.

The domain XML of results and diffs is the VM's .vmx read as virt.esx.vm_info
reads it (``vm_facts.read_vmx``, ``vm_facts.vmx_domain_xml``); a prediction (check
mode) is .vmx text (``vm_spec.vmx_after_changes``, ``new_vm_vmx``) through the same
converter, so that no second XML writer tells another story. What that XML has no
element for is in plain fields (``plain_fields``).
"""

from __future__ import annotations

import time

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl
from ansible_collections.virt.esx.plugins.module_utils.vsphere import lookup

from ansible_collections.virt.esx.plugins.module_utils.resources import vm_spec as specs
from ansible_collections.virt.esx.plugins.module_utils.formats.domain import default_virtual_hw_version, domain_xml_to_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_definition import definition_to_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreCalls, DatastoreFiles, wire
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import (
    CheckedDatastorePath, escape_datastore_item, escape_vm_name, unescape_vm_name)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import ancestor as find_ancestor, retrieve_one
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import failure_message, fault_text, vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_limits import check_vm_limits
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import QuestionBlocked, handle_pending_question, run_vm_task, wait_for_task
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import EarlierTaskResumed
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_diff import describe_change, plan_changes
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_facts import read_vmx, vmx_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_placement import converge_placement
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_clone, vm_hardware
from ansible_collections.virt.esx.plugins.module_utils.vsphere.answers import answer_policy
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_attributes import VmMetadata

VM_PATHS = ['name', 'config', 'runtime.powerState', 'runtime.host', 'parent', 'resourcePool', 'customValue']
SHUTDOWN_POLL_SECONDS = 1.0

_NIC_CLASSES = {'vmxnet3': 'VirtualVmxnet3', 'e1000': 'VirtualE1000', 'e1000e': 'VirtualE1000e',
                'vmxnet2': 'VirtualVmxnet2', 'vmxnet': 'VirtualVmxnet', 'vlance': 'VirtualPCNet32'}
_SCSI_CLASSES = {'lsilogic': 'VirtualLsiLogicController', 'buslogic': 'VirtualBusLogicController',
                 'lsisas1068': 'VirtualLsiLogicSASController', 'pvscsi': 'ParaVirtualSCSIController'}


class VmError(VirtEsxError):
    """A request virt.esx.vm cannot carry out as asked."""


# Finding things --------------------------------------------------------------------

class Inventory(object):
    """The datacenters, compute resources, hosts, folders and pools of one endpoint, read once."""

    def __init__(self, session):
        self.session = session
        self.items = session.retrieve({
            'Datacenter': ['name', 'parent', 'vmFolder', 'hostFolder', 'networkFolder'],
            'Folder': ['name', 'parent'],
            'ComputeResource': ['name', 'parent', 'resourcePool', 'host', 'datastore'],
            'HostSystem': ['name', 'parent', 'datastore'],
            'ResourcePool': ['name', 'parent', 'owner'],
        })
        self.by_moid = dict((item['_moid'], item) for item in self.items)

    def of_type(self, *types):
        return [item for item in self.items if item['_type'] in types]

    def ancestor(self, item, types):
        return find_ancestor(self.by_moid, item, types)

    def datacenter(self, name=None):
        datacenters = self.of_type('Datacenter')
        if name:
            found = [item for item in datacenters if unescape_vm_name(item['name']) == name]
            if not found:
                raise VmError('No datacenter named %s (datacenters: %s)' % (name, ', '.join(sorted(d['name'] for d in datacenters))))
            return found[0]
        scope = self.session.scope or {}
        if scope.get('datacenter'):
            return self.by_moid[scope['datacenter']['_moid']]
        if len(datacenters) == 1:
            return datacenters[0]
        raise VmError('This vCenter has several datacenters (%s): give datacenter, or a vpx:// uri with its path'
                      % ', '.join(sorted(item['name'] for item in datacenters)))

    def in_datacenter(self, item, datacenter):
        return self.ancestor(item, ('Datacenter',)) is datacenter

    def folder(self, datacenter, path):
        root = self.by_moid[datacenter['vmFolder']._moId]
        if not path:
            return root
        parts = [part for part in path.strip('/').split('/') if part]
        if parts and parts[0] == datacenter['name']:
            parts = parts[1:]
        if parts and parts[0] == 'vm':
            parts = parts[1:]
        current = root
        for part in parts:
            children = [item for item in self.of_type('Folder')
                        if getattr(item.get('parent'), '_moId', None) == current['_moid'] and unescape_vm_name(item['name']) == part]
            if not children:
                raise VmError('Folder %s does not exist in datacenter %s' % (path, datacenter['name']))
            current = children[0]
        return current

    def placement(self, datacenter, params):
        """(resource pool item, host item or None, compute resource item) for a new VM."""
        scope = self.session.scope or {}
        computes = [item for item in self.of_type('ComputeResource', 'ClusterComputeResource') if self.in_datacenter(item, datacenter)]
        hosts = [item for item in self.of_type('HostSystem') if self.in_datacenter(item, datacenter)]
        host = compute = None
        if params.get('esxi_hostname'):
            host = next((item for item in hosts if item['name'] == params['esxi_hostname'] or item['_moid'] == params['esxi_hostname']), None)
            if host is None:
                raise VmError('No host named %s in datacenter %s (hosts: %s)'
                              % (params['esxi_hostname'], datacenter['name'], ', '.join(sorted(item['name'] for item in hosts))))
            compute = self.by_moid[host['parent']._moId]
        elif params.get('cluster'):
            compute = next((item for item in computes if item['name'] == params['cluster'] and item['_type'] == 'ClusterComputeResource'), None)
            if compute is None:
                raise VmError('No cluster named %s in datacenter %s' % (params['cluster'], datacenter['name']))
        elif scope.get('compute_resource'):
            compute = self.by_moid[scope['compute_resource']['_moid']]
            host = self.by_moid.get((scope.get('host') or {}).get('_moid'))
        elif len(computes) == 1:
            compute = computes[0]
            if len(compute.get('host') or []) == 1:
                host = self.by_moid.get(compute['host'][0]._moId)
        else:
            raise VmError('Where should the VM run? Give esxi_hostname or cluster (compute resources in %s: %s)'
                          % (datacenter['name'], ', '.join(sorted(item['name'] for item in computes))))
        pool = self.by_moid[compute['resourcePool']._moId]
        if params.get('resource_pool'):
            pools = [item for item in self.of_type('ResourcePool')
                     if getattr(item.get('owner'), '_moId', None) == compute['_moid'] and item['name'] == params['resource_pool']]
            if not pools:
                raise VmError('No resource pool named %s in %s' % (params['resource_pool'], compute['name']))
            pool = pools[0]
        return pool, host, compute


def find_vm(session, params, datacenter=None, folder=None, found_items=None):
    """The VM named by ``uuid`` or ``name``, or None.

    The server's SearchIndex finds it (vsphere.lookup): by uuid anywhere, by name
    directly in ``folder`` (default: the datacenter's VM folder, on ESX the host's);
    only a name that is not there is looked for in the whole folder tree (one
    property read of every VM's name).  ``found_items`` (a dict) receives the
    found VM's properties (VM_PATHS, see lookup.read_vm) by moid, so that the run
    does not read them again.
    """
    content = session.content
    if params.get('uuid'):
        candidates = lookup.vms_by_uuid(content, params['uuid'], datacenter['_obj'] if datacenter is not None else None)
        return _checked_candidate(session, params, candidates, datacenter, found_items, by_uuid=True)
    if folder is not None:
        folders = [folder['_obj']]
    elif datacenter is not None:
        folders = [datacenter['vmFolder']]
    else:
        folders = [item['vmFolder'] for item in lookup.datacenters(content)]
    api_name = escape_vm_name(params['name'])
    candidates = [vm for vm in (lookup.vm_in_folder(content, where, api_name) for where in folders) if vm is not None]
    vm = _checked_candidate(session, params, candidates, datacenter, found_items, by_uuid=False)
    if vm is not None:
        return vm
    # Not directly in the folder: it may be in a subfolder (or a vApp), or not exist at all.
    root = folder['_obj'] if folder is not None else (datacenter['vmFolder'] if datacenter is not None else None)
    items = session.retrieve({'VirtualMachine': ['name', 'config.template']}, root=root)
    found = [item['_obj'] for item in items
             if unescape_vm_name(item.get('name') or '') == params['name'] and not item.get('config.template')]
    return _checked_candidate(session, params, found, datacenter, found_items, by_uuid=False)


def _checked_candidate(session, params, candidates, datacenter, found_items, by_uuid):
    """The one VM (not a template) among ``candidates``, read once; None if there is none."""
    found = []
    for candidate in candidates:
        item = lookup.read_vm(session.content, candidate, VM_PATHS)
        if item is None:
            continue
        config = item.get('config')
        if config is None or config.template:
            continue
        if not by_uuid and unescape_vm_name(item.get('name') or '') != params['name']:
            continue
        found.append(item)
    if len(found) > 1:
        raise VmError('%d VMs are named %s%s: give uuid (theirs: %s), or a folder'
                      % (len(found), params.get('name') or params.get('uuid'),
                         '' if datacenter is None else ' in datacenter %s' % datacenter['name'],
                         ', '.join(sorted(item['config'].uuid or '?' for item in found))))
    if not found:
        return None
    if found_items is not None:
        found_items[found[0]['_moid']] = found[0]
    return found[0]['_obj']


# Networks -------------------------------------------------------------------------

class Networks(object):
    """Port group names -> network objects and NIC backings, read once per run."""

    def __init__(self, session, datacenter):
        root = datacenter['networkFolder'] if datacenter is not None else None
        self.items = session.retrieve({'Network': ['name'], 'DistributedVirtualPortgroup': ['name', 'key', 'config.distributedVirtualSwitch']},
                                      root=root)
        self.session = session
        self.key_to_name = dict((item['key'], item['name']) for item in self.items if item.get('key'))

    def backing(self, name):
        matches = [item for item in self.items if item['name'] == name]
        if not matches:
            raise VmError('No network or port group named %s (networks: %s)'
                          % (name, ', '.join(sorted(set(item['name'] for item in self.items)))))
        item = matches[0]
        if item['_type'] == 'DistributedVirtualPortgroup':
            switch = retrieve_one(self.session.content, item['config.distributedVirtualSwitch'], ['uuid'])
            port = vim.dvs.PortConnection(portgroupKey=item['key'], switchUuid=switch['uuid'])
            return vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port)
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=name, network=item['_obj'])


# Device specs ------------------------------------------------------------------------

class _Keys(object):
    def __init__(self):
        self.next_key = -100

    def new(self):
        self.next_key -= 1
        return self.next_key


def _controller_device(bus, model, key):
    number = int(bus.lstrip('abcdefghijklmnopqrstuvwxyz'))
    if bus.startswith('scsi'):
        device = getattr(vim.vm.device, _SCSI_CLASSES.get(model, 'VirtualLsiLogicController'))()
        device.sharedBus = 'noSharing'
    elif bus.startswith('sata'):
        device = vim.vm.device.VirtualAHCIController()
    else:
        device = vim.vm.device.VirtualIDEController()
    device.key = key
    device.busNumber = number
    return device


def _unit(slot):
    return int(slot.split(':')[1])


def _sent_path(text, option):
    return wire(CheckedDatastorePath.parse(text, option=option))


def _disk_device(slot, disk, controller_key, key, new_file):
    file_name = _sent_path(disk['file'], 'disk %s file' % slot) if disk['file'] else wire(new_file)
    backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(diskMode='persistent', fileName=file_name)
    device = vim.vm.device.VirtualDisk(key=key, controllerKey=controller_key, unitNumber=_unit(slot), backing=backing)
    if disk.get('size_kb') and not disk['file']:
        device.capacityInKB = disk['size_kb']
    return device


def _cdrom_backing(drive):
    if drive['kind'] == 'iso':
        return vim.vm.device.VirtualCdrom.IsoBackingInfo(fileName=_sent_path(drive['file'], 'cdrom iso'))
    if drive['kind'] == 'host':
        return vim.vm.device.VirtualCdrom.AtapiBackingInfo(deviceName=drive['file'] or '')
    return vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(deviceName='', exclusive=False)


def _cdrom_device(slot, drive, controller_key, key):
    connectable = vim.vm.device.VirtualDevice.ConnectInfo(startConnected=drive['kind'] != 'client', allowGuestControl=True,
                                                          connected=False)
    return vim.vm.device.VirtualCdrom(key=key, controllerKey=controller_key, unitNumber=_unit(slot),
                                      backing=_cdrom_backing(drive), connectable=connectable)


def _nic_device(nic, backing, key):
    device = getattr(vim.vm.device, _NIC_CLASSES.get(nic['model'] or 'e1000', 'VirtualE1000'))()
    device.key = key
    device.backing = backing
    start_connected = nic.get('start_connected') is not False
    connected = nic['connected'] if nic.get('connected') is not None else start_connected
    device.connectable = vim.vm.device.VirtualDevice.ConnectInfo(startConnected=start_connected, allowGuestControl=True,
                                                                 connected=connected)
    if nic.get('mac'):
        device.addressType = 'manual'
        device.macAddress = nic['mac']
    else:
        device.addressType = 'generated'
    return device


def _edit_connectable(device, change):
    """Set the connect switches an edit of a NIC asks for (the plan leaves out those that are already right)."""
    wanted = dict((key, change.after.get(key)) for key in specs.CONNECT_KEYS
                  if change.after.get(key) is not None and change.after.get(key) != change.before.get(key))
    if not wanted:
        return
    if device.connectable is None:
        device.connectable = vim.vm.device.VirtualDevice.ConnectInfo(allowGuestControl=True)
    if 'connected' in wanted:
        device.connectable.connected = wanted['connected']
    if 'start_connected' in wanted:
        device.connectable.startConnected = wanted['start_connected']


def _add(device, create_file=False):
    change = vim.vm.device.VirtualDeviceSpec(operation='add', device=device)
    if create_file:
        change.fileOperation = 'create'
    return change


def _shares_info(value):
    if isinstance(value, int):
        return vim.SharesInfo(level='custom', shares=value)
    return vim.SharesInfo(level=value, shares=0)


# Each resource's scheduler options and the ConfigSpec field that takes them.
_ALLOCATIONS = (
    ('cpuAllocation', 'cpu_shares', 'cpu_reservation_mhz', 'cpu_limit_mhz'),
    ('memoryAllocation', 'memory_shares', 'memory_reservation_mb', 'memory_limit_mb'),
)


def _apply_scheduler(config_spec, scheduler):
    """Only the options given are set: an allocation field left None keeps the VM's value."""
    for spec_field, shares, reservation, limit in _ALLOCATIONS:
        if not any(key in (scheduler or {}) for key in (shares, reservation, limit)):
            continue
        allocation = vim.ResourceAllocationInfo()
        if shares in scheduler:
            allocation.shares = _shares_info(scheduler[shares])
        if reservation in scheduler:
            allocation.reservation = scheduler[reservation]
        if limit in scheduler:
            allocation.limit = scheduler[limit]
        setattr(config_spec, spec_field, allocation)


def _new_disk_file(vm_dir, base, slot, taken):
    """A free disk file name in the VM's folder ``vm_dir`` (a CheckedDatastorePath)."""
    name = '%s.vmdk' % base
    counter = 1
    while str(vm_dir.child(name)) in taken:
        name = '%s_%d.vmdk' % (base, counter)
        counter += 1
    path = vm_dir.child(name)
    taken.add(str(path))
    return path


# Creating ---------------------------------------------------------------------------

def create_spec(desired, datastore, networks, new_disk_files=None):
    """A ``vim.vm.ConfigSpec`` for CreateVM_Task equivalent to ``desired``; ``new_disk_files`` gets {slot: path} of new disks."""
    directory = escape_datastore_item(desired['name'])
    vm_dir = CheckedDatastorePath.of(datastore, directory, option='name')
    keys = _Keys()
    config = vim.vm.ConfigSpec(name=escape_vm_name(desired['name']), guestId=desired['guest_id'] or 'otherGuest64',
                               numCPUs=desired['vcpus'] or 1, memoryMB=desired['memory_mb'] or 1024,
                               annotation=desired['annotation'] or '',
                               files=vim.vm.FileInfo(vmPathName=wire(vm_dir.child(directory + '.vmx'))))
    if desired.get('uuid'):
        config.uuid = desired['uuid']
    if desired.get('firmware'):
        config.firmware = desired['firmware']
    if desired.get('cores_per_socket'):
        specs.check_cores_per_socket(desired['vcpus'] or 1, desired['cores_per_socket'])
        config.numCoresPerSocket = desired['cores_per_socket']
    changes = []
    controller_keys = {'ide0': 200, 'ide1': 201}
    for bus in sorted(desired.get('controllers') or {}):
        key = keys.new()
        changes.append(_add(_controller_device(bus, desired['controllers'][bus], key)))
        controller_keys[bus] = key
    taken = set(disk['file'] for disk in (desired.get('disks') or {}).values() if disk['file'])
    for slot in sorted(desired.get('disks') or {}):
        disk = desired['disks'][slot]
        bus = slot.split(':')[0]
        if bus not in controller_keys:
            key = keys.new()
            changes.append(_add(_controller_device(bus, 'lsilogic' if bus.startswith('scsi') else 'ahci', key)))
            controller_keys[bus] = key
        new_file = None if disk['file'] else _new_disk_file(vm_dir, directory, slot, taken)
        if new_file is not None and new_disk_files is not None:
            new_disk_files[slot] = str(new_file)
        changes.append(_add(_disk_device(slot, disk, controller_keys[bus], keys.new(), new_file), create_file=not disk['file']))
    for slot in sorted(desired.get('cdroms') or {}):
        bus = slot.split(':')[0]
        if bus not in controller_keys:
            key = keys.new()
            changes.append(_add(_controller_device(bus, 'ahci', key)))
            controller_keys[bus] = key
        changes.append(_add(_cdrom_device(slot, desired['cdroms'][slot], controller_keys[bus], keys.new())))
    nics = desired.get('nics') or {}
    for name in sorted(nics, key=lambda text: int(text[len('ethernet'):])):
        changes.append(_add(_nic_device(nics[name], networks.backing(nics[name]['network']), keys.new())))
    config.deviceChange = changes
    extra = [vim.option.OptionValue(key=key, value=value) for key, value in sorted((desired.get('extra_config') or {}).items()) if value != '']
    if extra:
        config.extraConfig = extra
    _apply_scheduler(config, desired.get('scheduler'))
    return config


# Editing -----------------------------------------------------------------------------

def reconfig_spec(current_config, plan, networks, vm_path, new_disk_files=None):
    """A ``vim.vm.ConfigSpec`` that makes the changes of ``plan`` (see vm_diff); ``new_disk_files`` gets {slot: path} of new disks."""
    slots, controllers = specs.device_slots(list(current_config.hardware.device or []))
    controller_keys = dict((bus, device.key) for bus, device in controllers.items())
    vmx_path = CheckedDatastorePath.parse(vm_path, option="the VM's configuration file path")
    vm_dir = vmx_path.parent()
    base = vmx_path.file_name
    base = base[:-4] if base.endswith('.vmx') else base
    taken = set(disk['file'] for disk in specs.spec_from_config(current_config)['disks'].values() if disk['file'])
    keys = _Keys()
    config = vim.vm.ConfigSpec()
    changes = []
    extra = []
    scheduler = {}
    for change in plan.changes:
        field, slot, action = change.field, change.slot, change.action
        if field == 'name':
            config.name = escape_vm_name(change.after)
        elif field == 'guest_id':
            config.guestId = change.after
        elif field == 'vcpus':
            config.numCPUs = change.after
        elif field == 'cores_per_socket':
            config.numCoresPerSocket = change.after
        elif field == 'memory_mb':
            config.memoryMB = change.after
        elif field == 'annotation':
            config.annotation = change.after
        elif field == 'firmware':
            config.firmware = change.after
        elif field == 'controller':
            key = keys.new()
            changes.append(_add(_controller_device(slot, change.after, key)))
            controller_keys[slot] = key
        elif field == 'disk':
            wanted = plan.after['disks'].get(slot)
            if action in ('remove', 'replace'):
                changes.append(vim.vm.device.VirtualDeviceSpec(operation='remove', device=slots[slot]))
            if action in ('add', 'replace'):
                bus = slot.split(':')[0]
                new_file = None if wanted['file'] else _new_disk_file(vm_dir, base, slot, taken)
                if new_file is not None and new_disk_files is not None:
                    new_disk_files[slot] = str(new_file)
                changes.append(_add(_disk_device(slot, wanted, _controller_key(controller_keys, bus), keys.new(), new_file),
                                    create_file=not wanted['file']))
            if action == 'grow':
                device = slots[slot]
                # The disk's own path goes back to the server with the edit: it must pass the same check.
                CheckedDatastorePath.parse(device.backing.fileName, option='disk %s file' % slot)
                device.capacityInKB = change.after
                changes.append(vim.vm.device.VirtualDeviceSpec(operation='edit', device=device))
        elif field == 'cdrom':
            if action == 'remove':
                changes.append(vim.vm.device.VirtualDeviceSpec(operation='remove', device=slots[slot]))
            elif action == 'add':
                bus = slot.split(':')[0]
                changes.append(_add(_cdrom_device(slot, change.after, _controller_key(controller_keys, bus), keys.new())))
            else:
                device = slots[slot]
                device.backing = _cdrom_backing(change.after)
                changes.append(vim.vm.device.VirtualDeviceSpec(operation='edit', device=device))
        elif field == 'nic':
            if action in ('remove', 'replace'):
                changes.append(vim.vm.device.VirtualDeviceSpec(operation='remove', device=slots[slot]))
            if action in ('add', 'replace'):
                changes.append(_add(_nic_device(change.after, networks.backing(change.after['network']), keys.new())))
            if action == 'edit':
                device = slots[slot]
                if change.after['network'] != change.before['network']:
                    device.backing = networks.backing(change.after['network'])
                if change.after.get('mac') and change.after['mac'] != change.before.get('mac'):
                    device.addressType = 'manual'
                    device.macAddress = change.after['mac']
                _edit_connectable(device, change)
                changes.append(vim.vm.device.VirtualDeviceSpec(operation='edit', device=device))
        elif field == 'extra_config':
            extra.append(vim.option.OptionValue(key=slot, value=change.after))
        elif field == 'scheduler':
            scheduler[slot] = change.after
    if changes:
        config.deviceChange = changes
    if extra:
        config.extraConfig = extra
    _apply_scheduler(config, scheduler)
    return config


def _bios_uuid(uuid):
    digits = uuid.replace('-', '').lower()
    pairs = [digits[index:index + 2] for index in range(0, 32, 2)]
    return '%s-%s' % (' '.join(pairs[:8]), ' '.join(pairs[8:]))


def new_vm_vmx(desired, virtual_hw_version, new_disk_files=None):
    """The .vmx a host writes for a new VM made by create_spec(desired): its defaults and implicit controllers included."""
    controllers = dict(desired.get('controllers') or {})
    for slot in list(desired.get('disks') or {}) + list(desired.get('cdroms') or {}):
        bus = slot.split(':')[0]
        if not bus.startswith('ide') and bus not in controllers:
            controllers[bus] = 'lsilogic' if bus.startswith('scsi') else 'ahci'
    wanted = dict(desired, guest_id=desired.get('guest_id') or 'otherGuest64', vcpus=desired.get('vcpus') or 1,
                  memory_mb=desired.get('memory_mb') or 1024, controllers=controllers)
    plan = plan_changes(specs.empty_spec(), wanted)
    base = specs.NEW_VMX_BASE + 'virtualHW.version = "%d"\n' % virtual_hw_version
    if desired.get('uuid'):
        base += 'uuid.bios = "%s"\n' % _bios_uuid(desired['uuid'])
    return specs.vmx_after_changes(base, plan.changes, plan.after, new_disk_files)


def _later(vm, method):
    """A call of ``vm.<method>()`` made only when the poller starts the task (never in check mode, where vm may be None)."""
    def start():
        return getattr(vm, method)()
    return start


def check_definition(desired, creating):
    """Refuse, before any call, names and file paths that would not land where the user means."""
    name = desired.get('name')
    if name is not None and name.strip() == '':
        raise VmError('The VM name must not be empty')
    if creating and name is not None and name != name.strip():
        raise VmError("VM name %r begins or ends with white space: vSphere would name its folder and files without it, so "
                      "another VM could collide with them; give the name without leading or trailing spaces" % name)
    for slot, disk in sorted((desired.get('disks') or {}).items()):
        if disk.get('file'):
            CheckedDatastorePath.parse(disk['file'], option='disk %s file' % slot)
    for slot, drive in sorted((desired.get('cdroms') or {}).items()):
        if drive.get('kind') == 'iso' and drive.get('file'):
            CheckedDatastorePath.parse(drive['file'], option='cdrom %s iso' % slot)


def _controller_key(controller_keys, bus):
    if bus not in controller_keys:
        raise VmError('The VM has no controller %s for this device' % bus)
    return controller_keys[bus]


# Results ----------------------------------------------------------------------------------

DEFAULT_SCHEDULER = dict(cpu_shares='normal', cpu_reservation_mhz=0, cpu_limit_mhz=-1, memory_shares='normal',
                         memory_reservation_mb=0, memory_limit_mb=-1)


def _facts_of(item):
    return dict(name=unescape_vm_name(item['name']), vmx_path=item['config'].files.vmPathName, moid=item['_moid'])


def _as_created(desired):
    """The definition a new VM reports once create_spec made it (vSphere's defaults where ``desired`` has none)."""
    spec = dict(desired)
    spec['nics'] = dict((slot, dict(nic, model=nic.get('model') or 'e1000')) for slot, nic in (desired.get('nics') or {}).items())
    spec['extra_config'] = dict((key, value) for key, value in (desired.get('extra_config') or {}).items() if value != '')
    spec['scheduler'] = dict(DEFAULT_SCHEDULER, **(desired.get('scheduler') or {}))
    return spec


def _slot_key(slot):
    bus, _sep, numbers = slot.partition(':') if ':' in slot else (slot, '', '0')
    return (bus.rstrip('0123456789'), int(bus.lstrip('abcdefghijklmnopqrstuvwxyz') or 0), int(numbers))


def plain_fields(spec):
    """What libvirt's domain XML has no element for, as plain result fields (secret extra config values masked)."""
    nics = spec.get('nics') or {}
    cdroms = spec.get('cdroms') or {}
    return dict(
        extra_config=specs.masked_extra_config(spec.get('extra_config')),
        scheduler=dict((key, (spec.get('scheduler') or {}).get(key)) for key in specs.SCHEDULER_KEYS),
        nics=[dict(slot=slot, network=nics[slot].get('network'), model=nics[slot].get('model'), mac=nics[slot].get('mac'),
                   connected=nics[slot].get('connected'), start_connected=nics[slot].get('start_connected'))
              for slot in sorted(nics, key=lambda text: int(text[len('ethernet'):]))],
        cdroms=[dict(slot=slot, type=cdroms[slot]['kind'], iso=cdroms[slot]['file'] if cdroms[slot]['kind'] == 'iso' else None,
                     device=cdroms[slot]['file'] if cdroms[slot]['kind'] == 'host' else None)
                for slot in sorted(cdroms, key=_slot_key)],
    )


# The module's work ---------------------------------------------------------------------

class VmRun(object):
    """One run of virt.esx.vm."""

    def __init__(self, session, params, check_mode=False):
        self.session = session
        self.params = params
        self.check_mode = check_mode
        self.auto_answer = answer_policy(session.params.auto_answer, params.get('answers'))
        self.timeout = params.get('task_timeout') or 3600
        self.changes = []
        self.warnings = []
        self.changed = False
        self._inventory = None
        self.datacenter = None
        self._networks = None
        self.desired_vmx = None
        self._files = None
        # .vmx bytes read in this run, by path; a task that ran makes them stale.
        self._vmx_read = {}
        # The VM's properties (lookup.read_vm) and its host's autostart configuration, read once per run;
        # a task, a guest call or an autostart change makes them stale.
        self._vm_items = {}
        self._autostart = {}
        self.predicted_xml = None
        self.metadata = VmMetadata(self)  # custom attributes and tags (vm_attributes.py)

    # -- helpers --------------------------------------------------------------------

    def task(self, vm, start, description):
        if self.check_mode:
            return None
        self._vmx_read.clear()
        self._stale()
        return run_vm_task(vm, start, auto_answer=self.auto_answer, timeout=self.timeout, description=description)

    def _stale(self):
        self._vm_items.clear()
        self._autostart.clear()

    def read(self, vm):
        """The VM's VM_PATHS (with its datacenter path and hosts' autostart managers), read once until a change."""
        item = self._vm_items.get(vm._moId)
        if item is None:
            item = lookup.read_vm(self.session.content, vm, VM_PATHS)
            if item is None:
                raise VmError('The VM %s no longer exists on %s' % (vm._moId, self.session.params.endpoint))
            self._vm_items[vm._moId] = item
        if self._files is None and item.get('_datacenter_path'):
            # A VM's files are on datastores of its own datacenter: no datastore-to-datacenter read needed.
            self._files = DatastoreFiles(self.session, datacenter_path=item['_datacenter_path'])
        return item

    @property
    def files(self):
        if self._files is None:
            self._files = DatastoreFiles(self.session)
        return self._files

    def vmx_and_xml(self, item):
        """(.vmx bytes, domain XML) of a VM as virt.esx.vm_info reads them; downloaded again only after a task ran."""
        facts = _facts_of(item)
        data = self._vmx_read.get(facts['vmx_path'])
        if data is None:
            data = read_vmx(self.session, facts, self.files)
            self._vmx_read[facts['vmx_path']] = data
        return data, vmx_domain_xml(self.session, facts, data, files=self.files)

    def predicted_domain_xml(self, vmx_text, vmx_path, moid=None):
        return vmx_domain_xml(self.session, dict(vmx_path=vmx_path, moid=moid), vmx_text, files=self.files)

    def hw_version(self):
        return max(default_virtual_hw_version(self.session.product['kind'], self.session.product['version']), 7)

    @property
    def inventory(self):
        if self._inventory is None:
            self._inventory = Inventory(self.session)
        return self._inventory

    def network_names(self, config):
        """DVS port group key -> name, read only when the VM has a NIC on a distributed port group."""
        backing_type = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo
        if any(isinstance(getattr(device, 'backing', None), backing_type) for device in config.hardware.device or []):
            return self.networks().key_to_name
        return {}

    def networks(self):
        if self._networks is None:
            self._networks = Networks(self.session, self.datacenter)
        return self._networks

    def vm_result(self, vm, spec=None):
        if vm is None:
            result = dict(name=spec['name'] if spec else None, uuid=spec.get('uuid') if spec else None, moid=None,
                          power_state=None, state=None, vmx_path=None, autostart=None,
                          xml=self.predicted_xml if spec else None)
            if spec:
                result.update(plain_fields(_as_created(spec)))
            return result
        item = self.read(vm)
        config = item['config']
        current = specs.spec_from_config(config, self.network_names(config))
        power_state = str(item['runtime.powerState'])
        result = dict(name=current['name'], uuid=config.uuid, moid=item['_moid'], power_state=power_state,
                      state=POWER_STATE_NAMES.get(power_state, power_state), vmx_path=config.files.vmPathName,
                      autostart=self.autostart_of(vm, item), xml=self.vmx_and_xml(item)[1],
                      guest_id=config.guestId, vcpus=config.hardware.numCPU,
                      cores_per_socket=current['cores_per_socket'], hardware_version=config.version, memory_mb=config.hardware.memoryMB,
                      template=bool(config.template), cpu_hot_add=bool(config.cpuHotAddEnabled),
                      memory_hot_add=bool(config.memoryHotAddEnabled))
        result.update(plain_fields(current))
        return result

    # -- desired definition -----------------------------------------------------------

    def desired_spec(self, creating):
        params = self.params
        if params.get('xml'):
            hw_version = default_virtual_hw_version(self.session.product['kind'], self.session.product['version'])
            warnings = []
            desired, self.desired_vmx = specs.spec_from_domain_xml(params['xml'], max(hw_version, 7), warnings=warnings)
            self.warnings.extend(warnings)
            if params.get('name') and params['name'] != desired['name']:
                if params.get('uuid'):
                    desired['name'] = params['name']
                else:
                    raise VmError('name %r differs from the domain XML\'s <name> %r' % (params['name'], desired['name']))
            if not creating and not params.get('guest_id'):
                # libvirt's XML carries no guest OS, only the architecture: keep the VM's.
                desired['guest_id'] = None
            if params.get('guest_id'):
                desired['guest_id'] = params['guest_id']
            desired['extra_config'] = dict((str(key), '' if value is None else str(value))
                                           for key, value in (params.get('extra_config') or {}).items())
            desired['scheduler'] = specs.scheduler_from_options(params)
            if params.get('annotation') is not None:
                desired['annotation'] = params['annotation']
            if desired.get('uuid') and params.get('uuid') and desired['uuid'].lower() != params['uuid'].lower():
                raise VmError('uuid %s differs from the domain XML\'s <uuid> %s' % (params['uuid'], desired['uuid']))
            return desired
        return specs.spec_from_options(params)

    # -- main -----------------------------------------------------------------------------

    def run(self):
        params = self.params
        if params.get('name') is not None and params['name'].strip() == '':
            raise VmError('name must not be empty')
        if self.session.is_vcenter or params.get('datacenter'):
            self.datacenter = self.inventory.datacenter(params.get('datacenter'))
        folder = self.inventory.folder(self.datacenter, params.get('folder')) if self.datacenter and params.get('folder') else None
        lookup = dict(params)
        if params.get('xml') and not params.get('name') and not params.get('uuid'):
            # As libvirt's define: the XML's <uuid> finds the VM (which is then renamed to <name>), else its <name>.
            from_xml = specs.spec_from_domain_xml(params['xml'], 13)[0]
            lookup['name'], lookup['uuid'] = from_xml['name'], from_xml['uuid']
        if not lookup.get('name') and not lookup.get('uuid'):
            raise VmError('Give name or uuid (or xml with a <name>)')
        vm_clone.check_options(self)

        def find(session, wanted, datacenter, where):
            return find_vm(session, wanted, datacenter, where, found_items=self._vm_items)
        vm = vm_clone.find_more(self, lookup, folder, find(self.session, lookup, self.datacenter, folder), find)
        if vm is None and lookup.get('uuid') and lookup.get('name') and params['state'] != 'absent':
            vm = find_vm(self.session, dict(name=lookup['name']), self.datacenter, folder, found_items=self._vm_items)
            if vm is not None:
                raise VmError('A VM named %s exists with another uuid than %s' % (lookup['name'], lookup['uuid']))
        state = params['state']
        diff = dict(before='', after='')
        if state == 'absent':
            return self.remove(vm, diff)
        desired = None
        if self.has_definition():
            desired = self.desired_spec(creating=vm is None)
            if desired['name'] is None:
                desired['name'] = lookup.get('name')
            check_definition(desired, creating=vm is None)
            check_vm_limits(self.session, vm, desired, params, self.hw_version)
        if vm is None and params.get('clone_from'):
            return vm_clone.clone_run(self, lookup, desired, folder, diff)
        if vm is None:
            if state == 'destroyed' and desired is None:
                return self.result(None, diff)
            if desired is None or not desired.get('name'):
                raise VmError('VM %s does not exist; give its definition (xml, or vcpus, memory_mb, ...) to create it'
                              % (lookup.get('name') or lookup.get('uuid')))
            vm = self.create(desired, folder, diff)
            vm_hardware.apply(self, vm)
            if vm is None:
                # Check mode: predict what the real run does to the new, powered-off VM.
                self._predicted_power = 'poweredOff'
                self.power(None, state)
                if self.params.get('autostart'):
                    self.changed = True
                    self.changes.append('autostart on')
                self.metadata.apply(None)
                return self.result(None, diff, spec=desired)
        else:
            vm_clone.before_edit(self, vm, folder)
            self.edit(vm, desired, diff)
            vm_hardware.apply(self, vm)
            converge_placement(self, vm, diff)
        self.power(vm, state)
        self.autostart(vm)
        vm_clone.after_power(self, vm)
        self.metadata.apply(vm)
        return self.result(vm, diff)

    def has_definition(self):
        params = self.params
        if params.get('uuid') and params.get('name'):
            return True  # a rename
        return bool(params.get('xml')) or any(params.get(key) is not None for key in (
            'vcpus', 'cores_per_socket', 'memory_mb', 'guest_id', 'firmware', 'disks', 'nics', 'cdrom', 'annotation', 'extra_config')
            + specs.SCHEDULER_KEYS)

    def result(self, vm, diff, spec=None):
        result = dict(changed=self.changed, changes=self.changes, warnings=self.warnings, diff=diff)
        result['vm'] = self.vm_result(vm, spec) if (vm is not None or spec is not None) else None
        if getattr(self, 'placement', None):
            result['placement'] = self.placement
        if result['vm'] is not None:
            result['vm'].update(self.metadata.facts(vm))
        if vm is not None and not self.check_mode:
            # After a real run the diff shows the VM as it now is, the XML the result reports.
            diff['after'] = result['vm']['xml']
        vm_clone.result_fields(self, result, vm)
        return result

    # -- create / remove ---------------------------------------------------------------------

    def create(self, desired, folder, diff):
        self.changed = True
        self.changes.append('create VM %s' % desired['name'])
        datacenter = self.datacenter or self.inventory.datacenter()
        pool, host, compute = self.inventory.placement(datacenter, self.params)
        datastore = self.params.get('datastore') or self._datastore_of_disks(desired) or self._first_datastore(host, compute)
        if self.params.get('datastore') is None and self._datastore_of_disks(desired) is None:
            self.warnings.append('No datastore given: the VM is created on %s' % datastore)
        networks = Networks(self.session, datacenter)
        self._networks = networks
        new_disk_files = {}
        config = create_spec(desired, datastore, networks, new_disk_files)
        if self.check_mode:
            # A VM made from an uploaded .vmx has that file's definition; one made by CreateVM_Task what the host writes.
            vmx_text = self.vmx_for(desired) or new_vm_vmx(desired, self.hw_version(), new_disk_files)
            self.predicted_xml = self.predicted_domain_xml(vmx_text, str(self._vmx_path(desired, datastore)))
            diff['after'] = self.predicted_xml
            return None
        target_folder = folder or self.inventory.by_moid[datacenter['vmFolder']._moId]
        host_obj = host['_obj'] if host is not None else None
        vm = self.register_uploaded_vmx(desired, datastore, datacenter, target_folder, pool, host_obj)
        if vm is None:
            vm = self.create_vm(desired, datastore, datacenter, target_folder, config, pool, host_obj)
        self.converge_new_vm(vm, desired)
        return vm

    # libvirt's way: write the .vmx into the VM's directory and register it.

    def vmx_for(self, desired):
        """The .vmx text of a new VM, or None when the definition needs files a .vmx cannot create (new disks)."""
        if any(not disk['file'] for disk in (desired.get('disks') or {}).values()):
            return None
        vmx_text = self.desired_vmx or self._libvirt_vmx(desired)
        vmx = parse_vmx(vmx_text)
        if desired.get('guest_id'):
            vmx.set('guestOS', specs.guest_id_to_guest_os(desired['guest_id']))
        for key, value in sorted((desired.get('extra_config') or {}).items()):
            if value != '':
                vmx.set(key, value)
        return vmx.render()

    def _libvirt_vmx(self, desired):
        """The .vmx libvirt's formatter writes for ``desired``."""
        xml = definition_to_domain_xml(specs.spec_to_domain_definition(desired))
        return domain_xml_to_vmx(xml, virtual_hw_version=self.hw_version())

    def _vmx_path(self, desired, datastore):
        directory = escape_datastore_item(desired['name'])
        return CheckedDatastorePath.of(datastore, '%s/%s.vmx' % (directory, directory), option='name')

    def register_uploaded_vmx(self, desired, datastore, datacenter, target_folder, pool, host_obj):
        """Upload the .vmx and register it; None when this server cannot (the caller then uses CreateVM_Task)."""
        vmx_text = self.vmx_for(desired)
        if vmx_text is None:
            return None
        vmx_path = self._vmx_path(desired, datastore)
        files = self.files
        if files.exists(vmx_path):
            raise VmError('%s already exists: another VM (registered or not) uses the directory %s'
                          % (vmx_path, vmx_path.folder))
        made_directory = self._make_directory(vmx_path.parent(), datacenter)
        files.upload(vmx_path, vmx_text.encode('utf-8'))
        try:
            task = DatastoreCalls.register_vm(target_folder['_obj'], vmx_path, escape_vm_name(desired['name']),
                                              pool['_obj'], host_obj)
            return wait_for_task(task, timeout=self.timeout, description='RegisterVM_Task')
        except (vmodl.MethodFault, TaskError) as fault:
            reason = fault_text(fault)
            self.warnings.append('Registering the uploaded %s failed (%s); the VM was created with CreateVM_Task instead'
                                 % (vmx_path, reason))
            # Remove what the failed attempt left, so that CreateVM_Task finds a clean directory; a directory
            # that existed before (it may hold the VM's disks) is kept.
            left = self._remove_file(vmx_path.parent() if made_directory else vmx_path, datacenter)
            if left:
                raise VmError('Creating VM %s failed: registering %s failed (%s), and %s is left on the datastore'
                              % (desired['name'], vmx_path, reason, left))
            return None

    def create_vm(self, desired, datastore, datacenter, target_folder, config, pool, host_obj):
        """CreateVM_Task; when it fails, a .vmx it left behind is removed, or the error names it."""
        try:
            task = target_folder['_obj'].CreateVM_Task(config=config, pool=pool['_obj'], host=host_obj)
            return wait_for_task(task, timeout=self.timeout, description='CreateVM_Task')
        except QuestionBlocked:
            raise
        except (vmodl.MethodFault, TaskError) as fault:
            reason = fault_text(fault)
            vmx_path = self._vmx_path(desired, datastore)
            left = None
            try:
                if self.files.exists(vmx_path):
                    left = self._remove_file(vmx_path, datacenter)
            except VirtEsxError as exc:
                left = '%s (not checked: %s)' % (vmx_path, exc)
            raise VmError('Creating VM %s failed: %s%s' % (desired['name'], reason,
                                                           '; %s is left on the datastore' % left if left else ''))

    def _make_directory(self, path, datacenter):
        """True when the directory was made now, False when it existed."""
        with vsphere_call('Making the VM directory %s' % path, VmError):
            try:
                DatastoreCalls(self.session, datacenter['_obj']).make_directory(path)
            except vim.fault.FileAlreadyExists:
                return False
        return True

    def _remove_file(self, path, datacenter):
        """Delete a file or folder; None when done, else the path (with the reason) that is left."""
        try:
            task = DatastoreCalls(self.session, datacenter['_obj']).delete_file(path)
            wait_for_task(task, timeout=self.timeout, description='DeleteDatastoreFile_Task')
            return None
        except (vmodl.MethodFault, TaskError) as fault:
            reason = fault_text(fault)
            self.warnings.append('Could not delete %s: %s' % (path, reason))
            return '%s (%s)' % (path, reason)

    def converge_new_vm(self, vm, desired):
        """Make what the server built match the definition (a server may ignore parts of a registered .vmx)."""
        item = self.read(vm)
        config = item['config']
        current = specs.spec_from_config(config, self.network_names(config))
        plan = plan_changes(current, desired, str(item['runtime.powerState']))
        if plan.refused:
            raise VmError('VM %s was created but differs from its definition: %s' % (desired['name'], '; '.join(plan.refused)))
        spec = reconfig_spec(config, plan, self.networks(), config.files.vmPathName) if plan.changes else vim.vm.ConfigSpec()
        if desired.get('uuid') and (config.uuid or '').lower() != desired['uuid'].lower():
            spec.uuid = desired['uuid']
        elif not plan.changes:
            return
        self.warnings.append('The new VM differed from its definition and was reconfigured: %s'
                             % '; '.join([describe_change(change) for change in plan.changes] + (['uuid'] if spec.uuid else [])))
        self.task(vm, lambda: vm.ReconfigVM_Task(spec=spec), 'ReconfigVM_Task')

    def _datastore_of_disks(self, desired):
        for slot in sorted(desired.get('disks') or {}):
            source = desired['disks'][slot]['file']
            if source and source.startswith('['):
                return CheckedDatastorePath.parse(source, option='disk %s file' % slot).datastore
        return None

    def _first_datastore(self, host, compute):
        refs = list((host or compute).get('datastore') or [])
        if not refs:
            raise VmError('No datastore found for the VM: give datastore')
        return retrieve_one(self.session.content, refs[0], ['name'])['name']

    def remove(self, vm, diff):
        if vm is None:
            return self.result(None, diff)
        item = self.read(vm)
        power_state = str(item['runtime.powerState'])
        try:
            diff['before'] = self.vmx_and_xml(item)[1]
        except VirtEsxError as exc:
            # A VM whose .vmx cannot be read can still be removed; only the diff lacks it.
            self.warnings.append('The domain XML of VM %s could not be read for the diff: %s' % (unescape_vm_name(item['name']), exc))
        self.changed = True
        if power_state != 'poweredOff':
            if not self.params.get('force'):
                raise VmError('VM %s is %s: power it off first (state: destroyed), or set force: true to power it off and remove it'
                              % (unescape_vm_name(item['name']), POWER_STATE_NAMES.get(power_state, power_state)))
            self.changes.append('power off')
            self.task(vm, vm.PowerOffVM_Task, 'PowerOffVM_Task')
        if self.params.get('remove_files'):
            self.changes.append('destroy VM and delete its files')
            self.task(vm, vm.Destroy_Task, 'Destroy_Task')
        else:
            self.changes.append('unregister VM (files kept)')
            if not self.check_mode:
                handle_pending_question(vm, auto_answer=self.auto_answer)
                with vsphere_call('Unregistering VM %s' % unescape_vm_name(item['name']), VmError):
                    vm.UnregisterVM()
        result = dict(changed=True, changes=self.changes, warnings=self.warnings, diff=diff,
                      vm=dict(name=unescape_vm_name(item['name']), uuid=item['config'].uuid, moid=item['_moid'], power_state=None,
                              state='undefined', vmx_path=item['config'].files.vmPathName, autostart=None, xml=None))
        return result

    # -- edit ------------------------------------------------------------------------------------

    def edit(self, vm, desired, diff):
        item = self.read(vm)
        config = item['config']
        current = specs.spec_from_config(config, self.network_names(config))
        vmx_data, diff['before'] = self.vmx_and_xml(item)
        diff['after'] = diff['before']
        if desired is None:
            return
        if desired.get('uuid') and config.uuid and desired['uuid'].lower() != config.uuid.lower():
            raise VmError('VM %s has uuid %s, not the domain XML\'s %s: the uuid of an existing VM is not changed'
                          % (current['name'], config.uuid, desired['uuid']))
        if self.desired_vmx:
            ignored = specs.unmanaged_vmx_parts(self.desired_vmx)
            if ignored:
                self.warnings.append('The domain XML has %s: these are written into the .vmx of a new VM only and are not '
                                     'changed on the existing VM %s' % (', '.join(ignored), current['name']))
        power_state = str(item['runtime.powerState'])
        hot_add = dict(cpu_add=bool(config.cpuHotAddEnabled), cpu_remove=bool(config.cpuHotRemoveEnabled),
                       memory_add=bool(config.memoryHotAddEnabled))
        plan = plan_changes(current, desired, power_state, hot_add)
        self.warnings.extend(plan.notes)
        if plan.refused:
            raise VmError('VM %s cannot be changed as asked: %s' % (current['name'], '; '.join(plan.refused)))
        if not plan.changes:
            return
        self.changed = True
        self.changes.extend(describe_change(change) for change in plan.changes)
        offline = plan.needs_power_off
        restore = None
        if offline:
            if not self.params.get('force_power_off'):
                raise VmError('VM %s is %s; these changes need it powered off: %s. Set force_power_off: true to power it off '
                              'for the change (it is powered on again afterwards unless state asks otherwise)'
                              % (current['name'], POWER_STATE_NAMES.get(power_state, power_state),
                                 '; '.join(describe_change(change) for change in offline)))
            self.changes.append('power off for the change')
            self.task(vm, vm.PowerOffVM_Task, 'PowerOffVM_Task')
            restore = power_state
        new_disk_files = {}
        spec = reconfig_spec(config, plan, self.networks(), config.files.vmPathName, new_disk_files)
        if self.check_mode:
            predicted = specs.vmx_after_changes(vmx_data, plan.changes, plan.after, new_disk_files)
            diff['after'] = self.predicted_domain_xml(predicted, config.files.vmPathName, item['_moid'])
        self.task(vm, lambda: vm.ReconfigVM_Task(spec=spec), 'ReconfigVM_Task')
        if restore == 'poweredOn' and self.params['state'] in ('present', 'running', 'restarted'):
            self.changes.append('power on again')
            self.task(vm, vm.PowerOnVM_Task, 'PowerOnVM_Task')

    # -- power ------------------------------------------------------------------------------------

    def power_state(self, vm):
        if self.check_mode and self._predicted_power is not None:
            return self._predicted_power
        return str(self.read(vm)['runtime.powerState'])

    _predicted_power = None

    def _set(self, vm, state, description, start):
        self.changed = True
        self.changes.append(description)
        self.task(vm, start, description)
        self._predicted_power = state

    def power(self, vm, state):
        if state == 'present':
            return
        current = self.power_state(vm)
        if state == 'running':
            if current != 'poweredOn':
                self._set(vm, 'poweredOn', 'PowerOnVM_Task', _later(vm, 'PowerOnVM_Task'))
        elif state == 'destroyed':
            if current != 'poweredOff':
                self._set(vm, 'poweredOff', 'PowerOffVM_Task', _later(vm, 'PowerOffVM_Task'))
        elif state == 'paused':
            if current == 'poweredOff':
                raise VmError('A powered-off VM cannot be paused (suspended): start it first (state: running)')
            if current != 'suspended':
                self._set(vm, 'suspended', 'SuspendVM_Task', _later(vm, 'SuspendVM_Task'))
        elif state == 'shutdown':
            if current == 'poweredOn':
                self.shutdown(vm)
            elif current == 'suspended':
                if not self.params.get('force'):
                    raise VmError('A suspended VM cannot shut down its guest: set force: true to power it off')
                self._set(vm, 'poweredOff', 'PowerOffVM_Task', _later(vm, 'PowerOffVM_Task'))
        elif state == 'restarted':
            if current != 'poweredOn':
                self._set(vm, 'poweredOn', 'PowerOnVM_Task', _later(vm, 'PowerOnVM_Task'))
            else:
                self.reboot(vm)

    def _guest_call(self, vm, method, what):
        handle_pending_question(vm, auto_answer=self.auto_answer)
        self._stale()
        try:
            getattr(vm, method)()
            return None
        except vmodl.MethodFault as fault:
            return failure_message(what, fault)

    def shutdown(self, vm):
        self.changed = True
        self.changes.append('ShutdownGuest')
        self._predicted_power = 'poweredOff'
        if self.check_mode:
            return
        problem = self._guest_call(vm, 'ShutdownGuest', 'Guest shutdown')
        if problem is None:
            deadline = time.time() + float(self.params.get('shutdown_timeout') or 300)
            while time.time() < deadline:
                self._stale()
                if self.power_state(vm) == 'poweredOff':
                    return
                time.sleep(SHUTDOWN_POLL_SECONDS)
            problem = 'The guest did not shut down within %s seconds' % self.params.get('shutdown_timeout')
        if not self.params.get('force'):
            raise VmError('%s; set force: true to power the VM off instead' % problem)
        self.warnings.append('%s; the VM was powered off (force: true)' % problem)
        self.changes.append('PowerOffVM_Task')
        self.task(vm, vm.PowerOffVM_Task, 'PowerOffVM_Task')

    def reboot(self, vm):
        self.changed = True
        self.changes.append('RebootGuest')
        if self.check_mode:
            return
        problem = self._guest_call(vm, 'RebootGuest', 'Guest reboot')
        if problem is None:
            return
        if not self.params.get('force'):
            raise VmError('%s; set force: true to reset the VM instead' % problem)
        self.warnings.append('%s; the VM was reset (force: true)' % problem)
        self.changes.append('ResetVM_Task')
        self.task(vm, vm.ResetVM_Task, 'ResetVM_Task')

    # -- autostart ----------------------------------------------------------------------------------

    def _autostart_manager(self, vm, item=None):
        item = item or self.read(vm)
        host = item.get('runtime.host')
        if host is None:
            return None, None
        if host._moId in self._autostart:
            return self._autostart[host._moId]
        managers = item.get('_autostart_managers') or {}
        if host._moId in managers:
            manager = managers[host._moId]
        else:
            try:
                manager = retrieve_one(self.session.content, host, ['configManager.autoStartManager'])['configManager.autoStartManager']
            except (VirtEsxError, vmodl.MethodFault):
                return None, None
        if manager is None:
            return None, None
        try:
            config = retrieve_one(self.session.content, manager, ['config'])['config']
        except (VirtEsxError, vmodl.MethodFault):
            # Some hosts (and older simulators) name an autostart manager that does not answer.
            return manager, None
        self._autostart[host._moId] = (manager, config)
        return manager, config

    def autostart_of(self, vm, item=None):
        manager, config = self._autostart_manager(vm, item)
        if config is None:
            return None
        for info in config.powerInfo or []:
            if info.key._moId == vm._moId:
                return str(info.startAction).lower() == 'poweron' and bool(config.defaults and config.defaults.enabled)
        return False

    def autostart(self, vm):
        wanted = self.params.get('autostart')
        if wanted is None or vm is None:
            return
        manager, config = self._autostart_manager(vm)
        if manager is None or config is None:
            raise VmError('The host of this VM has no working autostart manager, so autostart cannot be set')
        if self.autostart_of(vm) == wanted:
            return
        self.changed = True
        self.changes.append('autostart %s' % ('on' if wanted else 'off'))
        if self.check_mode:
            return
        info = vim.host.AutoStartManager.AutoPowerInfo(key=vm, startAction='powerOn' if wanted else 'none', startOrder=-1,
                                                       startDelay=-1, waitForHeartbeat='systemDefault',
                                                       stopAction='systemDefault', stopDelay=-1)
        spec = vim.host.AutoStartManager.Config(powerInfo=[info])
        if wanted and not (config and config.defaults and config.defaults.enabled):
            spec.defaults = vim.host.AutoStartManager.SystemDefaults(enabled=True)
        with vsphere_call('Setting autostart', VmError):
            manager.ReconfigureAutostart(spec=spec)
        self._autostart.clear()


def manage_vm(session, params, check_mode=False):
    try:
        return VmRun(session, params, check_mode).run()
    except EarlierTaskResumed as resumed:
        # auto_answer let an earlier, blocked task finish: converge from the VM as it is now, once.
        result = VmRun(session, params, check_mode).run()
        result['changed'] = True
        result['warnings'] = [str(resumed)] + list(result.get('warnings') or ())
        return result
