# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distributed switches: options, planning, the vSphere specs and reading them back, the network XML."""

from __future__ import annotations

import re

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.dvswitch_xml import (
    format_dvswitch_xml, switch_uuid, trunk_ids)
from ansible_collections.virt.esx.plugins.module_utils.resources.dvswitch import (
    DvSwitchConfigError, describe_change, desired_switch, plan, public_switch)

try:
    from pyVmomi import vim
    from ansible_collections.virt.esx.plugins.module_utils.vsphere import dvswitch as api
except Exception:  # pylint: disable=broad-except  # pyvmomi 9 raises a bare Exception on Python < 3.10
    vim = None

needs_pyvmomi = pytest.mark.skipif(vim is None, reason='pyvmomi is not installed')

HOSTS = {
    'esx1': dict(moid='host-1', obj=None, nics=['vmnic0', 'vmnic1', 'vmnic2'], datacenter='DC1',
                 nics_in_use=dict(vmnic0='standard switch vSwitch0', vmnic1='distributed switch dvs1')),
    'esx2': dict(moid='host-2', obj=None, nics=['vmnic0', 'vmnic1'], datacenter='DC1',
                 nics_in_use=dict(vmnic1='distributed switch dvs-other')),
    'other': dict(moid='host-3', obj=None, nics=['vmnic1'], datacenter='DC2'),
}


def params(**overrides):
    base = dict(name='dvs1', datacenter='DC1', state='present', version=None, uplinks=None, uplink_count=None,
                mtu=None, hosts=None, purge_hosts=False, portgroups=None, purge_portgroups=False)
    base.update(overrides)
    return base


def pg_option(name, **overrides):
    base = dict(name=name, vlan_id=None, trunk=None, security=None, teaming=None, binding=None, ports=None)
    base.update(overrides)
    return base


def current_switch():
    return dict(
        name='dvs1', uuid='50 2b 9c 1e 0a 6f 4d 11-8a 3c 77 00 12 34 56 78', moid='dvs-1', datacenter='DC1',
        version='7.0.0', uplinks=['up1', 'up2'], mtu=1500, config_version='4',
        hosts=[dict(name='esx1', nics=['vmnic1'])],
        portgroups=[dict(name='web', key='dvportgroup-2', vlan_id=10, trunk=None,
                         security=dict(promiscuous=False, forged_transmits=False, mac_changes=False),
                         teaming=dict(load_balancing='loadbalance_srcid', active_uplinks=['up1'], standby_uplinks=['up2']),
                         binding='static', ports=8, config_version='1', _obj=object())],
        _obj=object())


def test_create_plans_the_switch_then_the_port_groups_in_one_call():
    desired = desired_switch(params(version='7.0.0', uplinks=['a', 'b'], mtu=9000,
                                    hosts=[dict(name='esx1', nics=['vmnic1', 'vmnic2'])],
                                    portgroups=[pg_option('web', vlan_id=10), pg_option('trunk', trunk=['100-110', '300'])]))
    changes, after = plan(None, desired, 'present', HOSTS, 'DC1')
    assert [change['op'] for change in changes] == ['create_switch', 'add_portgroups']
    assert changes[0]['fields'] == dict(uplinks=['a', 'b'], mtu=9000, hosts=[('add', 'esx1', ['vmnic1', 'vmnic2'])])
    assert [describe_change(change, 'dvs1') for change in changes] == [
        'CreateDVS_Task dvs1', 'AddDVPortgroup_Task web, trunk']
    assert after['hosts'] == [dict(name='esx1', nics=['vmnic1', 'vmnic2'])]
    trunk = next(pg for pg in after['portgroups'] if pg['name'] == 'trunk')
    assert (trunk['vlan_id'], trunk['trunk'], trunk['binding'], trunk['ports']) == (None, ['100-110', '300'], 'static', 8)


def test_the_same_options_again_change_nothing():
    current = current_switch()
    desired = desired_switch(params(version='7.0.0', uplinks=['up1', 'up2'], mtu=1500,
                                    hosts=[dict(name='esx1', nics=['vmnic1'])],
                                    portgroups=[pg_option('web', vlan_id=10, binding='static', ports=8,
                                                          security=dict(promiscuous=False),
                                                          teaming=dict(load_balancing='loadbalance_srcid',
                                                                       active_uplinks=['up1'], standby_uplinks=None))]))
    changes, after = plan(current, desired, 'present', HOSTS, 'DC1')
    assert changes == []
    assert public_switch(after) == public_switch(current)


def test_vlan_and_teaming_edited_in_place_keeping_the_rest():
    current = current_switch()
    desired = desired_switch(params(portgroups=[pg_option('web', vlan_id=20, teaming=dict(
        load_balancing='loadbalance_ip', active_uplinks=['up1', 'up2'], standby_uplinks=[]))]))
    changes, after = plan(current, desired, 'present', HOSTS, 'DC1')
    assert [describe_change(change, 'dvs1') for change in changes] == ['ReconfigureDVPortgroup_Task web (vlan, teaming)']
    merged = changes[0]['portgroup']
    assert merged['security'] == current['portgroups'][0]['security']
    assert merged['teaming'] == dict(load_balancing='loadbalance_ip', active_uplinks=['up1', 'up2'], standby_uplinks=[])
    assert changes[0]['current'] is current['portgroups'][0]
    assert after['portgroups'][0]['vlan_id'] == 20 and after['mtu'] == 1500
    # The plan must not touch what it read.
    assert current['portgroups'][0]['vlan_id'] == 10


def test_trunk_replaces_vlan_id():
    changes, after = plan(current_switch(), desired_switch(params(portgroups=[pg_option('web', trunk=['0-4094'])])),
                          'present', HOSTS, 'DC1')
    assert changes[0]['fields'] == ['vlan']
    assert (after['portgroups'][0]['vlan_id'], after['portgroups'][0]['trunk']) == (None, ['0-4094'])


def test_switch_fields_and_hosts_in_one_reconfiguration():
    desired = desired_switch(params(mtu=9000, uplink_count=3, hosts=[dict(name='esx1', nics=['vmnic1', 'vmnic2']),
                                                                     dict(name='esx2', nics=['vmnic0'])]))
    changes, after = plan(current_switch(), desired, 'present', HOSTS, 'DC1')
    assert len(changes) == 1 and changes[0]['op'] == 'reconfigure_switch'
    assert changes[0]['fields'] == dict(uplinks=['up1', 'up2', 'Uplink 1'], mtu=9000, hosts=[
        ('edit', 'esx1', ['vmnic1', 'vmnic2']), ('add', 'esx2', ['vmnic0'])])
    assert after['hosts'] == [dict(name='esx1', nics=['vmnic1', 'vmnic2']), dict(name='esx2', nics=['vmnic0'])]


def test_purge_removes_unlisted_hosts_and_port_groups_only_when_asked():
    desired = desired_switch(params(hosts=[dict(name='esx2', nics=[])], portgroups=[pg_option('db')]))
    changes, _after = plan(current_switch(), desired, 'present', HOSTS, 'DC1')
    assert [describe_change(c, 'dvs1') for c in changes] == ['ReconfigureDvs_Task dvs1 (hosts)', 'AddDVPortgroup_Task db']
    assert changes[0]['fields']['hosts'] == [('add', 'esx2', [])]
    desired = desired_switch(params(hosts=[dict(name='esx2', nics=[])], purge_hosts=True,
                                    portgroups=[pg_option('db')], purge_portgroups=True))
    changes, after = plan(current_switch(), desired, 'present', HOSTS, 'DC1')
    assert changes[0]['fields']['hosts'] == [('add', 'esx2', []), ('remove', 'esx1', [])]
    assert [describe_change(c, 'dvs1') for c in changes][1:] == ['AddDVPortgroup_Task db', 'Destroy_Task port group web']
    assert [pg['name'] for pg in after['portgroups']] == ['db'] and after['hosts'] == [dict(name='esx2', nics=[])]


def test_absent_removes_port_groups_then_the_switch():
    changes, after = plan(current_switch(), desired_switch(params(state='absent')), 'absent', HOSTS, 'DC1')
    assert [describe_change(c, 'dvs1') for c in changes] == ['Destroy_Task port group web', 'Destroy_Task switch dvs1']
    assert after is None
    assert plan(None, desired_switch(params()), 'absent', HOSTS, 'DC1') == ([], None)


def test_too_many_nics_for_the_uplinks_are_refused():
    hosts = dict(HOSTS, esx3=dict(moid='host-4', obj=None, nics=['vmnic1', 'vmnic2', 'vmnic3'], datacenter='DC1'))
    with pytest.raises(DvSwitchConfigError, match='host esx3 gives 3 NICs for 2 uplinks'):
        plan(current_switch(), desired_switch(params(hosts=[dict(name='esx3', nics=['vmnic1', 'vmnic2', 'vmnic3'])])),
             'present', hosts, 'DC1')


@pytest.mark.parametrize('options, message', [
    (dict(mtu=1000), 'mtu 1000 is not within 1280..9000'),
    (dict(uplinks=['a'], uplink_count=2), 'not both'),
    (dict(uplinks=['a', 'a']), 'more than once'),
    (dict(portgroups=[pg_option('web', vlan_id=4095)]), 'vlan_id 4095 is not within 0..4094'),
    (dict(portgroups=[pg_option('web', vlan_id=1, trunk=['5'])]), 'vlan_id or trunk, not both'),
    (dict(portgroups=[pg_option('web', trunk=['20-10'])]), "trunk range '20-10'"),
    (dict(portgroups=[pg_option('web', trunk=['x'])]), "trunk range 'x' is not N or N-M"),
    (dict(portgroups=[pg_option('web'), pg_option('web')]), 'portgroups: web listed more than once'),
    (dict(portgroups=[pg_option('web', teaming=dict(active_uplinks=['a'], standby_uplinks=['a']))]),
     'uplink a is both active and standby'),
    (dict(name=' '), 'name must not be empty'),
])
def test_bad_options_are_refused_naming_them(options, message):
    with pytest.raises(DvSwitchConfigError, match=re.escape(message)):
        desired_switch(params(**options))


@pytest.mark.parametrize('options, message', [
    (dict(hosts=[dict(name='other', nics=[])]), 'no host named other in datacenter DC1 (hosts: esx1, esx2)'),
    (dict(hosts=[dict(name='esx2', nics=['vmnic7'])]), 'host esx2 has no physical NIC vmnic7'),
    (dict(hosts=[dict(name='esx1', nics=['vmnic1', 'vmnic2', 'vmnic2'])]), 'hosts: host esx1 lists NIC vmnic2 more than once'),
    (dict(hosts=[dict(name='esx1', nics=['vmnic0'])]), 'NIC vmnic0 of host esx1 is an uplink of standard switch vSwitch0'),
    (dict(hosts=[dict(name='esx2', nics=['vmnic1'])]), 'NIC vmnic1 of host esx2 is an uplink of distributed switch dvs-other'),
    (dict(portgroups=[pg_option('web', teaming=dict(standby_uplinks=['up9']))]), 'standby_uplinks up9 not uplinks'),
    (dict(version='8.0.0'), 'is version 7.0.0: changing it to 8.0.0 is an upgrade'),
])
def test_plans_that_cannot_be_made_are_refused(options, message):
    with pytest.raises(DvSwitchConfigError, match=re.escape(message)):
        plan(current_switch(), desired_switch(params(**options)), 'present', HOSTS, 'DC1')


def test_network_xml_says_what_libvirt_can():
    switch = current_switch()
    switch['mtu'] = 9000
    switch['portgroups'].append(dict(name='trunk', vlan_id=None, trunk=['100-102', '7']))
    switch['portgroups'].append(dict(name='all', vlan_id=None, trunk=['0-4094']))
    xml = format_dvswitch_xml(switch)
    assert "<uuid>502b9c1e-0a6f-4d11-8a3c-770012345678</uuid>" in xml
    assert "<mtu size='9000'/>" in xml
    assert "<portgroup name='web'>\n    <vlan>\n      <tag id='10'/>" in xml
    assert "<vlan trunk='yes'>\n      <tag id='7'/>\n      <tag id='100'/>" in xml
    assert "<portgroup name='all'/>" in xml
    assert trunk_ids(['0-4094']) is None and trunk_ids(['5', '3-4']) == [3, 4, 5]
    assert switch_uuid('', 'x') == switch_uuid(None, 'x') != switch_uuid(None, 'y')


@needs_pyvmomi
@pytest.mark.parametrize('portgroup', [
    dict(name='web', vlan_id=10, trunk=None, binding='static', ports=8,
         security=dict(promiscuous=True, forged_transmits=False, mac_changes=False),
         teaming=dict(load_balancing='failover_explicit', active_uplinks=['up2'], standby_uplinks=['up1'])),
    dict(name='trunk', vlan_id=None, trunk=['100-110', '300'], binding='ephemeral', ports=0,
         security=dict(promiscuous=None, forged_transmits=None, mac_changes=None),
         teaming=dict(load_balancing=None, active_uplinks=None, standby_uplinks=None)),
])
def test_port_group_spec_reads_back_as_the_same_dict(portgroup):
    spec = api.portgroup_spec(portgroup, config_version='3')
    assert spec.configVersion == '3'
    assert spec.type == api.BINDING_TO_TYPE[portgroup['binding']]
    config = vim.dvs.DistributedVirtualPortgroup.ConfigInfo(
        name=spec.name, type=spec.type, numPorts=spec.numPorts, defaultPortConfig=spec.defaultPortConfig,
        configVersion='4')
    read = api.describe_portgroup(spec.name, 'dvportgroup-9', config)
    assert read == dict(portgroup, key='dvportgroup-9', config_version='4')


@needs_pyvmomi
def test_unset_policies_read_as_none():
    read = api.describe_portgroup('pg', 'k', vim.dvs.DistributedVirtualPortgroup.ConfigInfo(type='lateBinding'))
    assert read['vlan_id'] is None and read['trunk'] is None and read['binding'] == 'dynamic'
    assert read['security'] == dict(promiscuous=None, forged_transmits=None, mac_changes=None)
    assert read['teaming'] == dict(load_balancing=None, active_uplinks=None, standby_uplinks=None)


@needs_pyvmomi
def test_switch_spec_carries_the_members_with_their_nics():
    hosts = dict(esx1=dict(obj=vim.HostSystem('host-1')), esx2=dict(obj=vim.HostSystem('host-2')))
    spec = api.switch_spec(dict(uplinks=['a', 'b'], mtu=9000, hosts=[('add', 'esx1', ['vmnic1']), ('remove', 'esx2', [])]),
                           hosts, config_version='7')
    assert spec.configVersion == '7' and spec.maxMtu == 9000
    assert list(spec.uplinkPortPolicy.uplinkPortName) == ['a', 'b']
    add, remove = spec.host
    assert (add.operation, add.host._moId, [p.pnicDevice for p in add.backing.pnicSpec]) == ('add', 'host-1', ['vmnic1'])
    assert (remove.operation, remove.host._moId, remove.backing) == ('remove', 'host-2', None)
    empty = api.switch_spec({}, hosts)
    assert empty.maxMtu is None and empty.uplinkPortPolicy is None and not empty.host
