# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The raw SOAP property reader against answers recorded from the project's simulator
(fixtures/soap_reader/README.md says how they were recorded)."""

from __future__ import annotations

import gc
import io
import os

import pytest

lxml_etree = pytest.importorskip('lxml.etree')

from ansible_collections.virt.esx.plugins.plugin_utils import soap_reader  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError  # noqa: E402
from ansible_collections.virt.esx.plugins.plugin_utils.soap_reader import (  # noqa: E402
    SoapFault, SoapReader, parse_retrieve_response, retrieve_request, continue_request)

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'soap_reader')


def fixture(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


def last_page():
    """Page 2 without its token: how a server answers the final page."""
    page = fixture('retrieve_page2.xml')
    start = page.index(b'<token>')
    end = page.index(b'</token>') + len(b'</token>')
    return page[:start] + page[end:]


def parse(data):
    return parse_retrieve_response(io.BytesIO(data))


def by_moid(objects):
    return {obj.moid: obj for obj in objects}


# -- parsing -----------------------------------------------------------------------------

def test_first_page_has_its_objects_and_the_token_to_continue():
    objects, token = parse(fixture('retrieve_page1.xml'))
    assert token == 'virtesx-retrieval-6'
    assert [obj.type for obj in objects] == ['Folder', 'Datacenter', 'Folder', 'VirtualMachine', 'Datastore']
    assert by_moid(objects)['datacenter-2'].props == {'name': 'DC0', 'parent': 'group-d1'}


def test_values_take_their_vsphere_types():
    vm = by_moid(parse(fixture('retrieve_page1.xml'))[0])['vm-57']
    props = vm.props
    assert props['name'] == 'DC0_H0_VM0'
    assert props['config.hardware.numCPU'] == 1 and isinstance(props['config.hardware.numCPU'], int)
    assert props['config.hardware.memoryMB'] == 32
    assert props['config.template'] is False
    assert props['runtime.powerState'] == 'poweredOn'
    assert props['runtime.host'] == 'host-21'
    assert props['parent'] == 'folder-3'
    assert isinstance(props['datastore'], list) and len(props['datastore']) == 1
    assert props['network'] == ['dvportgroup-13']
    assert vm.missing == {}


def test_nested_data_objects_become_dicts_and_declared_arrays_lists():
    vm = by_moid(parse(fixture('retrieve_page2.xml'))[0])['vm-60']
    nics = vm.props['guest.net']
    assert isinstance(nics, list) and nics[0]['_type'] == 'GuestNicInfo'
    # One address, still a list: the vSphere type declares the field as an array.
    assert nics[0]['ipAddress'] == ['10.0.0.11']
    assert nics[0]['connected'] is True
    devices = vm.props['config.hardware.device']
    assert all(isinstance(device['key'], int) for device in devices)
    assert {'VirtualIDEController', 'VirtualDisk'} <= {device['_type'] for device in devices}
    quick_stats = vm.props['summary.quickStats']
    assert quick_stats['_type'] == 'VirtualMachineQuickStats'
    assert quick_stats['guestHeartbeatStatus'] == 'gray'
    ide = next(device for device in devices if device['_type'] == 'VirtualIDEController')
    assert ide['deviceInfo'] == {'_type': 'Description', 'label': 'IDE 0', 'summary': 'IDE 0'}


def test_values_whose_type_the_schema_fixes_are_read_without_xsi_type():
    table = soap_reader._TypeTable()
    assert table.plan('VirtualMachine', 'name') is soap_reader._text_of
    assert table.plan('VirtualMachine', 'runtime.powerState') is soap_reader._text_of
    assert table.plan('VirtualMachine', 'runtime.host') is soap_reader._text_of
    assert table.plan('VirtualMachine', 'datastore') is soap_reader._texts_of
    assert table.plan('Folder', 'parent') is soap_reader._text_of
    untyped = lxml_etree.fromstring('<val xmlns="urn:vim25">4</val>')
    assert table.plan('VirtualMachine', 'config.hardware.numCPU')(untyped) == 4
    assert table.plan('VirtualMachine', 'config.template')(lxml_etree.fromstring('<val>true</val>')) is True
    # Data objects may come as any subtype, and unknown paths are unknown: both go by xsi:type.
    assert table.plan('VirtualMachine', 'guest.net') is None
    assert table.plan('VirtualMachine', 'summary.quickStats') is None
    assert table.plan('VirtualMachine', 'config.extraConfig["guestinfo.x"]') is None
    assert table.plan('VirtualMachine', 'no.such.path') is None


def test_without_type_tables_xsi_type_still_types_the_values(monkeypatch):
    monkeypatch.setattr(soap_reader, 'VmomiSupport', None)
    monkeypatch.setattr(soap_reader, '_TYPES', soap_reader._TypeTable())
    props = by_moid(parse(fixture('retrieve_page1.xml'))[0])['vm-57'].props
    assert props['config.hardware.numCPU'] == 1 and props['config.template'] is False
    assert props['runtime.host'] == 'host-21' and props['network'] == ['dvportgroup-13']


def test_escaped_text_comes_back_as_written():
    vm = by_moid(parse(fixture('retrieve_page2.xml'))[0])['vm-60']
    assert vm.props['config.annotation'] == 'first line\nsecond <b>&amp;'
    assert vm.props['guest.ipAddress'] == '10.0.0.11'
    assert vm.props['guest.hostName'] == 'web1.example.com'


def test_unset_properties_are_absent():
    vm = by_moid(parse(fixture('retrieve_page1.xml'))[0])['vm-57']
    assert 'guest.ipAddress' not in vm.props
    assert 'config.annotation' not in vm.props or vm.props['config.annotation'] == ''


def test_missing_set_names_each_path_and_its_fault():
    objects, _token = parse(fixture('missing_not_authenticated.xml'))
    assert objects and all(obj.props == {} for obj in objects)
    assert all(obj.missing == {'name': 'NotAuthenticated', 'runtime.powerState': 'NotAuthenticated'} for obj in objects)


def test_fault_answer_raises_with_type_and_message():
    with pytest.raises(SoapFault) as caught:
        parse(fixture('fault_invalid_token.xml'))
    assert caught.value.fault_type == 'InvalidArgument'
    assert 'virtesx-retrieval-999' in str(caught.value)


def test_not_authenticated_fault():
    with pytest.raises(SoapFault) as caught:
        parse(fixture('fault_not_authenticated.xml'))
    assert caught.value.fault_type == 'NotAuthenticated'


def test_an_answer_that_is_not_xml_is_a_session_error():
    with pytest.raises(SessionError, match='not valid XML'):
        parse(b'<html><body>502 Bad Gateway</html>')


def test_objects_stream_to_a_callback_without_being_kept():
    seen = []
    objects, token = parse_retrieve_response(io.BytesIO(fixture('retrieve_page2.xml')), seen.append)
    assert objects == [] and token == 'virtesx-retrieval-6'
    assert [obj.moid for obj in seen][:2] == ['dvportgroup-13', 'vm-60']


def test_without_type_tables_repeated_fields_are_lists(monkeypatch):
    monkeypatch.setattr(soap_reader, 'VmomiSupport', None)
    monkeypatch.setattr(soap_reader, '_TYPES', soap_reader._TypeTable())
    element = lxml_etree.fromstring(
        '<val xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Thing">'
        '<one>a</one><many>1</many><many>2</many><many>3</many></val>')
    assert soap_reader.convert_value(element) == {'_type': 'Thing', 'one': 'a', 'many': ['1', '2', '3']}


# -- requests ----------------------------------------------------------------------------

def test_request_asks_for_pages_and_escapes_what_it_sends():
    body = retrieve_request({'VirtualMachine': ['name', 'config.extraConfig["a<b"]']}, root_moid='group-d1', page_size=250)
    tree = lxml_etree.fromstring(body)
    ns = {'v': 'urn:vim25'}
    assert tree.findtext('.//v:options/v:maxObjects', namespaces=ns) == '250'
    assert tree.xpath('.//v:propSet/v:pathSet/text()', namespaces=ns) == ['name', 'config.extraConfig["a<b"]']
    assert tree.findtext('.//v:objectSet/v:obj', namespaces=ns) == 'group-d1'
    traversals = tree.xpath('.//v:selectSet/v:name/text()', namespaces=ns)
    assert {'folderChildren', 'datacenterVms', 'computeHosts'} <= set(traversals)


def test_continue_request_carries_the_token():
    tree = lxml_etree.fromstring(continue_request('tok&1'))
    assert tree.findtext('.//{urn:vim25}token') == 'tok&1'


# -- the paging loop over a fake connection ------------------------------------------------

class FakeResponse(io.BytesIO):
    def __init__(self, status, body):
        super(FakeResponse, self).__init__(body)
        self.status = status
        self.reason = 'reason %d' % status

    def getheader(self, name, default=None):  # an uncompressed answer, as the simulator sends
        return default


class FakeConnection(object):
    def __init__(self, stub):
        self.stub = stub
        self.closed = False

    def request(self, method, path, body, headers):
        self.stub.requests.append((method, path, body, headers))

    def getresponse(self):
        return FakeResponse(*self.stub.answers.pop(0))

    def close(self):
        self.closed = True


class FakeSoapStub(object):
    cookie = 'vmware_soap_session="abc"'
    versionId = '"urn:vim25/8.0.3.0"'
    path = '/sdk'

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        self.returned = []
        self.connections = []

    def GetConnection(self):  # pylint: disable=invalid-name  # pyvmomi's name
        conn = FakeConnection(self)
        self.connections.append(conn)
        return conn

    def ReturnConnection(self, conn):  # pylint: disable=invalid-name  # pyvmomi's name
        self.returned.append(conn)


class FakeRootFolder(object):
    _moId = 'group-d1'


class FakeCollector(object):
    _moId = 'ha-property-collector'


class FakeContent(object):
    rootFolder = FakeRootFolder()
    propertyCollector = FakeCollector()


class FakeParams(object):
    endpoint = 'https://vc.example.com:443'


class FakeSession(object):
    def __init__(self, answers):
        self.soap_stub = FakeSoapStub(answers)
        self.content = FakeContent()
        self.params = FakeParams()
        self.relogins = 0

    def relogin(self):
        self.relogins += 1


def sent_tokens(stub):
    tokens = []
    for _method, _path, body, _headers in stub.requests:
        tree = lxml_etree.fromstring(body)
        tokens.append(tree.findtext('.//{urn:vim25}token'))
    return tokens


def test_reader_follows_tokens_until_the_last_page():
    session = FakeSession([(200, fixture('retrieve_page1.xml')), (200, fixture('retrieve_page2.xml')), (200, last_page())])
    reader = SoapReader(session, page_size=5)
    objects = reader.retrieve({'VirtualMachine': ['name']})
    stub = session.soap_stub
    assert reader.round_trips == 3
    assert sent_tokens(stub) == [None, 'virtesx-retrieval-6', 'virtesx-retrieval-6']
    assert len(objects) == 5 + 2 * 5
    collectors = [lxml_etree.fromstring(request[2]).findtext('.//{urn:vim25}_this') for request in stub.requests]
    assert collectors == ['ha-property-collector'] * 3, 'the session\'s own property collector'
    assert stub.requests[0][3]['Cookie'] == FakeSoapStub.cookie
    assert stub.requests[0][3]['SOAPAction'] == FakeSoapStub.versionId
    assert stub.requests[0][3]['Accept-Encoding'] == 'gzip'  # bulk answers compressed where the server offers it
    assert len(stub.returned) == 3, 'connections go back to the pool after a complete answer'


def test_reader_logs_in_again_after_not_authenticated_fault():
    session = FakeSession([(500, fixture('fault_not_authenticated.xml')), (200, last_page())])
    objects = SoapReader(session).retrieve({'VirtualMachine': ['name']})
    assert session.relogins == 1
    assert 'vm-60' in by_moid(objects)


def test_reader_logs_in_again_when_every_property_is_not_authenticated():
    missing = fixture('missing_not_authenticated.xml')
    start = missing.index(b'<token>')
    missing = missing[:start] + missing[missing.index(b'</token>') + 8:]
    session = FakeSession([(200, missing), (200, last_page())])
    objects = SoapReader(session).retrieve({'VirtualMachine': ['name']})
    assert session.relogins == 1 and 'vm-60' in by_moid(objects)

    session = FakeSession([(200, missing), (200, missing)])
    with pytest.raises(SessionError, match='even after logging in again'):
        SoapReader(session).retrieve({'VirtualMachine': ['name']})


def test_reader_reports_other_faults_without_retrying():
    session = FakeSession([(200, fixture('retrieve_page1.xml')), (500, fixture('fault_invalid_token.xml'))])
    with pytest.raises(SoapFault, match='InvalidArgument'):
        SoapReader(session).retrieve({'VirtualMachine': ['name']})
    assert session.relogins == 0
    assert session.soap_stub.connections[-1].closed, 'a connection with a failed answer is not reused'


def test_reader_refuses_unexpected_http_status():
    session = FakeSession([(503, b'busy')])
    with pytest.raises(SessionError, match='HTTP 503'):
        SoapReader(session).retrieve({'VirtualMachine': ['name']})
    assert session.soap_stub.connections[0].closed


def test_gc_pauses_nest_and_restore_the_caller_s_setting():
    assert gc.isenabled()
    with soap_reader.gc_paused():
        assert not gc.isenabled()
        with soap_reader.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with soap_reader.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_object_content_in_another_order_is_read_by_tags():
    answer = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
              b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
              b'<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>'
              b'<propSet><name>name</name><val xsi:type="xsd:string">web1</val></propSet>'
              b'<missingSet><path>guest.net</path><fault><fault xsi:type="NoPermission"></fault></fault></missingSet>'
              b'<obj type="VirtualMachine">vm-7</obj>'
              b'<propSet><name>config.hardware.numCPU</name><val xsi:type="xsd:int">2</val></propSet>'
              b'</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>')
    (vm,), token = parse(answer)
    assert token is None
    assert (vm.type, vm.moid) == ('VirtualMachine', 'vm-7')
    assert vm.props == {'name': 'web1', 'config.hardware.numCPU': 2}
    assert vm.missing == {'guest.net': 'NoPermission'}


class _Answer(io.BytesIO):
    """An http.client answer: a stream with headers."""

    def __init__(self, data, encoding=None):
        super(_Answer, self).__init__(data)
        self.encoding = encoding

    def getheader(self, name, default=None):
        return self.encoding if name == 'Content-Encoding' and self.encoding else default


def test_a_gzip_answer_is_read_like_a_plain_one():
    import gzip
    from ansible_collections.virt.esx.plugins.plugin_utils.soap_reader import answer_stream
    data = fixture('retrieve_page2.xml')
    plain = parse_retrieve_response(answer_stream(_Answer(data)))
    packed = parse_retrieve_response(answer_stream(_Answer(gzip.compress(data), 'gzip')))
    assert [(obj.moid, obj.props) for obj in packed[0]] == [(obj.moid, obj.props) for obj in plain[0]]
    assert packed[1] == plain[1]


def test_an_encoding_not_asked_for_is_an_error():
    from ansible_collections.virt.esx.plugins.plugin_utils.soap_reader import answer_stream
    with pytest.raises(SessionError, match='br'):
        answer_stream(_Answer(b'', 'br'))
