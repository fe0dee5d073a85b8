# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard switches from pyvmomi data, change planning, the force guard and the API specs."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import network
from ansible_collections.virt.esx.plugins.module_utils.resources.network import NetworkError, plan_switch

try:
    from pyVmomi import vim
except Exception:  # pylint: disable=broad-except  # pyvmomi 9 raises a bare Exception on Python < 3.10
    vim = None

pytestmark = pytest.mark.skipif(vim is None, reason='pyvmomi is not installed')
pytest.importorskip('lxml')


def _network_info():
    """A host like the simulator's: vSwitch0 on vmnic0 with a VM and a management port group; vmnic1 free."""
    teaming = vim.host.NetworkPolicy.NicTeamingPolicy(
        policy='loadbalance_srcid', notifySwitches=True, rollingOrder=False,
        nicOrder=vim.host.NetworkPolicy.NicOrderPolicy(activeNic=['vmnic0']))
    vswitch0 = vim.host.VirtualSwitch(
        name='vSwitch0', key='key-vim.host.VirtualSwitch-vSwitch0', numPorts=1536, numPortsAvailable=1530, mtu=1500,
        portgroup=['key-vim.host.PortGroup-VM Network', 'key-vim.host.PortGroup-Management Network'],
        pnic=['key-vim.host.PhysicalNic-vmnic0'],
        spec=vim.host.VirtualSwitch.Specification(
            numPorts=128, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=['vmnic0']),
            policy=vim.host.NetworkPolicy(
                security=vim.host.NetworkPolicy.SecurityPolicy(allowPromiscuous=False, macChanges=True, forgedTransmits=True),
                nicTeaming=teaming)))
    vm_network = vim.host.PortGroup(
        key='key-vim.host.PortGroup-VM Network', vswitch=vswitch0.key,
        spec=vim.host.PortGroup.Specification(name='VM Network', vlanId=0, vswitchName='vSwitch0',
                                              policy=vim.host.NetworkPolicy()))
    management = vim.host.PortGroup(
        key='key-vim.host.PortGroup-Management Network', vswitch=vswitch0.key,
        port=[vim.host.PortGroup.Port(key='p1', type='host', mac=['00:0c:29:81:d8:a0'])],
        spec=vim.host.PortGroup.Specification(name='Management Network', vlanId=0, vswitchName='vSwitch0',
                                              policy=vim.host.NetworkPolicy()))
    pnics = [
        vim.host.PhysicalNic(key='key-vim.host.PhysicalNic-vmnic0', device='vmnic0', driver='nvmxnet3', pci='0000:0b:00.0',
                             mac='00:0c:29:81:d8:a0', linkSpeed=vim.host.PhysicalNic.LinkSpeedDuplex(speedMb=10000, duplex=True),
                             spec=vim.host.PhysicalNic.Specification(ip=vim.host.IpConfig(dhcp=False))),
        vim.host.PhysicalNic(key='key-vim.host.PhysicalNic-vmnic1', device='vmnic1', driver='nvmxnet3', pci='0000:13:00.0',
                             mac='00:0c:29:81:d8:aa', spec=vim.host.PhysicalNic.Specification()),
    ]
    vmk0 = vim.host.VirtualNic(device='vmk0', key='key-vim.host.VirtualNic-vmk0', portgroup='Management Network')
    return vim.host.NetworkInfo(vswitch=[vswitch0], portgroup=[vm_network, management], pnic=pnics, vnic=[vmk0])


def _host(info=None):
    return dict(name='esx1', moid='host-1', cluster=None, datacenter='dc', network_info=info or _network_info(),
                network_system=None, vm_networks={'VM Network'}, obj=None)


def test_vswitch0_is_described_as_libvirt_sees_it():
    host = _host()
    [switch] = network.host_switches(host)
    assert switch['name'] == 'vSwitch0'
    assert switch['uuid'] == '2f467347-8b4e-8655-e7d6-c4c3fb968009'
    assert switch['uplinks'] == ['vmnic0']
    assert (switch['mtu'], switch['ports'], switch['ports_available']) == (1500, 128, 1530)
    assert switch['security'] == dict(allow_promiscuous=False, mac_changes=True, forged_transmits=True)
    assert switch['teaming']['active_uplinks'] == ['vmnic0']
    assert switch['teaming']['failback'] is True
    by_name = {pg['name']: pg for pg in switch['portgroups']}
    assert by_name['VM Network']['vm_network'] is True
    assert by_name['Management Network']['vm_network'] is False
    assert by_name['Management Network']['vmkernel_adapters'] == ['vmk0']
    assert by_name['Management Network']['ports'] == {'host': 1}
    assert "<portgroup name='VM Network'/>" in switch['xml']
    assert 'Management Network' not in switch['xml']


def test_nics_report_link_and_the_switch_they_uplink():
    host = _host()
    nics = network.host_nics(host)
    assert [nic['name'] for nic in nics] == ['vmnic0', 'vmnic1']
    assert (nics[0]['switch'], nics[0]['link_state'], nics[0]['speed_mbps'], nics[0]['full_duplex']) == ('vSwitch0', 'up', 10000, True)
    assert (nics[1]['switch'], nics[1]['link_state'], nics[1]['speed_mbps']) == (None, 'down', None)
    assert "state='down'" in nics[1]['xml']
    assert nics[0]['ipv4'] == {'dhcp': False}


def _plan(desired, state='present', host=None):
    host = host or _host()
    switches = network.host_switches(host)
    current = next((s for s in switches if s['name'] == desired['name']), None)
    others = [s for s in switches if s['name'] != desired['name']]
    return plan_switch(host, current, desired, state, others)


def test_new_switch_is_added_then_its_portgroups():
    changes, after = _plan(dict(name='vSwitch1', uplinks=['vmnic1'], mtu=9000, portgroups=[
        dict(name='web', vlan_id=10, security={}, teaming={}), dict(name='db', vlan_id=20, security={}, teaming={})]))
    assert [network.describe_change(c) for c in changes] == ['AddVirtualSwitch vSwitch1', 'AddPortGroup web', 'AddPortGroup db']
    assert changes[0]['ports'] == network.DEFAULT_PORTS
    assert after['uplinks'] == ['vmnic1'] and after['mtu'] == 9000
    assert [pg['vlan_id'] for pg in after['portgroups']] == [10, 20]
    assert "<tag id='20'/>" in after['xml']


def test_unchanged_switch_needs_no_call():
    changes, after = _plan(dict(name='vSwitch0', uplinks=['vmnic0'], mtu=1500, ports=128,
                                portgroups=[dict(name='VM Network', vlan_id=0, security={}, teaming={})]))
    assert changes == []
    assert after['xml'] == network.host_switches(_host())[0]['xml']


def test_vlan_change_updates_only_that_portgroup_and_purge_spares_vmkernel_portgroups():
    changes, after = _plan(dict(name='vSwitch0', portgroups=[dict(name='VM Network', vlan_id=7, security={}, teaming={})]))
    assert [network.describe_change(c) for c in changes] == ['UpdatePortGroup VM Network (vlan_id)']
    assert [pg['name'] for pg in after['portgroups']] == ['VM Network', 'Management Network']


def test_unlisted_portgroups_are_removed_unless_purge_is_off():
    desired = dict(name='vSwitch0', portgroups=[dict(name='new', vlan_id=3, security={}, teaming={})])
    changes, after = _plan(desired)
    assert [network.describe_change(c) for c in changes] == ['RemovePortGroup VM Network', 'AddPortGroup new']
    assert [pg['name'] for pg in after['portgroups']] == ['Management Network', 'new']
    changes, _after = _plan(dict(desired, purge_portgroups=False))
    assert [network.describe_change(c) for c in changes] == ['AddPortGroup new']


def test_policy_overrides_compare_only_what_is_given():
    same = dict(name='vSwitch0', portgroups=[dict(name='VM Network', vlan_id=0, security=dict(allow_promiscuous=None),
                                                  teaming=dict(load_balancing=None))], purge_portgroups=False)
    assert _plan(same)[0] == []
    changed = dict(same, portgroups=[dict(name='VM Network', vlan_id=0, security=dict(allow_promiscuous=True),
                                          teaming=dict(failback=False))])
    changes, after = _plan(changed)
    assert changes[0]['fields'] == ['security', 'teaming']
    assert after['portgroups'][0]['security']['allow_promiscuous'] is True
    assert after['portgroups'][0]['teaming']['failback'] is False


def test_uplink_change_updates_the_switch_and_its_nic_order():
    changes, after = _plan(dict(name='vSwitch0', uplinks=['vmnic0', 'vmnic1'], mtu=9000))
    assert [network.describe_change(c) for c in changes] == ['UpdateVirtualSwitch vSwitch0 (mtu, uplinks)']
    assert after['teaming']['active_uplinks'] == ['vmnic0', 'vmnic1']
    host = _host()
    spec = network._switch_spec(changes[0], network.raw_switch(host, 'vSwitch0'))
    assert list(spec.bridge.nicDevice) == ['vmnic0', 'vmnic1']
    assert list(spec.policy.nicTeaming.nicOrder.activeNic) == ['vmnic0', 'vmnic1']
    assert spec.mtu == 9000
    # The host's own spec object is not modified.
    assert list(network.raw_switch(host, 'vSwitch0').spec.bridge.nicDevice) == ['vmnic0']


def test_removing_all_uplinks_drops_the_bridge_and_nic_order():
    changes, after = _plan(dict(name='vSwitch0', uplinks=[]))
    spec = network._switch_spec(changes[0], network.raw_switch(_host(), 'vSwitch0'))
    assert spec.bridge is None
    assert spec.policy.nicTeaming.nicOrder is None
    assert after['uplinks'] == [] and '<forward' not in after['xml']


@pytest.mark.parametrize('desired, message', [
    (dict(name='vSwitch1', uplinks=['vmnic9']), "no physical NIC 'vmnic9'"),
    (dict(name='vSwitch1', uplinks=['vmnic0']), "already an uplink of switch vSwitch0"),
    (dict(name='vSwitch1', portgroups=[dict(name='VM Network', vlan_id=0)]), 'unique per host'),
    (dict(name='vSwitch1', uplinks=['vmnic1'], portgroups=[dict(name='x', vlan_id=0, teaming=dict(active_uplinks=['vmnic0']))]),
     "'vmnic0', which is not an uplink"),
])
def test_impossible_requests_fail_before_any_call(desired, message):
    with pytest.raises(NetworkError) as caught:
        _plan(desired)
    assert message in str(caught.value)


def test_absent_removes_portgroups_then_the_switch():
    changes, after = _plan(dict(name='vSwitch0'), state='absent')
    assert [network.describe_change(c) for c in changes] == [
        'RemovePortGroup VM Network', 'RemovePortGroup Management Network', 'RemoveVirtualSwitch vSwitch0']
    assert after is None
    assert _plan(dict(name='nope'), state='absent') == ([], None)


class _FakeSession(object):
    def __init__(self, items):
        self.items = items

    def retrieve(self, properties_by_type):
        return [item for item in self.items if item['_type'] in properties_by_type]


class _Ref(object):
    def __init__(self, moid):
        self._moId = moid


def _session_with_vm_on(portgroup, host_moid='host-1'):
    return _FakeSession([
        dict(_type='Network', _moid='network-1', name=portgroup),
        dict(_type='Network', _moid='network-2', name='other'),
        dict(_type='VirtualMachine', _moid='vm-1', name='web01', **{'runtime.host': _Ref(host_moid),
                                                                    'network': [_Ref('network-1')]}),
        dict(_type='VirtualMachine', _moid='vm-2', name='db01', **{'runtime.host': _Ref(host_moid),
                                                                   'network': [_Ref('network-2')]}),
    ])


def test_removing_a_portgroup_a_vm_uses_is_refused_naming_the_vm_unless_forced():
    host = _host()
    current = network.host_switches(host)[0]
    changes = [dict(op='remove_portgroup', name='VM Network')]
    with pytest.raises(NetworkError) as caught:
        network.check_removals(_session_with_vm_on('VM Network'), host, current, changes, force=False)
    assert 'web01' in str(caught.value) and 'db01' not in str(caught.value)
    assert 'force' in str(caught.value)
    network.check_removals(_session_with_vm_on('VM Network'), host, current, changes, force=True)
    # VMs of another host do not count.
    network.check_removals(_session_with_vm_on('VM Network', host_moid='host-2'), host, current, changes, force=False)


def test_vmkernel_portgroups_are_never_removed_even_with_force():
    host = _host()
    current = network.host_switches(host)[0]
    with pytest.raises(NetworkError) as caught:
        network.check_removals(_FakeSession([]), host, current, [dict(op='remove_portgroup', name='Management Network')],
                               force=True)
    assert 'vmk0' in str(caught.value)


def test_portgroup_spec_carries_the_overrides_and_shaping():
    wanted = dict(name='web', vlan_id=10, security=dict(allow_promiscuous=True, mac_changes=None, forged_transmits=None),
                  teaming=dict(load_balancing='failover_explicit', active_uplinks=['vmnic1'], standby_uplinks=None,
                               notify_switches=None, failback=False),
                  bandwidth=dict(average=1000, peak=2000, burst=512))
    policy = network._portgroup_policy(wanted)
    assert policy.security.allowPromiscuous is True and policy.security.macChanges is None
    assert policy.nicTeaming.policy == 'failover_explicit'
    assert policy.nicTeaming.rollingOrder is True
    assert list(policy.nicTeaming.nicOrder.activeNic) == ['vmnic1']
    assert (policy.shapingPolicy.enabled, policy.shapingPolicy.averageBandwidth, policy.shapingPolicy.burstSize) == (True, 8000000, 524288)
    assert network._portgroup_policy(dict(name='plain', vlan_id=0)).shapingPolicy is None


class _FakeNetworkSystem(object):
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def method(**kwargs):
            self.calls.append((name, kwargs))
        return method


def test_changes_are_made_with_the_host_network_system_calls():
    host = _host()
    host['network_system'] = _FakeNetworkSystem()
    changes, _after = _plan(dict(name='vSwitch0', uplinks=['vmnic0', 'vmnic1'],
                                 portgroups=[dict(name='VM Network', vlan_id=5, security={}, teaming={}),
                                             dict(name='app', vlan_id=6, security={}, teaming={})]), host=host)
    network.apply_changes(host, changes)
    assert [name for name, _kwargs in host['network_system'].calls] == ['UpdateVirtualSwitch', 'UpdatePortGroup', 'AddPortGroup']
    update_pg = host['network_system'].calls[1][1]
    assert update_pg['pgName'] == 'VM Network' and update_pg['portgrp'].vlanId == 5
    add_pg = host['network_system'].calls[2][1]['portgrp']
    assert (add_pg.name, add_pg.vlanId, add_pg.vswitchName) == ('app', 6, 'vSwitch0')


def test_teaming_uplinks_are_checked_against_the_current_uplinks_when_uplinks_are_left_out():
    desired = dict(name='vSwitch0', purge_portgroups=False,
                   portgroups=[dict(name='VM Network', vlan_id=0, teaming=dict(active_uplinks=['vmnic1']))])
    with pytest.raises(NetworkError) as caught:
        _plan(desired)
    assert "'vmnic1', which is not an uplink of switch vSwitch0" in str(caught.value)
    changes, _after = _plan(dict(desired, portgroups=[dict(name='VM Network', vlan_id=0, teaming=dict(active_uplinks=['vmnic0']))]))
    assert [network.describe_change(c) for c in changes] == ['UpdatePortGroup VM Network (teaming)']


class _Params(object):
    endpoint = 'https://vc.example.com:443'


class _SelectSession(object):
    def __init__(self, is_vcenter=True, scope=None):
        self.is_vcenter = is_vcenter
        self.scope = scope
        self.params = _Params()


_HOSTS = [dict(name='h0', moid='host-10', cluster=None), dict(name='c-h1', moid='host-11', cluster='C1'),
          dict(name='c-h2', moid='host-12', cluster='C1')]


def test_host_selection_on_a_vcenter():
    session = _SelectSession()
    assert network.select_hosts(session, _HOSTS, esxi_hostname='c-h2') == [_HOSTS[2]]
    assert network.select_hosts(session, _HOSTS, esxi_hostname='host-10') == [_HOSTS[0]]
    assert network.select_hosts(session, _HOSTS, cluster='C1') == _HOSTS[1:]
    assert network.select_hosts(session, _HOSTS) == _HOSTS
    with pytest.raises(NetworkError) as caught:
        network.select_hosts(session, _HOSTS, require=True)
    assert 'esxi_hostname' in str(caught.value) and 'c-h1' in str(caught.value)
    with pytest.raises(NetworkError) as caught:
        network.select_hosts(session, _HOSTS, cluster='C9')
    assert 'clusters: C1' in str(caught.value)
    with pytest.raises(NetworkError) as caught:
        network.select_hosts(session, _HOSTS, esxi_hostname='nope')
    assert 'hosts: c-h1, c-h2, h0' in str(caught.value)


def test_a_vpx_path_or_an_esx_host_selects_one_host_even_when_one_is_required():
    scoped = _SelectSession(scope=dict(host=dict(_moid='host-12')))
    assert network.select_hosts(scoped, _HOSTS, require=True) == [_HOSTS[2]]
    esx = _SelectSession(is_vcenter=False)
    assert network.select_hosts(esx, _HOSTS[:1], require=True) == _HOSTS[:1]


def test_distributed_portgroup_vlans():
    spec = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy
    vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(vlanId=42)
    assert network._dv_vlan(spec(vlan=vlan)) == dict(vlan_id=42, vlan_type='vlan')
    ranges = [vim.NumericRange(start=0, end=4094), vim.NumericRange(start=7, end=7)]
    trunk = vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec(vlanId=ranges)
    assert network._dv_vlan(spec(vlan=trunk)) == dict(vlan_id=['0-4094', '7'], vlan_type='trunk')
    assert network._dv_vlan(None) == dict(vlan_id=None, vlan_type=None)


def test_uplink_order_alone_is_no_change():
    info = _network_info()
    info.vswitch[0].pnic = ['key-vim.host.PhysicalNic-vmnic0', 'key-vim.host.PhysicalNic-vmnic1']
    changes, _after = _plan(dict(name='vSwitch0', uplinks=['vmnic1', 'vmnic0']), host=_host(info))
    assert changes == []
