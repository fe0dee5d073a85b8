# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt network and interface XML of standard switches and physical NICs."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.network_xml import (
    NetworkXmlError, bandwidth_to_shaping, format_interface_xml, format_network_xml, netmask_prefix,
    network_uuid, parse_network_xml, shaping_to_bandwidth, switch_key)

lxml = pytest.importorskip('lxml')


def _switch(**overrides):
    switch = dict(name='vSwitch1', key=switch_key('vSwitch1'), uplinks=['vmnic1', 'vmnic2'], mtu=9000,
                  bandwidth=None,
                  portgroups=[dict(name='web', vlan_id=10, bandwidth=None, vm_network=True),
                              dict(name='plain', vlan_id=0, bandwidth=None, vm_network=True)])
    switch.update(overrides)
    return switch


def test_uuid_is_the_md5_digest_of_the_switch_key():
    key = 'key-vim.host.VirtualSwitch-vSwitch0'
    assert network_uuid(key).replace('-', '') == hashlib.md5(key.encode()).hexdigest()
    assert network_uuid(key) == '2f467347-8b4e-8655-e7d6-c4c3fb968009'
    assert switch_key('vSwitch0') == key


def test_dumped_network_as_libvirt_formats_a_bridged_switch():
    root = lxml.etree.fromstring(format_network_xml(_switch()))
    assert root.findtext('name') == 'vSwitch1'
    assert root.findtext('uuid') == network_uuid(switch_key('vSwitch1'))
    forward = root.find('forward')
    assert forward.get('mode') == 'bridge'
    assert forward.get('dev') == 'vmnic1'
    assert [i.get('dev') for i in forward.findall('interface')] == ['vmnic1', 'vmnic2']
    assert root.find('mtu').get('size') == '9000'
    assert [pg.get('name') for pg in root.findall('portgroup')] == ['web', 'plain']
    assert root.find("portgroup[@name='web']/vlan/tag").get('id') == '10'
    assert root.find("portgroup[@name='plain']/vlan") is None


def test_switch_without_uplinks_has_no_forward_and_vmkernel_only_portgroups_are_hidden():
    xml = format_network_xml(_switch(uplinks=[], portgroups=[
        dict(name='Management Network', vlan_id=0, bandwidth=None, vm_network=False),
        dict(name='VM Network', vlan_id=0, bandwidth=None, vm_network=True)]))
    root = lxml.etree.fromstring(xml)
    assert root.find('forward') is None
    assert [pg.get('name') for pg in root.findall('portgroup')] == ['VM Network']


def test_dumped_xml_parses_back_to_the_same_switch():
    switch = _switch(bandwidth=dict(average=1000, peak=2000, burst=512),
                     portgroups=[dict(name='web', vlan_id=4095, bandwidth=dict(average=10, peak=0, burst=0), vm_network=True)])
    parsed = parse_network_xml(format_network_xml(switch))
    assert parsed['name'] == 'vSwitch1'
    assert parsed['uuid'] == network_uuid(switch['key'])
    assert parsed['uplinks'] == ['vmnic1', 'vmnic2']
    assert parsed['mtu'] == 9000
    assert parsed['bandwidth'] == dict(average=1000, peak=2000, burst=512)
    assert parsed['portgroups'] == [dict(name='web', vlan_id=4095, bandwidth=dict(average=10, peak=0, burst=0))]


def test_network_xml_is_written_as_virsh_net_dumpxml_prints_it():
    switch = _switch(bandwidth=dict(average=1000, peak=0, burst=512),
                     portgroups=[dict(name='web', vlan_id=10, bandwidth=None, vm_network=True),
                                 dict(name='plain', vlan_id=0, bandwidth=None, vm_network=True)])
    assert format_network_xml(switch) == (
        "<network>\n"
        "  <name>vSwitch1</name>\n"
        "  <uuid>%s</uuid>\n"
        "  <forward dev='vmnic1' mode='bridge'>\n"
        "    <interface dev='vmnic1'/>\n"
        "    <interface dev='vmnic2'/>\n"
        "  </forward>\n"
        "  <mtu size='9000'/>\n"
        "  <bandwidth>\n"
        "    <inbound average='1000' burst='512'/>\n"
        "    <outbound average='1000' burst='512'/>\n"
        "  </bandwidth>\n"
        "  <portgroup name='web'>\n"
        "    <vlan>\n"
        "      <tag id='10'/>\n"
        "    </vlan>\n"
        "  </portgroup>\n"
        "  <portgroup name='plain'/>\n"
        "</network>\n" % network_uuid(switch_key('vSwitch1')))


def test_names_with_special_characters_parse_back_to_the_same_switch():
    switch = _switch(name='a&b <c>', key=switch_key('a&b <c>'), portgroups=[
        dict(name='it\'s "web"', vlan_id=0, bandwidth=None, vm_network=True)])
    xml = format_network_xml(switch)
    assert "  <name>a&amp;b &lt;c&gt;</name>\n" in xml
    assert "  <portgroup name='it&apos;s &quot;web&quot;'/>\n" in xml
    parsed = parse_network_xml(xml)
    assert (parsed['name'], parsed['uuid']) == ('a&b <c>', network_uuid(switch_key('a&b <c>')))
    assert parsed['portgroups'] == [dict(name='it\'s "web"', vlan_id=0, bandwidth=None)]


def test_minimal_network_has_no_uplinks_and_keeps_mtu_unset():
    parsed = parse_network_xml('<network><name>isolated</name></network>')
    assert parsed == dict(name='isolated', uuid=None, uplinks=[], mtu=None, bandwidth=None, portgroups=[])


def test_forward_dev_alone_names_the_single_uplink():
    parsed = parse_network_xml("<network><name>n</name><forward mode='bridge' dev='vmnic3'/></network>")
    assert parsed['uplinks'] == ['vmnic3']


@pytest.mark.parametrize('xml, message', [
    ("<network><name>n</name><forward/></network>", "Unsupported forward mode 'nat'"),
    ("<network><name>n</name><forward mode='route'/></network>", "Unsupported forward mode 'route'"),
    ("<network><name>n</name><forward mode='hostdev'><pf dev='eth0'/></forward></network>", "Unsupported forward mode 'hostdev'"),
    ("<network><name>n</name><forward mode='bridge'><pf dev='eth0'/></forward></network>", 'unsupported device type <pf>'),
    ("<network><name>n</name><forward mode='bridge' dev='vmnic2'><interface dev='vmnic1'/></forward></network>",
     "forward dev 'vmnic2' must match first interface element dev 'vmnic1'"),
    ("<network><name>n</name><forward mode='bridge'><interface dev='vmnic1'/><interface dev='vmnic1'/></forward></network>",
     'listed twice'),
    ("<network><name>n</name><ip address='192.168.1.1' netmask='255.255.255.0'/></network>", '<ip> is not supported'),
    ("<network><name>n</name><bridge name='virbr0'/></network>", '<bridge> is not supported'),
    ("<network><name>n</name><mac address='52:54:00:00:00:01'/></network>", '<mac> is not supported'),
    ("<network><name>n</name><dns/></network>", '<dns> is not supported'),
    ("<network><name>n</name><vlan><tag id='5'/></vlan></network>", '<vlan> is not supported'),
    ("<network><name>n</name><frobnicate/></network>", 'unknown element <frobnicate>'),
    ("<network><name>n</name><mtu size='100'/></network>", 'out of range'),
    ("<network><name>n</name><mtu size='big'/></network>", 'not an integer'),
    ("<network><name>n</name><uuid>not-a-uuid</uuid></network>", 'malformed uuid'),
    ("<network><name>n</name><name>m</name></network>", 'more than once'),
    ("<network><name>n</name><portgroup name='a'/><portgroup name='a'/></network>", 'port group a appears more than once'),
    ("<network><name>n</name><portgroup/></network>", '<portgroup> needs a name'),
    ("<network><name>n</name><portgroup name='a'><vlan trunk='yes'><tag id='1'/><tag id='2'/></vlan></portgroup></network>",
     'trunk'),
    ("<network><name>n</name><portgroup name='a'><vlan><tag id='1'/><tag id='2'/></vlan></portgroup></network>",
     'exactly one <tag'),
    ("<network><name>n</name><portgroup name='a'><vlan><tag id='4096'/></vlan></portgroup></network>", 'out of range'),
    ("<network><name>n</name><portgroup name='a'><vlan><tag id='7' nativeMode='tagged'/></vlan></portgroup></network>",
     'nativeMode'),
    ("<network><name>n</name><portgroup name='a'><virtualport type='openvswitch'/></portgroup></network>", '<virtualport>'),
    ("<network><name>n</name><bandwidth><inbound average='10'/><outbound average='20'/></bandwidth></network>",
     'different inbound and outbound'),
    ("<network><name>n</name><bandwidth><inbound average='10'/></bandwidth></network>", 'different inbound and outbound'),
    ("<network><name>n</name><bandwidth><inbound average='10' floor='5'/><outbound average='10'/></bandwidth></network>",
     'floor'),
    ('<network><uuid>2f467347-8b4e-8655-e7d6-c4c3fb968009</uuid></network>', 'needs a <name>'),
    ('<domain><name>n</name></domain>', 'Invalid network XML'),
    ('<network><name>n</name>', 'Invalid network XML'),
])
def test_what_a_standard_switch_cannot_represent_is_rejected(xml, message):
    with pytest.raises(NetworkXmlError) as caught:
        parse_network_xml(xml)
    assert message in str(caught.value)


def test_entities_in_network_xml_are_refused():
    hostile = ('<?xml version="1.0"?><!DOCTYPE network [<!ENTITY x "vSwitch9">]>'
               '<network><name>&x;</name></network>')
    with pytest.raises(NetworkXmlError):
        parse_network_xml(hostile)


def test_zero_bandwidth_means_no_shaping():
    parsed = parse_network_xml("<network><name>n</name><bandwidth><inbound average='0'/><outbound average='0'/>"
                               "</bandwidth></network>")
    assert parsed['bandwidth'] is None


def test_bandwidth_and_shaping_units_are_libvirts():
    # kB/s <-> bit/s (x 8 x 1000), KiB <-> bytes (x 1024)
    assert bandwidth_to_shaping(dict(average=1000, peak=2000, burst=512)) == (True, 8000000, 16000000, 524288)
    assert shaping_to_bandwidth(True, 8000000, 16000000, 524288) == dict(average=1000, peak=2000, burst=512)
    assert bandwidth_to_shaping(None) == (False, None, None, None)
    assert bandwidth_to_shaping(dict(average=0, peak=0, burst=0))[0] is False
    assert shaping_to_bandwidth(False, 8000000, 0, 0) is None


def test_interface_xml_of_a_physical_nic():
    xml = format_interface_xml(dict(name='vmnic0', mac='00:0c:29:81:d8:a0', link_state='up', speed_mbps=10000,
                                    ipv4=dict(dhcp=True, address='192.168.1.5', prefix=24)))
    root = lxml.etree.fromstring(xml)
    assert (root.tag, root.get('type'), root.get('name')) == ('interface', 'ethernet', 'vmnic0')
    assert [child.tag for child in root] == ['start', 'protocol', 'link', 'mac']
    assert root.find('start').get('mode') == 'onboot'
    assert root.find('protocol').get('family') == 'ipv4'
    assert root.find('protocol/dhcp') is not None
    assert root.find('protocol/ip').attrib == {'address': '192.168.1.5', 'prefix': '24'}
    assert root.find('link').attrib == {'speed': '10000', 'state': 'up'}
    assert root.find('mac').get('address') == '00:0c:29:81:d8:a0'


def test_interface_xml_is_written_as_virsh_iface_dumpxml_prints_it():
    xml = format_interface_xml(dict(name='vmnic0', mac='00:0c:29:81:d8:a0', link_state='up', speed_mbps=10000,
                                    ipv4=dict(dhcp=False, address='192.168.1.5', prefix=24)))
    assert xml == ("<interface type='ethernet' name='vmnic0'>\n"
                   "  <start mode='onboot'/>\n"
                   "  <protocol family='ipv4'>\n"
                   "    <ip address='192.168.1.5' prefix='24'/>\n"
                   "  </protocol>\n"
                   "  <link speed='10000' state='up'/>\n"
                   "  <mac address='00:0c:29:81:d8:a0'/>\n"
                   "</interface>\n")


def test_interface_xml_of_a_nic_without_link_or_address():
    root = lxml.etree.fromstring(format_interface_xml(dict(name='vmnic7', mac='00:50:56:00:00:07', link_state='down',
                                                           speed_mbps=None, ipv4=None)))
    assert root.find('protocol') is None
    assert root.find('link').attrib == {'state': 'down'}


@pytest.mark.parametrize('mask, prefix', [('255.255.255.0', 24), ('255.255.0.0', 16), ('0.0.0.0', 0),
                                          ('255.255.255.255', 32), ('255.0.255.0', None), ('300.0.0.0', None),
                                          ('', None), (None, None)])
def test_netmask_prefix(mask, prefix):
    assert netmask_prefix(mask) == prefix


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test requirement
    given = st = None

if given is not None:
    # Names as ESX allows them: printable, no surrounding spaces (XML cannot carry control characters).
    _NAME = st.text(alphabet=st.characters(blacklist_categories=('Cs', 'Cc', 'Zl', 'Zp')), min_size=1, max_size=32).filter(
        lambda text: text == text.strip())
    _BANDWIDTH = st.one_of(st.none(), st.fixed_dictionaries(dict(
        average=st.integers(1, 10 ** 7), peak=st.integers(0, 10 ** 7), burst=st.integers(0, 10 ** 7))))
    _PORTGROUP = st.fixed_dictionaries(dict(name=_NAME, vlan_id=st.integers(0, 4095), bandwidth=_BANDWIDTH))

    @given(name=_NAME, uplinks=st.lists(st.from_regex(r'\Avmnic[0-9]{1,3}\Z'), unique=True, max_size=4),
           mtu=st.integers(1280, 9000), bandwidth=_BANDWIDTH,
           portgroups=st.lists(_PORTGROUP, max_size=5, unique_by=lambda pg: pg['name']))
    def test_any_switch_survives_format_and_parse(name, uplinks, mtu, bandwidth, portgroups):
        switch = dict(name=name, key=switch_key(name), uplinks=uplinks, mtu=mtu, bandwidth=bandwidth,
                      portgroups=[dict(pg, vm_network=True) for pg in portgroups])
        parsed = parse_network_xml(format_network_xml(switch))
        assert parsed == dict(name=name, uuid=network_uuid(switch_key(name)), uplinks=uplinks, mtu=mtu,
                              bandwidth=bandwidth, portgroups=portgroups)

    @given(st.binary(max_size=300))
    def test_arbitrary_bytes_give_a_network_error_or_a_network(data):
        try:
            parsed = parse_network_xml(data)
        except NetworkXmlError:
            return
        assert parsed['name']
