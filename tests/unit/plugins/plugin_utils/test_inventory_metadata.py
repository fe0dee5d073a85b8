# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's custom attributes: one query with the CustomFieldsManager, values as a real vCenter sends them."""

from __future__ import annotations

import io

from ansible_collections.virt.esx.plugins.inventory import vms

ANSWER = b'''<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
<objects><obj type="VirtualMachine">vm-7</obj>
<propSet><name>customValue</name><val xsi:type="ArrayOfCustomFieldValue">
<CustomFieldValue xsi:type="CustomFieldStringValue"><key>101</key><value>team-web</value></CustomFieldValue>
<CustomFieldValue xsi:type="CustomFieldStringValue"><key>102</key><value></value></CustomFieldValue>
<CustomFieldValue xsi:type="CustomFieldStringValue"><key>103</key><value>rack 4</value></CustomFieldValue>
<CustomFieldValue xsi:type="CustomFieldStringValue"><key>104</key><value>global</value></CustomFieldValue>
</val></propSet>
<propSet><name>name</name><val xsi:type="xsd:string">web1</val></propSet>
<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>
</objects>
<objects><obj type="VirtualMachine">vm-8</obj>
<propSet><name>name</name><val xsi:type="xsd:string">db1</val></propSet>
</objects>
<objects><obj type="CustomFieldsManager">CustomFieldsManager</obj>
<propSet><name>field</name><val xsi:type="ArrayOfCustomFieldDef">
<CustomFieldDef><key>101</key><name>owner</name><type>string</type><managedObjectType>VirtualMachine</managedObjectType></CustomFieldDef>
<CustomFieldDef><key>102</key><name>ticket</name><type>string</type><managedObjectType>VirtualMachine</managedObjectType></CustomFieldDef>
<CustomFieldDef><key>103</key><name>rack</name><type>string</type><managedObjectType>HostSystem</managedObjectType></CustomFieldDef>
<CustomFieldDef><key>104</key><name>note</name><type>string</type></CustomFieldDef>
</val></propSet>
</objects>
</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>'''


class FakeResponse(io.BytesIO):
    status = 200
    reason = 'OK'

    def getheader(self, name, default=None):  # http.client's API: the answer is plain text/xml
        return {'content-type': 'text/xml; charset=utf-8'}.get(name.lower(), default)


class FakeStub(object):
    cookie = 'vmware_soap_session="abc"'
    versionId = '"urn:vim25/8.0.3.0"'
    path = '/sdk'

    def __init__(self, answer):
        self.answer, self.sent = answer, []

    def GetConnection(self):  # pylint: disable=invalid-name  # pyvmomi's name
        return self

    def ReturnConnection(self, conn):  # pylint: disable=invalid-name  # pyvmomi's name
        pass

    def request(self, method, path, body, headers):
        self.sent.append(body)

    def getresponse(self):
        return FakeResponse(self.answer)

    def close(self):
        pass


class Ref(object):
    def __init__(self, moid):
        self._moId = moid


class FakeContent(object):
    def __init__(self, manager):
        self.rootFolder = Ref('group-d1')
        self.propertyCollector = Ref('propertyCollector')
        if manager:
            self.customFieldsManager = Ref('CustomFieldsManager')


class FakeParams(object):
    hostname = 'vc.example.com'
    endpoint = 'https://vc.example.com:443'


class FakeSession(object):
    is_vcenter = True
    scope = None

    def __init__(self, answer, manager=True):
        self.soap_stub = FakeStub(answer)
        self.content = FakeContent(manager)
        self.params = FakeParams()


def test_custom_attributes_come_in_the_same_request():
    session = FakeSession(ANSWER)
    records, round_trips = vms.fetch_endpoint(session)
    assert round_trips == 1 and len(session.soap_stub.sent) == 1
    sent = session.soap_stub.sent[0]
    assert b'<pathSet>customValue</pathSet>' in sent
    assert b'<objectSet><obj type="CustomFieldsManager">CustomFieldsManager</obj><skip>false</skip></objectSet>' in sent
    by_name = dict((record['esx_name'], record) for record in records)
    # An empty value is no value; a host attribute is not a VM's; a global one is.
    assert by_name['web1']['esx_custom_attributes'] == {'owner': 'team-web', 'note': 'global'}
    assert by_name['db1']['esx_custom_attributes'] == {}
    assert 'esx_tags' not in by_name['web1']


def test_a_standalone_host_has_no_manager_to_read():
    answer = ANSWER[:ANSWER.index(b'<objects><obj type="CustomFieldsManager">')] + ANSWER[ANSWER.index(b'</returnval>'):]
    session = FakeSession(answer, manager=False)
    records, _round_trips = vms.fetch_endpoint(session)
    assert b'CustomFieldsManager' not in session.soap_stub.sent[0]
    assert all(record['esx_custom_attributes'] == {} for record in records)
