# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt domain XML -> VMX: behaviour beyond the conformance corpus, and the errors users see."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError, VmxError

pytest.importorskip("lxml")

from ansible_collections.virt.esx.plugins.module_utils.formats.xml_to_vmx import convert_xml_to_vmx  # noqa: E402

UUID = "564d9bef-acd9-b4e0-c8f0-aea8b9103515"


def format_file(source):
    """The file-name rule of libvirt's xml2vmx test: [ds] path -> /vmfs/volumes/ds/path, absolute kept."""
    if source.startswith("["):
        datastore, dummy, path = source[1:].partition("]")
        if not datastore:
            raise VirtEsxError("empty datastore name in %r" % source)
        return "/vmfs/volumes/%s/%s" % (datastore, path.lstrip(" "))
    if source.startswith("/"):
        return source
    raise VirtEsxError("%r is neither a datastore path nor absolute" % source)


def domain_xml(devices="", *, head=None, os_type="<type>hvm</type>", domain_type="vmware", memory="<memory>4096</memory>"):
    if head is None:
        head = "<name>test</name><uuid>%s</uuid>" % UUID
    return "<domain type='%s'>%s%s<os>%s</os><devices>%s</devices></domain>" % (
        domain_type, head, memory, os_type, devices)


def convert(xml, version=4, **kwargs):
    kwargs.setdefault("format_file", format_file)
    return convert_xml_to_vmx(xml, virtual_hw_version=version, **kwargs)


def entries(vmx_text):
    """VMX text -> {key: value}; asserts the first line and that no key repeats."""
    lines = vmx_text.splitlines()
    assert lines[0] == '.encoding = "UTF-8"'
    result = {}
    for line in lines[1:]:
        key, dummy, value = line.partition(" = ")
        assert key not in result, key
        assert value.startswith('"') and value.endswith('"'), line
        result[key] = value[1:-1]
    return result


def keys(vmx_text):
    return [line.partition(" = ")[0] for line in vmx_text.splitlines()]


def error_of(xml, **kwargs):
    with pytest.raises(DomainXmlError) as info:
        convert(xml, **kwargs)
    return str(info.value)


NIC = "<interface type='bridge'><mac address='00:50:56:11:22:%02x'/><source bridge='VM Network'/></interface>"


# Domain level --------------------------------------------------------------------------


@pytest.mark.parametrize("domain_type", ["kvm", "qemu"])
def test_other_domain_types_are_refused_naming_the_type(domain_type):
    message = error_of(domain_xml(domain_type=domain_type))
    assert "'%s'" % domain_type in message and "vmware" in message


def test_unknown_domain_type_and_missing_type_are_refused():
    assert "'type' of <domain>" in error_of(domain_xml(domain_type="bogus"))
    assert "no 'type' attribute" in error_of(domain_xml().replace(" type='vmware'", ""))


def test_non_hvm_os_and_foreign_arch_are_refused():
    assert "os type 'xen'" in error_of(domain_xml(os_type="<type>xen</type>"))
    assert "'aarch64'" in error_of(domain_xml(os_type="<type arch='aarch64'>hvm</type>"))
    assert "unknown architecture" in error_of(domain_xml(os_type="<type arch='z80'>hvm</type>"))


def test_missing_arch_is_i686_and_x86_64_is_other_64():
    assert entries(convert(domain_xml()))["guestOS"] == "other"
    assert entries(convert(domain_xml(os_type="<type arch='x86_64'>hvm</type>")))["guestOS"] == "other-64"


def test_missing_uuid_lets_esx_create_one():
    vmx = entries(convert(domain_xml(head="<name>x</name>")))
    assert vmx["uuid.action"] == "create"
    assert "uuid.bios" not in vmx


def test_uuid_is_written_in_vmware_byte_pairs():
    vmx = entries(convert(domain_xml(head="<name>x</name><uuid>50115E16-9BDC-49D7-F171-53C4D7F91710</uuid>")))
    assert vmx["uuid.bios"] == "50 11 5e 16 9b dc 49 d7-f1 71 53 c4 d7 f9 17 10"
    assert "not a valid UUID" in error_of(domain_xml(head="<name>x</name><uuid>50115e16</uuid>"))


def test_name_and_description_are_escaped_and_written_on_one_line():
    vmx_text = convert(domain_xml(head="<name>a/b|c\"d%</name><description>line 1\nsaid \"hi\" |x|</description>"))
    vmx = entries(vmx_text)
    assert vmx["displayName"] == "a%2fb|7cc|22d%25"
    assert vmx["annotation"] == "line 1|0asaid |22hi|22 |7cx|7c"
    assert "line break" in error_of(domain_xml(head="<name>a\nb</name>"))


def test_missing_name_is_refused():
    assert "no <name>" in error_of(domain_xml(head="<uuid>%s</uuid>" % UUID))


@pytest.mark.parametrize("memory,memsize,sched_max", [
    ("<memory unit='MiB'>1000</memory>", "1000", None),
    ("<memory unit='KiB'>4097</memory>", "8", "5"),           # memsize rounds up to 4 MiB, the rest is capped
    ("<memory unit='GB'>1</memory>", "956", "954"),            # 10^9 bytes
    ("<memory>1048576</memory><currentMemory unit='MiB'>512</currentMemory>", "1024", "512"),
    ("<memory>4096</memory><currentMemory>999999</currentMemory>", "4", None),  # above memory: ignored
])
def test_memory_units_and_rounding(memory, memsize, sched_max):
    vmx = entries(convert(domain_xml(memory=memory)))
    assert vmx["memsize"] == memsize
    assert vmx.get("sched.mem.max") == sched_max


def test_memory_errors_name_the_element():
    assert "memory size must be given" in error_of(domain_xml(memory=""))
    assert "unknown unit" in error_of(domain_xml(memory="<memory unit='parsec'>1</memory>"))
    assert "<memory> must be an integer" in error_of(domain_xml(memory="<memory>lots</memory>"))
    assert "too large" in error_of(domain_xml(memory="<memory unit='EiB'>100</memory>"))
    assert "<maxMemory>" in error_of(domain_xml(memory="<memory>4096</memory><maxMemory slots='2'>8192</maxMemory>"))


def test_numa_cells_give_the_memory_when_memory_is_missing():
    head = "<name>x</name><vcpu>2</vcpu><cpu><topology sockets='1' cores='2' threads='1'/><numa>" \
           "<cell id='0' cpus='0' memory='512' unit='MiB'/><cell id='1' cpus='1' memory='512' unit='MiB'/></numa></cpu>"
    assert entries(convert(domain_xml(head=head, memory="")))["memsize"] == "1024"


# CPUs ------------------------------------------------------------------------------------


def test_vcpus_cpuset_and_shares():
    head = "<name>x</name><vcpu cpuset='0-3,^1, 8'>3</vcpu><cputune><shares>6000</shares></cputune>"
    vmx = entries(convert(domain_xml(head=head)))
    assert vmx["numvcpus"] == "3"
    assert vmx["sched.cpu.affinity"] == "0,2,3,8"
    assert vmx["sched.cpu.shares"] == "high"
    head = "<name>x</name><vcpu>2</vcpu><cputune><shares>1234</shares></cputune>"
    assert entries(convert(domain_xml(head=head)))["sched.cpu.shares"] == "1234"


def test_vcpu_errors():
    assert "current='1'" in error_of(domain_xml(head="<name>x</name><vcpu current='1'>2</vcpu>"))
    assert "at least 4 CPU" in error_of(domain_xml(head="<name>x</name><vcpu cpuset='0-1'>4</vcpu>"))
    assert "not a valid CPU list" in error_of(domain_xml(head="<name>x</name><vcpu cpuset='3-1'>1</vcpu>"))
    assert "at least 1" in error_of(domain_xml(head="<name>x</name><vcpu>0</vcpu>"))


def test_topology_gives_cores_per_socket_and_must_match():
    head = "<name>x</name><vcpu>8</vcpu><cpu><topology sockets='2' cores='4' threads='1'/></cpu>"
    assert entries(convert(domain_xml(head=head)))["cpuid.coresPerSocket"] == "4"
    head = "<name>x</name><vcpu>4</vcpu><cpu><topology sockets='1' cores='2' threads='2'/></cpu>"
    assert "1 thread per core" in error_of(domain_xml(head=head))
    head = "<name>x</name><vcpu>4</vcpu><cpu><topology sockets='1' cores='2' threads='1'/></cpu>"
    assert "but <vcpu> is 4" in error_of(domain_xml(head=head))
    head = "<name>x</name><cpu mode='host-passthrough'/>"
    assert "mode='host-passthrough'" in error_of(domain_xml(head=head))


# Disks -----------------------------------------------------------------------------------


def disk(target, source="[ds] d/a.vmdk", bus=None, extra="", device="disk", disk_type="file"):
    bus_attribute = "" if bus is None else " bus='%s'" % bus
    source_element = "" if source is None else "<source %s='%s'/>" % ("file" if disk_type == "file" else "dev", source)
    return "<disk type='%s' device='%s'>%s<target dev='%s'%s/>%s</disk>" % (
        disk_type, device, source_element, target, bus_attribute, extra)


def test_unknown_and_unsupported_disk_buses_are_refused():
    assert "attribute 'bus'" in error_of(domain_xml(disk("sda", bus="nvme-of")))
    message = error_of(domain_xml(disk("vda", bus="virtio")))
    assert "'virtio'" in message and "vda" in message
    assert "'sata'" in error_of(domain_xml(disk("sda", bus="sata")))


def test_disks_are_written_in_target_order_per_bus():
    xml = domain_xml(disk("sdb", "[ds] b.vmdk") + disk("hda", "[ds] h.vmdk") + disk("sda", "[ds] a.vmdk"))
    assert [key for key in keys(convert(xml)) if key.endswith(".fileName")] == \
        ["scsi0:0.fileName", "scsi0:1.fileName", "ide0:0.fileName"]


def test_scsi_units_skip_the_controller_and_spread_over_controllers():
    vmx = entries(convert(domain_xml(disk("sdh") + disk("sdp", "[ds] b.vmdk"))))
    assert vmx["scsi0:8.fileName"] == "/vmfs/volumes/ds/d/a.vmdk"
    assert vmx["scsi1:0.fileName"] == "/vmfs/volumes/ds/b.vmdk"
    assert "sda to sdbh" in error_of(domain_xml(disk("sdbi")))


def test_drive_address_must_match_the_target():
    extra = "<address type='drive' controller='0' bus='0' unit='3'/>"
    message = error_of(domain_xml(disk("sda", extra=extra)))
    assert "does not match" in message and "sda" in message
    assert "address type 'pci'" in error_of(domain_xml(disk("sda", extra="<address type='pci'/>")))


def test_source_that_format_file_refuses_is_reported_with_the_disk():
    message = error_of(domain_xml(disk("sda", "relative/a.vmdk")))
    assert "sda" in message and "relative/a.vmdk" in message


def test_format_file_failing_with_any_exception_becomes_domain_xml_error():
    def broken(_source):
        raise ValueError("boom")

    with pytest.raises(DomainXmlError, match="boom"):
        convert(domain_xml(disk("sda")), format_file=broken)


def test_image_suffixes_and_missing_sources():
    assert "'.vmdk'" in error_of(domain_xml(disk("sda", "[ds] a.img")))
    assert "'.iso'" in error_of(domain_xml(disk("hdc", "[ds] a.img", device="cdrom")))
    assert "no source" in error_of(domain_xml(disk("sda", None)))
    unconnected = entries(convert(domain_xml(disk("hdc", None, device="cdrom", disk_type="block"))))
    # libvirt 9.0.0 (virsh domxml-to-native) writes an empty drive of either type as an image drive with no image.
    assert unconnected["ide1:0.deviceType"] == "cdrom-image" and unconnected["ide1:0.fileName"] == "emptyBackingString"


def test_cache_transient_and_passthrough():
    extra = "<driver name='lsilogic' cache='writethrough'/><transient/>"
    vmx = entries(convert(domain_xml(disk("sda", extra=extra)
                                     + disk("sdb", "/vmfs/devices/cdrom/mpx.vmhba1:C0:T0:L0", device="lun",
                                            disk_type="block"))))
    assert vmx["scsi0.virtualDev"] == "lsilogic"
    assert vmx["scsi0:0.writeThrough"] == "true"
    assert vmx["scsi0:0.mode"] == "independent-nonpersistent"
    assert vmx["scsi0:1.deviceType"] == "scsi-passthru"
    assert "cache mode 'none'" in error_of(domain_xml(disk("sda", extra="<driver cache='none'/>")))


def test_scsi_controller_model_from_controller_driver_name_and_autodetection():
    xml = domain_xml(disk("sda") + "<controller type='scsi' index='0' model='vmpvscsi'/>")
    assert entries(convert(xml))["scsi0.virtualDev"] == "pvscsi"
    conflict = domain_xml(disk("sda", extra="<driver name='buslogic'/>") + "<controller type='scsi' model='lsilogic'/>")
    assert "contradicts" in error_of(conflict)
    assert "not a SCSI controller model" in error_of(domain_xml(disk("sda", extra="<driver name='qemu'/>")))
    auto = domain_xml(disk("sda") + disk("sdb", "[ds] b.vmdk") + "<controller type='scsi' index='0' model='auto'/>")
    assert "no SCSI model detection" in error_of(auto)
    asked = []
    vmx = entries(convert(auto, autodetect_scsi_model=lambda info: asked.append(info.target) or "pvscsi"))
    assert vmx["scsi0.virtualDev"] == "pvscsi" and asked == ["sda", "sdb"]
    answers = iter(["lsilogic", "buslogic"])
    assert "different controller models" in error_of(auto, autodetect_scsi_model=lambda info: next(answers))
    assert "not one of" in error_of(auto, autodetect_scsi_model=lambda info: "virtio-scsi")


def test_virtio_scsi_controller_is_refused():
    xml = domain_xml(disk("sda") + "<controller type='scsi' index='0' model='virtio-scsi'/>")
    assert "'virtio-scsi'" in error_of(xml)


def test_floppies_and_duplicate_targets():
    xml = domain_xml(disk("fdb", "[ds] f.flp", device="floppy"))
    vmx = entries(convert(xml))
    assert vmx["floppy0.present"] == "false"
    assert vmx["floppy1.fileType"] == "file" and vmx["floppy1.fileName"] == "/vmfs/volumes/ds/f.flp"
    assert "used twice" in error_of(domain_xml(disk("sda") + disk("sda", "[ds] b.vmdk")))
    assert "bus 'fdc'" in error_of(domain_xml(disk("fda", "[ds] f.flp", bus="ide", device="floppy")))


# Network interfaces ------------------------------------------------------------------------


def test_nic_count_depends_on_virtual_hw_version():
    four = domain_xml("".join(NIC % n for n in range(4)))
    assert "ethernet3.present" in entries(convert(four))
    five = domain_xml("".join(NIC % n for n in range(5)))
    message = error_of(five, version=4)
    assert "at most 4" in message and "has 5" in message
    assert "ethernet4.present" in entries(convert(five, version=7))
    assert "at most 10" in error_of(domain_xml("".join(NIC % n for n in range(11))), version=10)


@pytest.mark.parametrize("mac,expected", [
    ("00:0c:29:01:02:03", {"addressType": "generated", "generatedAddress": "00:0c:29:01:02:03",
                           "generatedAddressOffset": "0"}),
    ("00:50:56:3f:ff:ff", {"addressType": "static", "address": "00:50:56:3f:ff:ff"}),
    ("00:50:56:80:00:00", {"addressType": "vpx", "generatedAddress": "00:50:56:80:00:00"}),
    ("00:50:56:c0:00:00", {"addressType": "static", "address": "00:50:56:c0:00:00", "checkMACAddress": "false"}),
    ("0:1A:2b:3:4:5", {"addressType": "static", "address": "00:1a:2b:03:04:05", "checkMACAddress": "false"}),
])
def test_mac_ranges_decide_the_address_type(mac, expected):
    xml = domain_xml("<interface type='null'><mac address='%s'/></interface>" % mac)
    vmx = entries(convert(xml))
    assert {key[len("ethernet0."):]: value for key, value in vmx.items()
            if key.startswith("ethernet0.") and key != "ethernet0.present"} == expected


def test_explicit_mac_type_and_check_win_over_the_ranges():
    xml = domain_xml("<interface type='null'><mac address='00:12:34:56:78:90' type='generated'/></interface>")
    vmx = entries(convert(xml))
    assert vmx["ethernet0.addressType"] == "generated" and "ethernet0.checkMACAddress" not in vmx
    xml = domain_xml("<interface type='null'><mac address='00:0c:29:00:00:01' type='static' check='yes'/></interface>")
    vmx = entries(convert(xml))
    assert vmx["ethernet0.addressType"] == "static" and vmx["ethernet0.checkMACAddress"] == "true"


@pytest.mark.parametrize("mac", ["00:50:56:11:22", "00:50:56:11:22:333", "zz:50:56:11:22:33", "01:00:5e:00:00:01"])
def test_bad_mac_is_refused(mac):
    message = error_of(domain_xml("<interface type='null'><mac address='%s'/></interface>" % mac))
    assert "MAC address" in message or "multicast" in message


def test_missing_mac_lets_esx_generate_one():
    vmx = entries(convert(domain_xml("<interface type='bridge'><source bridge='LAN'/></interface>")))
    assert vmx["ethernet0.addressType"] == "generated"
    assert "ethernet0.generatedAddress" not in vmx


def test_connection_types_models_and_generated_target_names():
    nics = ("<interface type='bridge'><mac address='00:50:56:00:00:01'/><source bridge='LAN'/>"
            "<target dev='vnet3'/><model type='VMXNET2'/></interface>"
            "<interface type='user'><mac address='00:50:56:00:00:02'/><model type='e1000e'/></interface>"
            "<interface type='vds'><mac address='00:50:56:00:00:03'/><source switchid='%s' portgroupid='dv&amp;pg'"
            " portid='0x10' connectionid='7'/></interface>" % UUID)
    vmx = entries(convert(domain_xml(nics), version=7))
    assert vmx["ethernet0.connectionType"] == "bridged"  # 'vnet3' is a name libvirt generated: dropped
    assert vmx["ethernet0.virtualDev"] == "vmxnet" and vmx["ethernet0.features"] == "15"
    assert vmx["ethernet1.connectionType"] == "nat" and vmx["ethernet1.virtualDev"] == "e1000e"
    assert vmx["ethernet2.dvs.switchId"] == "56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15"
    assert vmx["ethernet2.dvs.portId"] == "16" and vmx["ethernet2.dvs.connectionId"] == "7"
    assert vmx["ethernet2.dvs.portgroupId"] == "dv&amp;pg"
    assert "type 'network'" in error_of(domain_xml("<interface type='network'><source network='default'/></interface>"))
    assert "model 'virtio'" in error_of(domain_xml("<interface type='null'><model type='virtio'/></interface>"))
    assert "does not support" in error_of(domain_xml("<interface type='null'><model type='fancy'/></interface>"))


# Other devices -----------------------------------------------------------------------------


def test_vnc_graphics_and_implicit_video():
    xml = domain_xml("<graphics type='vnc' autoport='yes' listen='10.0.0.1' passwd='p\"w'/>")
    warnings = []
    vmx = entries(convert(xml, warnings=warnings))
    assert "RemoteDisplay.vnc.port" not in vmx
    assert vmx["RemoteDisplay.vnc.ip"] == "10.0.0.1"
    assert vmx["RemoteDisplay.vnc.password"] == "p|22w"
    assert vmx["svga.vramSize"] == str(4096 * 1024)
    assert any("autoport" in warning for warning in warnings)
    assert "'spice'" in error_of(domain_xml("<graphics type='spice'/>"))
    assert "one VNC display" in error_of(domain_xml("<graphics type='vnc'/><graphics type='vnc'/>"))


def test_video_memory_is_rounded_like_libvirt():
    vmx = entries(convert(domain_xml("<video><model type='vmvga' vram='5000'/></video>")))
    assert vmx["svga.vramSize"] == str(8192 * 1024)  # power of two, then a multiple of 64 KiB
    assert "'qxl'" in error_of(domain_xml("<video><model type='qxl'/></video>"))
    assert "heads" in error_of(domain_xml("<video><model type='vmvga' heads='2'/></video>"))


def test_console_becomes_the_first_serial_port_and_tcp_client():
    xml = domain_xml("<console type='tcp'><source mode='connect' host='10.0.0.2' service='2000'/>"
                     "<protocol type='telnet'/></console>")
    vmx = entries(convert(xml))
    assert vmx["serial0.fileType"] == "network"
    assert vmx["serial0.fileName"] == "telnet://10.0.0.2:2000"
    assert vmx["serial0.network.endPoint"] == "client"


def test_a_second_serial_console_is_refused_as_libvirt_refuses_it():
    console = "<console type='pipe'><source path='serial%d.pipe'/><target port='%d'/></console>"
    assert "only the first <console>" in error_of(domain_xml(console % (0, 0) + console % (1, 1)))


def test_serial_and_parallel_ports_are_checked():
    serial = "<serial type='dev'><source path='/dev/ttyS%d'/><target port='%d'/></serial>"
    assert "used twice" in error_of(domain_xml(serial % (0, 1) + serial % (1, 1)))
    assert "out of the range 0 to 3" in error_of(domain_xml(serial % (0, 4)))
    assert "type 'pty'" in error_of(domain_xml("<serial type='pty'/>"))
    vmx = entries(convert(domain_xml("<serial type='pipe'><source path='p'/></serial>"
                                     "<serial type='file'><source path='[ds] s.log'/></serial>")))
    assert vmx["serial1.fileName"] == "/vmfs/volumes/ds/s.log"
    assert "range 0 to 2" in error_of(domain_xml("<parallel type='dev'><source path='/dev/lp0'/>"
                                                 "<target port='3'/></parallel>"))


def test_shared_folders_and_platform_keys():
    xml = domain_xml("<filesystem type='mount'><source dir='/srv'/><target dir='srv'/><readonly/></filesystem>"
                     + disk("sda"), os_type="<type>hvm</type>")
    vmx_text = convert(xml, version=7)
    vmx = entries(vmx_text)
    assert vmx["sharedFolder0.writeAccess"] == "false"
    assert vmx["pciBridge7.functions"] == "8"
    assert keys(vmx_text)[-1] == "vmci0.present"
    assert "type='mount'" in error_of(domain_xml("<filesystem type='ram'><source usage='1'/><target dir='x'/>"
                                                 "</filesystem>"))


def test_ignored_elements_are_reported_as_warnings():
    warnings = []
    convert(domain_xml("<input type='tablet' bus='usb'/><memballoon model='virtio'/>"), warnings=warnings)
    assert any("<input>" in warning for warning in warnings)
    assert any("<memballoon>" in warning for warning in warnings)
    warnings = []
    defaults = "</os><features><acpi/><apic/></features><clock offset='utc'/><on_crash>destroy</on_crash>" \
               "<on_reboot>destroy</on_reboot>"
    convert(domain_xml("<memballoon model='none'/>").replace("</os>", defaults), warnings=warnings)
    assert warnings == ["<on_reboot> has no VMX equivalent and is ignored"]


# Parameters and input ----------------------------------------------------------------------


@pytest.mark.parametrize("version", [3, "7", True, None, 1000])
def test_virtual_hw_version_is_validated(version):
    with pytest.raises(VmxError, match="virtual_hw_version"):
        convert(domain_xml(), version=version)


@pytest.mark.parametrize("text", ["", "<domain", "<network/>", b"\xff\xfe<", "<!DOCTYPE d [<!ENTITY x 'y'>]><domain/>"])
def test_malformed_input_gives_domain_xml_error(text):
    with pytest.raises(DomainXmlError):
        convert(text)


def test_vmware_namespace_in_the_input_is_ignored():
    xml = domain_xml(head="<name>x</name><uuid>%s</uuid><vmware:datacenterpath xmlns:vmware="
                     "'http://libvirt.org/schemas/domain/vmware/1.0'>dc</vmware:datacenterpath>" % UUID)
    assert "dc" not in convert(xml, datacenter_path="folder/dc")
