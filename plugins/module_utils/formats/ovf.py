# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVF descriptors (DMTF DSP0243, OVF 1.x and 2.x): what a deploy needs to know before asking vSphere.

    descriptor = read_ovf_descriptor(text)     # text or bytes of the .ovf
    descriptor['name']                 # the VirtualSystem's Name (else its ovf:id)
    descriptor['files']                # [{'id', 'href', 'size'}], the References (hrefs checked)
    descriptor['disks']                # [{'id', 'file_ref', 'capacity' (bytes), 'populated_size'}]
    descriptor['networks']             # ['VM Network', ...], the NetworkSection's names
    descriptor['properties']           # [{'key', 'type', 'default', 'user_configurable', 'label', 'password'}]
    descriptor['deployment_options']   # [{'id', 'label', 'default'}]
    descriptor['hardware']             # {'cpus', 'memory_mb', 'nics': [network, ...], 'disks': n}
    check_deploy_options(descriptor, networks=..., properties=..., deployment_option=...)

vSphere's OvfManager reads the descriptor itself (CreateImportSpec); this reading is for the
controller's side: which files to send, which mapping and property names are valid (an unknown one
is an error here, where vSphere would ignore it), and the sizes for the progress figures.

A file reference must stay in the OVF's folder (or the OVA): an absolute href, a URL, ``..`` or a
backslash is refused, so that a descriptor cannot make the module read a file elsewhere.

XML is read only through ``xmlsafe.parse_xml`` (no DTD, no entities, no network). Errors are
``OvfError``.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

OVF_NAMESPACES = ('http://schemas.dmtf.org/ovf/envelope/1', 'http://schemas.dmtf.org/ovf/envelope/2')
RASD_NAMESPACES = ('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData',)
# OVF 2 puts Ethernet ports in EthernetPortItem (epasd); their Connection is read the same way.
EPASD_NAMESPACE = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData'

RESOURCE_CPU, RESOURCE_MEMORY, RESOURCE_NIC, RESOURCE_DISK = '3', '4', '10', '17'

_UNIT_RE = re.compile(r'^\s*byte\s*(?:\*\s*(\d+)\s*\^\s*(\d+)\s*)?$', re.IGNORECASE)
_NAMED_UNITS = {'byte': 1, 'bytes': 1, 'kilobytes': 1024, 'megabytes': 1024 ** 2, 'gigabytes': 1024 ** 3,
                'terabytes': 1024 ** 4}
_URL_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:')


class OvfError(VirtEsxError):
    """A malformed OVF descriptor, or deploy options that do not fit it."""


def allocation_unit_bytes(units):
    """Bytes per unit of an ``ovf:capacityAllocationUnits`` value (``byte * 2^30``, ``byte``, ``GigaBytes``)."""
    if units is None or units.strip() == '':
        return 1
    match = _UNIT_RE.match(units)
    if match:
        base, exponent = match.groups()
        return int(base) ** int(exponent) if base else 1
    named = _NAMED_UNITS.get(units.strip().lower())
    if named is None:
        raise OvfError('OVF allocation unit %r is not understood (expected a form like "byte * 2^30")' % units)
    return named


def _int(value, what):
    if value is None or value == '':
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise OvfError('OVF %s %r is not a whole number' % (what, value))


def check_href(href):
    """An href that stays in the OVF's folder: relative, no URL, no '..', no backslash."""
    if not href or href.startswith('/') or _URL_RE.match(href) or '\\' in href or '\0' in href:
        raise OvfError('OVF file reference %r is not a file name beside the descriptor '
                       '(absolute paths and URLs are not read)' % (href,))
    if any(part in ('', '.', '..') for part in href.split('/')):
        raise OvfError("OVF file reference %r has an empty, '.' or '..' part" % (href,))
    return href


class _Reader(object):
    def __init__(self, root):
        namespace = root.tag[1:].split('}', 1)[0] if root.tag.startswith('{') else ''
        if namespace not in OVF_NAMESPACES or root.tag.split('}')[-1] != 'Envelope':
            raise OvfError('not an OVF descriptor: the root element is %s, not an OVF Envelope' % root.tag)
        self.root = root
        self.ns = namespace

    def tag(self, name):
        return '{%s}%s' % (self.ns, name)

    def attr(self, element, name):
        value = element.get('{%s}%s' % (self.ns, name))
        if value is None:
            value = element.get(name)
        return value

    def children(self, element, name):
        return element.findall(self.tag(name))

    def child_text(self, element, name):
        found = element.find(self.tag(name))
        return found.text.strip() if found is not None and found.text else None


def _local_name(tag):
    return tag.split('}')[-1] if isinstance(tag, str) else ''


def _rasd(item):
    """{local element name: text} of a hardware Item (rasd or epasd elements)."""
    fields = {}
    for child in item:
        name = _local_name(child.tag)
        if name and name not in fields:
            fields[name] = (child.text or '').strip()
    return fields


def _properties(reader, system):
    found = []
    for section in reader.children(system, 'ProductSection'):
        product_class = reader.attr(section, 'class')
        instance = reader.attr(section, 'instance')
        for prop in reader.children(section, 'Property'):
            key = reader.attr(prop, 'key')
            if not key:
                raise OvfError('an OVF Property has no ovf:key')
            # vSphere names a property of a classed product section "class.key.instance".
            full_key = '.'.join(part for part in (product_class, key, instance) if part) if product_class or instance else key
            found.append(dict(
                key=full_key,
                type=reader.attr(prop, 'type') or 'string',
                default=reader.attr(prop, 'value'),
                user_configurable=(reader.attr(prop, 'userConfigurable') or 'false').lower() in ('true', '1'),
                password=(reader.attr(prop, 'password') or 'false').lower() in ('true', '1'),
                label=reader.child_text(prop, 'Label'),
                description=reader.child_text(prop, 'Description'),
            ))
    return found


def read_ovf_descriptor(data):
    """The deploy facts of an OVF descriptor (see the module docstring); ``OvfError`` when unreadable."""
    try:
        root = parse_xml(data)
    except DomainXmlError as exc:
        raise OvfError('The OVF descriptor is not readable XML: %s' % exc)
    reader = _Reader(root)

    files = []
    references = root.find(reader.tag('References'))
    for element in reader.children(references, 'File') if references is not None else ():
        file_id = reader.attr(element, 'id')
        if not file_id:
            raise OvfError('an OVF File reference has no ovf:id')
        if reader.attr(element, 'chunkSize'):
            raise OvfError('OVF file %s is split in chunks (ovf:chunkSize), which is not supported' % file_id)
        if (reader.attr(element, 'compression') or 'identity') != 'identity':
            # The lease takes the disk as it is: a gzip-compressed file would arrive as garbage.
            raise OvfError('OVF file %s is compressed (ovf:compression=%s): unpack the package first'
                           % (file_id, reader.attr(element, 'compression')))
        files.append(dict(id=file_id, href=check_href(reader.attr(element, 'href')),
                          size=_int(reader.attr(element, 'size'), 'file size'),
                          compression=reader.attr(element, 'compression')))
    file_ids = set(item['id'] for item in files)

    disks = []
    for section in reader.children(root, 'DiskSection'):
        for element in reader.children(section, 'Disk'):
            capacity = _int(reader.attr(element, 'capacity'), 'disk capacity')
            file_ref = reader.attr(element, 'fileRef')
            if file_ref and file_ref not in file_ids:
                raise OvfError('OVF disk %s names the file %s, which References does not list'
                               % (reader.attr(element, 'diskId'), file_ref))
            disks.append(dict(
                id=reader.attr(element, 'diskId'), file_ref=file_ref,
                capacity=None if capacity is None else capacity * allocation_unit_bytes(
                    reader.attr(element, 'capacityAllocationUnits')),
                populated_size=_int(reader.attr(element, 'populatedSize'), 'disk populatedSize')))

    networks = []
    for section in reader.children(root, 'NetworkSection'):
        for element in reader.children(section, 'Network'):
            name = reader.attr(element, 'name')
            if name and name not in networks:
                networks.append(name)

    systems = root.findall(reader.tag('VirtualSystem'))
    if not systems:
        if root.find(reader.tag('VirtualSystemCollection')) is not None:
            raise OvfError('The OVF describes a vApp (VirtualSystemCollection); only single virtual machines are '
                           'deployed')
        raise OvfError('The OVF descriptor has no VirtualSystem')
    system = systems[0]

    options = []
    for section in reader.children(root, 'DeploymentOptionSection'):
        for element in reader.children(section, 'Configuration'):
            options.append(dict(id=reader.attr(element, 'id'), label=reader.child_text(element, 'Label'),
                                default=(reader.attr(element, 'default') or 'false').lower() in ('true', '1')))

    hardware = dict(cpus=None, memory_mb=None, nics=[], disks=0)
    section = system.find(reader.tag('VirtualHardwareSection'))
    if section is not None:
        for item in list(section.findall(reader.tag('Item'))) + list(section.findall(reader.tag('EthernetPortItem'))):
            fields = _rasd(item)
            kind = fields.get('ResourceType')
            if kind == RESOURCE_CPU:
                hardware['cpus'] = _int(fields.get('VirtualQuantity'), 'CPU count')
            elif kind == RESOURCE_MEMORY:
                quantity = _int(fields.get('VirtualQuantity'), 'memory size')
                unit = allocation_unit_bytes(fields.get('AllocationUnits') or 'byte * 2^20')
                hardware['memory_mb'] = None if quantity is None else quantity * unit // (1024 * 1024)
            elif kind == RESOURCE_NIC:
                hardware['nics'].append(fields.get('Connection'))
            elif kind == RESOURCE_DISK:
                hardware['disks'] += 1

    return dict(
        name=reader.child_text(system, 'Name') or reader.attr(system, 'id'),
        id=reader.attr(system, 'id'),
        ovf_version=2 if reader.ns == OVF_NAMESPACES[1] else 1,
        files=files, disks=disks, networks=networks, properties=_properties(reader, system),
        deployment_options=options, hardware=hardware)


def _known(values):
    return ', '.join(sorted(values)) or 'none'


def check_deploy_options(descriptor, networks=None, properties=None, deployment_option=None):
    """Raise OvfError for a mapping or property name the descriptor does not have; the property values as text."""
    for name in networks or {}:
        if name not in descriptor['networks']:
            raise OvfError("networks: the OVF has no network %r (its networks: %s)" % (name, _known(descriptor['networks'])))
    by_key = dict((prop['key'], prop) for prop in descriptor['properties'])
    values = {}
    for key, value in (properties or {}).items():
        prop = by_key.get(key)
        if prop is None:
            raise OvfError("properties: the OVF has no property %r (its properties: %s)" % (key, _known(by_key)))
        if not prop['user_configurable']:
            raise OvfError("properties: the OVF property %r is not user configurable" % key)
        if isinstance(value, bool):
            value = 'True' if value else 'False'
        values[key] = '' if value is None else str(value)
        if prop['type'] == 'boolean' and values[key].lower() not in ('true', 'false'):
            raise OvfError("properties: %r is a boolean property; %r is neither true nor false" % (key, value))
        if prop['type'].startswith(('int', 'uint', 'real')) and values[key] != '':
            try:
                float(values[key])
            except ValueError:
                raise OvfError("properties: %r is a %s property; %r is not a number" % (key, prop['type'], value))
    if deployment_option:
        ids = [option['id'] for option in descriptor['deployment_options']]
        if deployment_option not in ids:
            raise OvfError("deployment_option: the OVF has no configuration %r (its configurations: %s)"
                           % (deployment_option, _known(ids)))
    return values
