# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables shared by both directions of the VMX <-> libvirt domain XML mapping.

Data only, no logic beyond tiny lookups: ``vmx_to_xml.py`` and ``xml_to_vmx.py`` both
read these so that the two directions agree. Add entries with small, appended edits.
"""

from __future__ import annotations

# virtualHW.version -------------------------------------------------------------

# libvirt's ESX driver refuses configurations older than this.
MIN_VIRTUAL_HW_VERSION = 4
# From this virtualHW.version on a SCSI controller takes units up to 64 ("super wide" bus).
SUPER_WIDE_SCSI_MIN_VIRTUAL_HW_VERSION = 13
# The unit a SCSI controller occupies on its own bus; never a disk.
SCSI_CONTROLLER_OWN_UNIT = 7
# Highest SCSI unit number below / from SUPER_WIDE_SCSI_MIN_VIRTUAL_HW_VERSION.
SCSI_MAX_UNIT_WIDE = 15
SCSI_MAX_UNIT_SUPER_WIDE = 64
# Number of scsiN / sataN controllers a VMX file can describe.
SCSI_CONTROLLER_COUNT = 4
SATA_CONTROLLER_COUNT = 4
SATA_UNITS_PER_CONTROLLER = 30
IDE_BUS_COUNT = 2
IDE_UNITS_PER_BUS = 2
FLOPPY_COUNT = 2
SERIAL_PORT_COUNT = 4
PARALLEL_PORT_COUNT = 3
# The only config.version libvirt understands.
CONFIG_VERSION = 8

# SCSI controllers --------------------------------------------------------------

# VMX scsiN.virtualDev value (lower case) -> libvirt <controller type='scsi' model=...>.
SCSI_VMX_TO_XML_MODEL = {
    "buslogic": "buslogic",
    "lsilogic": "lsilogic",
    "lsisas1068": "lsisas1068",
    "pvscsi": "vmpvscsi",
}
SCSI_XML_TO_VMX_MODEL = {xml: vmx for vmx, xml in SCSI_VMX_TO_XML_MODEL.items()}

# Network cards -----------------------------------------------------------------

# VMX ethernetN.virtualDev value (lower case) -> libvirt <model type=...>.
# "vmxnet" with ethernetN.features = "15" is the enhanced vmxnet2 (see NIC_VMXNET2_FEATURES).
NIC_VMX_TO_XML_MODEL = {
    "vlance": "vlance",
    "vmxnet": "vmxnet",
    "vmxnet3": "vmxnet3",
    "e1000": "e1000",
    "e1000e": "e1000e",
}
NIC_VMXNET2_FEATURES = 15
# libvirt <model type=...> -> (VMX virtualDev, VMX features or None).
NIC_XML_TO_VMX_MODEL = {
    "vlance": ("vlance", None),
    "vmxnet": ("vmxnet", None),
    "vmxnet2": ("vmxnet", NIC_VMXNET2_FEATURES),
    "vmxnet3": ("vmxnet3", None),
    "e1000": ("e1000", None),
    "e1000e": ("e1000e", None),
}

# Guest OS and architecture -----------------------------------------------------

# A guestOS value ending with this suffix is a 64-bit guest (x86_64), any other i686.
GUEST_OS_64BIT_SUFFIX = "-64"
# libvirt <os><type arch=...> -> the generic VMX guestOS it writes.
ARCH_TO_GUEST_OS = {"i686": "other", "x86_64": "other-64"}


def guest_os_arch(guest_os):
    """The libvirt arch of a VMX guestOS value (None or missing means i686)."""
    if guest_os is not None and guest_os.endswith(GUEST_OS_64BIT_SUFFIX):
        return "x86_64"
    return "i686"


# Memory, video, CPUs -----------------------------------------------------------

# memsize default (MiB) and granularity: VMware wants a multiple of 4 MiB.
DEFAULT_MEMSIZE_MIB = 32
MEMSIZE_MULTIPLE_MIB = 4
# svga.vramSize default in bytes; libvirt shows video RAM in KiB rounded up to a power of two.
DEFAULT_SVGA_VRAM_BYTES = 4 * 1024 * 1024
# CPU numbers allowed in sched.cpu.affinity / <vcpu cpuset=...> (libvirt's cpumask size).
CPUMASK_LEN = 16384
# sched.cpu.shares levels -> shares per vCPU (vSphere SharesInfo levels).
CPU_SHARES_PER_VCPU = {"low": 500, "normal": 1000, "high": 2000}
