# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The definition of a VM that virt.esx.vm manages, as plain data.

Desired definitions (libvirt domain XML, or the module's structured options) and
the current definition of a VM on a host (its ``vim.vm.ConfigInfo``) are turned
into the same plain dict, so that ``vm_diff`` can compare them field by field:

    {
      'name': 'web 1', 'uuid': '564d...' or None, 'guest_id': 'otherGuest64' or None,
      'vcpus': 2, 'cores_per_socket': 2 or None, 'memory_mb': 1024, 'annotation': 'text' or None, 'firmware': 'bios'|'efi'|None,
      'controllers': {'scsi0': 'lsilogic', 'sata0': 'ahci'},
      'disks': {'scsi0:0': {'file': '[ds] dir/a.vmdk' or None, 'size_kb': 1048576 or None}},
      'cdroms': {'ide0:0': {'kind': 'iso'|'host'|'client', 'file': '[ds] iso/x.iso' or device or None}},
      'nics': {'ethernet0': {'network': 'VM Network', 'model': 'vmxnet3' or None, 'mac': '00:50:56:..' or None}},
      'extra_config': {'key': 'value'},           # '' asks for the key's removal
      'scheduler': {'cpu_shares': 'normal'|int, 'cpu_reservation_mhz': int, ...},
    }

A key that is None (or missing) in a desired definition means "not managed".
Devices are named by their VMX slot (``scsi0:1``, ``ide1:0``, ``ethernet2``), so
that a domain XML, its .vmx text and a VM's device list name a device alike.

Functions
---------
``spec_from_domain_xml(xml_text, virtual_hw_version)`` libvirt domain XML -> spec (through the VMX formatter)
``spec_from_vmx(vmx_text)``                            .vmx text -> spec
``spec_from_options(params)``                         the module's structured options -> spec
``spec_from_config(config, network_names=None)``      a pyvmomi ``vim.vm.ConfigInfo`` -> spec
``spec_to_domain_definition(spec)``                   spec -> plain definition for formats.domain_definition
``vmx_after_changes(vmx_text, changes, after, new_disk_files=None)``  the .vmx once a plan is made (predictions)
``masked_extra_config(extra_config)``                  extra config as results show it
``guest_os_to_guest_id`` / ``guest_id_to_guest_os``   VMX ``guestOS`` <-> vSphere ``guestId``
``is_secret_key(key)``                                extra config keys whose values are masked
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.formats.domain import default_format_file, default_resolve_file
from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import (
    CheckedDatastorePath, escape_annotation, escape_display_name, unescape_annotation, unescape_display_name)
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import uuid_text

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim

MASK = '********'
SECRET_KEY_RE = re.compile(r'passw|secret|token|credential|private|userdata', re.IGNORECASE)

# VMX virtualDev of a NIC; None when the VMX names none (ESX then picks its default).
NIC_MODELS = ('vlance', 'vmxnet', 'vmxnet2', 'vmxnet3', 'e1000', 'e1000e')
SCSI_MODELS = ('buslogic', 'lsilogic', 'lsisas1068', 'pvscsi')
SHARES_LEVELS = ('low', 'normal', 'high')
SCHEDULER_KEYS = ('cpu_shares', 'cpu_reservation_mhz', 'cpu_limit_mhz', 'memory_shares', 'memory_reservation_mb', 'memory_limit_mb')

# A NIC's VirtualDevice.connectable, as nics[] options; libvirt's XML has no element for them.
CONNECT_KEYS = ('connected', 'start_connected')

NIC_KEY_BASE = 4000
MAX_NICS = 10

_SLOT_RE = re.compile(r'^(scsi|ide|sata)([0-9]+):([0-9]+)$')
_MAC_RE = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')
_VMFS_PREFIX = '/vmfs/volumes/'


def is_secret_key(key):
    """Extra config keys whose values are secrets (masked in diffs and results)."""
    return bool(SECRET_KEY_RE.search(key or ''))


def empty_spec():
    return dict(name=None, uuid=None, guest_id=None, vcpus=None, cores_per_socket=None, memory_mb=None, annotation=None, firmware=None,
                controllers={}, disks={}, cdroms={}, nics={}, extra_config={}, scheduler={})


# guestOS <-> guestId --------------------------------------------------------------

_GUEST_OS_SPECIAL = {'other': 'otherGuest', 'other-64': 'otherGuest64'}
_GUEST_ID_SPECIAL = {value: key for key, value in _GUEST_OS_SPECIAL.items()}


def guest_os_to_guest_id(guest_os):
    """VMX ``guestOS`` (``rhel8-64``) -> vSphere ``guestId`` (``rhel8_64Guest``)."""
    if not guest_os:
        return None
    guest_os = guest_os.strip()
    if guest_os.lower() in _GUEST_OS_SPECIAL:
        return _GUEST_OS_SPECIAL[guest_os.lower()]
    if guest_os.endswith('Guest') or guest_os.endswith('Guest64'):
        return guest_os
    return re.sub(r'-64$', '_64', guest_os) + 'Guest'


def guest_id_to_guest_os(guest_id):
    """vSphere ``guestId`` -> VMX ``guestOS``."""
    if not guest_id:
        return None
    if guest_id in _GUEST_ID_SPECIAL:
        return _GUEST_ID_SPECIAL[guest_id]
    base = guest_id[:-len('Guest')] if guest_id.endswith('Guest') else guest_id
    return re.sub(r'_64$', '-64', base)


# Desired definitions ---------------------------------------------------------------

def _vmfs_to_source(name):
    if name.startswith(_VMFS_PREFIX):
        return default_resolve_file(name)
    return name


def _vmx_bool(value):
    return str(value).strip().lower() in ('true', '1', 'yes', 'on')


def spec_from_vmx(vmx_text):
    """.vmx text -> spec (only the parts this module manages)."""
    vmx = parse_vmx(vmx_text)
    spec = empty_spec()
    display_name = vmx.get('displayName')
    spec['name'] = unescape_display_name(display_name) if display_name is not None else None
    bios_uuid = vmx.get('uuid.bios')
    if bios_uuid:
        digits = re.sub(r'[^0-9a-fA-F]', '', bios_uuid).lower()
        if len(digits) == 32:
            spec['uuid'] = uuid_text(bytes.fromhex(digits))
    spec['guest_id'] = guest_os_to_guest_id(vmx.get('guestOS'))
    spec['vcpus'] = vmx.get_int('numvcpus', 1)
    # A definition without <cpu><topology> leaves the cores per socket alone.
    spec['cores_per_socket'] = vmx.get_int('cpuid.coresPerSocket', 1) if vmx.get('cpuid.coresPerSocket') is not None else None
    spec['memory_mb'] = vmx.get_int('memsize', 32)
    annotation = vmx.get('annotation')
    spec['annotation'] = unescape_annotation(annotation) if annotation is not None else ''
    spec['firmware'] = 'efi' if (vmx.get('firmware') or '').lower() == 'efi' else 'bios'
    for key, value in vmx.items():
        lower = key.lower()
        match = re.match(r'^scsi([0-9]+)\.present$', lower)
        if match and _vmx_bool(value):
            index = match.group(1)
            spec['controllers']['scsi' + index] = (vmx.get('scsi%s.virtualDev' % index) or 'lsilogic').lower()
            continue
        match = re.match(r'^sata([0-9]+)\.present$', lower)
        if match and _vmx_bool(value):
            spec['controllers']['sata' + match.group(1)] = 'ahci'
            continue
        match = re.match(r'^((?:scsi|ide|sata)[0-9]+:[0-9]+)\.present$', lower)
        if match and _vmx_bool(value):
            _device_from_vmx(spec, vmx, match.group(1))
            continue
        match = re.match(r'^(ethernet[0-9]+)\.present$', lower)
        if match and _vmx_bool(value):
            _nic_from_vmx(spec, vmx, match.group(1))
    return spec


def _device_from_vmx(spec, vmx, slot):
    device_type = (vmx.get(slot + '.deviceType') or '').lower()
    file_name = vmx.get(slot + '.fileName')
    if device_type.startswith('cdrom') or device_type == 'atapi-cdrom':
        if device_type == 'cdrom-image':
            spec['cdroms'][slot] = dict(kind='iso', file=_vmfs_to_source(file_name) if file_name else None)
        else:
            spec['cdroms'][slot] = dict(kind='host', file=file_name or None)
        return
    if device_type in ('', 'disk', 'scsi-hardDisk'.lower(), 'ata-hardDisk'.lower()) or file_name and file_name.endswith('.vmdk'):
        spec['disks'][slot] = dict(file=_vmfs_to_source(file_name) if file_name else None, size_kb=None)
        return
    raise DomainXmlError('device %s of type %r cannot be managed by virt.esx.vm (disks and CD-ROMs only)' % (slot, device_type))


def _nic_from_vmx(spec, vmx, name):
    connection = (vmx.get(name + '.connectionType') or 'bridged').lower()
    if connection != 'bridged':
        raise DomainXmlError('%s: only bridged interfaces (<interface type="bridge">) can be managed, not %r' % (name, connection))
    model = vmx.get(name + '.virtualDev')
    address_type = (vmx.get(name + '.addressType') or 'generated').lower()
    mac = vmx.get(name + '.address') if address_type == 'static' else None
    network = vmx.get(name + '.networkName')
    if not network:
        raise DomainXmlError('%s has no network (<source bridge="..."/>, the port group name)' % name)
    spec['nics'][name] = dict(network=network, model=model.lower() if model else None, mac=mac.lower() if mac else None)


_UNMANAGED_VMX_PARTS = (
    (re.compile(r'^serial[0-9]+\.present$', re.I), 'serial ports'),
    (re.compile(r'^parallel[0-9]+\.present$', re.I), 'parallel ports'),
    (re.compile(r'^floppy[0-9]+\.present$', re.I), 'floppy drives'),
    (re.compile(r'^remotedisplay\.vnc\.enabled$', re.I), 'VNC graphics'),
    (re.compile(r'^svga\.', re.I), 'video settings'),
    (re.compile(r'^sound\.present$', re.I), 'sound'),
    (re.compile(r'^sched\.cpu\.affinity$', re.I), 'CPU affinity'),
)


def unmanaged_vmx_parts(vmx_text):
    """What a .vmx enables that virt.esx.vm writes for new VMs only (never edits on an existing one)."""
    vmx = parse_vmx(vmx_text)
    found = []
    for key, value in vmx.items():
        for pattern, what in _UNMANAGED_VMX_PARTS:
            enabled = value.strip().lower() not in ('false', '0', 'no', 'off') if key.lower().endswith(('.present', '.enabled')) else True
            if pattern.match(key) and enabled and what not in found:
                found.append(what)
    return found


def spec_from_domain_xml(xml_text, virtual_hw_version, warnings=None):
    """libvirt domain XML -> spec, read as libvirt's VMX formatter reads it."""
    from ansible_collections.virt.esx.plugins.module_utils.formats.xml_to_vmx import convert_xml_to_vmx

    vmx_text = convert_xml_to_vmx(xml_text, virtual_hw_version=virtual_hw_version, format_file=default_format_file,
                                  warnings=warnings)
    spec = spec_from_vmx(vmx_text)
    if spec['name'] is None:
        raise DomainXmlError('the domain XML has no <name>')
    return spec, vmx_text


def check_cores_per_socket(vcpus, cores_per_socket):
    """A clear error when ``cores_per_socket`` is not a positive divisor of ``vcpus`` (None: not managed)."""
    if cores_per_socket is None:
        return
    if cores_per_socket < 1:
        raise VirtEsxError('cores_per_socket must be 1 or more, not %d' % cores_per_socket)
    if vcpus is not None and vcpus % cores_per_socket:
        raise VirtEsxError('cores_per_socket %d does not divide vcpus %d: the vCPUs are sockets x cores per socket'
                           % (cores_per_socket, vcpus))


def _shares(value, what):
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in SHARES_LEVELS:
        return text
    if re.fullmatch(r'[0-9]+', text) and int(text) > 0:
        return int(text)
    raise VirtEsxError('%s must be low, normal, high or a positive number of shares, not %r' % (what, value))


def scheduler_from_options(params):
    scheduler = {}
    for key in SCHEDULER_KEYS:
        value = params.get(key)
        if value is None:
            continue
        if key.endswith('_shares'):
            scheduler[key] = _shares(value, key)
        else:
            if int(value) < -1:
                raise VirtEsxError('%s must be -1 (unlimited) or more, not %r' % (key, value))
            scheduler[key] = int(value)
    return scheduler


def _slot(text, default_bus, what):
    if text is None:
        return None
    match = _SLOT_RE.match(str(text).strip().lower())
    if not match:
        raise VirtEsxError('%s slot %r is not of the form scsi0:1, ide0:0 or sata0:2' % (what, text))
    return '%s%s:%s' % match.groups()


def _bus_of_slot(text):
    match = _SLOT_RE.match(str(text or '').strip().lower())
    return match.group(1) if match else None


def _next_free_slot(used, bus):
    if bus == 'scsi':
        for unit in range(0, 16):
            if unit != 7 and 'scsi0:%d' % unit not in used:
                return 'scsi0:%d' % unit
    elif bus == 'ide':
        for slot in ('ide0:0', 'ide0:1', 'ide1:0', 'ide1:1'):
            if slot not in used:
                return slot
    else:
        for unit in range(0, 30):
            if '%s0:%d' % (bus, unit) not in used:
                return '%s0:%d' % (bus, unit)
    raise VirtEsxError('no free %s slot left' % bus)


def _mac(value):
    if value is None:
        return None
    text = str(value).strip().lower()
    if not _MAC_RE.match(text):
        raise VirtEsxError('MAC address %r is not of the form 00:50:56:xx:xx:xx' % (value,))
    return text


def spec_from_options(params):
    """The module's structured options -> spec (None where the option is not given)."""
    spec = empty_spec()
    spec['name'] = params.get('name')
    spec['uuid'] = params.get('uuid')
    spec['guest_id'] = params.get('guest_id')
    spec['vcpus'] = params.get('vcpus')
    spec['cores_per_socket'] = params.get('cores_per_socket')
    check_cores_per_socket(spec['vcpus'], spec['cores_per_socket'])
    spec['memory_mb'] = params.get('memory_mb')
    spec['annotation'] = params.get('annotation')
    spec['firmware'] = params.get('firmware')
    disks = params.get('disks')
    if disks is not None:
        used = set()
        for index, disk in enumerate(disks):
            bus = (disk.get('bus') or _bus_of_slot(disk.get('slot')) or 'scsi').lower()
            slot = _slot(disk.get('slot'), bus, 'disk') or _next_free_slot(used | set(spec['disks']), bus)
            if slot in spec['disks']:
                raise VirtEsxError('disks[%d]: slot %s is used twice' % (index, slot))
            if not disk.get('file') and not disk.get('size_gb'):
                raise VirtEsxError('disks[%d] needs file (an existing .vmdk as [datastore] path) or size_gb (a new disk)' % index)
            size_kb = int(round(float(disk['size_gb']) * 1024 * 1024)) if disk.get('size_gb') else None
            if disk.get('file'):
                CheckedDatastorePath.parse(disk['file'], option='disks[%d].file' % index)
            spec['disks'][slot] = dict(file=disk.get('file') or None, size_kb=size_kb)
            if slot.startswith('scsi'):
                controller = slot.split(':')[0]
                model = (disk.get('controller_model') or spec['controllers'].get(controller) or 'lsilogic').lower()
                if model not in SCSI_MODELS:
                    raise VirtEsxError('disks[%d]: controller_model must be one of %s' % (index, ', '.join(SCSI_MODELS)))
                spec['controllers'][controller] = model
            elif slot.startswith('sata'):
                spec['controllers'][slot.split(':')[0]] = 'ahci'
            used.add(slot)
    else:
        spec['disks'] = None
        spec['controllers'] = None
    cdrom = params.get('cdrom')
    if cdrom is not None:
        for index, drive in enumerate(cdrom):
            slot = _slot(drive.get('slot'), 'ide', 'cdrom') or _next_free_slot(set(spec['cdroms']) | set(spec['disks'] or {}), 'ide')
            kind = drive.get('type') or ('iso' if drive.get('iso') else 'client')
            if kind == 'iso' and not drive.get('iso'):
                raise VirtEsxError('cdrom[%d]: type iso needs iso (a [datastore] path)' % index)
            if kind == 'iso':
                CheckedDatastorePath.parse(drive['iso'], option='cdrom[%d].iso' % index)
            spec['cdroms'][slot] = dict(kind=kind, file=drive.get('iso') if kind == 'iso' else drive.get('device'))
            if slot.startswith('sata'):
                if spec['controllers'] is None:
                    spec['controllers'] = {}
                spec['controllers'][slot.split(':')[0]] = 'ahci'
    else:
        spec['cdroms'] = None
    nics = params.get('nics')
    if nics is not None:
        for index, nic in enumerate(nics):
            model = (nic.get('model') or 'vmxnet3').lower()
            if model not in NIC_MODELS:
                raise VirtEsxError('nics[%d]: model must be one of %s' % (index, ', '.join(NIC_MODELS)))
            spec['nics']['ethernet%d' % index] = dict(network=nic['network'], model=model, mac=_mac(nic.get('mac')))
            for key in CONNECT_KEYS:
                if nic.get(key) is not None:
                    spec['nics']['ethernet%d' % index][key] = bool(nic[key])
    else:
        spec['nics'] = None
    spec['extra_config'] = dict((str(key), '' if value is None else str(value)) for key, value in (params.get('extra_config') or {}).items())
    spec['scheduler'] = scheduler_from_options(params)
    return spec


# The current definition ------------------------------------------------------------

def _nic_model_of(device):
    for name, model in (('VirtualVmxnet3', 'vmxnet3'), ('VirtualE1000e', 'e1000e'), ('VirtualE1000', 'e1000'),
                        ('VirtualVmxnet2', 'vmxnet2'), ('VirtualPCNet32', 'vlance'), ('VirtualVmxnet', 'vmxnet')):
        if isinstance(device, getattr(vim.vm.device, name)):
            return model
    return None


def _scsi_model_of(device):
    for name, model in (('ParaVirtualSCSIController', 'pvscsi'), ('VirtualLsiLogicSASController', 'lsisas1068'),
                        ('VirtualLsiLogicController', 'lsilogic'), ('VirtualBusLogicController', 'buslogic')):
        if isinstance(device, getattr(vim.vm.device, name)):
            return model
    return None


def controller_bus(device):
    """'scsi0', 'ide1', 'sata0' for a controller device, else None."""
    if isinstance(device, vim.vm.device.VirtualSCSIController):
        return 'scsi%d' % device.busNumber
    if isinstance(device, vim.vm.device.VirtualIDEController):
        return 'ide%d' % device.busNumber
    if isinstance(device, vim.vm.device.VirtualSATAController):
        return 'sata%d' % device.busNumber
    return None


def device_slots(devices):
    """{slot: device} for disks, CD-ROMs and NICs of a VM, {bus: controller} for its controllers."""
    controllers = {}
    for device in devices:
        bus = controller_bus(device)
        if bus is not None:
            controllers[device.key] = (bus, device)
    slots = {}
    nics = [device for device in sorted(devices, key=lambda item: item.key) if isinstance(device, vim.vm.device.VirtualEthernetCard)]
    # A host gives ethernetN the device key 4000 + N; NICs with other keys (as some servers assign) take the free places after.
    for device in nics:
        if NIC_KEY_BASE <= device.key < NIC_KEY_BASE + MAX_NICS:
            slots['ethernet%d' % (device.key - NIC_KEY_BASE)] = device
    index = 0
    for device in nics:
        if NIC_KEY_BASE <= device.key < NIC_KEY_BASE + MAX_NICS:
            continue
        while 'ethernet%d' % index in slots:
            index += 1
        slots['ethernet%d' % index] = device
    for device in devices:
        if isinstance(device, (vim.vm.device.VirtualDisk, vim.vm.device.VirtualCdrom)):
            controller = controllers.get(device.controllerKey)
            if controller is not None:
                slots['%s:%d' % (controller[0], device.unitNumber or 0)] = device
    return slots, dict(controllers.values())


def spec_from_config(config, network_names=None):
    """A pyvmomi ``vim.vm.ConfigInfo`` -> spec. ``network_names`` maps DVS port group keys to names."""
    network_names = network_names or {}
    spec = empty_spec()
    from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import unescape_vm_name

    spec['name'] = unescape_vm_name(config.name)
    spec['uuid'] = config.uuid
    spec['guest_id'] = config.guestId
    spec['vcpus'] = config.hardware.numCPU
    # 0 or unset (older hosts, vCenter 6.x answers) means one core per socket.
    spec['cores_per_socket'] = getattr(config.hardware, 'numCoresPerSocket', None) or 1
    spec['memory_mb'] = config.hardware.memoryMB
    spec['annotation'] = config.annotation or ''
    spec['firmware'] = config.firmware or 'bios'
    devices = list(config.hardware.device or [])
    slots, controllers = device_slots(devices)
    for bus, device in controllers.items():
        if bus.startswith('scsi'):
            spec['controllers'][bus] = _scsi_model_of(device) or 'lsilogic'
        elif bus.startswith('sata'):
            spec['controllers'][bus] = 'ahci'
    for slot, device in slots.items():
        if isinstance(device, vim.vm.device.VirtualEthernetCard):
            backing = device.backing
            if isinstance(backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
                key = backing.port.portgroupKey
                network = network_names.get(key, key)
            else:
                network = getattr(backing, 'deviceName', None)
            spec['nics'][slot] = dict(network=network, model=_nic_model_of(device),
                                      mac=(device.macAddress or '').lower() or None)
            if device.connectable is not None:
                spec['nics'][slot].update(connected=bool(device.connectable.connected),
                                          start_connected=bool(device.connectable.startConnected))
        elif isinstance(device, vim.vm.device.VirtualDisk):
            spec['disks'][slot] = dict(file=getattr(device.backing, 'fileName', None) or None, size_kb=device.capacityInKB)
        else:
            backing = device.backing
            if isinstance(backing, vim.vm.device.VirtualCdrom.IsoBackingInfo):
                spec['cdroms'][slot] = dict(kind='iso', file=backing.fileName or None)
            elif isinstance(backing, vim.vm.device.VirtualCdrom.AtapiBackingInfo):
                spec['cdroms'][slot] = dict(kind='host', file=backing.deviceName or None)
            else:
                spec['cdroms'][slot] = dict(kind='client', file=None)
    for option in config.extraConfig or []:
        value = '' if option.value is None else str(option.value)
        if value == '':
            # An empty value is how a key is removed; the last entry of a key wins.
            spec['extra_config'].pop(option.key, None)
        else:
            spec['extra_config'][option.key] = value
    spec['scheduler'] = _scheduler_from_config(config)
    return spec


def _shares_value(shares_info):
    if shares_info is None:
        return None
    level = str(shares_info.level)
    return shares_info.shares if level == 'custom' else level


def _scheduler_from_config(config):
    cpu = config.cpuAllocation
    memory = config.memoryAllocation
    result = {}
    if cpu is not None:
        result.update(cpu_shares=_shares_value(cpu.shares), cpu_reservation_mhz=cpu.reservation, cpu_limit_mhz=cpu.limit)
    if memory is not None:
        result.update(memory_shares=_shares_value(memory.shares), memory_reservation_mb=memory.reservation,
                      memory_limit_mb=memory.limit)
    return result


# spec -> the definition libvirt's VMX formatter reads ------------------------------------

def _disk_target(slot, counters):
    from ansible_collections.virt.esx.plugins.module_utils.formats import disk_names

    bus = slot.split(':')[0].rstrip('0123456789')
    prefix = disk_names.TARGET_PREFIXES[bus]
    match = _SLOT_RE.match(slot)
    controller, unit = int(match.group(2)), int(match.group(3))
    if bus == 'sata':
        index = counters.setdefault('sata', 0)
        counters['sata'] += 1
    else:
        index = disk_names.slot_index(bus, controller, unit)
    return disk_names.disk_name(index, prefix), bus, controller, unit


def spec_to_domain_definition(spec):
    """spec -> the plain definition ``formats.domain_definition.definition_to_domain_xml`` writes as domain XML.

    Extra config and the scheduler settings libvirt's XML has no element for are left out: they reach a new VM
    through the .vmx keys and the create call.
    """
    scheduler = spec.get('scheduler') or {}
    reservation = scheduler.get('memory_reservation_mb')
    definition = dict(name=spec.get('name'), uuid=spec.get('uuid') or None, description=spec.get('annotation') or None,
                      memory_kib=spec['memory_mb'] * 1024 if spec.get('memory_mb') is not None else None,
                      vcpus=spec.get('vcpus'), cores_per_socket=spec.get('cores_per_socket'), cpu_shares=scheduler.get('cpu_shares'),
                      min_guarantee_kib=reservation * 1024 if reservation and reservation > 0 else None,
                      arch='x86_64' if not spec.get('guest_id') or '64' in spec['guest_id'] else 'i686',
                      firmware=spec.get('firmware'), disks=[], controllers=[], interfaces=[])
    counters = {}
    for kind, items in (('disk', spec.get('disks') or {}), ('cdrom', spec.get('cdroms') or {})):
        for slot in sorted(items, key=_slot_order):
            item = items[slot]
            target, bus, controller, unit = _disk_target(slot, counters)
            definition['disks'].append(dict(device=kind, type='block' if kind == 'cdrom' and item.get('kind') == 'host' else 'file',
                                            source=item.get('file'), target=target, bus=bus, controller=controller, unit=unit))
    for bus in sorted(spec.get('controllers') or {}):
        model = spec['controllers'][bus]
        kind = bus.rstrip('0123456789')
        definition['controllers'].append(dict(type=kind, index=bus[len(kind):],
                                              model=('vmpvscsi' if model == 'pvscsi' else model) if kind == 'scsi' else None))
    nics = spec.get('nics') or {}
    for name in sorted(nics, key=lambda text: int(text[len('ethernet'):])):
        definition['interfaces'].append(dict(mac=nics[name].get('mac'), bridge=nics[name].get('network'),
                                             model=nics[name].get('model')))
    return definition


_DISK_BUSES = ('scsi', 'ide', 'sata')


def _slot_order(slot):
    match = _SLOT_RE.match(slot)
    return (_DISK_BUSES.index(match.group(1)), int(match.group(2)), int(match.group(3)))


# The definition in .vmx terms ------------------------------------------------------------
#
# Predictions (check mode, the diff of a VM about to be created or changed) are .vmx text:
# formats.domain.vmx_to_domain_xml turns them into the same libvirt XML virt.esx.vm_info
# reads from a VM's real .vmx. The keys written are the ones a host writes for the same
# configuration; what libvirt's reader ignores needs no prediction.

NEW_VMX_BASE = '.encoding = "UTF-8"\nconfig.version = "8"\n'


def masked_extra_config(extra_config):
    """Extra config with the values of secret keys masked (as results show them)."""
    return dict((key, MASK if is_secret_key(key) and value else value) for key, value in sorted((extra_config or {}).items()))


def _drop_device(vmx, prefix):
    for key in vmx.keys_with_prefix(prefix + '.'):
        vmx.remove(key)


def _write_disk(vmx, slot, file_name):
    vmx.set(slot + '.present', 'TRUE')
    if slot.startswith('scsi'):
        vmx.set(slot + '.deviceType', 'scsi-hardDisk')
    vmx.set(slot + '.fileName', default_format_file(file_name))


def _write_cdrom(vmx, slot, drive):
    vmx.set(slot + '.present', 'TRUE')
    if drive['kind'] == 'iso':
        vmx.set(slot + '.deviceType', 'cdrom-image')
        vmx.set(slot + '.fileName', default_format_file(drive['file']))
    elif drive['kind'] == 'host':
        vmx.set(slot + '.deviceType', 'atapi-cdrom')
        vmx.set(slot + '.fileName', drive['file'] or 'auto detect')
    else:
        vmx.set(slot + '.deviceType', 'atapi-cdrom')
        vmx.set(slot + '.clientDevice', 'TRUE')
        vmx.set(slot + '.fileName', '')


def _write_nic_network(vmx, slot, network):
    for key in vmx.keys_with_prefix(slot + '.dvs.'):
        vmx.remove(key)
    vmx.set(slot + '.networkName', network or '')


def _write_nic_mac(vmx, slot, mac):
    if mac:
        vmx.remove(slot + '.generatedAddress')
        vmx.set(slot + '.addressType', 'static')
        vmx.set(slot + '.address', mac)
    else:
        vmx.set(slot + '.addressType', 'generated')


def _write_nic(vmx, slot, nic):
    vmx.set(slot + '.present', 'TRUE')
    # A NIC without model is created as an E1000 (see resources/vm.py), and the host writes that.
    vmx.set(slot + '.virtualDev', nic.get('model') or 'e1000')
    _write_nic_network(vmx, slot, nic.get('network'))
    _write_nic_mac(vmx, slot, nic.get('mac'))


def vmx_after_changes(vmx_text, changes, after, new_disk_files=None):
    """The .vmx text ``vmx_text`` becomes once ``changes`` (vm_diff Changes) are made; ``after`` is the plan's spec.

    ``new_disk_files`` names the files of new disks (``{slot: '[ds] dir/x.vmdk'}``), which the plan leaves to the
    host call. Scheduler settings are not written: hosts differ in the sched.* keys they keep (the simulator keeps
    none), so the prediction leaves those keys as they are and the module reports the settings as plain data.
    """
    vmx = parse_vmx(vmx_text)
    new_disk_files = new_disk_files or {}
    for change in changes:
        field, slot, action = change.field, change.slot, change.action
        if field == 'name':
            vmx.set('displayName', escape_display_name(change.after))
        elif field == 'guest_id':
            vmx.set('guestOS', guest_id_to_guest_os(change.after))
        elif field == 'vcpus':
            vmx.set('numvcpus', str(change.after))
        elif field == 'cores_per_socket':
            # Hosts write the key for more than one core per socket only (libvirt then shows <cpu><topology>).
            if change.after > 1:
                vmx.set('cpuid.coresPerSocket', str(change.after))
            else:
                vmx.remove('cpuid.coresPerSocket')
        elif field == 'memory_mb':
            vmx.set('memsize', str(change.after))
        elif field == 'annotation':
            if change.after:
                vmx.set('annotation', escape_annotation(change.after))
            else:
                vmx.remove('annotation')
        elif field == 'firmware':
            if change.after == 'efi':
                vmx.set('firmware', 'efi')
            else:
                vmx.remove('firmware')
        elif field == 'controller':
            vmx.set(slot + '.present', 'TRUE')
            if slot.startswith('scsi'):
                vmx.set(slot + '.virtualDev', change.after)
        elif field == 'disk' and action in ('remove', 'add', 'replace'):
            _drop_device(vmx, slot)
            if action != 'remove':
                _write_disk(vmx, slot, after['disks'][slot]['file'] or new_disk_files[slot])
        elif field == 'cdrom':
            _drop_device(vmx, slot)
            if action != 'remove':
                _write_cdrom(vmx, slot, after['cdroms'][slot])
        elif field == 'nic':
            if action == 'edit':
                if change.after['network'] != change.before['network']:
                    _write_nic_network(vmx, slot, change.after['network'])
                if change.after.get('mac') and change.after['mac'] != change.before.get('mac'):
                    _write_nic_mac(vmx, slot, change.after['mac'])
                if change.after.get('start_connected') is not None:
                    vmx.set(slot + '.startConnected', 'TRUE' if change.after['start_connected'] else 'FALSE')
                continue
            _drop_device(vmx, slot)
            if action != 'remove':
                _write_nic(vmx, slot, after['nics'][slot])
        elif field == 'extra_config':
            if change.after == '':
                vmx.remove(slot)
            else:
                vmx.set(slot, change.after)
    return vmx.render()
