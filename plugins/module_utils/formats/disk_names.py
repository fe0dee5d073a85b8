# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's disk target names (sda, hdc, fdb, ...) and the VMX slots they stand for.

A target name is a bus prefix and a 0-based index written in letters (``a`` .. ``z``,
``aa`` ..). The index follows the VMX slot: SCSI counts 15 disks per controller (its
own unit 7 is skipped), SATA 30, IDE 2 per bus, floppies one each. libvirt also
derives a drive address from the index alone, with its own per-bus layout; that is
not always the VMX slot again (SATA: 6 units per controller), which is why both
mappings are here.

Pure functions; callers turn a -1 index or a None address into their own errors.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.formats import vmx_common
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_model import DriveAddress

__all__ = ["TARGET_PREFIXES", "disk_name", "disk_name_index", "target_name", "slot_index", "index_slot",
           "drive_address", "default_bus"]

# The prefix of the target names of each bus a VMX file has.
TARGET_PREFIXES = {"scsi": "sd", "sata": "sd", "ide": "hd", "fdc": "fd"}
# Every prefix libvirt reads an index from, and the bus a target without bus= gets.
_BUS_BY_PREFIX = (("fd", "fdc"), ("hd", "ide"), ("vd", "virtio"), ("sd", "scsi"), ("xvd", "xen"), ("ubd", "uml"))
_INT_MAX = 2 ** 31 - 1
# Units per controller in the index of a target name (not in VMX slots).
_SCSI_UNITS_PER_INDEX = vmx_common.SCSI_MAX_UNIT_WIDE
# libvirt's drive address layout for a VMware host, whose SCSI bus is wide (16 units).
_WIDE_SCSI_UNITS = vmx_common.SCSI_MAX_UNIT_WIDE + 1
_SATA_UNITS_PER_ADDRESS = 6
_IDE_UNITS_PER_CONTROLLER = vmx_common.IDE_BUS_COUNT * vmx_common.IDE_UNITS_PER_BUS
_FLOPPY_UNITS_PER_CONTROLLER = 2


def disk_name(index, prefix):
    """The target name of a 0-based index: sda ... sdz, sdaa ..."""
    letters = ""
    index += 1
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return prefix + letters


def disk_name_index(name):
    """The index libvirt reads from a target name (``sda`` 0, ``sdaa`` 26), or -1."""
    for prefix, _bus in _BUS_BY_PREFIX:
        if name.startswith(prefix):
            rest = name[len(prefix):]
            break
    else:
        return -1
    index = 0
    count = 0
    for char in rest:
        if not "a" <= char <= "z":
            break
        index = (index + (1 if count else 0)) * 26 + (ord(char) - ord("a"))
        count += 1
        if index > _INT_MAX:
            return -1
    if any(char not in "0123456789" for char in rest[count:]):
        return -1  # only a partition number may follow the letters
    return index


def default_bus(name, device):
    """The bus libvirt gives a <disk> whose <target> names no bus."""
    if device == "floppy":
        return "fdc"
    for prefix, bus in _BUS_BY_PREFIX:
        if name.startswith(prefix) and prefix != "fd":
            return bus
    return "ide"


def slot_index(bus, controller, unit):
    """The target index of VMX slot ``<bus><controller>:<unit>`` (for IDE controller is the bus)."""
    if bus == "scsi":
        return controller * _SCSI_UNITS_PER_INDEX + (unit if unit < vmx_common.SCSI_CONTROLLER_OWN_UNIT else unit - 1)
    if bus == "sata":
        return controller * vmx_common.SATA_UNITS_PER_CONTROLLER + unit
    if bus == "ide":
        return controller * vmx_common.IDE_UNITS_PER_BUS + unit
    return unit


def index_slot(bus, index):
    """(controller or IDE bus, unit) of a target index: the inverse of ``slot_index``."""
    if bus == "scsi":
        controller, unit = divmod(index, _SCSI_UNITS_PER_INDEX)
        return controller, unit + 1 if unit >= vmx_common.SCSI_CONTROLLER_OWN_UNIT else unit
    if bus == "sata":
        return divmod(index, vmx_common.SATA_UNITS_PER_CONTROLLER)
    if bus == "ide":
        return divmod(index, vmx_common.IDE_UNITS_PER_BUS)
    return 0, index


def target_name(bus, controller, unit):
    """The target name of VMX slot ``<bus><controller>:<unit>``: scsi0:8 -> sdh, ide1:0 -> hdc."""
    return disk_name(slot_index(bus, controller, unit), TARGET_PREFIXES[bus])


def drive_address(bus, index, scsi_units=_WIDE_SCSI_UNITS):
    """The <address> libvirt assigns to target index ``index`` on ``bus``, or None for buses without one.

    ``scsi_units`` is the number of units of a SCSI bus, the controller's own included.
    """
    if bus == "scsi":
        controller, unit = divmod(index, scsi_units - 1)
        return DriveAddress(controller, 0, unit + 1 if unit >= vmx_common.SCSI_CONTROLLER_OWN_UNIT else unit)
    if bus == "sata":
        controller, unit = divmod(index, _SATA_UNITS_PER_ADDRESS)
        return DriveAddress(controller, 0, unit)
    if bus == "ide":
        return DriveAddress(index // _IDE_UNITS_PER_CONTROLLER, (index % _IDE_UNITS_PER_CONTROLLER) // 2, index % 2)
    if bus == "fdc":
        return DriveAddress(index // _FLOPPY_UNITS_PER_CONTROLLER, 0, index % _FLOPPY_UNITS_PER_CONTROLLER)
    return None
