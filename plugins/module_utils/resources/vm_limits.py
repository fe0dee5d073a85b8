# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What vSphere accepts for a VM definition, checked before any task starts.

``check_vm_limits(session, vm, desired, params, hw_version)`` raises VirtEsxError naming the option and
value for what a host would refuse (or worse, store wrapped around: 1,000,000,000,000 MB became
-727379968 MB):

* memory: a positive multiple of 4 MB, at most the maximum of the VM's hardware version (and of the
  host, from its environment browser, when the value is large enough for that to matter);
* vcpus: 1 or more, at most the maximum of the hardware version (and of the host);
* a memory reservation no larger than the memory;
* disk sizes above 0 and at most 62 TiB (VMFS's largest virtual disk);
* disk and CD-ROM slots within their controller's range (scsi0-3:0-15 but not 7, ide0-1:0-1,
  sata0-3:0-29) and on the bus the disk's ``bus`` names.

The hardware-version maxima are VMware's published ones (virtual machine compatibility levels).
A host may allow less: values above the smallest maxima (8 vCPUs, 255 GB) are also checked against
the host's own answer to QueryConfigOption, one request that normal runs never make.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError

MEMORY_MULTIPLE_MB = 4
MAX_DISK_GB = 62 * 1024
GB = 1024
# Hardware version -> (vCPUs, memory in MB), VMware's maxima per compatibility level.
HARDWARE_MAXIMA = {
    7: (8, 255 * GB), 8: (32, 1011 * GB), 9: (64, 1011 * GB), 10: (64, 1011 * GB),
    11: (128, 4080 * GB), 12: (128, 4080 * GB), 13: (128, 6128 * GB), 14: (128, 6128 * GB),
    15: (256, 6128 * GB), 16: (256, 6128 * GB), 17: (256, 6128 * GB), 18: (256, 6128 * GB),
    19: (768, 24560 * GB), 20: (768, 24560 * GB), 21: (768, 24560 * GB),
}
# Below these every supported host and hardware version accepts the value: no need to ask the host.
_ALWAYS_ACCEPTED = (8, 255 * GB)
# bus -> (controllers, units per controller, units that are not for devices)
SLOT_RANGES = {'scsi': (4, 16, (7,)), 'ide': (2, 2, ()), 'sata': (4, 30, ())}
_SLOT_RE = re.compile(r'^(scsi|ide|sata)([0-9]+):([0-9]+)$')


def hardware_maxima(version):
    """(vCPUs, memory MB) of a hardware version; a newer one than the table knows gets the newest maxima."""
    if version in HARDWARE_MAXIMA:
        return HARDWARE_MAXIMA[version]
    known = sorted(HARDWARE_MAXIMA)
    return HARDWARE_MAXIMA[known[-1]] if version > known[-1] else HARDWARE_MAXIMA[known[0]]


def _version_number(text):
    match = re.match(r'^vmx-([0-9]+)$', str(text or ''))
    return int(match.group(1)) if match else None


def check_slot(text, what, bus=None):
    """A disk or CD-ROM slot within its controller's range, on ``bus`` when given."""
    if text is None:
        return
    match = _SLOT_RE.match(str(text).strip().lower())
    if not match:
        return  # vm_spec words a slot that is not of the form scsi0:1
    slot_bus, controller, unit = match.group(1), int(match.group(2)), int(match.group(3))
    if bus and bus != slot_bus:
        raise VirtEsxError('%s: slot %s is on the %s bus but bus is %s; give a %s slot (or leave bus out)'
                           % (what, text, slot_bus, bus, bus))
    controllers, units, reserved = SLOT_RANGES[slot_bus]
    if controller >= controllers or unit >= units or unit in reserved:
        note = ' (unit %s is the controller itself)' % ', '.join(str(r) for r in reserved) if reserved else ''
        raise VirtEsxError('%s: slot %s is out of range: %s slots are %s0:0 to %s%d:%d%s'
                           % (what, text, slot_bus, slot_bus, slot_bus, controllers - 1, units - 1, note))


class _HostLimits(object):
    """The VM's hardware version and the host's maxima, read once and only when needed."""

    def __init__(self, session, vm, default_hw_version):
        self.session = session
        self.vm = vm
        self.default_hw_version = default_hw_version
        self._version = None
        self._host = None

    def version(self):
        if self._version is None:
            version = None
            if self.vm is not None:
                try:
                    version = _version_number(self.vm.config.version)
                except Exception:  # pylint: disable=broad-except
                    version = None
            self._version = version or self.default_hw_version()
        return self._version

    def host_maxima(self):
        """(vCPUs, memory MB) from the environment browser, None for what the host does not say."""
        if self._host is None:
            self._host = (None, None)
            try:
                browser = self._browser()
                option = browser.QueryConfigOption(key='vmx-%d' % self.version()) if browser is not None else None
                hardware = getattr(option, 'hardwareOptions', None)
                cpus = max(hardware.numCPU) if hardware is not None and hardware.numCPU else None
                memory = getattr(getattr(hardware, 'memoryMB', None), 'max', None)
                self._host = (cpus or None, memory or None)
            except Exception:  # pylint: disable=broad-except
                # A host that cannot say leaves the hardware version's maxima, checked already.
                self._host = (None, None)
        return self._host

    def _browser(self):
        if self.vm is not None:
            return self.vm.environmentBrowser
        scope = getattr(self.session, 'scope', None) or {}
        compute = scope.get('compute_resource')
        if compute is not None and compute.get('_obj') is not None:
            return compute['_obj'].environmentBrowser
        from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
        computes = properties.retrieve(self.session.content, {'ComputeResource': ['environmentBrowser']})
        return computes[0].get('environmentBrowser') if computes else None


def check_vm_limits(session, vm, desired, params, default_hw_version):
    """Raise VirtEsxError for a definition vSphere would refuse; see the module documentation."""
    limits = _HostLimits(session, vm, default_hw_version)
    memory = desired.get('memory_mb')
    if memory is not None:
        if memory <= 0 or memory % MEMORY_MULTIPLE_MB:
            raise VirtEsxError('memory_mb must be a positive multiple of %d (MB), as vSphere requires; got %d'
                               % (MEMORY_MULTIPLE_MB, memory))
        _check_maximum('memory_mb', memory, 1, limits, 'MB')
    vcpus = desired.get('vcpus')
    if vcpus is not None:
        if vcpus < 1:
            raise VirtEsxError('vcpus must be 1 or more, got %d' % vcpus)
        _check_maximum('vcpus', vcpus, 0, limits, 'virtual CPUs')
    reservation = params.get('memory_reservation_mb')
    if reservation is not None and memory is not None and reservation > memory:
        raise VirtEsxError('memory_reservation_mb (%d) must not be larger than the memory of the VM (%d MB)' % (reservation, memory))
    for index, disk in enumerate(params.get('disks') or ()):
        size = disk.get('size_gb')
        if size is not None and not 0 < size <= MAX_DISK_GB:
            raise VirtEsxError('disks[%d].size_gb must be above 0 and at most %d (62 TiB), got %s' % (index, MAX_DISK_GB, size))
        check_slot(disk.get('slot'), 'disks[%d]' % index, (disk.get('bus') or '').lower() or None)
    for index, drive in enumerate(params.get('cdrom') or ()):
        check_slot(drive.get('slot'), 'cdrom[%d]' % index)


def _check_maximum(option, value, index, limits, unit):
    if value <= _ALWAYS_ACCEPTED[index]:
        return
    version = limits.version()
    maximum = hardware_maxima(version)[index]
    if value > maximum:
        raise VirtEsxError('%s %d is more than hardware version %d allows (%d %s)' % (option, value, version, maximum, unit))
    host_maximum = limits.host_maxima()[index]
    if host_maximum is not None and value > host_maximum:
        raise VirtEsxError('%s %d is more than this host allows for hardware version %d (%d %s, from its environment browser)'
                           % (option, value, version, host_maximum, unit))
