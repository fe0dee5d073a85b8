# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain definition that ``vmx_to_xml`` reads out of a .vmx file.

Plain data classes, one per part of libvirt's domain XML that a VMX file can
describe. ``vmx_to_xml.parse_vmx_domain`` fills them, ``vmx_to_xml_format`` turns
them into XML. Values are already in libvirt's terms (KiB, XML model names, target
device names), so formatting is a straight walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

ZERO_MAC = "00:00:00:00:00:00"
ZERO_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass
class DriveAddress:
    controller: int
    bus: int
    unit: int


@dataclass
class Disk:
    device: str                      # disk, cdrom, lun, floppy
    source_type: str                 # file, block
    bus: str                         # scsi, sata, ide, fdc
    target: str                      # sda, hdc, fdb, ...
    address: DriveAddress
    source: Optional[str] = None     # file path or device path
    startup_optional: bool = False   # host drive chosen at power-on ("auto detect")
    readonly: bool = False
    transient: bool = False
    cache: Optional[str] = None      # writethrough


@dataclass
class Controller:
    type: str                        # scsi, sata, ide, fdc
    index: int
    model: Optional[str] = None


@dataclass
class Filesystem:
    source_dir: str
    target_dir: str
    readonly: bool


@dataclass
class Interface:
    type: str                        # bridge, user, null, vds
    mac: str = ZERO_MAC
    mac_type: Optional[str] = None   # generated, static
    mac_check: Optional[bool] = None
    model: Optional[str] = None
    bridge: Optional[str] = None
    ifname: Optional[str] = None
    vds_switch_id: Optional[str] = None
    vds_port_id: Optional[int] = None
    vds_portgroup_id: Optional[str] = None
    vds_connection_id: Optional[int] = None


@dataclass
class CharDevice:
    port: int
    type: str                        # dev, file, pipe, tcp
    path: Optional[str] = None
    host: Optional[str] = None
    service: Optional[str] = None
    listen: bool = True
    protocol: Optional[str] = None   # raw, telnet, telnets, tls


@dataclass
class Graphics:
    port: int                        # 0 when autoport
    autoport: bool
    listen_address: Optional[str] = None
    keymap: Optional[str] = None
    password: Optional[str] = None


@dataclass
class CpuTopology:
    sockets: int
    cores: int
    dies: int = 1
    threads: int = 1


@dataclass
class Domain:
    name: Optional[str] = None
    uuid: str = ZERO_UUID
    genid: Optional[str] = None
    description: Optional[str] = None
    memory_kib: int = 0
    current_memory_kib: int = 0
    min_guarantee_kib: int = 0
    vcpus: int = 1
    cpuset: Optional[List[int]] = None
    cpu_shares: Optional[int] = None
    topology: Optional[CpuTopology] = None
    arch: str = "i686"
    firmware: Optional[str] = None
    smbios_host: bool = False
    graphics: List[Graphics] = field(default_factory=list)
    disks: List[Disk] = field(default_factory=list)
    controllers: List[Controller] = field(default_factory=list)
    filesystems: List[Filesystem] = field(default_factory=list)
    interfaces: List[Interface] = field(default_factory=list)
    serials: List[CharDevice] = field(default_factory=list)
    parallels: List[CharDevice] = field(default_factory=list)
    video_vram_kib: int = 4096
    datacenter_path: Optional[str] = None
    moref: Optional[str] = None
