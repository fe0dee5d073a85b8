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
        'hardware.cpuInfo': SimpleNamespace(numCpuPackages=2, numCpuCores=16, numCpuThreads=32, hz=2400000000),
        'hardware.memorySize': 64 * 2 ** 30,
        'hardware.numaInfo.numNodes': 2,
        'hardware.cpuFeature': [SimpleNamespace(level=0, edx=_edx('0')),
                                SimpleNamespace(level=EXTENDED_LEVEL, edx=_edx(long_mode))],
    }


def test_node_info_is_libvirts():
    assert host.node_info(_item()) == dict(cpu_model='Intel(R) Xeon(R) CPU', cpus=16, threads_total=32, mhz=2400, nodes=2,
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
    assert root.findtext('host/uuid') == item['summary.hardware.uuid']
    assert root.findtext('host/cpu/arch') == arches[-1]
    assert dict(root.find('host/cpu/topology').attrib) == dict(sockets='2', dies='1', cores='8', threads='2')
    assert [arch.get('name') for arch in root.iterfind('guest/arch')] == arches
