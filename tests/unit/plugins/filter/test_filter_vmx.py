# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt.esx.vmx_to_xml and virt.esx.xml_to_vmx filters."""

from __future__ import annotations


import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.virt.esx.plugins.filter.vmx import DEFAULT_VIRTUAL_HW_VERSION, FilterModule, vmx_to_xml, xml_to_vmx

pytest.importorskip("lxml")

DOMAIN_XML = """<domain type='vmware'>
  <name>web|01 "prod"</name>
  <uuid>564d9bef-acd9-b4e0-c8f0-aea8b9103515</uuid>
  <description>first line</description>
  <memory unit='KiB'>1048576</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='[datastore1] web01/web01.vmdk'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <controller type='scsi' index='0' model='lsilogic'/>
    <graphics type='vnc' port='5903' passwd='s3cret'/>
  </devices>
</domain>
"""

VMX = """.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "10"
guestOS = "other-64"
displayName = "web|7c01 |22prod|22"
memsize = "1024"
numvcpus = "2"
scsi0.present = "true"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "true"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "web01.vmdk"
RemoteDisplay.vnc.enabled = "true"
RemoteDisplay.vnc.port = "5903"
RemoteDisplay.vnc.password = "s3cret"
"""


def test_filter_module_exposes_both_filters():
    assert FilterModule().filters() == {"vmx_to_xml": vmx_to_xml, "xml_to_vmx": xml_to_vmx}


def test_xml_to_vmx_uses_host_paths_and_the_default_hardware_version():
    lines = xml_to_vmx(DOMAIN_XML).splitlines()
    assert lines[0] == '.encoding = "UTF-8"'
    assert 'virtualHW.version = "%d"' % DEFAULT_VIRTUAL_HW_VERSION in lines
    assert 'displayName = "web|7c01 |22prod|22"' in lines
    assert 'annotation = "first line"' in lines
    assert 'scsi0:0.fileName = "/vmfs/volumes/datastore1/web01/web01.vmdk"' in lines


def test_xml_to_vmx_hardware_version_changes_the_output():
    assert 'virtualHW.version = "4"' in xml_to_vmx(DOMAIN_XML, virtual_hw_version="4").splitlines()
    assert 'vmci0.present = "true"' not in xml_to_vmx(DOMAIN_XML, virtual_hw_version=4)
    assert 'vmci0.present = "true"' in xml_to_vmx(DOMAIN_XML, virtual_hw_version=10)


@pytest.mark.parametrize("version", ["eight", 3, None, True, "8.5"])
def test_xml_to_vmx_rejects_bad_hardware_versions(version):
    with pytest.raises(AnsibleFilterError, match="virtual_hw_version"):
        xml_to_vmx(DOMAIN_XML, virtual_hw_version=version)


@pytest.mark.parametrize("document, fragment", [
    ("<domain", "malformed XML"),
    ('<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/hostname">]><domain><name>&x;</name></domain>', "DTD"),
    (DOMAIN_XML.replace("[datastore1] web01/web01.vmdk", "[datastore1] ../other/x.vmdk"), ".."),
])
def test_xml_to_vmx_errors_become_filter_errors(document, fragment):
    with pytest.raises(AnsibleFilterError) as caught:
        xml_to_vmx(document)
    assert str(caught.value).startswith("xml_to_vmx: ")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("value", [42, None, ["x"]])
def test_filters_reject_non_text_input(value):
    with pytest.raises(AnsibleFilterError, match="expects text"):
        xml_to_vmx(value)
    with pytest.raises(AnsibleFilterError, match="expects text"):
        vmx_to_xml(value)


def test_vmx_to_xml_resolves_relative_names_with_vmx_path():
    from lxml import etree

    root = etree.fromstring(vmx_to_xml(VMX, vmx_path="[datastore1] web01/web01.vmx").encode("utf-8"))
    assert root.findtext("name") == 'web|01 "prod"'
    assert root.find("devices/disk/source").get("file") == "[datastore1] web01/web01.vmdk"
    assert root.find("devices/graphics").get("passwd") is None
    unresolved = etree.fromstring(vmx_to_xml(VMX).encode("utf-8"))
    assert unresolved.find("devices/disk/source").get("file") == "web01.vmdk"


def test_vmx_to_xml_secure_and_namespace_options():
    from lxml import etree

    root = etree.fromstring(vmx_to_xml(VMX, secure="yes", datacenter_path="dc1", moref="vm-42").encode("utf-8"))
    assert root.find("devices/graphics").get("passwd") == "s3cret"
    namespace = "{http://libvirt.org/schemas/domain/vmware/1.0}"
    assert root.findtext(namespace + "datacenterpath") == "dc1"
    assert root.findtext(namespace + "moref") == "vm-42"


def test_vmx_to_xml_reads_bytes_in_their_declared_encoding():
    data = ('.encoding = "windows-1252"\n' + VMX.split("\n", 1)[1].replace("web|7c01", "caf\xe9")).encode("cp1252")
    assert "<name>caf\xe9 \"prod\"</name>" in vmx_to_xml(data).replace("&quot;", '"')


@pytest.mark.parametrize("text, fragment", [
    ('config.version = "8"\nvirtualHW.version', "line 2"),
    (VMX.replace('"web01.vmdk"', '"/vmfs/volumes/ds/../x.vmdk"'), ".."),
])
def test_vmx_to_xml_errors_become_filter_errors(text, fragment):
    with pytest.raises(AnsibleFilterError) as caught:
        vmx_to_xml(text)
    assert str(caught.value).startswith("vmx_to_xml: ") and fragment in str(caught.value)


def test_vmx_to_xml_rejects_bad_options():
    with pytest.raises(AnsibleFilterError, match="secure"):
        vmx_to_xml(VMX, secure="maybe")
    with pytest.raises(AnsibleFilterError, match="datacenter_path"):
        vmx_to_xml(VMX, datacenter_path=5)
