# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host can still take, as libvirt's ESX driver reads it.

``free_memory_bytes(host, by_moid)``
    libvirt's nodeGetFreeMemory: the memory the root resource pool of the host's compute
    resource (its cluster on a vCenter) can still give to VMs, ``runtime.memory.unreservedForVm``,
    in bytes; None when the server does not report it.
``max_vcpus(host)``
    libvirt's domainGetMaxVcpus (and connectGetMaxVcpus): ``capability.maxSupportedVcpus``.

The properties come in the same query as the host's others: ``LIMIT_PROPERTIES`` for the
hosts, ``POOL_PROPERTIES`` for the resource pools.
"""

from __future__ import annotations

LIMIT_PROPERTIES = ['capability.maxSupportedVcpus']
POOL_PROPERTIES = {'ResourcePool': ['parent', 'runtime.memory']}


def _moid(ref):
    return getattr(ref, '_moId', None)


def free_memory_bytes(host, by_moid):
    compute = _moid(host.get('parent'))
    for item in by_moid.values():
        if item['_type'] == 'ResourcePool' and _moid(item.get('parent')) == compute:
            value = getattr(item.get('runtime.memory'), 'unreservedForVm', None)
            return int(value) if value is not None else None
    return None


def max_vcpus(host):
    value = host.get('capability.maxSupportedVcpus')
    return int(value) if value is not None else None
