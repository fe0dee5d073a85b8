# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a VM is, where the options want it, and what differs (the planning half of vm_placement)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import vm_placement as placement
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import Inventory


def _ref(moid):
    return SimpleNamespace(_moId=moid)


def _item(kind, moid, name, parent=None, **fields):
    item = dict(_type=kind, _moid=moid, _obj=_ref(moid), name=name, parent=_ref(parent) if parent else None)
    item.update(fields)
    return item


class FakeSession(object):
    scope = None

    def __init__(self, items):
        self.items = items

    def retrieve(self, _properties, root=None):
        return self.items


def _inventory():
    items = [
        _item('Datacenter', 'dc', 'DC0', vmFolder=_ref('vmf'), hostFolder=_ref('hf')),
        _item('Folder', 'hf', 'host', 'dc'),
        _item('ClusterComputeResource', 'c0', 'C0', 'hf', resourcePool=_ref('rp-c0'), host=[_ref('h1'), _ref('h2')]),
        _item('ComputeResource', 's0', 'H0', 'hf', resourcePool=_ref('rp-s0'), host=[_ref('h0')]),
        _item('HostSystem', 'h0', 'H0', 's0', datastore=[_ref('ds0')]),
        _item('HostSystem', 'h1', 'C0_H1', 'c0', datastore=[_ref('ds0')]),
        _item('HostSystem', 'h2', 'C0_H2', 'c0', datastore=[_ref('ds0')]),
        _item('ResourcePool', 'rp-c0', 'Resources', 'c0', owner=_ref('c0')),
        _item('ResourcePool', 'rp-web', 'web', 'rp-c0', owner=_ref('c0')),
        _item('ResourcePool', 'rp-s0', 'Resources', 's0', owner=_ref('s0')),
    ]
    return Inventory(FakeSession(items))


def _vm(host='h1', pool='rp-c0', vmx='[ds0] web/web.vmx'):
    return {'runtime.host': _ref(host), 'resourcePool': _ref(pool), 'config.files.vmPathName': vmx}


def _plan(params, vm=None):
    inventory = _inventory()
    current = placement.current_placement(inventory, vm or _vm())
    wanted = placement.wanted_placement(inventory, params, current, inventory.by_moid['dc'])
    return current, wanted, placement.differences(current, wanted)


def test_the_same_place_is_no_difference():
    assert _plan(dict(esxi_hostname='C0_H1', cluster=None, resource_pool='Resources', datastore='ds0'))[2] == []


def test_another_host_of_the_cluster_moves_only_the_host():
    _current, wanted, found = _plan(dict(esxi_hostname='C0_H2'))
    assert found == [('host', 'esxi_hostname', 'C0_H1', 'C0_H2')]
    assert wanted.pool['_moid'] == 'rp-c0'


def test_a_host_of_another_compute_resource_takes_its_root_pool():
    found = _plan(dict(esxi_hostname='H0'))[2]
    assert found == [('host', 'esxi_hostname', 'C0_H1', 'H0'), ('compute_resource', 'cluster', 'C0', 'H0'),
                     ('resource_pool', 'resource_pool', 'Resources', 'Resources')]


def test_a_cluster_picks_the_host():
    current, wanted, found = _plan(dict(cluster='C0'), _vm(host='h0', pool='rp-s0'))
    assert wanted.host is None and wanted.pool['_moid'] == 'rp-c0'
    assert [field for field, _o, _b, _a in found] == ['compute_resource', 'resource_pool']
    assert 'chosen by the cluster' in placement.describe([('host', 'esxi_hostname', 'H0', None)])
    assert current.names()['host'] == 'H0'


def test_the_vms_own_cluster_keeps_its_host():
    assert _plan(dict(cluster='C0'))[2] == []


def test_a_pool_and_a_datastore():
    found = _plan(dict(resource_pool='web', datastore='ds1'))[2]
    assert found == [('resource_pool', 'resource_pool', 'Resources', 'web'), ('datastore', 'datastore', 'ds0', 'ds1')]


@pytest.mark.parametrize('params, message', [
    (dict(esxi_hostname='nope'), 'esxi_hostname: no host named nope in datacenter DC0 (hosts: C0_H1, C0_H2, H0)'),
    (dict(cluster='H0'), 'cluster: no cluster named H0 in datacenter DC0 (clusters: C0)'),
    (dict(resource_pool='db'), 'resource_pool: no resource pool named db in C0 (pools: Resources, web)'),
])
def test_unknown_targets_name_the_option(params, message):
    with pytest.raises(placement.PlacementError) as error:
        _plan(params)
    assert str(error.value) == message


def test_a_host_connection_reports_every_difference_by_name():
    item = dict(_vm(), _host_name='esx1')
    found = placement._asked_differences(dict(esxi_hostname='esx2', cluster='C9', datastore='ds1'), item)
    assert found == [('host', 'esxi_hostname', 'esx1', 'esx2'), ('cluster', 'cluster', None, 'C9'),
                     ('datastore', 'datastore', 'ds0', 'ds1')]
    assert placement._asked_differences(dict(esxi_hostname='esx1', datastore='ds0'), item) == []
