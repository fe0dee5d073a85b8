# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""manage_network host by host: the result, the diff per host and the failure after some hosts changed.

Reading and changing the hosts are replaced by fakes; the planner is the real one.
"""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import network
from ansible_collections.virt.esx.plugins.module_utils.resources.network import (
    NetworkError, NetworkHostError, desired_state, manage_network)

pytest.importorskip('lxml')

PARAMS = dict(name='vsCluster', xml=None, state='present', uplinks=None, mtu=None, ports=None, bandwidth=None,
              portgroups=None, purge_portgroups=True, force=False, esxi_hostname=None, cluster='C0')


def _host(name):
    return dict(name=name, moid='host-%s' % name, cluster='C0', datacenter='DC0', network_info=None,
                network_system=None, vm_networks=set(), obj=None)


@pytest.fixture
def cluster(monkeypatch):
    """Three hosts with no switch; applying on a host named in ``refusing`` fails; ``applied`` records the rest."""
    state = dict(hosts=[_host('h0'), _host('h1'), _host('h2')], refusing=set(), applied=[], switches={})

    def apply_changes(host, changes):
        if host['name'] in state['refusing']:
            raise NetworkError('Adding switch vsCluster on host %s failed: vmnic1 is busy' % host['name'])
        state['applied'].append(host['name'])
        state['switches'][host['moid']] = [dict(name='vsCluster', xml='<network>%s</network>' % host['name'], uuid=None)]

    monkeypatch.setattr(network, 'read_hosts', lambda session: [dict(host) for host in state['hosts']])
    monkeypatch.setattr(network, 'select_hosts', lambda session, hosts, esxi_hostname, cluster, require: hosts)
    monkeypatch.setattr(network, 'host_switches', lambda host: state['switches'].get(host['moid'], []))
    monkeypatch.setattr(network, 'check_removals', lambda session, host, current, changes, force: None)
    monkeypatch.setattr(network, 'apply_changes', apply_changes)
    return state


def test_a_host_that_refuses_after_others_changed_names_them_and_returns_their_results(cluster):
    cluster['refusing'] = {'h1'}
    with pytest.raises(NetworkHostError) as raised:
        manage_network(None, dict(PARAMS))
    error = raised.value
    assert str(error) == 'Adding switch vsCluster on host h1 failed: vmnic1 is busy (already changed on: h0)'
    assert cluster['applied'] == ['h0']
    fields = error.as_dict()
    assert fields['changed'] is True
    assert [host['name'] for host in fields['hosts']] == ['h0']
    assert sorted(fields['hosts'][0]) == ['changed', 'changes', 'name', 'network', 'xml']
    assert fields['hosts'][0]['changes'] == ['AddVirtualSwitch vsCluster']


def test_a_first_host_that_refuses_has_changed_nothing(cluster):
    cluster['refusing'] = {'h0'}
    with pytest.raises(NetworkHostError) as raised:
        manage_network(None, dict(PARAMS))
    assert str(raised.value) == 'Adding switch vsCluster on host h0 failed: vmnic1 is busy'
    assert raised.value.as_dict() == dict(changed=False, hosts=[])


def test_every_host_is_changed_and_reported_as_it_is_now_with_a_diff_each(cluster):
    result = manage_network(None, dict(PARAMS))
    assert cluster['applied'] == ['h0', 'h1', 'h2']
    assert result['changed'] is True
    assert [host['xml'] for host in result['hosts']] == ['<network>h0</network>', '<network>h1</network>',
                                                         '<network>h2</network>']
    # With more than one host there is no single network.
    assert (result['network'], result['xml'], result['changes']) == (None, None, [])
    assert [(diff['before'], diff['after'], diff['before_header']) for diff in result['diff']] == [
        ('', '<network>h0</network>', 'h0: vsCluster'), ('', '<network>h1</network>', 'h1: vsCluster'),
        ('', '<network>h2</network>', 'h2: vsCluster')]


def test_check_mode_changes_no_host_and_reports_the_prediction(cluster):
    cluster['hosts'] = [_host('h0')]
    result = manage_network(None, dict(PARAMS), check_mode=True)
    assert cluster['applied'] == []
    assert result['changed'] is True
    assert result['changes'] == ['AddVirtualSwitch vsCluster']
    assert result['network']['name'] == 'vsCluster'
    assert result['diff']['after'] == result['xml']
    assert result['diff']['before'] == ''


@pytest.mark.parametrize('changes, message', [
    (dict(name=' '), 'The switch name must not be empty'),
    (dict(name='x' * 33), 'Switch name %s is longer than 32 characters' % ('x' * 33)),
    (dict(mtu=9001), 'mtu 9001 is not within 1280..9000'),
    (dict(portgroups=[dict(name='web', vlan_id=4096, bandwidth=None, security=None, teaming=None)]),
     'Port group web: vlan_id 4096 is not within 0..4095'),
    (dict(portgroups=[dict(name='web', vlan_id=1, bandwidth=None, security=None, teaming=None)] * 2),
     'Port group web is listed more than once'),
    (dict(portgroups=[dict(name='', vlan_id=1, bandwidth=None, security=None, teaming=None)]),
     'Switch vsCluster: a port group name must not be empty'),
    (dict(bandwidth=dict(average=-1, peak=0, burst=0)), 'switch vsCluster: bandwidth rates must not be negative'),
])
def test_impossible_options_are_refused_before_any_host_is_read(changes, message):
    with pytest.raises(NetworkError) as raised:
        desired_state(dict(PARAMS, **changes))
    assert str(raised.value) == message
    assert not isinstance(raised.value, NetworkHostError)


def test_a_uuid_other_than_the_derived_one_is_refused_on_every_host(cluster):
    xml = "<network><name>vsCluster</name><uuid>00000000-0000-0000-0000-000000000000</uuid></network>"
    with pytest.raises(NetworkHostError) as raised:
        manage_network(None, dict(PARAMS, name=None, xml=xml))
    assert str(raised.value).startswith('Cannot use predefined UUID 00000000-0000-0000-0000-000000000000')
    assert cluster['applied'] == []
