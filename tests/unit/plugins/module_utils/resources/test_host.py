# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host facts read from vSphere properties: node info, long mode, the capabilities they give."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import host

etree = pytest.importorskip('lxml.etree')

EXTENDED_LEVEL = -2147483647


def _edx(long_mode):
    bits = ['0'] * 32
    bits[31 - 29] = long_mode
    text = ''.join(bits)
    return ':'.join(text[i:i + 4] for i in range(0, 32, 4))


def _item(long_mode='1'):
    return {
        'summary.hardware.cpuModel': 'Intel(R)  Xeon(R)   CPU',
        'summary.hardware.uuid': '4c4c4544-0038-4410-8051-b7c04f4e3432',
        'hardware.systemInfo.uuid': '564d8de8-1e9f-a13e-71fa-13a8e1a7fd70',
        'hardware.cpuInfo': SimpleNamespace(numCpuPackages=2, numCpuCores=16, numCpuThreads=32, hz=2400000000),
        'hardware.memorySize': 64 * 2 ** 30,
        'hardware.numaInfo.numNodes': 2,
        'hardware.cpuFeature': [SimpleNamespace(level=0, edx=_edx('0')),
                                SimpleNamespace(level=EXTENDED_LEVEL, edx=_edx(long_mode))],
    }


def test_node_info_is_libvirts():
    assert host.node_info(_item()) == dict(cpu_model='Intel Xeon CPU', cpus=16, threads_total=32, mhz=2400, nodes=2,
                                           sockets=2, cores=8, threads=2, memory_kib=64 * 2 ** 20, memory_bytes=64 * 2 ** 30)


@pytest.mark.parametrize('bit, expected', [('1', True), ('0', False), ('-', None)])
def test_long_mode_is_cpuid_extended_edx_bit_29(bit, expected):
    assert host.supports_long_mode(_item(bit)['hardware.cpuFeature']) is expected


def test_long_mode_is_unknown_without_the_extended_leaf():
    assert host.supports_long_mode([SimpleNamespace(level=0, edx=_edx('1'))]) is None
    assert host.supports_long_mode(None) is None


@pytest.mark.parametrize('bit, arches', [('1', ['i686', 'x86_64']), ('-', ['i686', 'x86_64']), ('0', ['i686'])])
def test_capabilities_follow_the_host_cpu(bit, arches):
    item = _item(bit)
    root = etree.fromstring(host.capabilities_xml(item, host.node_info(item)))
    # libvirt's host UUID is the BIOS UUID (hardware.systemInfo.uuid), and its ESX driver writes no topology.
    assert root.findtext('host/uuid') == item['hardware.systemInfo.uuid']
    assert root.findtext('host/cpu/arch') == arches[-1]
    assert root.find('host/cpu/topology') is None
    assert root.find('host/migration_features/live') is not None
    assert root.findtext('host/migration_features/uri_transports/uri_transport') == 'vpxmigr'
    assert [arch.get('name') for arch in root.iterfind('guest/arch')] == arches


def test_capabilities_uuid_falls_back_to_the_summary_uuid():
    item = _item()
    del item['hardware.systemInfo.uuid']
    root = etree.fromstring(host.capabilities_xml(item, host.node_info(item)))
    assert root.findtext('host/uuid') == item['summary.hardware.uuid']


@pytest.mark.parametrize('raw, expected', [
    # What virsh nodeinfo prints for the simulator's host (libvirt 9.0.0 against the same host).
    ('Intel(R) Core(TM) i7-3615QM CPU @ 2.30GHz', 'Intel Core i7-3615QM CPU @ 2.30'),
    ('Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz', 'Intel Xeon CPU E5-2650 v4 @ 2.2'),
    ('AMD EPYC 7302 16-Core Processor', 'AMD EPYC 7302 16-Core Processor'),
    ('  two  leading   spaces (C)', ' two leading spaces '),
    ('(tm) lower case stays', '(tm) lower case stays'),
    ('', ''),
    (None, ''),
])
def test_cpu_model_is_libvirts_nodeinfo_model(raw, expected):
    assert host.libvirt_cpu_model(raw) == expected
    assert len(host.libvirt_cpu_model(raw)) <= 31
