# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt domain XML -> VMware .vmx text, with the semantics of libvirt 9.0.0's VMX formatter.

``convert_xml_to_vmx(xml_text, *, virtual_hw_version, format_file, autodetect_scsi_model=None,
datacenter_path=None, warnings=None) -> str``

``xml_text``
    libvirt domain XML (str or bytes), read as libvirt reads an inactive VMware
    definition (``xml_to_vmx_domain``): the defaults libvirt fills in apply.
``virtual_hw_version``
    the ``virtualHW.version`` to write (an int, at least 4). From 7 on the VM may
    have 10 instead of 4 network cards, gets ``vmci0`` and, with a SCSI
    controller, the PCIe root-port bridges VMware adds for that hardware.
``format_file(source) -> str``
    turns a disk, CD-ROM, floppy, serial or parallel ``<source>`` file into a VMX
    ``fileName`` (e.g. ``[ds] dir/a.vmdk`` -> ``/vmfs/volumes/ds/dir/a.vmdk``);
    raises ``VirtEsxError`` for sources it refuses. Device paths (``type='block'``,
    ``type='dev'``), pipes and shared-folder paths are written as they are.
``autodetect_scsi_model(disk) -> str``
    consulted for a ``<controller type='scsi' model='auto'>`` that has disks, once
    per disk; ``disk`` is a ``ScsiDiskInfo`` (target, source, device, disk_type,
    controller, unit). Returns a libvirt model (buslogic, lsilogic, lsisas1068,
    vmpvscsi) or its VMX name (pvscsi). Without it such a controller is an error.
``datacenter_path``
    accepted for symmetry with the other direction; libvirt's formatter does not
    write it (the ``vmware:`` XML namespace is ignored on input as well).
``warnings``
    an optional list that receives a message for each part of the XML the VMX
    format cannot carry and libvirt drops silently (clock, input devices, ...).

The text starts with ``.encoding = "UTF-8"`` and lists the keys in libvirt's order.

The mapping, as written (docs/vmx-mapping.md has every key with its defaults and
exceptions; tests/unit/plugins/module_utils/formats/test_vmx_mapping_doc.py holds
this table, the document and the code together)::

    domain XML                              VMX key
    (fixed), virtual_hw_version             config.version, virtualHW.version
    <os><type arch>, <os><smbios>           guestOS, smbios.reflecthost
    <uuid>, <name>, <description>           uuid.bios (or uuid.action), displayName, annotation
    <memory>, <currentMemory>, <memtune>    memsize, sched.mem.max, .minsize
    <vcpu>, <cpu><topology>                 numvcpus, cpuid.coresPerSocket
    <vcpu cpuset>, <cputune><shares>        sched.cpu.affinity, sched.cpu.shares
    <graphics type='vnc'>                   RemoteDisplay.vnc.*
    <controller type='scsi'>                scsiN
    <disk> (slot from the target name)      scsiN:M, ideN:M, floppyN
    <filesystem>                            isolation.tools.hgfs.disable, sharedFolder.maxNum, sharedFolderN
    <interface>                             ethernetN
    <video>                                 svga.vramSize
    <serial>, <parallel>                    serialN, parallelN
    <os firmware='efi'>, virtual_hw_version firmware, pciBridgeN, vmci0.present

Only ``VirtEsxError`` subclasses (mostly ``DomainXmlError``) are raised.

Where this module knowingly differs from libvirt, it does so to stay deterministic
or to refuse output libvirt would write broken:
- no ``<uuid>``: ``uuid.action = "create"`` (ESX creates one) instead of a random UUID;
- an ``<interface>`` without MAC address: ``addressType = "generated"`` alone (ESX
  generates one) instead of a random ``00:0c:29`` address;
- a disk driver name on a SCSI disk sets the model of the SCSI controller of that
  index (libvirt may pick a same-index controller of another type);
- a block device without source (and without ``startupPolicy='optional'``) gets no
  ``fileName`` (libvirt writes ``(null)``), which VMware reads as a drive without
  a device;
- a file disk without source other than a CD-ROM, and a second VNC display are
  refused (libvirt writes ``(null)`` file names or duplicate keys).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.virt.esx.plugins.module_utils.formats import disk_names, vmx_common
from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError, VmxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import escape_annotation, escape_display_name
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import VmxFile
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_model import ZERO_UUID
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_to_vmx_domain import (
    SCSI_CONTROLLER_MODELS, assign_drive_address, read_domain)
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_to_vmx_values import shorten
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import escape_markup

__all__ = ["convert_xml_to_vmx", "ScsiDiskInfo"]

ScsiDiskInfo = namedtuple("ScsiDiskInfo", "target source device disk_type controller unit")

# SCSI controller models the VMX format knows (libvirt names).
VMX_SCSI_MODELS = tuple(vmx_common.SCSI_XML_TO_VMX_MODEL)
# The highest virtualHW.version accepted; VMware is at 21.
MAX_VIRTUAL_HW_VERSION = 255
VNC_PORT_RANGE = (5900, 5964)
SCSI_UNITS_PER_CONTROLLER = 15  # units 0-15 without the controller's own unit 7


class _Context:
    """What the formatting steps share."""

    def __init__(self, domain, virtual_hw_version, format_file, autodetect_scsi_model, warnings):
        self.domain = domain
        self.version = virtual_hw_version
        self.format_file = format_file
        self.autodetect_scsi_model = autodetect_scsi_model
        self.warnings = warnings
        self.vmx = VmxFile()
        self.scsi_models = {}  # controller index -> libvirt model or None, for present controllers

    def add(self, key, value):
        self.vmx.add(key, str(value))

    def warn(self, message):
        if self.warnings is not None:
            self.warnings.append(message)

    def file_name(self, source, what):
        try:
            name = self.format_file(source)
        except VirtEsxError as err:
            raise DomainXmlError("%s: its source %s cannot be written as a VMX file name: %s"
                                 % (what, shorten(source), err)) from err
        except Exception as err:  # pylint: disable=broad-except
            # format_file is the caller's code; its failures must still reach the user as our error type.
            raise DomainXmlError("%s: formatting the file name of its source %s failed: %s"
                                 % (what, shorten(source), err)) from err
        if not isinstance(name, str) or name == "":
            raise DomainXmlError("%s: its source %s has no VMX file name" % (what, shorten(source)))
        return name


def _check_version(virtual_hw_version):
    if isinstance(virtual_hw_version, bool) or not isinstance(virtual_hw_version, int):
        raise VmxError("virtual_hw_version must be an integer, not %r" % (virtual_hw_version,))
    if not vmx_common.MIN_VIRTUAL_HW_VERSION <= virtual_hw_version <= MAX_VIRTUAL_HW_VERSION:
        raise VmxError("virtual_hw_version must be between %d and %d, not %d"
                       % (vmx_common.MIN_VIRTUAL_HW_VERSION, MAX_VIRTUAL_HW_VERSION, virtual_hw_version))
    return virtual_hw_version


def _div_up(value, divisor):
    return -(-value // divisor)


def _vmx_uuid(uuid):
    """A UUID as VMware writes it: 16 hex pairs, spaces between them, a '-' in the middle."""
    hexes = ["%02x" % byte for byte in bytes.fromhex(uuid.replace("-", ""))]
    return "%s-%s" % (" ".join(hexes[:8]), " ".join(hexes[8:]))


# General settings ---------------------------------------------------------------------


def _format_general(ctx):
    domain = ctx.domain
    ctx.add("config.version", vmx_common.CONFIG_VERSION)
    ctx.add("virtualHW.version", ctx.version)
    ctx.add("guestOS", vmx_common.ARCH_TO_GUEST_OS[domain.arch])
    if domain.smbios_mode == "host":
        ctx.add("smbios.reflecthost", "true")
    elif domain.smbios_mode == "sysinfo":
        raise DomainXmlError("<os><smbios mode='sysinfo'> is not supported for VMware guests (use 'host' or 'emulate')")
    if domain.uuid in (None, ZERO_UUID):
        ctx.add("uuid.action", "create")
    else:
        ctx.add("uuid.bios", _vmx_uuid(domain.uuid))
    ctx.add("displayName", escape_display_name(domain.name))
    if domain.description is not None:
        ctx.add("annotation", escape_annotation(domain.description))


def _format_memory(ctx):
    domain = ctx.domain
    # VMware wants memsize in MiB and a multiple of 4 MiB.
    max_balloon = _div_up(domain.memory_kib, 4096) * 4096
    ctx.add("memsize", max_balloon // 1024)
    if domain.current_memory_kib < max_balloon:
        ctx.add("sched.mem.max", _div_up(domain.current_memory_kib, 1024))
    if domain.min_guarantee_kib > 0:
        ctx.add("sched.mem.minsize", _div_up(domain.min_guarantee_kib, 1024))


def _format_cpus(ctx):
    domain = ctx.domain
    if domain.current_vcpus < domain.vcpus:
        raise DomainXmlError("<vcpu current='%d'> below the maximum of %d is not supported for VMware guests"
                             % (domain.current_vcpus, domain.vcpus))
    if domain.vcpus == 0:
        raise DomainXmlError("<vcpu> must be at least 1")
    ctx.add("numvcpus", domain.vcpus)
    cpu = domain.cpu
    if cpu is not None:
        if cpu.mode != "custom":
            raise DomainXmlError("<cpu mode='%s'> is not supported for VMware guests (only mode='custom')" % cpu.mode)
        topology = cpu.topology
        if topology is None:
            raise DomainXmlError("<cpu> needs a <topology sockets=... cores=... threads='1'/> for VMware guests")
        if topology.threads != 1:
            raise DomainXmlError("<cpu><topology threads='%d'>: only 1 thread per core is supported" % topology.threads)
        if topology.dies != 1:
            raise DomainXmlError("<cpu><topology dies='%d'>: only 1 die per socket is supported" % topology.dies)
        if topology.clusters != 1:
            raise DomainXmlError("<cpu><topology clusters='%d'>: only 1 cluster per die is supported" % topology.clusters)
        if topology.sockets * topology.cores != domain.vcpus:
            raise DomainXmlError("<cpu><topology> gives %d x %d vCPUs but <vcpu> is %d"
                                 % (topology.sockets, topology.cores, domain.vcpus))
        ctx.add("cpuid.coresPerSocket", topology.cores)
    if domain.cpuset:
        if len(domain.cpuset) < domain.vcpus:
            raise DomainXmlError("attribute 'cpuset' of <vcpu> must name at least %d CPU(s), it names %d"
                                 % (domain.vcpus, len(domain.cpuset)))
        ctx.add("sched.cpu.affinity", ",".join(str(cpu_number) for cpu_number in domain.cpuset))
    if domain.cpu_shares is not None:
        for level, per_vcpu in sorted(vmx_common.CPU_SHARES_PER_VCPU.items(), key=lambda item: item[1]):
            if domain.cpu_shares == domain.current_vcpus * per_vcpu:
                ctx.add("sched.cpu.shares", level)
                break
        else:
            ctx.add("sched.cpu.shares", domain.cpu_shares)


def _format_graphics(ctx):
    vnc_count = 0
    for graphics in ctx.domain.graphics:
        if graphics.type != "vnc":
            raise DomainXmlError("<graphics type='%s'> is not supported for VMware guests (only 'vnc')" % graphics.type)
        vnc_count += 1
        if vnc_count > 1:
            raise DomainXmlError("a VMware guest has at most one VNC display, the XML has several <graphics type='vnc'>")
        ctx.add("RemoteDisplay.vnc.enabled", "true")
        if graphics.autoport:
            ctx.warn("VNC autoport is enabled, but the port ESX picks cannot be read back")
        else:
            if not VNC_PORT_RANGE[0] <= graphics.port <= VNC_PORT_RANGE[1]:
                ctx.warn("VNC port %d is outside the range ESX uses (%d-%d)" % ((graphics.port,) + VNC_PORT_RANGE))
            ctx.add("RemoteDisplay.vnc.port", graphics.port)
        if graphics.listen_address is not None:
            ctx.add("RemoteDisplay.vnc.ip", graphics.listen_address)
        if graphics.keymap is not None:
            ctx.add("RemoteDisplay.vnc.keymap", graphics.keymap)
        if graphics.password is not None:
            ctx.add("RemoteDisplay.vnc.password", graphics.password)


# Disks ---------------------------------------------------------------------------------


def _disk_what(disk):
    return "%s %s '%s'" % (disk.bus, disk.device, disk.target)


def _vmx_slot(disk):
    """(controller or IDE bus, unit) of a SCSI or IDE disk, from its target name as VMX numbers them."""
    prefix = disk_names.TARGET_PREFIXES[disk.bus]
    if not disk.target.startswith(prefix):
        raise DomainXmlError("the target of %s must start with '%s'" % (_disk_what(disk), prefix))
    index = disk_names.disk_name_index(disk.target)
    if index < 0:
        raise DomainXmlError("no disk index can be read from the target name of %s" % _disk_what(disk))
    if disk.bus == "scsi":
        if index >= vmx_common.SCSI_CONTROLLER_COUNT * SCSI_UNITS_PER_CONTROLLER:
            raise DomainXmlError("the SCSI disk index of '%s' is too large: VMX has %d SCSI controllers of %d disks "
                                 "(sda to sdbh)" % (disk.target, vmx_common.SCSI_CONTROLLER_COUNT,
                                                    SCSI_UNITS_PER_CONTROLLER))
    elif disk.bus == "ide":
        if index >= vmx_common.IDE_BUS_COUNT * vmx_common.IDE_UNITS_PER_BUS:
            raise DomainXmlError("the IDE disk index of '%s' is too large: VMX has 2 IDE buses of 2 disks (hda to hdd)"
                                 % disk.target)
    elif index >= vmx_common.FLOPPY_COUNT:
        raise DomainXmlError("the floppy index of '%s' is too large: VMX has 2 floppy drives (fda, fdb)" % disk.target)
    return disk_names.index_slot(disk.bus, index)


def _verify_disk_address(disk):
    if disk.bus not in ("scsi", "ide", "fdc"):
        raise DomainXmlError("%s: bus '%s' is not supported for VMware guests (only scsi, ide and fdc)"
                             % (_disk_what(disk), disk.bus))
    if disk.address_type != "drive":
        raise DomainXmlError("%s: address type '%s' is not supported (only type='drive')"
                             % (_disk_what(disk), disk.address_type))
    expected = assign_drive_address(disk.target, disk.bus)
    if expected != disk.address:
        raise DomainXmlError("%s: drive address controller %d, bus %d, unit %d does not match the target name, which "
                             "means controller %d, bus %d, unit %d" % ((_disk_what(disk),) + disk.address + expected))
    controller, bus, unit = disk.address
    if disk.bus == "scsi":
        if controller >= vmx_common.SCSI_CONTROLLER_COUNT:
            raise DomainXmlError("%s: SCSI controller index %d is out of the range 0 to 3 (SCSI targets go from sda "
                                 "to sdbh)" % (_disk_what(disk), controller))
        if bus != 0:
            raise DomainXmlError("%s: SCSI bus index %d is out of the range 0 to 0" % (_disk_what(disk), bus))
        if unit > vmx_common.SCSI_MAX_UNIT_WIDE or unit == vmx_common.SCSI_CONTROLLER_OWN_UNIT:
            raise DomainXmlError("%s: SCSI unit %d is out of the range 0-6, 8-15" % (_disk_what(disk), unit))
    elif disk.bus == "ide":
        if controller != 0 or bus >= vmx_common.IDE_BUS_COUNT or unit >= vmx_common.IDE_UNITS_PER_BUS:
            raise DomainXmlError("%s: IDE address %d:%d:%d is out of the range controller 0, bus 0-1, unit 0-1"
                                 % ((_disk_what(disk),) + disk.address))
    elif controller != 0 or bus != 0 or unit >= vmx_common.FLOPPY_COUNT:
        raise DomainXmlError("%s: floppy address %d:%d:%d is out of the range controller 0, bus 0, unit 0-1"
                             % ((_disk_what(disk),) + disk.address))


def _scsi_controller(ctx, index):
    for controller in ctx.domain.controllers:
        if controller.type == "scsi" and controller.index == index:
            return controller
    raise DomainXmlError("there is no SCSI controller with index %d" % index)


def _apply_disk_driver_name(ctx, disk):
    """libvirt's legacy reading of <driver name=...> on a SCSI disk as its controller's model."""
    if disk.bus != "scsi" or disk.driver_name is None:
        return
    model = disk.driver_name.lower()
    if model not in SCSI_CONTROLLER_MODELS:
        raise DomainXmlError("%s: <driver name='%s'> is not a SCSI controller model; for VMware guests the driver name "
                             "of a SCSI disk names its controller (%s)"
                             % (_disk_what(disk), disk.driver_name, ", ".join(VMX_SCSI_MODELS)))
    controller = _scsi_controller(ctx, disk.address[0])
    if controller.model is None:
        controller.model = model
    elif controller.model != model:
        raise DomainXmlError("%s: <driver name='%s'> contradicts the model '%s' of SCSI controller %d"
                             % (_disk_what(disk), disk.driver_name, controller.model, controller.index))


def _autodetect_model(ctx, controller, disks):
    models = []
    for disk in disks:
        info = ScsiDiskInfo(target=disk.target, source=disk.source, device=disk.device, disk_type=disk.disk_type,
                            controller=disk.address[0], unit=disk.address[2])
        try:
            answer = ctx.autodetect_scsi_model(info)
        except VirtEsxError:
            raise
        except Exception as err:  # pylint: disable=broad-except
            raise DomainXmlError("detecting the model of SCSI controller %d from disk '%s' failed: %s"
                                 % (controller.index, disk.target, err)) from err
        model = answer.lower() if isinstance(answer, str) else None
        model = vmx_common.SCSI_VMX_TO_XML_MODEL.get(model, model)
        if model not in VMX_SCSI_MODELS:
            raise DomainXmlError("the detected model %r of SCSI controller %d (from disk '%s') is not one of %s"
                                 % (answer, controller.index, disk.target, ", ".join(VMX_SCSI_MODELS)))
        models.append(model)
    if any(model != models[0] for model in models):
        raise DomainXmlError("the disks on SCSI controller %d have different controller models (%s), so its model "
                             "cannot be detected" % (controller.index, ", ".join(sorted(set(models)))))
    return models[0]


def _gather_scsi_controllers(ctx):
    for controller in ctx.domain.controllers:
        if controller.type != "scsi":
            continue
        disks = [disk for disk in ctx.domain.disks if disk.bus == "scsi" and disk.address[0] == controller.index]
        if not disks:
            continue
        if controller.model == "auto":
            if ctx.autodetect_scsi_model is None:
                raise DomainXmlError("SCSI controller %d has model 'auto', but no SCSI model detection is available; "
                                     "give one of %s" % (controller.index, ", ".join(VMX_SCSI_MODELS)))
            controller.model = _autodetect_model(ctx, controller, disks)
        if controller.model is not None and controller.model not in VMX_SCSI_MODELS:
            raise DomainXmlError("SCSI controller %d has model '%s'; VMware guests take %s"
                                 % (controller.index, controller.model, ", ".join(VMX_SCSI_MODELS)))
        ctx.scsi_models[controller.index] = controller.model


def _format_disk(ctx, disk):
    what = _disk_what(disk)
    if disk.disk_type not in ("file", "block"):
        raise DomainXmlError("%s has type '%s'; VMware guests take type 'file' or 'block'" % (what, disk.disk_type))
    if disk.bus not in ("scsi", "ide"):
        raise DomainXmlError("%s: bus '%s' is not supported for a %s" % (what, disk.bus, disk.device))
    controller, unit = _vmx_slot(disk)
    prefix = "%s%d:%d" % (disk.bus, controller, unit)
    if disk.device == "disk":
        device_type = "scsi-hardDisk" if disk.bus == "scsi" else "ata-hardDisk"
        if disk.disk_type == "block":
            raise DomainXmlError("%s is a block device; VMware hard disks are .vmdk files (type='file')" % what)
    elif disk.device == "cdrom":
        # An empty drive is an image drive with no image, whatever its type, as libvirt 9.0.0 writes it.
        empty = disk.source is None and disk.startup_policy != "optional"
        device_type = "cdrom-image" if disk.disk_type == "file" or empty else "atapi-cdrom"
    elif disk.bus == "scsi" and disk.source is not None and disk.source.startswith("/vmfs/devices/cdrom/"):
        device_type = "scsi-passthru"
    else:
        device_type = "cdrom-raw"
    ctx.add(prefix + ".present", "true")
    ctx.add(prefix + ".deviceType", device_type)
    if disk.disk_type == "file":
        if disk.source is not None:
            suffix = ".vmdk" if disk.device == "disk" else ".iso"
            if not disk.source.lower().endswith(suffix):
                raise DomainXmlError("%s: the image file %s must end with '%s'" % (what, shorten(disk.source), suffix))
            ctx.add(prefix + ".fileName", ctx.file_name(disk.source, what))
        elif disk.device == "cdrom":
            ctx.add(prefix + ".fileName", "emptyBackingString")
        else:
            raise DomainXmlError("%s has no <source file=...>" % what)
    elif disk.source is None and device_type == "cdrom-image":
        ctx.add(prefix + ".fileName", "emptyBackingString")
    elif disk.source is None:
        # Without a device VMware leaves the drive unconnected; libvirt would write "(null)".
        if disk.startup_policy == "optional":
            ctx.add(prefix + ".autodetect", "true")
            ctx.add(prefix + ".fileName", "auto detect")
    else:
        ctx.add(prefix + ".fileName", disk.source)
    if disk.bus == "scsi":
        if disk.cache == "writethrough":
            ctx.add(prefix + ".writeThrough", "true")
        elif disk.cache is not None:
            raise DomainXmlError("%s has cache mode '%s'; VMware guests take 'writethrough' or none" % (what, disk.cache))
    if disk.transient:
        ctx.add(prefix + ".mode", "independent-nonpersistent")


def _format_floppy(ctx, disk, present):
    what = _disk_what(disk)
    unit = _vmx_slot(disk)[1]
    present[unit] = True
    prefix = "floppy%d" % unit
    ctx.add(prefix + ".present", "true")
    if disk.disk_type == "file":
        ctx.add(prefix + ".fileType", "file")
        if disk.source is not None:
            ctx.add(prefix + ".fileName", ctx.file_name(disk.source, what))
    elif disk.disk_type == "block":
        ctx.add(prefix + ".fileType", "device")
        if disk.source is not None:
            ctx.add(prefix + ".fileName", disk.source)
    else:
        raise DomainXmlError("%s has type '%s'; floppies take type 'file' or 'block'" % (what, disk.disk_type))


def _format_disks(ctx):
    for disk in ctx.domain.disks:
        _verify_disk_address(disk)
        _apply_disk_driver_name(ctx, disk)
    _gather_scsi_controllers(ctx)
    for index in range(vmx_common.SCSI_CONTROLLER_COUNT):
        if index in ctx.scsi_models:
            ctx.add("scsi%d.present" % index, "true")
            model = ctx.scsi_models[index]
            if model is not None:
                ctx.add("scsi%d.virtualDev" % index, vmx_common.SCSI_XML_TO_VMX_MODEL[model])
    floppy_present = [False] * vmx_common.FLOPPY_COUNT
    for disk in ctx.domain.disks:
        if disk.device == "floppy":
            _format_floppy(ctx, disk, floppy_present)
        else:
            _format_disk(ctx, disk)
    for unit, present in enumerate(floppy_present):
        if not present:
            # VMware adds floppy drives unless told otherwise.
            ctx.add("floppy%d.present" % unit, "false")


# Other devices -------------------------------------------------------------------------


def _format_filesystems(ctx):
    filesystems = ctx.domain.filesystems
    if filesystems:
        ctx.add("isolation.tools.hgfs.disable", "false")
        ctx.add("sharedFolder.maxNum", len(filesystems))
    for number, filesystem in enumerate(filesystems):
        if filesystem.type != "mount":
            raise DomainXmlError("<filesystem type='%s'> is not supported for VMware guests (only type='mount')"
                                 % filesystem.type)
        if filesystem.source is None:
            raise DomainXmlError("<filesystem> for '%s' needs <source dir=...>" % filesystem.target)
        prefix = "sharedFolder%d" % number
        ctx.add(prefix + ".present", "true")
        ctx.add(prefix + ".enabled", "true")
        ctx.add(prefix + ".readAccess", "true")
        ctx.add(prefix + ".writeAccess", "false" if filesystem.readonly else "true")
        ctx.add(prefix + ".hostPath", filesystem.source)
        ctx.add(prefix + ".guestName", filesystem.target)


def _format_mac(ctx, prefix, what, interface):
    if interface.mac is None:
        if interface.mac_type == "static":
            raise DomainXmlError("%s has <mac type='static'> but no address" % what)
        ctx.add(prefix + ".addressType", "generated")
        if interface.mac_check is not None:
            ctx.add(prefix + ".checkMACAddress", "true" if interface.mac_check else "false")
        return
    mac = bytes.fromhex(interface.mac.replace(":", ""))
    oui = (mac[0] << 16) | (mac[1] << 8) | mac[2]
    nic = (mac[3] << 16) | (mac[4] << 8) | mac[5]
    vpx = False
    check = None
    if oui == vmx_common.MAC_PREFIX_GENERATED:
        generated = True
    elif oui == vmx_common.MAC_PREFIX_VMWARE and nic <= vmx_common.MAC_SUFFIX_STATIC_MAX:
        generated = False
    elif oui == vmx_common.MAC_PREFIX_VMWARE and \
            vmx_common.MAC_SUFFIX_VPX_RANGE[0] <= nic <= vmx_common.MAC_SUFFIX_VPX_RANGE[1]:
        generated = True
        vpx = True
    else:
        generated = False
        check = False  # outside VMware's ranges ESX refuses the address unless told not to check it
    if interface.mac_type is not None:
        generated = interface.mac_type == "generated"
        if generated:
            check = None
    if interface.mac_check is not None:
        check = interface.mac_check
    if generated:
        ctx.add(prefix + ".addressType", "vpx" if vpx else "generated")
        ctx.add(prefix + ".generatedAddress", interface.mac)
        if not vpx:
            ctx.add(prefix + ".generatedAddressOffset", "0")
    else:
        ctx.add(prefix + ".addressType", "static")
        ctx.add(prefix + ".address", interface.mac)
    if check is not None:
        ctx.add(prefix + ".checkMACAddress", "true" if check else "false")


def _format_interfaces(ctx):
    interfaces = ctx.domain.interfaces
    wide = ctx.version >= vmx_common.NIC_WIDE_MIN_VIRTUAL_HW_VERSION
    highest = vmx_common.NIC_MAX_INDEX if wide else vmx_common.NIC_MAX_INDEX_OLD
    if len(interfaces) > highest + 1:
        raise DomainXmlError("virtualHW.version %d allows at most %d network interfaces, the XML has %d%s"
                             % (ctx.version, highest + 1, len(interfaces),
                                "" if wide else " (version %d and later allow %d)"
                                % (vmx_common.NIC_WIDE_MIN_VIRTUAL_HW_VERSION, vmx_common.NIC_MAX_INDEX + 1)))
    for number, interface in enumerate(interfaces):
        prefix = "ethernet%d" % number
        what = "<interface> #%d" % (number + 1)
        ctx.add(prefix + ".present", "true")
        if interface.model is not None:
            if interface.model not in vmx_common.NIC_XML_TO_VMX_MODEL:
                raise DomainXmlError("%s has model '%s'; VMware guests take %s" % (
                    what, interface.model, ", ".join(vmx_common.NIC_XML_TO_VMX_MODEL)))
            virtual_dev, features = vmx_common.NIC_XML_TO_VMX_MODEL[interface.model]
            ctx.add(prefix + ".virtualDev", virtual_dev)
            if features is not None:
                ctx.add(prefix + ".features", features)
        if interface.type == "bridge":
            ctx.add(prefix + ".networkName", interface.bridge)
            if interface.ifname is not None:
                ctx.add(prefix + ".connectionType", "custom")
                ctx.add(prefix + ".vnet", interface.ifname)
            else:
                ctx.add(prefix + ".connectionType", "bridged")
        elif interface.type == "user":
            ctx.add(prefix + ".connectionType", "nat")
        elif interface.type == "vds":
            ctx.add(prefix + ".dvs.switchId", _vmx_uuid(interface.switch_id))
            ctx.add(prefix + ".dvs.portId", interface.port_id)
            # libvirt writes the dvs port group id through its XML escaper.
            ctx.add(prefix + ".dvs.portgroupId", escape_markup(interface.portgroup_id))
            ctx.add(prefix + ".dvs.connectionId", interface.connection_id)
        elif interface.type != "null":
            raise DomainXmlError("%s has type '%s'; VMware guests take bridge, user, null or vds"
                                 % (what, interface.type))
        _format_mac(ctx, prefix, what, interface)


def _format_video(ctx):
    videos = ctx.domain.videos
    if not videos:
        return
    if len(videos) > 1:
        raise DomainXmlError("a VMware guest has one video card, the XML has %d <video> elements" % len(videos))
    video = videos[0]
    if video.type != "vmvga":
        raise DomainXmlError("<video><model type='%s'> is not supported for VMware guests (only vmvga)" % video.type)
    if video.heads > 1:
        raise DomainXmlError("<video> with %d heads is not supported for VMware guests (only 1)" % video.heads)
    # Windows guests want the video memory in multiples of 64 KiB.
    vram = _div_up(video.vram, vmx_common.SVGA_VRAM_MULTIPLE_KIB) * vmx_common.SVGA_VRAM_MULTIPLE_KIB
    ctx.add("svga.vramSize", vram * 1024)


def _check_ports(devices, kind, count):
    seen = set()
    for device in devices:
        if not 0 <= device.port < count:
            raise DomainXmlError("%s port %d is out of the range 0 to %d" % (kind, device.port, count - 1))
        if device.port in seen:
            raise DomainXmlError("%s port %d is used twice" % (kind, device.port))
        seen.add(device.port)


def _format_port_device_or_file(ctx, prefix, what, port):
    """The host-device and file backings serial and parallel ports share; False for other types."""
    if port.type == "dev":
        ctx.add(prefix + ".fileType", "device")
        ctx.add(prefix + ".fileName", port.path)
    elif port.type == "file":
        ctx.add(prefix + ".fileType", "file")
        ctx.add(prefix + ".fileName", ctx.file_name(port.path, what))
    else:
        return False
    return True


def _format_serials(ctx):
    serials = ctx.domain.serials
    _check_ports(serials, "serial", vmx_common.SERIAL_PORT_COUNT)
    for serial in serials:
        prefix = "serial%d" % serial.port
        what = "<serial> port %d" % serial.port
        ctx.add(prefix + ".present", "true")
        if not _format_port_device_or_file(ctx, prefix, what, serial):
            if serial.type == "pipe":
                ctx.add(prefix + ".fileType", "pipe")
                # The VI client's defaults: the VM is the client end, without lossless receive.
                ctx.add(prefix + ".pipe.endPoint", "client")
                ctx.add(prefix + ".tryNoRxLoss", "false")
                ctx.add(prefix + ".fileName", serial.path)
            elif serial.type == "tcp":
                scheme = {"raw": "tcp", "telnet": "telnet", "telnets": "telnets", "tls": "ssl"}[serial.protocol]
                ctx.add(prefix + ".fileType", "network")
                ctx.add(prefix + ".fileName", "%s://%s:%s" % (scheme, serial.host, serial.service))
                ctx.add(prefix + ".network.endPoint", "server" if serial.listen else "client")
            else:
                raise DomainXmlError("%s has type '%s'; VMware guests take dev, file, pipe or tcp" % (what, serial.type))
        ctx.add(prefix + ".yieldOnMsrRead", "true")


def _format_parallels(ctx):
    parallels = ctx.domain.parallels
    _check_ports(parallels, "parallel", vmx_common.PARALLEL_PORT_COUNT)
    for parallel in parallels:
        prefix = "parallel%d" % parallel.port
        what = "<parallel> port %d" % parallel.port
        ctx.add(prefix + ".present", "true")
        if not _format_port_device_or_file(ctx, prefix, what, parallel):
            raise DomainXmlError("%s has type '%s'; VMware guests take dev or file" % (what, parallel.type))


def _format_platform(ctx):
    if ctx.domain.firmware == "efi":
        ctx.add("firmware", "efi")
    if ctx.version >= vmx_common.VMCI_MIN_VIRTUAL_HW_VERSION:
        if ctx.scsi_models:
            ctx.add("pciBridge0.present", "true")
            for bridge in vmx_common.PCIE_ROOT_PORT_BRIDGES:
                ctx.add("pciBridge%d.present" % bridge, "true")
                ctx.add("pciBridge%d.virtualDev" % bridge, "pcieRootPort")
                ctx.add("pciBridge%d.functions" % bridge, vmx_common.PCIE_ROOT_PORT_FUNCTIONS)
        ctx.add("vmci0.present", "true")


def convert_xml_to_vmx(xml_text, *, virtual_hw_version, format_file, autodetect_scsi_model=None,
                       datacenter_path=None, warnings=None):  # pylint: disable=unused-argument
    """libvirt domain XML -> .vmx text (see the module documentation)."""
    version = _check_version(virtual_hw_version)
    if not callable(format_file):
        raise VirtEsxError("format_file must be a callable that turns a <source> into a VMX file name")
    if autodetect_scsi_model is not None and not callable(autodetect_scsi_model):
        raise VirtEsxError("autodetect_scsi_model must be callable or None")
    if warnings is not None and not isinstance(warnings, list):
        raise VirtEsxError("warnings must be a list or None")
    domain = read_domain(xml_text)
    ctx = _Context(domain, version, format_file, autodetect_scsi_model, warnings)
    for element in domain.ignored:
        ctx.warn("<%s> has no VMX equivalent and is ignored" % element)
    _format_general(ctx)
    _format_memory(ctx)
    _format_cpus(ctx)
    _format_graphics(ctx)
    _format_disks(ctx)
    _format_filesystems(ctx)
    _format_interfaces(ctx)
    _format_video(ctx)
    _format_serials(ctx)
    _format_parallels(ctx)
    _format_platform(ctx)
    return ctx.vmx.render()
