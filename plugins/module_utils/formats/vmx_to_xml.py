# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMware .vmx -> libvirt domain XML, with the semantics of libvirt 9.0.0's ESX driver.

API
===

``convert_vmx_to_xml(vmx_text, *, resolve_file, datacenter_path=None, moref=None, secure=False, domain_id=None) -> str``
    ``vmx_text`` is the .vmx file as text or bytes (see ``vmx.parse_vmx`` for encodings).
    Returns the domain XML formatted as libvirt formats it (two-space indentation,
    single-quoted attributes, no XML declaration, final newline). ``secure`` includes
    secrets (the VNC password as ``passwd``). ``datacenter_path`` and ``moref`` add
    libvirt's ``vmware`` namespace elements (``<vmware:datacenterpath>``,
    ``<vmware:moref>``).
``parse_vmx_domain(vmx_text, *, resolve_file, datacenter_path=None, moref=None) -> Domain``
    The same conversion stopping at the ``domain_model.Domain`` data classes.
``domain_to_element`` / ``element_to_text`` (from ``vmx_to_xml_format``)
    The lxml tree of a ``Domain`` and its libvirt-style text.

``resolve_file(name, allow_missing) -> str | None`` maps a VMX ``fileName`` of a
hard disk image, CD-ROM image, file-backed floppy or file-backed serial/parallel port
to the XML source (e.g. ``[datastore] dir/disk.vmdk``). It returns None only for a
file that does not exist; that is accepted for CD-ROM images (``allow_missing`` is
true: the drive stays, empty) and an error everywhere else. It raises
``VirtEsxError`` for names it refuses. Device paths, pipe names, network URIs and
shared-folder paths are used as written, without the callback.

Errors: every problem with the input raises ``VmxError`` naming the VMX key and
value at fault; bad arguments raise ``VirtEsxError``. No other exception escapes.

The mapping, as read (docs/vmx-mapping.md has every key with its defaults and
exceptions; tests/unit/plugins/module_utils/formats/test_vmx_mapping_doc.py holds
this table, the document and the code together)::

    VMX key                                 domain XML
    config.version, virtualHW.version       (checked: 8; 4 or later, SCSI units up to 64 from 13)
    displayName, uuid.bios, annotation      <name>, <uuid>, <description>
    vm.genid, vm.genidX                     <genid>
    memsize, sched.mem.max, .minsize        <memory>, <currentMemory>, <memtune><min_guarantee>
    numvcpus, cpuid.coresPerSocket          <vcpu>, <cpu><topology>
    sched.cpu.affinity, sched.cpu.shares    <vcpu cpuset>, <cputune><shares>
    guestOS, firmware, smbios.reflecthost   <os><type arch>, <os firmware>, <os><smbios mode='host'>
    RemoteDisplay.vnc.*                     <graphics type='vnc'>
    scsiN, sataN                            <controller>
    scsiN:M, sataN:M, ideN:M, floppyN       <disk> (target names from the slot: disk_names)
    sharedFolderN, sharedFolder.maxNum      <filesystem>
    ethernetN                               <interface>
    svga.vramSize                           <video>
    serialN, parallelN                      <serial> (the first again as <console>), <parallel>

Everything else in the file is ignored, as libvirt does.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.formats import disk_names, vmx_common as common
from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError, VirtEsxError, VmxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import unescape_annotation, unescape_display_name
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import capped_int, parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_to_xml_format import domain_to_element, element_to_text
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_model import (
    ZERO_MAC, ZERO_UUID, CharDevice, Controller, Cpu, CpuTopology, Disk, Domain, Filesystem, Graphics, Interface, Video,
)

__all__ = ["convert_vmx_to_xml", "parse_vmx_domain", "domain_to_element", "element_to_text"]

_INT_MAX = 2 ** 31 - 1
_UINT64_MAX = 2 ** 64 - 1
# Largest memory libvirt accepts, in KiB (VIR_DOMAIN_MEMORY_PARAM_UNLIMITED).
_MEMORY_MAX_KIB = 2 ** 53 - 1
_C_SPACES = " \t\n\v\f\r"
_UNSIGNED_RE = re.compile(r"[ \t\n\v\f\r]*\+?([0-9]+)")
_HEX = "0123456789abcdefABCDEF"
_MAC_RE = re.compile(r"([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):"
                     r"([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2})(?=[\x00-\x20]|$)")
_URI_RE = re.compile(r"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?//(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#\[\]@]*)"
                     r"(?::([0-9]*))?(?:[/?#].*)?", re.DOTALL)
_SERIAL_SCHEMES = {None: "raw", "tcp": "raw", "tcp4": "raw", "tcp6": "raw", "telnet": "telnet", "telnets": "telnets",
                   "ssl": "tls", "tcp+ssl": "tls", "tcp4+ssl": "tls", "tcp6+ssl": "tls"}
_CDROM_DEVICE_TYPES = ("atapi-cdrom", "cdrom-raw", "cdrom-image")
_PASSTHRU_CDROM_PREFIX = "/vmfs/devices/cdrom/"
_EMPTY_BACKING = "emptyBackingString"
_AUTO_DETECT = "auto detect"


def _lower(value):
    return None if value is None else value.lower()


def _ends_with(value, suffix):
    return value is not None and value.lower().endswith(suffix)


def parse_uuid(text):
    """A UUID written with optional '-' or ' ' between hex pairs (as in uuid.bios), or None."""
    text = text.lstrip(_C_SPACES)
    digits = []
    pos = 0
    while len(digits) < 16:
        if pos >= len(text):
            return None
        if text[pos] in "- ":
            pos += 1
            continue
        pair = text[pos:pos + 2]
        if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
            return None
        digits.append(pair.lower())
        pos += 2
    if text[pos:].strip(_C_SPACES):
        return None
    hexa = "".join(digits)
    return "%s-%s-%s-%s-%s" % (hexa[0:8], hexa[8:12], hexa[12:16], hexa[16:20], hexa[20:32])


def parse_mac(text):
    """A MAC address as libvirt reads it (1 or 2 hex digits per byte), in lower case, or None."""
    match = _MAC_RE.match(text)
    if match is None:
        return None
    return ":".join("%02x" % int(part, 16) for part in match.groups())


class _Reader:
    """Typed access to the entries of a parsed VMX file, with libvirt's rules and defaults."""

    def __init__(self, vmx, resolve_file):
        self.vmx = vmx
        self._resolve_file = resolve_file
        # Most probed keys (hundreds of disk slots) are absent; answer those without a scan.
        self._folded_keys = frozenset(key.lower() for key in vmx.keys())

    def _has(self, key):
        return key.lower() in self._folded_keys

    def string(self, key):
        return self.vmx.get(key) if self._has(key) else None

    def required_string(self, key, purpose):
        value = self.vmx.get(key)
        if value is None:
            raise VmxError("VMX entry '%s' is missing; it is required for %s" % (key, purpose))
        return value

    def boolean(self, key, default):
        return self.vmx.get_bool(key, default) if self._has(key) else default

    def integer(self, key, default):
        return self.vmx.get_int(key, default) if self._has(key) else default

    def present(self, prefix):
        """Whether device ``prefix`` (ethernet0, serial1, scsi0:2, ...) is there."""
        present = self.boolean(prefix + ".present", False)
        # Checked for a valid value only: the XML has no place for a device that starts disconnected.
        self.boolean(prefix + ".startConnected", True)
        return present

    def required_integer(self, key, purpose):
        value = self.vmx.get_int(key)
        if value is None:
            raise VmxError("VMX entry '%s' is missing; it is required for %s" % (key, purpose))
        return value

    def resolve(self, key, name, allow_missing):
        """The XML source for file name ``name`` read from ``key``, or None for an allowed missing file."""
        try:
            resolved = self._resolve_file(name, allow_missing)
        except VirtEsxError as err:
            raise VmxError("cannot use the file named by VMX entry '%s' ('%s'): %s" % (key, name, err)) from None
        except Exception as err:  # pylint: disable=broad-except
            # The callback belongs to the caller; whatever it raises is reported as a VMX problem.
            raise VmxError("cannot use the file named by VMX entry '%s' ('%s'): %s: %s"
                           % (key, name, type(err).__name__, err)) from None
        if resolved is None:
            if allow_missing:
                return None
            raise VmxError("the file named by VMX entry '%s' ('%s') does not exist" % (key, name))
        if not isinstance(resolved, str):
            raise VirtEsxError("resolve_file returned %s for '%s'; expected text or None" % (type(resolved).__name__, name))
        return resolved


# Header, identity, memory and CPUs ---------------------------------------------------


def _check_versions(reader):
    config_version = reader.required_integer("config.version", "every VMX file")
    if config_version != common.CONFIG_VERSION:
        raise VmxError("VMX entry 'config.version' must be %d but is '%s'"
                       % (common.CONFIG_VERSION, reader.string("config.version")))
    hw_version = reader.required_integer("virtualHW.version", "every VMX file")
    if hw_version < common.MIN_VIRTUAL_HW_VERSION:
        raise VmxError("VMX entry 'virtualHW.version' must be %d or higher but is '%s'"
                       % (common.MIN_VIRTUAL_HW_VERSION, reader.string("virtualHW.version")))
    return hw_version


def _read_identity(reader, domain):
    uuid_text = reader.string("uuid.bios")
    domain.uuid = ZERO_UUID
    if uuid_text is not None:
        uuid = parse_uuid(uuid_text)
        if uuid is None:
            raise VmxError("VMX entry 'uuid.bios' is not a UUID: '%s'" % uuid_text)
        domain.uuid = uuid

    display_name = reader.string("displayName")
    if display_name is not None:
        try:
            domain.name = unescape_display_name(display_name)
        except EscapingError as err:
            raise VmxError("VMX entry 'displayName' has an invalid escape sequence: %s" % err) from None

    genid_low = reader.integer("vm.genid", 0)
    genid_high = reader.integer("vm.genidX", 0)
    if genid_low or genid_high:
        hexa = "%016x%016x" % (genid_low & _UINT64_MAX, genid_high & _UINT64_MAX)
        domain.genid = "%s-%s-%s-%s-%s" % (hexa[0:8], hexa[8:12], hexa[12:16], hexa[16:20], hexa[20:32])

    annotation = reader.string("annotation")
    if annotation is not None:
        try:
            domain.description = unescape_annotation(annotation)
        except EscapingError as err:
            raise VmxError("VMX entry 'annotation' has an invalid escape sequence: %s" % err) from None


def _read_memory(reader, domain):
    memsize = reader.integer("memsize", common.DEFAULT_MEMSIZE_MIB)
    if memsize <= 0 or memsize % common.MEMSIZE_MULTIPLE_MIB != 0:
        raise VmxError("VMX entry 'memsize' must be a positive multiple of %d (MiB) but is '%s'"
                       % (common.MEMSIZE_MULTIPLE_MIB, reader.string("memsize")))
    total = memsize * 1024
    if total > _MEMORY_MAX_KIB:
        raise VmxError("VMX entry 'memsize' is too large: '%s'" % reader.string("memsize"))
    domain.memory_kib = total

    mem_max = reader.integer("sched.mem.max", memsize)
    if mem_max < 0:  # "unlimited"
        mem_max = memsize
    current = min(mem_max * 1024, total)
    # A zero balloon target means "all of it" in libvirt.
    domain.current_memory_kib = current if current > 0 else total

    minsize = max(reader.integer("sched.mem.minsize", 0), 0)
    domain.min_guarantee_kib = min(minsize * 1024, total)


def _read_cpus(reader, domain):
    vcpus = reader.integer("numvcpus", 1)
    if vcpus <= 0 or vcpus > _INT_MAX:
        raise VmxError("VMX entry 'numvcpus' must be a positive number of virtual CPUs but is '%s'"
                       % reader.string("numvcpus"))
    domain.vcpus = domain.current_vcpus = vcpus

    cores = reader.integer("cpuid.coresPerSocket", 1)
    if cores > 1:
        if cores > _INT_MAX:
            raise VmxError("VMX entry 'cpuid.coresPerSocket' is too large: '%s'" % reader.string("cpuid.coresPerSocket"))
        sockets = vcpus // cores
        if sockets <= 0:
            raise VmxError("VMX entry 'cpuid.coresPerSocket' ('%d') is larger than 'numvcpus' ('%d')" % (cores, vcpus))
        domain.cpu = Cpu(topology=CpuTopology(sockets=sockets, cores=cores))

    affinity = reader.string("sched.cpu.affinity")
    if affinity is not None and affinity.lower() != "all":
        items = affinity.split(",") if affinity else []
        if len(items) < vcpus:
            raise VmxError("VMX entry 'sched.cpu.affinity' ('%s') must list at least as many CPUs as 'numvcpus' (%d)"
                           % (affinity, vcpus))
        cpus = set()
        for item in items:
            match = _UNSIGNED_RE.fullmatch(item.rstrip(_C_SPACES))
            if match is None:
                raise VmxError("VMX entry 'sched.cpu.affinity' must be a comma-separated list of CPU numbers "
                               "but is '%s'" % affinity)
            cpu = capped_int(match.group(1))
            if cpu >= common.CPUMASK_LEN:
                raise VmxError("VMX entry 'sched.cpu.affinity' names CPU %d; CPU numbers must be below %d"
                               % (cpu, common.CPUMASK_LEN))
            cpus.add(cpu)
        domain.cpuset = sorted(cpus)

    shares = reader.string("sched.cpu.shares")
    if shares is not None:
        level = shares.lower()
        if level in common.CPU_SHARES_PER_VCPU:
            domain.cpu_shares = vcpus * common.CPU_SHARES_PER_VCPU[level]
        else:
            match = _UNSIGNED_RE.fullmatch(shares)
            if match is None or capped_int(match.group(1)) > _UINT64_MAX:
                raise VmxError("VMX entry 'sched.cpu.shares' must be 'low', 'normal', 'high' or an unsigned integer "
                               "but is '%s'" % shares)
            domain.cpu_shares = capped_int(match.group(1))


def _read_os(reader, domain):
    domain.arch = common.guest_os_arch(reader.string("guestOS"))
    if reader.boolean("smbios.reflecthost", False):
        domain.smbios_mode = "host"
    firmware = reader.string("firmware")
    if firmware == "efi":
        domain.firmware = "efi"
    elif firmware is not None and firmware != "bios":
        # "bios" is VMware's default, the same as leaving the entry out.
        raise VmxError("VMX entry 'firmware' must be 'efi' or 'bios' but is '%s'" % firmware)


def _read_vnc(reader, domain):
    if not reader.boolean("RemoteDisplay.vnc.enabled", False):
        return
    port = reader.integer("RemoteDisplay.vnc.port", -1)
    if port > 65535:
        raise VmxError("VMX entry 'RemoteDisplay.vnc.port' is not a TCP port: '%s'" % reader.string("RemoteDisplay.vnc.port"))
    domain.graphics.append(Graphics(
        port=max(port, 0), autoport=port < 0,
        listen_address=reader.string("RemoteDisplay.vnc.ip"),
        keymap=reader.string("RemoteDisplay.vnc.keymap"),
        password=reader.string("RemoteDisplay.vnc.password")))


# Disks ---------------------------------------------------------------------------------


class _DiskSlot:
    """One VMX disk slot (scsi0:1, sata0:0, ide1:0, floppy0) and the entries it has."""

    def __init__(self, reader, bus, controller, unit, scsi_units):
        self.reader = reader
        self.bus = bus
        self.prefix = "floppy%d" % unit if bus == "fdc" else "%s%d:%d" % (bus, controller, unit)
        self.target = disk_names.target_name(bus, controller, unit)
        self.address = disk_names.drive_address(bus, disk_names.slot_index(bus, controller, unit), scsi_units)

    def key(self, name):
        return "%s.%s" % (self.prefix, name)

    def string(self, name):
        return self.reader.string(self.key(name))

    def boolean(self, name, default):
        return self.reader.boolean(self.key(name), default)

    def unhandled(self, file_name, device_type):
        if file_name is None:
            return VmxError("VMX entry '%s' is missing; a present drive of device type '%s' needs it"
                            % (self.key("fileName"), device_type or "unknown"))
        return VmxError("VMX entry '%s' ('%s') is not supported for a device of type '%s'"
                        % (self.key("fileName"), file_name, device_type or "unknown"))

    def wrong_device_type(self, device_type, expected):
        return VmxError("VMX entry '%s' must be %s but is '%s'" % (self.key("deviceType"), expected, device_type))

    def parse(self, device):
        """The Disk this slot holds when read as ``device`` (disk, cdrom, floppy), or None."""
        if not self.reader.present(self.prefix):
            return None
        device_type = self.string("deviceType")
        if self.boolean("clientDevice", False):
            # Backed by the remote console's client machine: nothing a host can show.
            return None
        mode = self.string("mode")
        file_type = self.string("fileType")
        file_name = self.string("fileName")
        write_through = self.boolean("writeThrough", False)
        if device == "disk":
            return self._hard_disk(device_type, file_name, write_through, mode)
        if device == "cdrom":
            return self._cdrom(device_type, file_name)
        return self._floppy(device_type, file_type, file_name)

    def _disk(self, device, disk_type, **kwargs):
        return Disk(device=device, disk_type=disk_type, bus=self.bus, target=self.target, address=self.address,
                    **kwargs)

    def _hard_disk(self, device_type, file_name, write_through, mode):
        kind = _lower(device_type)
        if (file_name is None or _ends_with(file_name, ".iso") or file_name == _EMPTY_BACKING
                or kind in _CDROM_DEVICE_TYPES
                or (kind == "scsi-passthru" and file_name.startswith(_PASSTHRU_CDROM_PREFIX))):
            return None  # a CD-ROM drive; read again as one
        if not _ends_with(file_name, ".vmdk"):
            raise self.unhandled(file_name, device_type)
        if kind is not None:
            if self.bus == "scsi" and kind not in ("scsi-harddisk", "disk"):
                raise self.wrong_device_type(device_type, "'scsi-hardDisk' or 'disk'")
            if self.bus == "ide" and kind not in ("ata-harddisk", "disk"):
                raise self.wrong_device_type(device_type, "'ata-hardDisk' or 'disk'")
        source = self.reader.resolve(self.key("fileName"), file_name, False)
        return self._disk("disk", "file", source=source, cache="writethrough" if write_through else None,
                          transient=mode is not None and mode.lower() == "independent-nonpersistent")

    def _cdrom(self, device_type, file_name):
        kind = _lower(device_type)
        if _ends_with(file_name, ".vmdk"):
            return None  # a hard disk
        if _ends_with(file_name, ".iso"):
            if kind is not None and kind != "cdrom-image":
                raise self.wrong_device_type(device_type, "'cdrom-image'")
            source = self.reader.resolve(self.key("fileName"), file_name, True)
            return self._disk("cdrom", "file", source=source, readonly=True)
        if kind in ("atapi-cdrom", "cdrom-raw"):
            # A raw (pass-through) host drive is a SCSI LUN in libvirt's terms.
            device = "cdrom" if kind == "atapi-cdrom" else "lun"
            if file_name is not None and file_name.lower() == _AUTO_DETECT:
                return self._disk(device, "block", startup_policy="optional", readonly=True)
            return self._disk(device, "block", source=file_name, readonly=True)
        if self.bus == "scsi" and kind == "scsi-passthru":
            if file_name is not None and file_name.startswith(_PASSTHRU_CDROM_PREFIX):
                return self._disk("lun", "block", source=file_name, readonly=True)
            return None
        if file_name == _EMPTY_BACKING:
            if kind is not None and kind != "cdrom-image":
                raise self.wrong_device_type(device_type, "'cdrom-image'")
            return self._disk("cdrom", "file", readonly=True)
        if file_name == "" and kind == "cdrom-image":
            # Newer ESX releases write an empty image drive this way; libvirt 9.0.0 refused it.
            return self._disk("cdrom", "file", readonly=True)
        raise self.unhandled(file_name, device_type)

    def _floppy(self, device_type, file_type, file_name):
        kind = _lower(file_type)
        if kind == "device":
            return self._disk("floppy", "block", source=file_name)
        if kind == "file":
            source = None if file_name is None else self.reader.resolve(self.key("fileName"), file_name, False)
            return self._disk("floppy", "file", source=source)
        if file_type is None:
            raise VmxError("VMX entry '%s' is missing; a present floppy drive needs 'device' or 'file' there"
                           % self.key("fileType"))
        raise VmxError("VMX entry '%s' must be 'device' or 'file' but is '%s' (device type '%s')"
                       % (self.key("fileType"), file_type, device_type or "unknown"))


def _read_slot(reader, bus, controller, unit, scsi_units, devices):
    slot = _DiskSlot(reader, bus, controller, unit, scsi_units)
    for device in devices:
        disk = slot.parse(device)
        if disk is not None:
            return disk
    return None


def _read_disks(reader, domain, hw_version):
    max_unit = (common.SCSI_MAX_UNIT_SUPER_WIDE if hw_version >= common.SUPER_WIDE_SCSI_MIN_VIRTUAL_HW_VERSION
                else common.SCSI_MAX_UNIT_WIDE)
    scsi_units = max_unit + 1
    scsi_models = {}
    for controller in range(common.SCSI_CONTROLLER_COUNT):
        if not reader.boolean("scsi%d.present" % controller, False):
            continue
        virtual_dev = reader.string("scsi%d.virtualDev" % controller)
        if virtual_dev is not None:
            model = common.SCSI_VMX_TO_XML_MODEL.get(virtual_dev.lower())
            if model is None:
                raise VmxError("VMX entry 'scsi%d.virtualDev' must be one of %s but is '%s'"
                               % (controller, ", ".join(sorted(common.SCSI_VMX_TO_XML_MODEL)), virtual_dev))
            scsi_models[controller] = model
        for unit in range(scsi_units):
            if unit == common.SCSI_CONTROLLER_OWN_UNIT:
                continue
            disk = _read_slot(reader, "scsi", controller, unit, scsi_units, ("disk", "cdrom"))
            if disk is not None:
                domain.disks.append(disk)
    if domain.disks:
        for index in range(domain.disks[-1].address.controller + 1):
            domain.controllers.append(Controller("scsi", index, scsi_models.get(index)))

    scsi_disk_count = len(domain.disks)
    for controller in range(common.SATA_CONTROLLER_COUNT):
        if not reader.boolean("sata%d.present" % controller, False):
            continue
        for unit in range(common.SATA_UNITS_PER_CONTROLLER):
            disk = _read_slot(reader, "sata", controller, unit, scsi_units, ("disk", "cdrom"))
            if disk is not None:
                domain.disks.append(disk)
    if len(domain.disks) > scsi_disk_count:
        for index in range(domain.disks[-1].address.controller + 1):
            domain.controllers.append(Controller("sata", index))

    for bus in range(common.IDE_BUS_COUNT):
        for unit in range(common.IDE_UNITS_PER_BUS):
            disk = _read_slot(reader, "ide", bus, unit, scsi_units, ("disk", "cdrom"))
            if disk is not None:
                domain.disks.append(disk)

    for unit in range(common.FLOPPY_COUNT):
        disk = _read_slot(reader, "fdc", 0, unit, scsi_units, ("floppy",))
        if disk is not None:
            domain.disks.append(disk)


def _add_implicit_controllers(domain):
    """Controllers every disk's address needs, as libvirt adds them after parsing."""
    for controller_type in ("scsi", "fdc", "ide", "sata"):
        used = [disk.address.controller for disk in domain.disks if disk.bus == controller_type]
        if not used:
            continue
        existing = {c.index for c in domain.controllers if c.type == controller_type}
        for index in range(max(used) + 1):
            if index not in existing:
                domain.controllers.append(Controller(controller_type, index))


# Shared folders, network cards, video, serial and parallel ports -----------------------


def _numbered_keys(reader, prefix):
    """The numbers N of keys '<prefix>N.<anything>' (canonical decimal N), sorted."""
    pattern = re.compile(re.escape(prefix) + r"(0|[1-9][0-9]*)\.", re.IGNORECASE)
    numbers = set()
    for key in reader.vmx.keys():
        match = pattern.match(key)
        if match is not None:
            numbers.add(capped_int(match.group(1)))
    return sorted(numbers)


def _read_shared_folders(reader, domain):
    if reader.boolean("isolation.tools.hgfs.disable", True):
        return
    max_num = reader.integer("sharedFolder.maxNum", 0)
    for number in _numbered_keys(reader, "sharedFolder"):
        if number >= max_num:
            break
        prefix = "sharedFolder%d" % number
        present = reader.boolean(prefix + ".present", False)
        enabled = reader.boolean(prefix + ".enabled", False)
        if not (present and enabled):
            continue
        purpose = "shared folder %s" % prefix
        domain.filesystems.append(Filesystem(
            source=reader.required_string(prefix + ".hostPath", purpose),
            target=reader.required_string(prefix + ".guestName", purpose),
            readonly=not reader.boolean(prefix + ".writeAccess", False)))


def _ethernet_numbers(reader):
    """Adapter numbers of every ethernetN.* key; any other key starting with 'ethernet' is an error, as in libvirt."""
    numbers = set()
    for key in reader.vmx.keys():
        if not key.lower().startswith("ethernet"):
            continue
        match = re.match(r"(-?[0-9]+)\.", key[len("ethernet"):])
        if match is None or not 0 <= capped_int(match.group(1)) <= _INT_MAX:
            raise VmxError("VMX key '%s' starts with 'ethernet' but not with 'ethernet<number>.'" % key)
        numbers.add(capped_int(match.group(1)))
    return sorted(numbers)


def _read_mac(reader, key):
    text = reader.string(key)
    if text is None:
        return ZERO_MAC
    mac = parse_mac(text)
    if mac is None:
        raise VmxError("VMX entry '%s' must be a MAC address (xx:xx:xx:xx:xx:xx) but is '%s'" % (key, text))
    return mac


def _read_ethernet(reader, number):
    prefix = "ethernet%d" % number
    if not reader.present(prefix):
        return None
    purpose = "network adapter %s" % prefix
    nic = Interface(type="null")
    connection_type = reader.string(prefix + ".connectionType")
    address_type = reader.string(prefix + ".addressType")
    kind = _lower(address_type)
    if kind in (None, "generated", "vpx"):
        nic.mac = _read_mac(reader, prefix + ".generatedAddress")
        nic.mac_type = None if address_type is None else "generated"
    elif kind == "static":
        nic.mac = _read_mac(reader, prefix + ".address")
        nic.mac_type = "static"
    else:
        raise VmxError("VMX entry '%s.addressType' must be 'generated', 'static' or 'vpx' but is '%s'"
                       % (prefix, address_type))
    check_mac = reader.string(prefix + ".checkMACAddress")
    if check_mac is not None:
        nic.mac_check = check_mac == "true"

    virtual_dev = reader.string(prefix + ".virtualDev")
    features = reader.integer(prefix + ".features", 0)
    if virtual_dev is not None:
        model = common.NIC_VMX_TO_XML_MODEL.get(virtual_dev.lower())
        if model is None:
            raise VmxError("VMX entry '%s.virtualDev' must be one of %s but is '%s'"
                           % (prefix, ", ".join(sorted(common.NIC_VMX_TO_XML_MODEL)), virtual_dev))
        if model == "vmxnet" and features == common.NIC_VMXNET2_FEATURES:
            model = "vmxnet2"
        nic.model = model

    connection = _lower(connection_type)
    network_name = None
    if connection in (None, "bridged", "custom"):
        if connection is None:
            network_name = reader.string(prefix + ".networkName")
        else:
            network_name = reader.required_string(prefix + ".networkName", purpose)
    vnet = reader.required_string(prefix + ".vnet", purpose) if connection == "custom" else None

    switch_id = reader.string(prefix + ".dvs.switchId")
    if switch_id is not None:
        uuid = parse_uuid(switch_id)
        if uuid is None:
            raise VmxError("VMX entry '%s.dvs.switchId' is not a UUID: '%s'" % (prefix, switch_id))
        nic.type = "vds"
        nic.switch_id = uuid
        nic.portgroup_id = reader.required_string(prefix + ".dvs.portgroupId", purpose)
        nic.port_id = reader.required_integer(prefix + ".dvs.portId", purpose)
        nic.connection_id = reader.required_integer(prefix + ".dvs.connectionId", purpose)
    elif connection is None and network_name is None:
        nic.type = "null"
    elif connection in (None, "bridged"):
        nic.type = "bridge"
        nic.bridge = network_name
    elif connection == "hostonly":
        raise VmxError("VMX entry '%s.connectionType' = 'hostonly' is not supported" % prefix)
    elif connection == "nat":
        nic.type = "user"
    elif connection == "custom":
        nic.type = "bridge"
        nic.bridge = network_name
        nic.ifname = vnet
    else:
        raise VmxError("VMX entry '%s.connectionType' must be 'bridged', 'custom', 'nat' or 'hostonly' but is '%s'"
                       % (prefix, connection_type))
    return nic


def _read_video(reader, domain):
    vram_bytes = reader.integer("svga.vramSize", common.DEFAULT_SVGA_VRAM_BYTES)
    vram_kib = -(-vram_bytes // 1024) if vram_bytes > 0 else 0
    if vram_kib <= 0:
        vram_kib = common.DEFAULT_SVGA_VRAM_BYTES // 1024
    rounded = 1
    while rounded < vram_kib:
        rounded *= 2
    if rounded > _INT_MAX:
        raise VmxError("VMX entry 'svga.vramSize' is too large: '%s'" % reader.string("svga.vramSize"))
    domain.videos.append(Video(type="vmvga", vram=rounded, primary=True))


def _parse_network_uri(key, uri):
    match = _URI_RE.fullmatch(uri)
    if match is None:
        raise VmxError("VMX entry '%s' must be a URI like telnet://host:port but is '%s'" % (key, uri))
    scheme, host, port = match.groups()
    if not port or capped_int(port) == 0:
        raise VmxError("VMX entry '%s' ('%s') has no port" % (key, uri))
    if capped_int(port) > _INT_MAX:
        raise VmxError("VMX entry '%s' ('%s') has an invalid port" % (key, uri))
    protocol = _SERIAL_SCHEMES.get(_lower(scheme))
    if protocol is None:
        raise VmxError("VMX entry '%s' ('%s') has the unsupported scheme '%s'; use tcp, telnet, telnets or ssl"
                       % (key, uri, scheme))
    if host.startswith("["):
        host = host[1:-1]
    return (host or None), str(capped_int(port)), protocol


def _read_serial(reader, port):
    prefix = "serial%d" % port
    if not reader.present(prefix):
        return None
    file_type = reader.string(prefix + ".fileType")
    file_name = reader.string(prefix + ".fileName")
    end_point = reader.string(prefix + ".network.endPoint")
    kind = _lower(file_type)
    if kind in (None, "device"):
        # VMware leaves fileType out for host devices.
        return CharDevice(kind="serial", port=port, type="dev", path=file_name)
    if kind == "file":
        path = reader.resolve(prefix + ".fileName", reader.required_string(prefix + ".fileName", "a file-backed serial port"),
                              False)
        return CharDevice(kind="serial", port=port, type="file", path=path)
    if kind == "pipe":
        # Which end is client or server does not show in libvirt's XML.
        return CharDevice(kind="serial", port=port, type="pipe", path=file_name)
    if kind == "network":
        uri = reader.required_string(prefix + ".fileName", "a network serial port")
        host, service, protocol = _parse_network_uri(prefix + ".fileName", uri)
        end = _lower(end_point)
        if end not in (None, "server", "client"):
            raise VmxError("VMX entry '%s.network.endPoint' must be 'server' or 'client' but is '%s'" % (prefix, end_point))
        return CharDevice(kind="serial", port=port, type="tcp", host=host, service=service, protocol=protocol,
                          listen=end != "client")
    raise VmxError("VMX entry '%s.fileType' must be 'device', 'file', 'pipe' or 'network' but is '%s'"
                   % (prefix, file_type))


def _read_parallel(reader, port):
    prefix = "parallel%d" % port
    if not reader.present(prefix):
        return None
    purpose = "parallel port %s" % prefix
    file_type = reader.required_string(prefix + ".fileType", purpose)
    file_name = reader.required_string(prefix + ".fileName", purpose)
    kind = file_type.lower()
    if kind == "device":
        return CharDevice(kind="parallel", port=port, type="dev", path=file_name)
    if kind == "file":
        return CharDevice(kind="parallel", port=port, type="file", path=reader.resolve(prefix + ".fileName", file_name, False))
    raise VmxError("VMX entry '%s.fileType' must be 'device' or 'file' but is '%s'" % (prefix, file_type))


# Entry points ----------------------------------------------------------------------------


def _check_arguments(resolve_file, datacenter_path, moref):
    if not callable(resolve_file):
        raise VirtEsxError("resolve_file must be a callable (name, allow_missing) -> source")
    for name, value in (("datacenter_path", datacenter_path), ("moref", moref)):
        if value is not None and not isinstance(value, str):
            raise VirtEsxError("%s must be text, not %s" % (name, type(value).__name__))


def _parse(vmx_text, resolve_file, datacenter_path, moref):
    reader = _Reader(parse_vmx(vmx_text), resolve_file)
    ethernet_numbers = _ethernet_numbers(reader)
    domain = Domain()
    hw_version = _check_versions(reader)
    _read_identity(reader, domain)
    _read_memory(reader, domain)
    _read_cpus(reader, domain)
    _read_os(reader, domain)
    _read_vnc(reader, domain)
    _read_disks(reader, domain, hw_version)
    _read_shared_folders(reader, domain)
    for number in ethernet_numbers:
        nic = _read_ethernet(reader, number)
        if nic is not None:
            domain.interfaces.append(nic)
    _read_video(reader, domain)
    for port in range(common.SERIAL_PORT_COUNT):
        serial = _read_serial(reader, port)
        if serial is not None:
            domain.serials.append(serial)
    for port in range(common.PARALLEL_PORT_COUNT):
        parallel = _read_parallel(reader, port)
        if parallel is not None:
            domain.parallels.append(parallel)
    domain.datacenter_path = datacenter_path or None
    domain.moref = moref or None
    _add_implicit_controllers(domain)
    return domain


def parse_vmx_domain(vmx_text, *, resolve_file, datacenter_path=None, moref=None):
    """.vmx text -> ``domain_model.Domain`` (see the module documentation)."""
    _check_arguments(resolve_file, datacenter_path, moref)
    try:
        return _parse(vmx_text, resolve_file, datacenter_path, moref)
    except VirtEsxError:
        raise
    except Exception as err:  # pylint: disable=broad-except
        # Promised to callers: malformed input never surfaces as anything but VirtEsxError.
        raise VmxError("cannot convert the VMX file: %s: %s" % (type(err).__name__, err)) from None


def convert_vmx_to_xml(vmx_text, *, resolve_file, datacenter_path=None, moref=None, secure=False, domain_id=None):
    """.vmx text -> libvirt domain XML text (see the module documentation)."""
    domain = parse_vmx_domain(vmx_text, resolve_file=resolve_file, datacenter_path=datacenter_path, moref=moref)
    if domain_id is not None and (isinstance(domain_id, bool) or not isinstance(domain_id, int)):
        raise VirtEsxError("domain_id must be an integer, not %r" % (domain_id,))
    domain.domain_id = domain_id
    try:
        return element_to_text(domain_to_element(domain, secure=bool(secure)))
    except VirtEsxError:
        raise
    except Exception as err:  # pylint: disable=broad-except
        raise VmxError("cannot write the domain XML: %s: %s" % (type(err).__name__, err)) from None
