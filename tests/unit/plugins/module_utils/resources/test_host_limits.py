# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nodeGetFreeMemory, domainGetMaxVcpus and domainInterfaceAddresses from vSphere properties."""

from __future__ import annotations

from types import SimpleNamespace as NS

from ansible_collections.virt.esx.plugins.module_utils.resources import host_limits
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_facts import interface_addresses


def ref(moid):
    return NS(_moId=moid)


def test_free_memory_is_the_root_pool_of_the_hosts_compute_resource():
    by_moid = {
        'h1': dict(_type='HostSystem', _moid='h1', parent=ref('c1')),
        'rp-child': dict(_type='ResourcePool', _moid='rp-child', parent=ref('rp-c1'), **{'runtime.memory': NS(unreservedForVm=5)}),
        'rp-c2': dict(_type='ResourcePool', _moid='rp-c2', parent=ref('c2'), **{'runtime.memory': NS(unreservedForVm=7)}),
        'rp-c1': dict(_type='ResourcePool', _moid='rp-c1', parent=ref('c1'), **{'runtime.memory': NS(unreservedForVm=2 ** 40)}),
    }
    assert host_limits.free_memory_bytes(by_moid['h1'], by_moid) == 2 ** 40


def test_free_memory_unknown_is_none():
    by_moid = {'rp': dict(_type='ResourcePool', _moid='rp', parent=ref('c1'), **{'runtime.memory': None})}
    assert host_limits.free_memory_bytes(dict(parent=ref('c1')), by_moid) is None
    assert host_limits.free_memory_bytes(dict(parent=ref('c9')), by_moid) is None


def test_max_vcpus():
    assert host_limits.max_vcpus({'capability.maxSupportedVcpus': 768}) == 768
    assert host_limits.max_vcpus({}) is None


def test_interface_addresses_with_prefix_per_nic():
    net = [
        NS(macAddress='00:50:56:AA:BB:CC', network='VM Network', connected=True, ipAddress=['192.0.2.10', 'fe80::1'],
           ipConfig=NS(ipAddress=[NS(ipAddress='192.0.2.10', prefixLength=24), NS(ipAddress='fe80::1', prefixLength=64)])),
        NS(macAddress='00:50:56:aa:bb:cd', network=None, connected=False, ipAddress=['198.51.100.7'], ipConfig=None),
        NS(macAddress='', network='', connected=False, ipAddress=None, ipConfig=NS(ipAddress=None)),
    ]
    assert interface_addresses(net) == [
        dict(mac='00:50:56:aa:bb:cc', network='VM Network', connected=True,
             addresses=[dict(type='ipv4', address='192.0.2.10', prefix=24), dict(type='ipv6', address='fe80::1', prefix=64)]),
        dict(mac='00:50:56:aa:bb:cd', network=None, connected=False,
             addresses=[dict(type='ipv4', address='198.51.100.7', prefix=None)]),
        dict(mac=None, network=None, connected=False, addresses=[]),
    ]
    assert interface_addresses(None) == []
