# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmx_to_xml: the behaviour beyond the libvirt corpus (errors, secrets, edge cases, formatting)."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError, VmxError
from ansible_collections.virt.esx.plugins.module_utils.formats.disk_names import disk_name
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_to_xml import (
    convert_vmx_to_xml, parse_mac, parse_uuid, parse_vmx_domain,
)

etree = pytest.importorskip("lxml.etree")

HEADER = 'config.version = "8"\nvirtualHW.version = "%s"\ndisplayName = "test"\n'


def resolve(name, allow_missing=False):
    """Bare names live in [ds] vm/; names starting with 'gone' do not exist."""
    if name.startswith("gone"):
        if allow_missing:
            return None
        raise VirtEsxError("no such file %s" % name)
    return name if name.startswith("/") else "[ds] vm/%s" % name


def vmx(*lines, hw=4):
    return HEADER % hw + "".join('%s = "%s"\n' % pair for pair in lines)


def convert(text, **kwargs):
    kwargs.setdefault("resolve_file", resolve)
    return convert_vmx_to_xml(text, **kwargs)


def tree(text, **kwargs):
    return etree.fromstring(convert(text, **kwargs).encode("utf-8"))


def error_of(text, **kwargs):
    with pytest.raises(VmxError) as caught:
        convert(text, **kwargs)
    return str(caught.value)


# Formatting -------------------------------------------------------------------------------


def test_output_is_formatted_like_libvirt():
    text = convert(vmx(("annotation", "say |22hi|22 & <bye>")))
    assert not text.startswith("<?xml")
    assert text.endswith("</domain>\n")
    assert "  <name>test</name>\n" in text
    assert "    <type arch='i686'>hvm</type>\n" in text
    assert "<description>say &quot;hi&quot; &amp; &lt;bye&gt;</description>" in text


def test_control_characters_are_dropped_and_line_breaks_survive_parsing():
    root = tree(vmx(("annotation", "a\x01b|0d|0ac")))
    assert root.findtext("description") == "ab\r\nc"


def test_missing_uuid_and_name_give_zero_uuid_and_no_name():
    root = tree('config.version = "8"\nvirtualHW.version = "4"\n')
    assert root.findtext("uuid") == "00000000-0000-0000-0000-000000000000"
    assert root.find("name") is None


def test_vmware_namespace_carries_datacenter_path_and_moref():
    text = convert(vmx(), datacenter_path="dc/<1>", moref="vm-42")
    assert "<domain type='vmware' xmlns:vmware='http://libvirt.org/schemas/domain/vmware/1.0'>" in text
    assert "  <vmware:datacenterpath>dc/&lt;1&gt;</vmware:datacenterpath>\n  <vmware:moref>vm-42</vmware:moref>\n" in text


def test_no_namespace_without_context():
    assert "xmlns" not in convert(vmx())


# Secrets ----------------------------------------------------------------------------------

VNC = (("RemoteDisplay.vnc.enabled", "true"), ("RemoteDisplay.vnc.port", "5901"),
       ("RemoteDisplay.vnc.password", "s3cr'et"), ("RemoteDisplay.vnc.ip", "10.0.0.1"))


def test_vnc_password_hidden_unless_secure():
    assert "s3cr" not in convert(vmx(*VNC))
    graphics = tree(vmx(*VNC), secure=True).find("devices/graphics")
    assert graphics.get("passwd") == "s3cr'et"
    assert graphics.get("listen") == "10.0.0.1"
    assert graphics.find("listen").get("address") == "10.0.0.1"


def test_vnc_without_port_is_autoport():
    graphics = tree(vmx(("RemoteDisplay.vnc.enabled", "TRUE"))).find("devices/graphics")
    assert (graphics.get("port"), graphics.get("autoport")) == ("-1", "yes")


# Header errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, needle", [
    ('virtualHW.version = "4"\n', "'config.version' is missing"),
    ('config.version = "7"\nvirtualHW.version = "4"\n', "'config.version' must be 8 but is '7'"),
    ('config.version = "8"\nvirtualHW.version = "3"\n', "'virtualHW.version' must be 4 or higher but is '3'"),
    ('config.version = "8"\nvirtualHW.version = "four"\n', "'virtualHW.version'"),
    ('config.version = "8"\n', "'virtualHW.version' is missing"),
])
def test_version_errors_name_the_entry(text, needle):
    assert needle in error_of(text)


def test_bad_uuid_and_escape_sequences_are_reported():
    assert "'uuid.bios' is not a UUID: 'nope'" in error_of(vmx(("uuid.bios", "nope")))
    assert "'displayName'" in error_of('config.version = "8"\nvirtualHW.version = "4"\ndisplayName = "a%zz"\n')
    assert "'annotation'" in error_of(vmx(("annotation", "bad |7")))


# Memory and CPUs --------------------------------------------------------------------------


def test_memory_limits_and_reservation():
    root = tree(vmx(("memsize", "1024"), ("sched.mem.max", "512"), ("sched.mem.minsize", "4096")))
    assert root.findtext("memory") == str(1024 * 1024)
    assert root.findtext("currentMemory") == str(512 * 1024)
    # A reservation above the memory size is capped at the memory size.
    assert root.findtext("memtune/min_guarantee") == str(1024 * 1024)


@pytest.mark.parametrize("memsize", ["30", "0", "-4"])
def test_memsize_must_be_a_positive_multiple_of_4(memsize):
    assert "'memsize'" in error_of(vmx(("memsize", memsize)))


@pytest.mark.parametrize("level, per_vcpu", [("low", 500), ("Normal", 1000), ("HIGH", 2000)])
def test_cpu_share_levels_scale_with_vcpus(level, per_vcpu):
    root = tree(vmx(("numvcpus", "4"), ("sched.cpu.shares", level)))
    assert root.findtext("cputune/shares") == str(4 * per_vcpu)


def test_cpu_affinity_and_topology():
    root = tree(vmx(("numvcpus", "4"), ("cpuid.coresPerSocket", "2"), ("sched.cpu.affinity", "7, 0,1,2")))
    assert root.find("vcpu").get("cpuset") == "0-2,7"
    assert dict(root.find("cpu/topology").attrib) == {"sockets": "2", "dies": "1", "cores": "2", "threads": "1"}


@pytest.mark.parametrize("entries, needle", [
    ((("numvcpus", "2"), ("sched.cpu.affinity", "1")), "at least as many"),
    ((("sched.cpu.affinity", "1,x"),), "comma-separated"),
    ((("sched.cpu.affinity", "16384"),), "below 16384"),
    ((("numvcpus", "2"), ("cpuid.coresPerSocket", "4")), "'cpuid.coresPerSocket'"),
    ((("sched.cpu.shares", "-5"),), "'sched.cpu.shares'"),
    ((("numvcpus", "0"),), "'numvcpus'"),
])
def test_cpu_errors(entries, needle):
    assert needle in error_of(vmx(*entries))


def test_guest_os_arch_and_firmware():
    root = tree(vmx(("guestOS", "windows9-64"), ("firmware", "efi"), ("smbios.reflecthost", "true")))
    assert root.find("os/type").get("arch") == "x86_64"
    assert root.find("os").get("firmware") == "efi"
    assert root.find("os/smbios").get("mode") == "host"
    assert tree(vmx(("firmware", "bios"))).find("os").get("firmware") is None
    assert "'firmware'" in error_of(vmx(("firmware", "uefi")))


def test_generation_id_from_two_signed_halves():
    root = tree(vmx(("vm.genid", "1424963296993694319"), ("vm.genidX", "-5704120239402535687")))
    assert root.findtext("genid") == "13c67c91-9f47-526f-b0d6-e4dd2e4bb4f9"


# Disks ------------------------------------------------------------------------------------


def _disks(root):
    return [(d.get("device"), d.find("target").get("dev"), d.find("target").get("bus"),
             tuple(d.find("address").get(k) for k in ("controller", "bus", "unit"))) for d in root.iter("disk")]


def test_scsi_unit_16_needs_virtual_hw_13():
    entries = (("scsi0.present", "true"), ("scsi0:16.present", "true"), ("scsi0:16.fileName", "big.vmdk"))
    assert _disks(tree(vmx(*entries, hw=13))) == [("disk", "sdp", "scsi", ("0", "0", "16"))]
    assert _disks(tree(vmx(*entries, hw=10))) == []


def test_bad_scsi_controller_model_is_reported():
    message = error_of(vmx(("scsi1.present", "true"), ("scsi1.virtualDev", "megaraid")))
    assert "'scsi1.virtualDev'" in message and "'megaraid'" in message


def test_disk_device_type_must_match_bus():
    message = error_of(vmx(("scsi0.present", "true"), ("scsi0:0.present", "true"), ("scsi0:0.fileName", "a.vmdk"),
                           ("scsi0:0.deviceType", "ata-hardDisk")))
    assert "'scsi0:0.deviceType'" in message


def test_missing_cdrom_image_leaves_an_empty_drive_but_missing_disk_fails():
    root = tree(vmx(("ide1:0.present", "true"), ("ide1:0.deviceType", "cdrom-image"), ("ide1:0.fileName", "gone.iso")))
    cdrom = root.find("devices/disk")
    assert cdrom.get("device") == "cdrom" and cdrom.find("source") is None
    message = error_of(vmx(("ide0:0.present", "true"), ("ide0:0.fileName", "gone.vmdk")))
    assert "'ide0:0.fileName'" in message and "gone.vmdk" in message


def test_client_devices_and_absent_slots_are_skipped():
    root = tree(vmx(("ide0:0.present", "true"), ("ide0:0.clientDevice", "true"), ("ide0:0.deviceType", "atapi-cdrom"),
                    ("ide0:1.present", "false"), ("ide0:1.fileName", "x.vmdk")))
    assert root.find("devices/disk") is None and root.find("devices/controller") is None


def test_controllers_follow_libvirt_order():
    root = tree(vmx(("floppy0.present", "true"), ("floppy0.fileType", "device"), ("floppy0.fileName", "/dev/fd0"),
                    ("ide0:0.present", "true"), ("ide0:0.fileName", "a.vmdk"),
                    ("sata0.present", "true"), ("sata0:0.present", "true"), ("sata0:0.fileName", "b.vmdk"),
                    ("scsi0.present", "true"), ("scsi0.virtualDev", "pvscsi"), ("scsi0:0.present", "true"),
                    ("scsi0:0.fileName", "c.vmdk"), ("scsi0:0.writeThrough", "true"), ("scsi0:0.mode", "independent-nonpersistent")))
    assert [(c.get("type"), c.get("model")) for c in root.iter("controller")] == [
        ("scsi", "vmpvscsi"), ("sata", None), ("fdc", None), ("ide", None)]
    scsi_disk = root.find("devices/disk")
    assert scsi_disk.find("driver").get("cache") == "writethrough"
    assert scsi_disk.find("transient") is not None


def test_resolver_failures_become_vmx_errors():
    def broken(name, allow_missing=False):
        raise KeyError(name)
    message = error_of(vmx(("ide0:0.present", "true"), ("ide0:0.fileName", "a.vmdk")), resolve_file=broken)
    assert "'ide0:0.fileName'" in message and "KeyError" in message


# Network cards ----------------------------------------------------------------------------


def test_mac_address_forms():
    assert parse_mac("0:c:29:AB:cd:1") == "00:0c:29:ab:cd:01"
    assert parse_mac("00:0c:29:ab:cd:01 trailing") == "00:0c:29:ab:cd:01"
    assert parse_mac("00:0c:29:ab:cd") is None
    assert parse_mac("00-0c-29-ab-cd-01") is None


def test_bad_mac_is_reported_with_key_and_value():
    message = error_of(vmx(("ethernet0.present", "true"), ("ethernet0.addressType", "static"), ("ethernet0.address", "nope")))
    assert "'ethernet0.address'" in message and "'nope'" in message


def test_network_card_kinds():
    root = tree(vmx(
        ("ethernet0.present", "true"), ("ethernet0.networkName", "LAN"), ("ethernet0.virtualDev", "vmxnet"),
        ("ethernet0.features", "15"), ("ethernet0.checkMACAddress", "true"),
        ("ethernet2.present", "true"), ("ethernet2.connectionType", "nat"),
        ("ethernet3.present", "true"), ("ethernet3.dvs.switchId", "50 34 26 b2 94 e9 3b 16-1d 68 87 bf ff 4a 54 40"),
        ("ethernet3.dvs.portId", "5"), ("ethernet3.dvs.portgroupId", "dvportgroup-1"), ("ethernet3.dvs.connectionId", "7")))
    nics = root.findall("devices/interface")
    assert [nic.get("type") for nic in nics] == ["bridge", "user", "vds"]
    assert nics[0].find("model").get("type") == "vmxnet2"
    assert nics[0].find("mac").get("check") == "yes"
    assert nics[0].find("mac").get("address") == "00:00:00:00:00:00"
    assert dict(nics[2].find("source").attrib) == {
        "switchid": "503426b2-94e9-3b16-1d68-87bfff4a5440", "portid": "5", "portgroupid": "dvportgroup-1", "connectionid": "7"}


@pytest.mark.parametrize("entries, needle", [
    ((("ethernet0.present", "true"), ("ethernet0.connectionType", "bridged")), "'ethernet0.networkName' is missing"),
    ((("ethernet0.present", "true"), ("ethernet0.connectionType", "hostonly")), "'hostonly' is not supported"),
    ((("ethernet0.present", "true"), ("ethernet0.virtualDev", "rtl8139")), "'ethernet0.virtualDev'"),
    ((("ethernet0.present", "true"), ("ethernet0.dvs.switchId", "50 34")), "'ethernet0.dvs.switchId'"),
    ((("ethernetX.present", "true"),), "'ethernetX.present'"),
])
def test_network_card_errors(entries, needle):
    assert needle in error_of(vmx(*entries))


# Serial and parallel ports, shared folders, video ----------------------------------------


def test_serial_network_client_and_console():
    root = tree(vmx(("serial1.present", "true"), ("serial1.fileType", "network"),
                    ("serial1.fileName", "ssl://[2001:db8::1]:7000"), ("serial1.network.endPoint", "client")))
    serial = root.find("devices/serial")
    assert dict(serial.find("source").attrib) == {"mode": "connect", "host": "2001:db8::1", "service": "7000"}
    assert serial.find("protocol").get("type") == "tls"
    console = root.find("devices/console")
    assert dict(console.find("target").attrib) == {"type": "serial", "port": "1"}


@pytest.mark.parametrize("uri, needle", [("telnet://host", "has no port"), ("gopher://h:70", "unsupported scheme"),
                                         ("host:70", "must be a URI")])
def test_serial_network_uri_errors(uri, needle):
    assert needle in error_of(vmx(("serial0.present", "true"), ("serial0.fileType", "network"), ("serial0.fileName", uri)))


def test_parallel_port_needs_file_type():
    assert "'parallel0.fileType' is missing" in error_of(vmx(("parallel0.present", "true"), ("parallel0.fileName", "x")))


def test_shared_folders_respect_max_num_and_write_access():
    root = tree(vmx(("isolation.tools.hgfs.disable", "false"), ("sharedFolder.maxNum", "2"),
                    ("sharedFolder0.present", "true"), ("sharedFolder0.enabled", "true"),
                    ("sharedFolder0.hostPath", "/a"), ("sharedFolder0.guestName", "a"),
                    ("sharedFolder2.present", "true"), ("sharedFolder2.enabled", "true"),
                    ("sharedFolder2.hostPath", "/c"), ("sharedFolder2.guestName", "c")))
    folders = root.findall("devices/filesystem")
    assert [f.find("source").get("dir") for f in folders] == ["/a"]
    assert folders[0].find("readonly") is not None


@pytest.mark.parametrize("size, kib", [("8388608", "8192"), ("5000000", "8192"), ("0", "4096")])
def test_video_ram_rounds_up_to_a_power_of_two(size, kib):
    assert tree(vmx(("svga.vramSize", size))).find("devices/video/model").get("vram") == kib


# Robustness -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [None, 42, b"\xff\xfe", "=", "config.version = \"8\"\x00", vmx(("memsize", "9" * 40))])
def test_garbage_raises_only_virt_esx_errors(data):
    with pytest.raises(VirtEsxError):
        convert(data)


def test_bad_arguments_are_reported():
    with pytest.raises(VirtEsxError):
        convert(vmx(), resolve_file="not callable")
    with pytest.raises(VirtEsxError):
        convert(vmx(), datacenter_path=5)


def test_helpers():
    assert [disk_name(i, "sd") for i in (0, 25, 26, 63)] == ["sda", "sdz", "sdaa", "sdbl"]
    assert parse_uuid(" 42 20 fc a7 11 dd d6 7e-19 cc fc ad 0a 37 c3 42 ") == "4220fca7-11dd-d67e-19cc-fcad0a37c342"
    assert parse_uuid("42 20") is None
    assert parse_vmx_domain(vmx(), resolve_file=resolve).name == "test"
