# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Target names <-> VMX slots and libvirt's drive addresses."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats import vmx_common
from ansible_collections.virt.esx.plugins.module_utils.formats.disk_names import (
    default_bus, disk_name, disk_name_index, drive_address, index_slot, slot_index, target_name)
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_model import DriveAddress


@pytest.mark.parametrize("index, name", [(0, "sda"), (25, "sdz"), (26, "sdaa"), (51, "sdaz"), (52, "sdba"),
                                         (701, "sdzz"), (702, "sdaaa")])
def test_disk_name_and_index_are_inverse(index, name):
    assert disk_name(index, "sd") == name
    assert disk_name_index(name) == index


@pytest.mark.parametrize("name, index", [("hdc", 2), ("fdb", 1), ("vda", 0), ("xvdb", 1), ("ubdc", 2), ("sda1", 0),
                                         ("sd", 0), ("nvme0", -1), ("sdA", -1), ("sda1b", -1), ("sd" + "z" * 8, -1)])
def test_disk_name_index_reads_like_libvirt(name, index):
    assert disk_name_index(name) == index


@pytest.mark.parametrize("bus, controller, unit, name", [
    ("scsi", 0, 0, "sda"), ("scsi", 0, 6, "sdg"), ("scsi", 0, 8, "sdh"), ("scsi", 0, 15, "sdo"), ("scsi", 1, 0, "sdp"),
    ("scsi", 3, 15, "sdbh"), ("sata", 0, 29, "sdad"), ("sata", 1, 0, "sdae"), ("ide", 0, 1, "hdb"),
    ("ide", 1, 0, "hdc"), ("fdc", 0, 1, "fdb"),
])
def test_target_name_follows_the_vmx_slot(bus, controller, unit, name):
    assert target_name(bus, controller, unit) == name


def test_index_slot_inverts_slot_index_on_every_vmx_slot():
    slots = [("scsi", c, u) for c in range(vmx_common.SCSI_CONTROLLER_COUNT) for u in range(16)
             if u != vmx_common.SCSI_CONTROLLER_OWN_UNIT]
    slots += [("sata", c, u) for c in range(vmx_common.SATA_CONTROLLER_COUNT)
              for u in range(vmx_common.SATA_UNITS_PER_CONTROLLER)]
    slots += [("ide", b, u) for b in range(vmx_common.IDE_BUS_COUNT) for u in range(vmx_common.IDE_UNITS_PER_BUS)]
    slots += [("fdc", 0, u) for u in range(vmx_common.FLOPPY_COUNT)]
    for bus, controller, unit in slots:
        assert index_slot(bus, slot_index(bus, controller, unit)) == (controller, unit), (bus, controller, unit)


@pytest.mark.parametrize("bus, index, scsi_units, address", [
    ("scsi", 6, 16, (0, 0, 6)), ("scsi", 7, 16, (0, 0, 8)), ("scsi", 15, 16, (1, 0, 0)),
    ("scsi", 15, 65, (0, 0, 16)), ("scsi", 64, 65, (1, 0, 0)),
    ("sata", 6, 16, (1, 0, 0)), ("ide", 3, 16, (0, 1, 1)), ("ide", 4, 16, (1, 0, 0)), ("fdc", 3, 16, (1, 0, 1)),
])
def test_drive_address_uses_libvirts_layout(bus, index, scsi_units, address):
    assert drive_address(bus, index, scsi_units) == DriveAddress(*address)


def test_drive_address_defaults_to_a_wide_scsi_bus_and_has_none_for_other_buses():
    assert drive_address("scsi", 15) == (1, 0, 0)
    assert drive_address("virtio", 0) is None


@pytest.mark.parametrize("name, device, bus", [
    ("fda", "floppy", "fdc"), ("hda", "disk", "ide"), ("sda", "cdrom", "scsi"), ("vda", "disk", "virtio"),
    ("xvda", "disk", "xen"), ("ubda", "disk", "uml"), ("fda", "disk", "ide"), ("nvme0", "disk", "ide"),
])
def test_default_bus(name, device, bus):
    assert default_bus(name, device) == bus
