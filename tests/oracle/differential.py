# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The same input through libvirt's ``virsh domxml-from-native/-to-native vmware-vmx`` and the collection.

libvirt leaves file names to its driver; through ``esx://`` they are looked up on the host. The
collection's converters take the same decisions as callbacks, so the comparison gives them callbacks
that know the host's datastores as libvirt's ESX driver sees them (``HostFiles``): a bare name is
relative to the .vmx file's folder, which ``domxml-from-native`` does not know (libvirt: ``[?] ?``);
``/vmfs/volumes/<mount or name>/...`` names a datastore that must exist; ``[ds] path`` is written
with the datastore's mount path.

``compare_vmx2xml`` / ``compare_xml2vmx`` give ``(outcome, departure, detail)``: outcome
``identical`` (XML canonically equal; VMX equal line by line with libvirt's random UUID and MAC
masked), ``both_refuse``, ``departure`` (a difference named in docs/vmx-mapping.md's list of
deliberate departures, recognised by the rule of that name in ``DEPARTURES``) or ``different``.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats import domain
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

VMFS = '/vmfs/volumes/'
# What libvirt's ESX driver puts before a bare file name when it converts a VMX file it has no .vmx
# path for (domxml-from-native).
UNKNOWN_FOLDER = '[?] ?'


class HostFiles:
    """File-name callbacks for one host: ``datastores`` maps datastore name -> mount path."""

    def __init__(self, datastores):
        self.datastores = dict(datastores)

    def resolve_file(self, name, allow_missing=False):
        if '/' not in name and '\\' not in name:
            return '%s/%s' % (UNKNOWN_FOLDER, name)
        for datastore, mount in self.datastores.items():
            if name.startswith(mount):
                rest = name[len(mount):].lstrip('/\\').replace('\\', '/')
                return '[%s] %s' % (datastore, rest)
        if name.startswith(VMFS):
            parts = name[len(VMFS):].split('/', 1)
            datastore = parts[0]
            rest = parts[1].lstrip('/') if len(parts) > 1 else ''
            if datastore == '' or rest == '':
                raise VirtEsxError("file name '%s' is not /vmfs/volumes/<datastore>/<path>" % name)
            if datastore not in self.datastores:
                if allow_missing:
                    return None  # libvirt keeps a CD-ROM whose image is missing, empty
                raise VirtEsxError("file name '%s' names no datastore of the host" % name)
            return '[%s] %s' % (datastore, parts[1])
        if name.startswith('/'):
            return name
        raise VirtEsxError("cannot handle file name '%s'" % name)

    def format_file(self, source):
        if source.startswith('['):
            close = source.find(']')
            if close < 0:
                raise VirtEsxError("datastore path '%s' has no ']'" % source)
            datastore, path = source[1:close], source[close + 1:].lstrip(' ')
            if datastore not in self.datastores:
                raise VirtEsxError("no datastore '%s' on the host" % datastore)
            return '%s/%s' % (self.datastores[datastore].rstrip('/'), path)
        if source.startswith('/'):
            return source
        raise VirtEsxError("cannot handle file source '%s'" % source)


def ours_vmx2xml(vmx_bytes, files):
    try:
        return domain.vmx_to_domain_xml(vmx_bytes, resolve_file=files.resolve_file), None
    except VirtEsxError as err:
        return None, str(err)


def ours_xml2vmx(xml_text, files, virtual_hw_version):
    try:
        return domain.domain_xml_to_vmx(xml_text, virtual_hw_version=virtual_hw_version, format_file=files.format_file,
                                        autodetect_scsi_model=lambda *_a, **_k: 'lsilogic'), None
    except VirtEsxError as err:
        return None, str(err)


# Comparison -------------------------------------------------------------------------------------

def canonical_xml(text):
    from lxml import etree

    root = parse_xml(text.encode('utf-8') if isinstance(text, str) else text)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(root, method='c14n').decode('utf-8')


_RANDOM_LINES = re.compile(r'^(uuid\.bios|ethernet[0-9]+\.generatedAddress) = ".*"$')


def vmx_lines(text, mask_uuid):
    """VMX text as lines, libvirt's random values masked: the MAC it makes up, and the UUID when the input had none."""
    lines = []
    for line in text.rstrip('\n').split('\n'):
        match = _RANDOM_LINES.match(line)
        if match and (match.group(1) != 'uuid.bios' or mask_uuid):
            line = '%s = "<random>"' % match.group(1)
        lines.append(line)
    return lines


def _without(lines, pattern):
    return [line for line in lines if not re.match(pattern, line)]


# Each deliberate departure of docs/vmx-mapping.md as a rule: (libvirt's lines, ours) -> the same pair with
# that one difference taken away. An output pair is a departure when the rules, applied in turn, leave
# two equal texts; the names of the rules that changed something are recorded.

def _generated_mac(theirs, ours):
    """libvirt makes up a MAC for a NIC without one; the collection leaves it to ESX (addressType generated)."""
    return _without(theirs, r'^ethernet[0-9]+\.(generatedAddress|generatedAddressOffset) = '), ours


def _uuid_created_by_esx(theirs, ours):
    """Without a <uuid> libvirt writes a random one; the collection has ESX create it (uuid.action = "create"),
    as both do for the all-zero UUID."""
    if 'uuid.action = "create"' not in ours or 'uuid.action = "create"' in theirs:
        return theirs, ours
    return ([re.sub(r'^uuid\.bios = ".*"$', '<uuid>', line) for line in theirs],
            [line if line != 'uuid.action = "create"' else '<uuid>' for line in ours])


def _text_escaping(theirs, ours):
    """libvirt writes control characters (line breaks, DEL, C1 controls) raw, which breaks the .vmx file; the collection
    |XX-escapes them. ('|' and '"' both escape.)"""
    def raw(match):
        code = int(match.group(1), 16)
        return chr(code) if code < 0x20 or 0x7f <= code <= 0x9f else match.group(0)

    joined = []
    for line in ours:
        if line.startswith(('annotation = "', 'displayName = "')):
            line = re.sub(r'\|([0-9a-fA-F]{2})', raw, line)
        joined.extend(line.split('\n'))
    return theirs, joined


def _empty_block_floppy(theirs, ours):
    """libvirt writes an empty host floppy (type='block', no source) as fileType "file"; the collection keeps "device"."""
    named = {line.split('.', 1)[0] for line in ours if re.match(r'^floppy[01]\.fileName = ', line)}
    return theirs, [re.sub(r'^(floppy[01])\.fileType = "device"$', r'\1.fileType = "file"', line)
                    if line.split('.', 1)[0] not in named else line for line in ours]


XML2VMX_DEPARTURES = (
    ('generated-mac', _generated_mac),
    ('uuid-created-by-esx', _uuid_created_by_esx),
    ('text-escaping', _text_escaping),
    ('empty-block-floppy', _empty_block_floppy),
)


def _explain(theirs, ours):
    """The names of the departures that make the two line lists equal, or None."""
    applied = []
    for name, rule in XML2VMX_DEPARTURES:
        changed = rule(theirs, ours)
        if changed != (theirs, ours):
            applied.append(name)
            theirs, ours = changed
    return '+'.join(applied) if applied and theirs == ours else None


def _vnc_port_above_65535(xml_text):
    match = re.search(r"<graphics type='vnc' port='([0-9]+)'", xml_text)
    return match is not None and int(match.group(1)) > 65535


def _firmware_bios(vmx_text):
    return re.search(r'(?im)^\s*firmware\s*=\s*"bios"\s*$', vmx_text) is not None


def compare_vmx2xml(vmx_bytes, theirs_text, files):
    """(outcome, departure, detail) for one VMX input; ``theirs_text`` is virsh's answer ('' = refused)."""
    ours, error = ours_vmx2xml(vmx_bytes, files)
    theirs = theirs_text.strip() or None
    if theirs is None and ours is None:
        return 'both_refuse', None, error
    if theirs is not None and ours is not None:
        if canonical_xml(theirs) == canonical_xml(ours):
            return 'identical', None, None
        if '&#13;' in ours and canonical_xml(theirs) == canonical_xml(ours.replace('&#13;', '\n')):
            return 'departure', 'carriage-return-kept', None
        return 'different', None, 'libvirt:\n%s\nours:\n%s' % (theirs, ours)
    text = vmx_bytes.decode('latin-1')
    if theirs is None and _firmware_bios(text):
        return 'departure', 'firmware-bios', None
    if ours is None and 'is not a TCP port' in error and _vnc_port_above_65535(theirs):
        return 'departure', 'vnc-port-checked', None
    if theirs is None:
        return 'different', None, 'libvirt refuses, the collection gives:\n%s' % ours
    return 'different', None, 'the collection refuses (%s), libvirt gives:\n%s' % (error, theirs)


# What the collection refuses where libvirt writes the same keys twice (ESX then reads one of them).
REFUSED_DUPLICATES = (('duplicate-port-refused', 'is used twice'), ('second-vnc-refused', 'at most one VNC display'))


def compare_xml2vmx(xml_text, theirs_text, files, virtual_hw_version):
    ours, error = ours_xml2vmx(xml_text, files, virtual_hw_version)
    theirs = theirs_text if theirs_text.strip() else None
    if theirs is None and ours is None:
        return 'both_refuse', None, error
    if theirs is None:
        return 'different', None, 'libvirt refuses, the collection gives:\n%s' % ours
    if ours is None:
        keys = [line.split(' = ', 1)[0] for line in theirs.splitlines() if ' = ' in line]
        if len(keys) != len(set(keys)):
            for name, message in REFUSED_DUPLICATES:
                if message in error:
                    return 'departure', name, None
        if "has type 'network'" in error and 'emptyBackingString' in theirs:
            return 'departure', 'network-disk-refused', None
        return 'different', None, 'the collection refuses (%s), libvirt gives:\n%s' % (error, theirs)
    mask_uuid = '<uuid' not in xml_text
    theirs_lines, ours_lines = vmx_lines(theirs, mask_uuid), vmx_lines(ours, mask_uuid)
    if theirs_lines == ours_lines:
        return 'identical', None, None
    explained = _explain(theirs_lines, ours_lines)
    if explained:
        return 'departure', explained, None
    return 'different', None, 'libvirt:\n%s\nours:\n%s' % (theirs, ours)


# Named here as well: the departures the libvirt_oracle integration target allows (its files/compare.py).
DEPARTURE_NAMES = ('firmware-bios', 'carriage-return-kept', 'vnc-port-checked', 'network-disk-refused',
                   'duplicate-port-refused', 'second-vnc-refused', 'network-mtu', 'datastore-name-paths', 'interface-link',
                   'volume-key-on-vcenter') + tuple(name for name, _rule in XML2VMX_DEPARTURES)
