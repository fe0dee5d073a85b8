# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/formats/ovf.py: reading OVF 1 and 2 descriptors (files, disks and their
units, networks, properties, deployment options, hardware), refusing hrefs that leave the
package and unsafe XML, and checking deploy options against a descriptor."""

from __future__ import annotations

import os
import sys

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.ovf import (
    OvfError, allocation_unit_bytes, check_deploy_options, check_href, read_ovf_descriptor)

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_OVA = os.path.join(HERE, '..', '..', '..', '..', 'integration', 'targets', 'ovf', 'files')

NS = ('xmlns="http://schemas.dmtf.org/ovf/envelope/%d" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/%d" '
      'xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" '
      'xmlns:epasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData"')


def envelope(body, version=1, references='<References><File ovf:id="f1" ovf:href="disk1.vmdk" ovf:size="512"/></References>'):
    return '<?xml version="1.0" encoding="UTF-8"?>\n<Envelope %s>%s%s</Envelope>' % (NS % (version, version), references, body)


SYSTEM = '<VirtualSystem ovf:id="vm1"><Info>x</Info>%s</VirtualSystem>'


def test_the_test_package_descriptor_reads_whole():
    sys.path.insert(0, MAKE_OVA)
    try:
        import make_ova  # pylint: disable=import-error,import-outside-toplevel
    finally:
        sys.path.pop(0)
    text = make_ova.DESCRIPTOR.format(name='tiny', disk='tiny-disk1.vmdk', disk_size=3584, capacity=16, extra='')
    descriptor = read_ovf_descriptor(text.encode('utf-8'))
    assert descriptor['name'] == 'tiny'
    assert descriptor['ovf_version'] == 1
    assert descriptor['files'] == [dict(id='file1', href='tiny-disk1.vmdk', size=3584, compression=None)]
    assert descriptor['disks'] == [dict(id='vmdisk1', file_ref='file1', capacity=16 * 1024 * 1024, populated_size=0)]
    assert descriptor['networks'] == ['appliance-net']
    assert [prop['key'] for prop in descriptor['properties']] == ['app.hostname', 'app.port', 'app.build']
    hostname = descriptor['properties'][0]
    assert hostname == dict(key='app.hostname', type='string', default='tiny', user_configurable=True, password=False,
                            label='Host name', description=None)
    assert descriptor['properties'][2]['user_configurable'] is False
    assert descriptor['hardware'] == dict(cpus=1, memory_mb=256, nics=['appliance-net'], disks=1)


@pytest.mark.parametrize('units, factor', [
    (None, 1), ('byte', 1), ('byte * 2^30', 1024 ** 3), ('byte*2^20', 1024 ** 2), ('byte * 10^9', 10 ** 9),
    ('GigaBytes', 1024 ** 3), ('MegaBytes', 1024 ** 2)])
def test_allocation_units(units, factor):
    assert allocation_unit_bytes(units) == factor


def test_unknown_units_are_an_error():
    with pytest.raises(OvfError, match='not understood'):
        allocation_unit_bytes('furlongs')


def test_ovf2_names_product_properties_by_class_and_instance_and_reads_ethernet_port_items():
    body = ('<NetworkSection><Info>n</Info><Network ovf:name="lan"/><Network ovf:name="lan"/></NetworkSection>'
            + SYSTEM % ('<ProductSection ovf:class="vami" ovf:instance="app1"><Info>p</Info>'
                        '<Property ovf:key="ip0" ovf:type="string" ovf:userConfigurable="true"/></ProductSection>'
                        '<VirtualHardwareSection><Info>h</Info>'
                        '<Item><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity>'
                        '<rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits></Item>'
                        '<EthernetPortItem><epasd:Connection>lan</epasd:Connection>'
                        '<epasd:ResourceType>10</epasd:ResourceType></EthernetPortItem>'
                        '</VirtualHardwareSection>'))
    descriptor = read_ovf_descriptor(envelope(body, version=2))
    assert descriptor['ovf_version'] == 2
    assert descriptor['name'] == 'vm1'
    assert descriptor['networks'] == ['lan']
    assert descriptor['properties'][0]['key'] == 'vami.ip0.app1'
    assert descriptor['hardware']['memory_mb'] == 2048
    assert descriptor['hardware']['nics'] == ['lan']


def test_deployment_options():
    body = ('<DeploymentOptionSection><Info>d</Info><Configuration ovf:id="small" ovf:default="true"><Label>Small</Label>'
            '</Configuration><Configuration ovf:id="large"><Label>Large</Label></Configuration></DeploymentOptionSection>'
            + SYSTEM % '')
    descriptor = read_ovf_descriptor(envelope(body))
    assert descriptor['deployment_options'] == [dict(id='small', label='Small', default=True),
                                                dict(id='large', label='Large', default=False)]
    assert check_deploy_options(descriptor, deployment_option='large') == {}
    with pytest.raises(OvfError, match="deployment_option: the OVF has no configuration 'huge'.*large, small"):
        check_deploy_options(descriptor, deployment_option='huge')


@pytest.mark.parametrize('href', ['/etc/passwd', '../x.vmdk', 'a/../../x', 'http://example.test/d.vmdk', 'file:///d',
                                  'C:\\disk.vmdk', 'a\\b', '', 'a//b', './x'])
def test_hrefs_that_leave_the_package_are_refused(href):
    with pytest.raises(OvfError):
        check_href(href)


def test_a_descriptor_with_an_escaping_href_is_refused():
    text = envelope(SYSTEM % '', references='<References><File ovf:id="f1" ovf:href="../../etc/shadow"/></References>')
    with pytest.raises(OvfError, match="'..' part"):
        read_ovf_descriptor(text)


def test_subfolder_hrefs_are_accepted():
    assert check_href('disks/disk1.vmdk') == 'disks/disk1.vmdk'


@pytest.mark.parametrize('text, message', [
    ('<Envelope><VirtualSystem/></Envelope>', 'not an OVF descriptor'),
    ('not xml', 'not readable XML'),
    ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Envelope/>', 'not readable XML'),
])
def test_unreadable_or_foreign_xml_is_refused(text, message):
    with pytest.raises(OvfError, match=message):
        read_ovf_descriptor(text)


def test_a_vapp_or_an_empty_envelope_is_refused():
    with pytest.raises(OvfError, match='VirtualSystemCollection'):
        read_ovf_descriptor(envelope('<VirtualSystemCollection ovf:id="c"/>'))
    with pytest.raises(OvfError, match='no VirtualSystem'):
        read_ovf_descriptor(envelope(''))


def test_a_disk_naming_an_unlisted_file_and_chunked_files_are_refused():
    with pytest.raises(OvfError, match='which References does not list'):
        read_ovf_descriptor(envelope('<DiskSection><Info>d</Info><Disk ovf:diskId="d1" ovf:fileRef="nope" '
                                     'ovf:capacity="1"/></DiskSection>' + SYSTEM % ''))
    with pytest.raises(OvfError, match='chunkSize'):
        chunked = '<References><File ovf:id="f1" ovf:href="d.vmdk" ovf:chunkSize="1000"/></References>'
        read_ovf_descriptor(envelope(SYSTEM % '', references=chunked))
    with pytest.raises(OvfError, match='is compressed'):
        gzipped = '<References><File ovf:id="f1" ovf:href="d.vmdk.gz" ovf:compression="gzip"/></References>'
        read_ovf_descriptor(envelope(SYSTEM % '', references=gzipped))


PROPS = envelope(SYSTEM % (
    '<ProductSection><Info>p</Info>'
    '<Property ovf:key="host" ovf:type="string" ovf:userConfigurable="true"/>'
    '<Property ovf:key="port" ovf:type="uint16" ovf:userConfigurable="true"/>'
    '<Property ovf:key="ssl" ovf:type="boolean" ovf:userConfigurable="true"/>'
    '<Property ovf:key="fixed" ovf:type="string"/></ProductSection>'))


def test_property_values_become_text_and_are_checked():
    descriptor = read_ovf_descriptor(PROPS)
    assert check_deploy_options(descriptor, properties={'host': 'a', 'port': 80, 'ssl': True}) == \
        {'host': 'a', 'port': '80', 'ssl': 'True'}
    with pytest.raises(OvfError, match="properties: the OVF has no property 'colour' \\(its properties: fixed, host, port, ssl\\)"):
        check_deploy_options(descriptor, properties={'colour': 'x'})
    with pytest.raises(OvfError, match='not user configurable'):
        check_deploy_options(descriptor, properties={'fixed': 'x'})
    with pytest.raises(OvfError, match='is not a number'):
        check_deploy_options(descriptor, properties={'port': 'http'})
    with pytest.raises(OvfError, match='neither true nor false'):
        check_deploy_options(descriptor, properties={'ssl': 'maybe'})


def test_network_mapping_names_must_be_the_ovfs():
    descriptor = read_ovf_descriptor(envelope('<NetworkSection><Info>n</Info><Network ovf:name="lan"/></NetworkSection>'
                                              + SYSTEM % ''))
    assert check_deploy_options(descriptor, networks={'lan': 'VM Network'}) == {}
    with pytest.raises(OvfError, match="networks: the OVF has no network 'wan' \\(its networks: lan\\)"):
        check_deploy_options(descriptor, networks={'wan': 'VM Network'})
