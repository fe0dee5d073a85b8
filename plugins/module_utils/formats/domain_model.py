# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt domain as both VMX converters see it.

VMX -> XML: ``vmx_to_xml.parse_vmx_domain`` fills these classes from a .vmx file and
``vmx_to_xml_format`` writes them as XML. XML -> VMX: ``xml_to_vmx_domain.read_domain``
fills them from domain XML (with libvirt's defaults) and ``xml_to_vmx`` writes the
.vmx keys. Values are in libvirt's terms in both directions: sizes in KiB, XML model
names, target device names, UUIDs and MAC addresses as libvirt writes them
(``8-4-4-4-12`` and ``xx:xx:xx:xx:xx:xx`` in lower case).

Some fields are only ever set by one direction, because the other side cannot
express them: a VMX file has no <driver name> or address type, domain XML read for
VMware carries no vCenter datacenter path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, NamedTuple, Optional

ZERO_MAC = "00:00:00:00:00:00"
ZERO_UUID = "00000000-0000-0000-0000-000000000000"


class DriveAddress(NamedTuple):
    """<address type='drive'> (its 'target' is always 0 for VMware)."""
    controller: int
    bus: int
    unit: int


@dataclass
class Disk:
    device: str                           # disk, cdrom, lun, floppy
    disk_type: str                        # file, block (XML also: dir, network, volume, ...)
    bus: str                              # scsi, sata, ide, fdc (XML also: virtio, xen, ...)
    target: str                           # sda, hdc, fdb, ...
    address: Optional[DriveAddress] = None
    address_type: str = "drive"           # what the XML gave; None address for other types
    source: Optional[str] = None          # file path or device path
    startup_policy: Optional[str] = None  # "optional": host drive chosen at power-on
    readonly: bool = False
    transient: bool = False
    cache: Optional[str] = None           # None: the hypervisor's default; writethrough, ...
    driver_name: Optional[str] = None     # on a SCSI disk libvirt reads it as the controller model


@dataclass
class Controller:
    type: str                             # scsi, sata, ide, fdc, ...
    index: Optional[int]                  # None only while the XML is read
    model: Optional[str] = None


@dataclass
class Filesystem:
    source: Optional[str]
    target: str
    readonly: bool
    type: str = "mount"


@dataclass
class Interface:
    type: str                             # bridge, user, null, vds
    mac: Optional[str] = None
    mac_type: Optional[str] = None        # generated, static
    mac_check: Optional[bool] = None
    model: Optional[str] = None
    bridge: Optional[str] = None
    ifname: Optional[str] = None
    switch_id: Optional[str] = None       # the four vds_* values for type vds
    portgroup_id: Optional[str] = None
    port_id: Optional[int] = None
    connection_id: Optional[int] = None


@dataclass
class CharDevice:
    kind: str                             # serial, parallel, console
    type: str                             # dev, file, pipe, tcp, ...
    port: Optional[int] = None            # None only while the XML is read
    path: Optional[str] = None
    host: Optional[str] = None
    service: Optional[str] = None
    listen: bool = False                  # tcp: mode='bind'
    protocol: Optional[str] = None        # tcp: raw, telnet, telnets, tls
    target_type: Optional[str] = None     # isa-serial, serial (console), ...


@dataclass
class Graphics:
    port: int                             # 0 when autoport
    autoport: bool
    type: str = "vnc"
    listen_address: Optional[str] = None
    keymap: Optional[str] = None
    password: Optional[str] = None


@dataclass
class Video:
    type: str                             # vmvga, ...
    vram: int                             # KiB, a power of two
    heads: int = 1
    primary: bool = False


@dataclass
class CpuTopology:
    sockets: int
    cores: int
    dies: int = 1
    clusters: int = 1
    threads: int = 1


@dataclass
class Cpu:
    mode: str = "custom"
    topology: Optional[CpuTopology] = None


@dataclass
class Domain:
    name: Optional[str] = None
    uuid: Optional[str] = None
    genid: Optional[str] = None
    description: Optional[str] = None
    virt_type: str = "vmware"
    os_type: str = "hvm"
    arch: str = "i686"
    firmware: Optional[str] = None
    smbios_mode: Optional[str] = None     # emulate, host, sysinfo
    memory_kib: int = 0
    current_memory_kib: int = 0
    min_guarantee_kib: int = 0
    vcpus: int = 1
    current_vcpus: int = 1
    cpuset: Optional[List[int]] = None
    cpu_shares: Optional[int] = None
    cpu: Optional[Cpu] = None
    graphics: List[Graphics] = field(default_factory=list)
    disks: List[Disk] = field(default_factory=list)
    controllers: List[Controller] = field(default_factory=list)
    filesystems: List[Filesystem] = field(default_factory=list)
    interfaces: List[Interface] = field(default_factory=list)
    serials: List[CharDevice] = field(default_factory=list)
    parallels: List[CharDevice] = field(default_factory=list)
    videos: List[Video] = field(default_factory=list)
    datacenter_path: Optional[str] = None
    moref: Optional[str] = None
    domain_id: Optional[int] = None  # libvirt's id of an active domain (the moref's number)
    ignored: List[str] = field(default_factory=list)  # XML elements the VMX format has no place for
