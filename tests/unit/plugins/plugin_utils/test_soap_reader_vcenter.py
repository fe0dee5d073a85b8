# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The raw SOAP reader against answers written in real vCenter's serialization (fixtures/vcenter/README.md),
compared value by value with pyvmomi's own deserializer on the same bytes.

The simulator never sends empty strings, xsi:type on array items or namespaced fault parts; real
servers do, so these answers follow the vSphere WSDL and what vCenter 5.5-8.0 and ESXi put on the wire.
"""

from __future__ import annotations

import datetime
import io
import os

import pytest

lxml_etree = pytest.importorskip('lxml.etree')
pyVmomi = pytest.importorskip('pyVmomi')

from pyVmomi import Iso8601, SoapAdapter, VmomiSupport, vmodl  # noqa: E402

from ansible_collections.virt.esx.plugins.plugin_utils import soap_reader  # noqa: E402
from ansible_collections.virt.esx.plugins.plugin_utils.soap_reader import (  # noqa: E402
    SoapFault, parse_retrieve_response)

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'vcenter')
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
            ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="%s">%s</obj>%s</objects></returnval>'
            '</RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>')


def fixture(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


def answer(obj_type, moid, *props):
    prop_sets = ''.join('<propSet><name>%s</name>%s</propSet>' % prop for prop in props)
    return (ENVELOPE % (obj_type, moid, prop_sets)).encode('utf-8')


def with_pyvmomi(data):
    """pyvmomi's reading of the same bytes: a RetrieveResult, or the fault it raises."""
    stub = SoapAdapter.SoapStubAdapter('localhost', version='vim.version.version9')
    return SoapAdapter.SoapResponseDeserializer(stub).Deserialize(io.BytesIO(data), vmodl.query.PropertyCollector.RetrieveResult)


def assert_same(ours, theirs, where):
    """``ours`` (the reader's plain value) is what pyvmomi's typed ``theirs`` holds."""
    if theirs is None:
        assert ours is None, where
    elif isinstance(theirs, VmomiSupport.ManagedObject):
        assert ours == theirs._moId, where
    elif isinstance(theirs, VmomiSupport.DataObject):
        assert isinstance(ours, dict), '%s: %r is not a data object' % (where, ours)
        ignore = set()
        if ours.get('_type') == 'LocalizedMethodFault':
            # pyvmomi folds a LocalizedMethodFault into its fault, the localizedMessage becoming msg.
            assert set(ours) <= {'_type', 'fault', 'localizedMessage'}, where
            assert ours.get('localizedMessage') == (theirs.msg or ''), where
            ours, ignore = ours['fault'], {'msg'}
        assert ours.get('_type') in (None, theirs._wsdlName), '%s: %s is not %s' % (where, ours.get('_type'), theirs._wsdlName)
        names = set()
        for prop in theirs._GetPropertyList():
            names.add(prop.name)
            value = getattr(theirs, prop.name)
            if prop.name in ignore or value is None or (isinstance(value, list) and not value):
                assert ours.get(prop.name) in (None, []), '%s.%s: pyvmomi has nothing, the reader %r' % (where, prop.name, ours.get(prop.name))
                continue
            assert prop.name in ours, '%s.%s missing from the reader' % (where, prop.name)
            assert_same(ours[prop.name], value, '%s.%s' % (where, prop.name))
        assert set(ours) - {'_type'} <= names, '%s: unknown fields %s' % (where, set(ours) - names)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), '%s: %r vs %r' % (where, ours, theirs)
        for index, (mine, other) in enumerate(zip(ours, theirs)):
            assert_same(mine, other, '%s[%d]' % (where, index))
    elif isinstance(theirs, datetime.datetime):
        assert Iso8601.ParseISO8601(ours) == theirs, where
    elif isinstance(theirs, bool):
        assert ours is theirs, '%s: %r is not %r' % (where, ours, theirs)
    elif isinstance(theirs, (int, float)):
        # pyvmomi's long, short and double are int and float subclasses; the reader gives the plain types.
        kind = float if isinstance(theirs, float) else int
        assert isinstance(ours, kind) and not isinstance(ours, bool), '%s: %r (%s) is not %r' % (where, ours, type(ours).__name__, theirs)
        assert ours == theirs, where
    elif isinstance(theirs, str):
        assert isinstance(ours, str) and ours == theirs, '%s: %r is not %r' % (where, ours, theirs)
    else:
        raise AssertionError('%s: no comparison for %r' % (where, theirs))


def assert_reads_as_pyvmomi(data):
    objects, token = parse_retrieve_response(io.BytesIO(data))
    result = with_pyvmomi(data)
    assert token == result.token
    assert [(obj.type, obj.moid) for obj in objects] == [(o.obj._wsdlName, o.obj._moId) for o in result.objects]
    for ours, theirs in zip(objects, result.objects):
        where = '%s:%s' % (ours.type, ours.moid)
        assert set(ours.props) == {prop.name for prop in theirs.propSet}, where
        for prop in theirs.propSet:
            assert_same(ours.props[prop.name], prop.val, '%s %s' % (where, prop.name))
        assert ours.missing == {missing.path: missing.fault._wsdlName for missing in theirs.missingSet}, where
    return objects, token


def by_moid(objects):
    return {obj.moid: obj for obj in objects}


# -- whole pages -----------------------------------------------------------------------------

def test_a_token_page_of_several_object_types_reads_as_pyvmomi_reads_it():
    objects, token = assert_reads_as_pyvmomi(fixture('page1_token.xml'))
    assert token == 'session[52b1c0d3-6e4f-8a21-0c5e-3f2a9d7b6c10]52e9a1f0-77c4-1b3d-9e6a-0d4c2b8f1e57'
    assert [obj.type for obj in objects] == ['Folder', 'Datacenter', 'HostSystem', 'VirtualMachine']


def test_the_last_page_has_no_token_and_reads_as_pyvmomi_reads_it():
    objects, token = assert_reads_as_pyvmomi(fixture('page2_last.xml'))
    assert token is None
    assert by_moid(objects)['vm-43'].missing == {'guest.net': 'NoPermission'}


def test_empty_strings_are_empty_strings_not_none():
    vm = by_moid(parse_retrieve_response(io.BytesIO(fixture('page1_token.xml')))[0])['vm-42']
    props = vm.props
    assert props['config.annotation'] == ''
    assert props['guest.hostName'] == ''
    assert props['summary.config']['annotation'] == ''
    assert props['config.extraConfig'][0] == {'_type': 'OptionValue', 'key': 'guestinfo.empty', 'value': ''}
    assert props['config.extraConfig'][2]['value'] == 3
    assert props['guest.net'][1]['network'] == ''
    assert props['config.hardware.device'][1]['backing']['backingObjectId'] == ''
    assert props['tag'] == []


def test_empty_items_of_string_arrays_stay_empty_strings():
    data = answer('HostSystem', 'host-14',
                  ('config.network.dnsConfig.searchDomain',
                   '<val xsi:type="ArrayOfString"><string>example.com</string><string></string><string/></val>'),
                  ('config.network.dnsConfig.address',
                   '<val xsi:type="ArrayOfString"><string xsi:type="xsd:string">10.0.0.1</string>'
                   '<string xsi:type="xsd:string"></string></val>'))
    (host,), _token = assert_reads_as_pyvmomi(data)
    assert host.props['config.network.dnsConfig.searchDomain'] == ['example.com', '', '']
    assert host.props['config.network.dnsConfig.address'] == ['10.0.0.1', '']


def test_arrays_of_primitives_are_typed_by_the_array_when_items_carry_no_xsi_type():
    data = answer('HostSystem', 'host-14',
                  ('capability.supportedVmfsMajorVersion', '<val xsi:type="ArrayOfInt"><int>5</int><int>6</int></val>'),
                  ('hardware.cpuPowerManagementInfo.x', '<val xsi:type="ArrayOfLong"><long>274877906944</long></val>'),
                  ('config.y', '<val xsi:type="ArrayOfBoolean"><boolean>true</boolean><boolean>false</boolean></val>'),
                  ('config.z', '<val xsi:type="ArrayOfShort"><short>-3</short></val>'),
                  ('config.w', '<val xsi:type="ArrayOfDouble"><double>1.5</double></val>'))
    (host,), _token = assert_reads_as_pyvmomi(data)
    assert host.props['capability.supportedVmfsMajorVersion'] == [5, 6]
    assert host.props['hardware.cpuPowerManagementInfo.x'] == [274877906944]
    assert host.props['config.y'] == [True, False]
    assert host.props['config.z'] == [-3]
    assert host.props['config.w'] == [1.5]


def test_a_localized_method_fault_field_is_typed_localized_method_fault():
    task = by_moid(parse_retrieve_response(io.BytesIO(fixture('page2_last.xml')))[0])['task-301']
    error = task.props['info']['error']
    assert error['_type'] == 'LocalizedMethodFault'
    assert error['fault'] == {'_type': 'InvalidPowerState', 'requestedState': 'poweredOn', 'existingState': 'poweredOn'}
    assert error['localizedMessage'].startswith('The attempted operation cannot be performed')
    top_level = task.props['info.error']
    assert top_level == {'_type': 'LocalizedMethodFault', 'fault': {'_type': 'FileNotFound', 'file': '[datastore1] web/web.vmx'},
                         'localizedMessage': ''}


def test_missing_set_with_not_authenticated_on_every_property():
    objects, _token = assert_reads_as_pyvmomi(fixture('missing_not_authenticated.xml'))
    assert [obj.missing for obj in objects] == [{'name': 'NotAuthenticated', 'runtime.powerState': 'NotAuthenticated'}] * 2
    assert all(obj.props == {} for obj in objects)


# -- faults ------------------------------------------------------------------------------------

@pytest.mark.parametrize('name, fault_type, pyvmomi_type, message', [
    ('fault_not_authenticated.xml', 'NotAuthenticated', 'NotAuthenticated', ''),
    ('fault_invalid_token.xml', 'InvalidArgument', 'InvalidArgument', 'A specified parameter was not correct: token'),
    # pyvmomi does not look into a detail whose parts are namespace-qualified and says RuntimeFault;
    # the reader still finds the fault's type in its xsi:type.
    ('fault_prefixed.xml', 'ManagedObjectNotFound', 'RuntimeFault',
     "The object 'vim.PropertyCollector:session[52b1]52e9' has already been deleted"),
])
def test_faults_are_named_as_pyvmomi_names_them(name, fault_type, pyvmomi_type, message):
    data = fixture(name)
    with pytest.raises(SoapFault) as caught:
        parse_retrieve_response(io.BytesIO(data))
    theirs = with_pyvmomi(data)
    assert isinstance(theirs, vmodl.MethodFault) and theirs._wsdlName == pyvmomi_type
    assert caught.value.fault_type == fault_type
    if pyvmomi_type == fault_type:
        assert caught.value.fault_message == (theirs.msg or '')
    assert caught.value.fault_message.startswith(message)
    assert str(caught.value) == (fault_type if not message else '%s: %s' % (fault_type, caught.value.fault_message))


def test_the_reader_without_type_tables_still_reads_empty_strings(monkeypatch):
    monkeypatch.setattr(soap_reader, 'VmomiSupport', None)
    monkeypatch.setattr(soap_reader, '_TYPES', soap_reader._TypeTable())
    vm = by_moid(parse_retrieve_response(io.BytesIO(fixture('page1_token.xml')))[0])['vm-42']
    assert vm.props['config.annotation'] == '' and vm.props['guest.hostName'] == ''
    assert vm.props['config.extraConfig'][0]['value'] == ''
