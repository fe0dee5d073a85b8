# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk property reads over raw SOAP, parsed with lxml.

pyvmomi's deserializer builds a typed object for every value of an answer; for
the inventory of 10,000 VMs that costs several times more than the server's
work.  This reader sends RetrievePropertiesEx / ContinueRetrievePropertiesEx
itself, on the pyvmomi session's own HTTP connections (same cookie, TLS
settings, proxy), and turns each ``<objects>`` element into plain Python values
as lxml streams the answer in.  Login and everything else stay with pyvmomi;
an answer that says the session expired makes the session log in again
(``session.relogin()``) and the retrieval is repeated once.

    reader = SoapReader(session)
    for obj in reader.retrieve(inventory_filter_spec({'VirtualMachine': ['name']})):
        obj.type, obj.moid, obj.props['name'], obj.missing

Values: strings, ints, bools and floats as declared by the vSphere types
(pyvmomi's type tables when pyvmomi is present), enums as their string,
managed object references as their moid string, arrays as lists and data
objects as dicts (their ``xsi:type`` under ``'_type'``).
"""

from __future__ import annotations

import contextlib
import gc
import gzip

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:
    etree = None
    HAS_LXML = False

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import escape_markup as _text
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import VmomiSupport

VIM_NS = 'urn:vim25'
SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
XSI_TYPE = '{http://www.w3.org/2001/XMLSchema-instance}type'
DEFAULT_PAGE_SIZE = 1000

_OBJECTS_TAG = '{%s}objects' % VIM_NS
_TOKEN_TAG = '{%s}token' % VIM_NS
_FAULT_TAG = '{%s}Fault' % SOAP_ENV_NS
_VIM_PREFIX_LEN = len(VIM_NS) + 2

_ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
             ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
             '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')


def _bool_of(text):
    return text == 'true'


_XSD_CONVERTERS = {
    'string': str, 'int': int, 'long': int, 'short': int, 'byte': int,
    'float': float, 'double': float, 'boolean': _bool_of,
}


class SoapFault(SessionError):
    """The server answered with a SOAP fault."""

    def __init__(self, fault_type, message):
        self.fault_type = fault_type
        self.fault_message = message
        super(SoapFault, self).__init__('%s: %s' % (fault_type, message) if message else fault_type)


class RetrievedObject(object):
    """One ObjectContent: type and moid of the object, its properties, and the
    paths the server could not read (path -> fault type)."""

    __slots__ = ('type', 'moid', 'props', 'missing')

    def __init__(self, obj_type, moid, props, missing):
        self.type = obj_type
        self.moid = moid
        self.props = props
        self.missing = missing

    def __repr__(self):
        return 'RetrievedObject(%s:%s, %r, missing=%r)' % (self.type, self.moid, self.props, self.missing)


def require_lxml():
    if not HAS_LXML:
        raise SessionError('The lxml Python library is required (pip install lxml)')


# -- requests -------------------------------------------------------------------

def _traversal(name, obj_type, path, select_names):
    selects = ''.join('<selectSet><name>%s</name></selectSet>' % _text(select) for select in select_names)
    return ('<selectSet xsi:type="TraversalSpec"><name>%s</name><type>%s</type><path>%s</path><skip>false</skip>%s</selectSet>'
            % (_text(name), _text(obj_type), _text(path), selects))


# Everything below the root folder that holds VMs, and the containers whose
# names make up their paths: folders, datacenters, clusters and hosts, plus
# the datastores and networks VMs refer to.
_INVENTORY_TRAVERSAL = ''.join([
    _traversal('folderChildren', 'Folder', 'childEntity', ['folderChildren', 'datacenterVms', 'datacenterHosts',
                                                           'datacenterDatastores', 'datacenterNetworks',
                                                           'computeHosts', 'vappVms']),
    _traversal('datacenterVms', 'Datacenter', 'vmFolder', ['folderChildren']),
    _traversal('datacenterHosts', 'Datacenter', 'hostFolder', ['folderChildren']),
    _traversal('datacenterDatastores', 'Datacenter', 'datastore', []),
    _traversal('datacenterNetworks', 'Datacenter', 'network', []),
    _traversal('computeHosts', 'ComputeResource', 'host', []),
    _traversal('vappVms', 'VirtualApp', 'vm', []),
])


def retrieve_request(properties_by_type, root_moid='group-d1', root_type='Folder', collector='propertyCollector',
                     page_size=DEFAULT_PAGE_SIZE, extra_objects=()):
    """The RetrievePropertiesEx envelope for every object of the given types below a folder.

    ``extra_objects`` are (type, moid) of more objects read in the same query (no traversal from them).
    """
    prop_specs = ''.join(
        '<propSet><type>%s</type>%s</propSet>' % (_text(obj_type), ''.join('<pathSet>%s</pathSet>' % _text(path) for path in paths))
        for obj_type, paths in properties_by_type.items())
    options = '<options><maxObjects>%d</maxObjects></options>' % page_size if page_size else '<options></options>'
    body = ('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this><specSet>%s'
            '<objectSet><obj type="%s">%s</obj><skip>false</skip>%s</objectSet>%s</specSet>%s</RetrievePropertiesEx>'
            % (_text(collector), prop_specs, _text(root_type), _text(root_moid), _INVENTORY_TRAVERSAL,
               ''.join('<objectSet><obj type="%s">%s</obj><skip>false</skip></objectSet>' % (_text(kind), _text(moid))
                       for kind, moid in extra_objects), options))
    return (_ENVELOPE % body).encode('utf-8')


def continue_request(token, collector='propertyCollector'):
    body = ('<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this>'
            '<token>%s</token></ContinueRetrievePropertiesEx>' % (_text(collector), _text(token)))
    return (_ENVELOPE % body).encode('utf-8')


# -- values -----------------------------------------------------------------------
#
# An answer repeats the same few value types for every object, so every decision
# about a type (how to convert an xsi:type, what a data object's field holds) is
# made once and kept in the type table; the per-value work is a dict lookup.

_PROPSET_TAG = '{urn:vim25}propSet'
_NAME_TAG = '{urn:vim25}name'
_VAL_TAG = '{urn:vim25}val'
_OBJ_TAG = '{urn:vim25}obj'
_MISSING_TAG = '{urn:vim25}missingSet'


def _local(tag):
    return tag[_VIM_PREFIX_LEN:] if tag.startswith('{urn:vim25}') else tag.rsplit('}', 1)[-1]


def _strip_prefix(qname):
    return qname.rsplit(':', 1)[-1] if qname else qname


def _text_of(element):
    """Strings and managed object references: the text; an empty element is the empty string.

    Real servers send empty strings (``<annotation></annotation>``, ``<val xsi:type="xsd:string"/>``);
    pyvmomi reads them as '', and so must this reader: None would be a third state beside
    "absent" and "empty" that playbooks cannot tell apart with ``is string``.
    """
    return element.text or ''


def _texts_of(element):
    """Arrays of strings or of references: their items' texts (empty items as '')."""
    return [item.text or '' for item in element]


def _scalar_reader(converter):
    return lambda element: _convert_text(converter, element.text)


class _TypeTable(object):
    """What vSphere's types hold, from pyvmomi's tables when present, and how to convert them."""

    def __init__(self):
        self._fields = {}
        self._data_types = {}
        # raw xsi:type attribute ('xsd:string', 'ArrayOfString', ...) -> converter of the element
        self.handlers = {}
        # (data object type, child tag) -> (field name, declared type, converter of a scalar field)
        self.members = {}
        # managed object type -> property path -> converter of its <val>, or None to go by xsi:type
        self.plans = {}

    def field(self, type_name, field_name):
        key = (type_name, field_name)
        try:
            return self._fields[key]
        except KeyError:
            pass
        declared = None
        if VmomiSupport is not None and type_name:
            try:
                info = VmomiSupport.GetWsdlType(VIM_NS, type_name)._GetPropertyInfo(field_name)
                declared = _describe(info.type)
            except Exception:  # pylint: disable=broad-except
                # An unknown type or field: fall back to the shape of the XML.
                declared = None
        self._fields[key] = declared
        return declared

    def member(self, type_name, tag):
        key = (type_name, tag)
        found = self.members.get(key)
        if found is None:
            name = _local(tag)
            declared = self.field(type_name, name)
            scalar = declared[1] if declared is not None and declared[0] == 'scalar' else None
            found = self.members[key] = (name, declared, scalar)
        return found

    def plan(self, obj_type, path):
        """How to read the <val> of a property path of a managed object type.

        Where the schema fixes the value's type (strings and enums, numbers,
        booleans, references and arrays of references or strings), the
        converter does not read xsi:type: reading that namespaced attribute is
        the costliest step for such a value.  Data objects, which may come as
        any subtype, and anything unknown go by xsi:type (None).
        """
        declared = ('data', obj_type)
        for field_name in path.split('.'):
            declared = self.field(declared[1], field_name) if declared[0] == 'data' else None
            if declared is None:
                break
        plan = None
        if declared is not None:
            kind, detail = declared
            if kind == 'moref' or (kind == 'scalar' and detail is str):
                plan = _text_of
            elif kind == 'scalar':
                plan = _scalar_reader(detail)
            elif kind == 'list' and (detail[0] == 'moref' or detail == ('scalar', str)):
                plan = _texts_of
        self.plans.setdefault(obj_type, {})[path] = plan
        return plan

    def is_data_type(self, type_name):
        known = self._data_types.get(type_name)
        if known is not None:
            return known
        found = False
        if VmomiSupport is not None:
            try:
                found = issubclass(VmomiSupport.GetWsdlType(VIM_NS, type_name), VmomiSupport.DataObject)
            except Exception:  # pylint: disable=broad-except
                found = False
        self._data_types[type_name] = found
        return found

    def declared(self, type_name):
        if type_name in _XSD_CONVERTERS:
            return ('scalar', _XSD_CONVERTERS[type_name])
        if type_name == 'ManagedObjectReference':
            return ('moref', None)
        return ('data', type_name) if self.is_data_type(type_name) else None

    def handler(self, raw_type):
        handler = self.handlers.get(raw_type)
        if handler is None:
            handler = self.handlers[raw_type] = self._new_handler(_strip_prefix(raw_type))
        return handler

    def _new_handler(self, xsi_type):
        if xsi_type in ('string', 'ManagedObjectReference'):
            return _text_of
        if xsi_type in ('ArrayOfString', 'ArrayOfManagedObjectReference'):
            return _texts_of
        if xsi_type.startswith('ArrayOf'):
            item_declared = self.declared(_array_item_type(xsi_type))
            return lambda element: [convert_value(child, item_declared) for child in element]
        converter = _XSD_CONVERTERS.get(xsi_type)
        if converter is not None:
            return _scalar_reader(converter)
        if self.is_data_type(xsi_type):
            return lambda element: _data_object(element, xsi_type)
        # An enum (its text) or a type unknown to the tables (its shape decides).
        return lambda element: _data_object(element, xsi_type) if len(element) else (element.text or '')


def _array_item_type(array_type):
    """'ArrayOfInt' -> 'int', 'ArrayOfVirtualDevice' -> 'VirtualDevice'.

    The WSDL names arrays of XML Schema primitives with a capital letter (ArrayOfInt,
    ArrayOfLong, ArrayOfBoolean) while their items are xsd:int, xsd:long, xsd:boolean;
    real servers send such items without xsi:type, so the array's name must type them.
    """
    item = array_type[len('ArrayOf'):]
    primitive = item[:1].lower() + item[1:]
    return primitive if primitive in _XSD_CONVERTERS else item


# Where the WSDL declares a LocalizedMethodFault (TaskInfo.error, MissingProperty.fault, ...) pyvmomi's
# tables say MethodFault; the element itself tells them apart: a LocalizedMethodFault wraps the fault
# in <fault> and adds <localizedMessage>, a MethodFault carries the fault's own fields.
_LOCALIZED_FAULT_CHILDREN = frozenset(['{urn:vim25}fault', '{urn:vim25}localizedMessage'])


def _is_localized_fault(element):
    return len(element) > 0 and all(child.tag in _LOCALIZED_FAULT_CHILDREN for child in element)


def _describe(pytype):
    """('list', item) | ('moref', None) | ('data', wsdl name) | ('scalar', converter) | ('any', str).

    'scalar' fields hold what the schema says; 'any' (xsd:anyType) fields say
    their type with xsi:type, read as a string when they do not.
    """
    if issubclass(pytype, list):
        return ('list', _describe(pytype.Item))
    if issubclass(pytype, VmomiSupport.ManagedObject):
        return ('moref', None)
    if issubclass(pytype, VmomiSupport.DataObject):
        return ('data', pytype._wsdlName)
    if issubclass(pytype, bool):
        return ('scalar', _bool_of)
    if issubclass(pytype, int):
        return ('scalar', int)
    if issubclass(pytype, float):
        return ('scalar', float)
    if pytype is object:
        return ('any', str)
    return ('scalar', str)


_TYPES = _TypeTable()


def convert_value(element, declared=None):
    """A ``<val>`` (or nested) element as plain Python values."""
    raw_type = element.get(XSI_TYPE)
    if raw_type:
        return _TYPES.handler(raw_type)(element)
    if declared is not None:
        kind, detail = declared
        if kind == 'moref':
            return element.text
        if kind == 'data':
            if detail == 'MethodFault' and _is_localized_fault(element):
                detail = 'LocalizedMethodFault'
            return _data_object(element, detail)
        if kind in ('scalar', 'any'):
            return _convert_text(detail, element.text)
    if element.get('type') is not None and len(element) == 0:
        return element.text  # a managed object reference
    if len(element) == 0:
        return element.text or ''
    return _data_object(element, None)


def _convert_text(converter, text):
    if text is None:
        # An empty element: the empty string for a string, nothing for a number or boolean.
        return '' if converter is str else None
    try:
        return converter(text)
    except ValueError:
        return text


def _data_object(element, type_name):
    result = {'_type': type_name} if type_name else {}
    members = _TYPES.members
    for child in element:
        member = members.get((type_name, child.tag))
        if member is None:
            member = _TYPES.member(type_name, child.tag)
        name, declared, scalar = member
        if scalar is not None:
            # A string, number or boolean field: the schema fixes its type, no xsi:type to read.
            text = child.text
            if scalar is str:
                value = text or ''
            else:
                value = None if text is None else _convert_text(scalar, text)
        elif declared is not None and declared[0] == 'list':
            result.setdefault(name, []).append(convert_value(child, declared[1]))
            continue
        else:
            value = convert_value(child, declared)
        if name in result:
            # Without type tables a repeated field is the only sign of an array.
            previous = result[name]
            result[name] = previous + [value] if isinstance(previous, list) and declared is None else [previous, value]
        else:
            result[name] = value
    return result


def _object_content(element):
    """One ``<objects>`` (ObjectContent: obj, propSet*, missingSet*) as a RetrievedObject.

    A DynamicProperty is the sequence <name><val> in vSphere's schema, so the two
    children of a propSet are taken by position, and a value whose type the
    schema fixes is read without looking at xsi:type (see _TypeTable.plan):
    checking tags and types would cost as much as the rest of the work on a value.
    """
    children = len(element)
    first = element[0] if children else None
    if first is None or first.tag != _OBJ_TAG:
        return _object_content_by_tags(element)
    obj_type = first.get('type')
    props = {}
    plans = _TYPES.plans.get(obj_type) or {}
    for child in element.iterchildren(_PROPSET_TAG):
        children -= 1
        try:
            val = child[1]
        except IndexError:
            # A property without a value.
            if len(child):
                props[child[0].text] = None
            continue
        name = child[0].text
        try:
            plan = plans[name]
        except KeyError:
            plan = _TYPES.plan(obj_type, name)
        if plan is _text_of:
            props[name] = val.text or ''
        elif plan is not None:
            props[name] = plan(val)
        else:
            props[name] = convert_value(val)
    # Anything but obj and the propSets: missingSets, rare enough to look for only when there is something.
    missing = _missing_paths(element) if children > 1 else {}
    return RetrievedObject(obj_type, first.text, props, missing)


def _object_content_by_tags(element):
    """An ObjectContent in another order than the schema's, read by tags."""
    obj_type = moid = None
    props = {}
    for child in element:
        if child.tag == _OBJ_TAG:
            obj_type = child.get('type')
            moid = child.text
        elif child.tag == _PROPSET_TAG:
            name = val = None
            for part in child:
                if part.tag == _NAME_TAG:
                    name = part.text
                elif part.tag == _VAL_TAG:
                    val = part
            if name is not None:
                props[name] = convert_value(val) if val is not None else None
    return RetrievedObject(obj_type, moid, props, _missing_paths(element))


def _missing_paths(element):
    """The missingSets of an ObjectContent: path -> fault type."""
    missing = {}
    for child in element.iterchildren(_MISSING_TAG):
        path = fault_type = None
        for part in child:
            if part.tag == '{urn:vim25}path':
                path = part.text
            elif part.tag == '{urn:vim25}fault':
                fault_type = _fault_type(part)
        if path is not None:
            missing[path] = fault_type or 'unknown'
    return missing


def _fault_type(fault_element):
    xsi_type = _strip_prefix(fault_element.get(XSI_TYPE))
    if xsi_type:
        return xsi_type
    for child in fault_element:
        xsi_type = _strip_prefix(child.get(XSI_TYPE))
        if xsi_type:
            return xsi_type
    return None


def _fault_part(element, name):
    """faultstring / detail of a SOAP 1.1 fault: unqualified by the standard, namespaced by some servers."""
    for child in element:
        if isinstance(child.tag, str) and child.tag.rsplit('}', 1)[-1] == name:
            return child
    return None


def _raise_fault(element):
    faultstring = _fault_part(element, 'faultstring')
    message = (faultstring.text if faultstring is not None else None) or ''
    fault_type = 'SOAP fault'
    detail = _fault_part(element, 'detail')
    if detail is not None and len(detail):
        first = detail[0]
        # <NotAuthenticatedFault xsi:type="NotAuthenticated">: the xsi:type names the fault, else the
        # element's name without the 'Fault' suffix the WSDL gives fault elements.
        tag_name = _local(first.tag)
        if tag_name.endswith('Fault') and len(tag_name) > len('Fault'):
            tag_name = tag_name[:-len('Fault')]
        fault_type = _strip_prefix(first.get(XSI_TYPE)) or tag_name or fault_type
    raise SoapFault(fault_type, message.strip())


def parse_retrieve_response(stream, on_object=None):
    """Parse a (Continue)RetrievePropertiesEx answer from a file-like object.

    Returns ``(objects, token)``; with ``on_object`` each RetrievedObject goes
    to that callable as soon as it is parsed and ``objects`` is empty.  Raises
    SoapFault for a fault answer, SessionError for anything that is not XML.
    """
    require_lxml()
    objects = []
    emit = on_object or objects.append
    token = None
    try:
        for _event, element in etree.iterparse(stream, events=('end',), tag=(_OBJECTS_TAG, _TOKEN_TAG, _FAULT_TAG),
                                               resolve_entities=False, no_network=True, huge_tree=True):
            tag = element.tag
            if tag == _OBJECTS_TAG:
                emit(_object_content(element))
                element.clear()
                parent = element.getparent()
                # Drop what was already read, so memory stays one page's worth of objects at most.
                while element.getprevious() is not None:
                    del parent[0]
            elif tag == _TOKEN_TAG:
                token = (element.text or '').strip() or None
            else:
                _raise_fault(element)
    except etree.XMLSyntaxError as exc:
        raise SessionError('The server sent an answer that is not valid XML: %s' % exc)
    return objects, token


@contextlib.contextmanager
def gc_paused():
    """Cyclic garbage collection off while bulk values are built.

    The values hold no reference cycles, and building hundreds of thousands of
    dicts and lists would make the collector walk every live object again and
    again (in ansible-inventory: all of Ansible's too).  The caller's setting is
    restored, so pauses nest.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- the transport --------------------------------------------------------------------

def answer_stream(response):
    """The body of an HTTP answer as a stream, decompressed if the server sent it gzip-encoded."""
    encoding = (response.getheader('Content-Encoding') or '').strip().lower()
    if encoding in ('gzip', 'x-gzip'):
        return gzip.GzipFile(fileobj=response, mode='rb')
    if encoding not in ('', 'identity'):
        raise SessionError('The server answered a property read with Content-Encoding %s, which was not asked for' % encoding)
    return response


class SoapReader(object):
    """Raw (Continue)RetrievePropertiesEx on the HTTP connections of a ViSession."""

    def __init__(self, session, page_size=DEFAULT_PAGE_SIZE):
        require_lxml()
        self.session = session
        self.page_size = page_size
        self.round_trips = 0

    def _post(self, body, on_object):
        soap = self.session.soap_stub
        if soap is None:
            raise SessionError('This session has no SOAP connection to read from')
        headers = {
            'Cookie': soap.cookie,
            'SOAPAction': soap.versionId,
            'Content-Type': 'text/xml; charset=utf-8',
            # vCenter and ESX compress a bulk answer about tenfold when asked; a server that does not
            # answers uncompressed (answer_stream reads either).
            'Accept-Encoding': 'gzip',
        }
        conn = soap.GetConnection()
        self.round_trips += 1
        try:
            conn.request('POST', soap.path, body, headers)
            response = conn.getresponse()
            if response.status not in (200, 500):
                response.read()
                raise SessionError('%s answered HTTP %s %s to a property read' % (
                    self.session.params.endpoint, response.status, response.reason))
            result = parse_retrieve_response(answer_stream(response), on_object)
            # Whatever follows the envelope must be consumed before the connection is reused.
            response.read()
        except Exception:
            conn.close()
            raise
        soap.ReturnConnection(conn)
        return result

    def _pages(self, properties_by_type, root_moid, root_type, on_object, extra_objects=()):
        # ESX calls its collector 'ha-property-collector', vCenter 'propertyCollector'.
        collector = self.session.content.propertyCollector._moId
        token = self._post(retrieve_request(properties_by_type, root_moid, root_type, collector, self.page_size,
                                            extra_objects), on_object)[1]
        while token:
            token = self._post(continue_request(token, collector), on_object)[1]

    def retrieve(self, properties_by_type, root_moid=None, root_type='Folder', extra_objects=()):
        """All objects of the given types (and their properties) below the root folder.

        The whole retrieval is repeated once after logging in again if the
        session expired (NotAuthenticated as a fault or in every missingSet).
        """
        if root_moid is None:
            root_moid = self.session.content.rootFolder._moId
        for attempt in (1, 2):
            found = []
            try:
                with gc_paused():
                    self._pages(properties_by_type, root_moid, root_type, found.append, extra_objects)
            except SoapFault as exc:
                if exc.fault_type != 'NotAuthenticated' or attempt == 2:
                    raise
                self.session.relogin()
                continue
            if found and all(obj.missing and set(obj.missing.values()) == {'NotAuthenticated'} for obj in found):
                if attempt == 2:
                    raise SessionError('The server refuses to read properties even after logging in again (NotAuthenticated)')
                self.session.relogin()
                continue
            return found
        return []
