# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/vmx-mapping.md's tables against the converters, so that the two cannot drift apart.

The keys the reader looks at are recorded while a VMX file that uses every device
kind is converted; the keys the writer writes are those of the .vmx text written
for a domain that uses every device kind. Keys are compared with their numbers
replaced by N and in lower case (VMX keys are case-insensitive).
"""

from __future__ import annotations

import os
import re

import pytest

pytest.importorskip("lxml")

from ansible_collections.virt.esx.plugins.module_utils.formats import vmx_to_xml, xml_to_vmx  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import VmxFile, parse_vmx  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_to_vmx import convert_xml_to_vmx  # noqa: E402

DOC = os.path.join(os.path.dirname(__file__), *[os.pardir] * 5, "docs", "vmx-mapping.md")
_CODE_RE = re.compile(r"`([^`]*)`")
# Any name in the VMX column is a key; elsewhere in a row only names with a dot are taken for keys.
_KEY_RE = re.compile(r'(\.?[A-Za-z][\w:]*(?:\.[\w:]+)*)(?: = "[^"]*")?')
_DOTTED_KEY_RE = re.compile(r'(\.?[A-Za-z][\w:]*(?:\.[\w:]+)+|\.[A-Za-z]\w*)(?: = "[^"]*")?')
_HEADER_PREFIX_RE = re.compile(r"per `([^`]+)`")
_SLOT_PREFIXES = ("scsiN:N", "sataN:N", "ideN:N", "floppyN")
DIRECTIONS = ("<->", "->", "<-")
# The file's first line belongs to the VMX text format (see "Reading VMX text"), not to the mapping.
_FORMAT_HEADER_KEYS = {".encoding"}

RICH_VMX = """\
config.version = "8"
virtualHW.version = "13"
displayName = "rich"
uuid.bios = "56 4d 00 11 22 33 44 55-66 77 88 99 aa bb cc dd"
annotation = "notes"
memsize = "1024"
numvcpus = "2"
cpuid.coresPerSocket = "2"
RemoteDisplay.vnc.enabled = "true"
RemoteDisplay.vnc.port = "5901"
scsi0.present = "true"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "true"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "disk.vmdk"
sata0.present = "true"
sata0:0.present = "true"
sata0:0.deviceType = "cdrom-image"
sata0:0.fileName = "image.iso"
ide0:0.present = "true"
ide0:0.deviceType = "atapi-cdrom"
ide0:0.fileName = "auto detect"
floppy0.present = "true"
floppy0.fileType = "file"
floppy0.fileName = "floppy.flp"
isolation.tools.hgfs.disable = "false"
sharedFolder.maxNum = "1"
sharedFolder0.present = "true"
sharedFolder0.enabled = "true"
sharedFolder0.hostPath = "/host"
sharedFolder0.guestName = "guest"
ethernet0.present = "true"
ethernet0.connectionType = "custom"
ethernet0.networkName = "net"
ethernet0.vnet = "vmnet1"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0c:29:00:00:01"
ethernet1.present = "true"
ethernet1.addressType = "static"
ethernet1.address = "00:50:56:00:00:01"
ethernet1.dvs.switchId = "00 11 22 33 44 55 66 77-88 99 aa bb cc dd ee ff"
ethernet1.dvs.portgroupId = "pg"
ethernet1.dvs.portId = "1"
ethernet1.dvs.connectionId = "2"
serial0.present = "true"
serial0.fileType = "network"
serial0.fileName = "telnet://host:23"
parallel0.present = "true"
parallel0.fileType = "device"
parallel0.fileName = "/dev/parport0"
"""

RICH_XML = """\
<domain type='vmware'>
  <name>rich</name>
  <uuid>564d0011-2233-4455-6677-8899aabbccdd</uuid>
  <description>notes</description>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <memtune><min_guarantee unit='KiB'>262144</min_guarantee></memtune>
  <vcpu placement='static' cpuset='0-3'>2</vcpu>
  <cputune><shares>2000</shares></cputune>
  <os firmware='efi'><type arch='x86_64'>hvm</type><smbios mode='host'/></os>
  <cpu><topology sockets='1' cores='2' threads='1'/></cpu>
  <devices>
    <disk type='file' device='disk'>
      <driver cache='writethrough'/><source file='[ds] vm/disk.vmdk'/><target dev='sda' bus='scsi'/><transient/>
    </disk>
    <disk type='block' device='cdrom'><source startupPolicy='optional'/><target dev='hda' bus='ide'/></disk>
    <disk type='file' device='floppy'><source file='[ds] vm/floppy.flp'/><target dev='fda'/></disk>
    <controller type='scsi' index='0' model='lsilogic'/>
    <filesystem type='mount'><source dir='/host'/><target dir='guest'/><readonly/></filesystem>
    <interface type='bridge'>
      <mac address='00:0c:29:00:00:01'/><source bridge='net'/><target dev='vmnet1'/><model type='vmxnet2'/>
    </interface>
    <interface type='bridge'><mac address='00:50:56:00:00:01'/><source bridge='net'/></interface>
    <interface type='user'><mac address='00:50:56:80:00:01'/></interface>
    <interface type='vds'>
      <mac address='52:54:00:00:00:01'/>
      <source switchid='00112233-4455-6677-8899-aabbccddeeff' portgroupid='pg' portid='1' connectionid='2'/>
    </interface>
    <serial type='tcp'><source mode='bind' host='host' service='23'/><protocol type='telnet'/><target port='0'/></serial>
    <serial type='pipe'><source path='pipe'/><target port='1'/></serial>
    <serial type='dev'><source path='/dev/ttyS0'/><target port='2'/></serial>
    <serial type='file'><source path='[ds] vm/serial.log'/><target port='3'/></serial>
    <parallel type='file'><source path='[ds] vm/parallel.log'/></parallel>
    <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1' keymap='de' passwd='secret'/>
    <video><model type='vmvga' vram='8192'/></video>
  </devices>
</domain>
"""


def _normal(key):
    return re.sub(r"[0-9]+", "N", key).lower()


def _doc_rows():
    """(VMX cell keys, direction, keys named anywhere in the row) of every table row under 'The mapping'."""
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("\n## The mapping\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    header_prefixes = ()
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("| ---"):
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells[0].startswith("VMX"):
            named = _HEADER_PREFIX_RE.search(cells[0])
            header_prefixes = _SLOT_PREFIXES if "per slot" in cells[0] else (named.group(1),) if named else ()
            continue
        vmx_keys, other_keys = _keys_of(cells, header_prefixes)
        rows.append((vmx_keys, cells[1], vmx_keys + other_keys))
    return rows


def _keys_of(cells, header_prefixes):
    """The keys named in the VMX cell and in the other cells, each key as a tuple of normalised alternatives."""
    found = ([], [])
    device = None
    for position, cell in enumerate(cells):
        strict = position == 0
        for span in _CODE_RE.findall(cell):
            if span.startswith('"'):
                continue  # another value of the key before it
            match = (_KEY_RE if strict else _DOTTED_KEY_RE).fullmatch(span)
            if match is None:
                assert not strict, "the VMX column holds %r, which is no key (cell %r)" % (span, cell)
                continue
            key = match.group(1)
            if key.startswith("."):
                prefixes = (device,) if device else header_prefixes
                assert prefixes, "relative key %r in a row without a device (cell %r)" % (key, cell)
                alternatives = tuple(_normal(prefix + key) for prefix in prefixes)
            else:
                device = key.split(".", 1)[0] if "." in key else device
                alternatives = (_normal(key),)
            found[0 if strict else 1].append(alternatives)
    return found


@pytest.fixture(scope="module")
def read_keys():
    recorded = set()
    has, get = vmx_to_xml._Reader._has, VmxFile.get

    def recording_has(self, key):
        recorded.add(_normal(key))
        return has(self, key)

    def recording_get(self, key, default=None):
        recorded.add(_normal(key))
        return get(self, key, default)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vmx_to_xml._Reader, "_has", recording_has)
        patch.setattr(VmxFile, "get", recording_get)
        vmx_to_xml.convert_vmx_to_xml(RICH_VMX, resolve_file=lambda name, allow_missing: "[ds] " + name)
    return recorded


@pytest.fixture(scope="module")
def written_keys():
    vmx = convert_xml_to_vmx(RICH_XML, virtual_hw_version=10, format_file=lambda source: "/vmfs/volumes/" + source)
    return {_normal(key) for key in parse_vmx(vmx).keys()}


def test_the_doc_has_mapping_rows_in_every_direction():
    rows = _doc_rows()
    assert len(rows) > 50
    assert {direction for _keys, direction, _named in rows} == set(DIRECTIONS)


def test_every_key_of_a_vmx_to_xml_row_is_read(read_keys):
    missing = [alternatives for keys, direction, _named in _doc_rows() if direction in ("<->", "->")
               for alternatives in keys if not read_keys.intersection(alternatives)]
    assert missing == []


def test_every_key_of_an_xml_to_vmx_row_is_written(written_keys):
    missing = [alternatives for keys, direction, _named in _doc_rows() if direction in ("<->", "<-")
               for alternatives in keys if not written_keys.intersection(alternatives)]
    assert missing == []


def test_every_written_key_is_named_in_the_doc(written_keys):
    named = {key for _keys, _direction, keys in _doc_rows() for alternatives in keys for key in alternatives}
    assert sorted(written_keys - named - _FORMAT_HEADER_KEYS) == []


def test_keys_are_compared_without_numbers_and_case():
    assert _normal("scsi0:12.fileName") == _normal("scsiN:N.filename") == "scsin:n.filename"
    assert _normal("ethernet3.dvs.switchId") == "ethernetn.dvs.switchid"


def _head_table_keys(module):
    """The keys (or key prefixes) in the mapping table of ``module``'s documentation."""
    lines = module.__doc__.splitlines()
    start = next(number for number, line in enumerate(lines)
                 if "VMX key" in line and "domain XML" in line)
    header = lines[start]
    key_column = header.index("VMX key")
    other_column = header.index("domain XML")
    keys = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cell = line[key_column:other_column] if key_column < other_column else line[key_column:]
        previous = None
        for item in re.sub(r"\([^)]*\)", "", cell).split(","):
            item = item.strip()
            if item.startswith("."):
                item = previous.rsplit(".", 1)[0] + item
            keys.append(_normal(item).replace(":m", ":n"))
            previous = item
    return keys


@pytest.mark.parametrize("module, directions", [(vmx_to_xml, ("<->", "->")), (xml_to_vmx, ("<->", "<-"))],
                         ids=["vmx_to_xml", "xml_to_vmx"])
def test_the_table_at_the_head_of_each_converter_names_keys_of_the_doc(module, directions):
    documented = {key for keys, direction, _named in _doc_rows() if direction in directions
                  for alternatives in keys for key in alternatives}
    head = _head_table_keys(module)
    assert len(head) > 25
    missing = [key for key in head
               if not any(doc == key.rstrip(".*") or doc.startswith(key.rstrip("*").rstrip(".") + ".")
                          for doc in documented)]
    assert missing == []
