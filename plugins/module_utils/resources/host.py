# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host facts as libvirt reports them: node info and capabilities XML.

One property query reads every host of the endpoint (one on ESX, all managed
hosts on vCenter) with their compute resource, cluster and datacenter names.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.formats.capabilities_xml import format_capabilities_xml
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import ancestor
from ansible_collections.virt.esx.plugins.module_utils.resources import host_limits

HOST_PROPERTIES = [
    'name', 'parent',
    'summary.hardware.cpuModel', 'summary.hardware.vendor', 'summary.hardware.model', 'summary.hardware.uuid',
    'hardware.systemInfo.uuid', 'hardware.cpuInfo', 'hardware.memorySize', 'hardware.numaInfo.numNodes', 'hardware.cpuFeature',
    'summary.config.product', 'config.network.dnsConfig',
    'runtime.connectionState', 'runtime.powerState', 'runtime.inMaintenanceMode',
]

# CPUID leaf 0x80000001 as the signed 32-bit level vSphere reports.
_EXTENDED_FEATURES_LEVEL = -2147483647
_LONG_MODE_BIT = 29


def supports_long_mode(cpu_features):
    """True/False from CPUID 0x80000001 EDX bit 29 (long mode); None if unknown.

    vSphere gives each register as 32 characters of '0', '1' or '-' (unknown),
    most significant bit first, in groups of four separated by ':'.
    """
    for feature in cpu_features or ():
        if getattr(feature, 'level', None) != _EXTENDED_FEATURES_LEVEL:
            continue
        bits = (getattr(feature, 'edx', None) or '').replace(':', '')
        if len(bits) != 32:
            return None
        bit = bits[31 - _LONG_MODE_BIT]
        return True if bit == '1' else False if bit == '0' else None
    return None


# libvirt's virNodeInfo.model holds 31 bytes and a NUL.
_NODE_MODEL_BYTES = 31
_MODEL_MARKS = ('(R)', '(C)', '(TM)')


def libvirt_cpu_model(text):
    """The CPU model as libvirt's nodeinfo gives it: (R), (C), (TM) removed, doubled spaces made single, cut to 31 bytes."""
    model = text or ''
    position = 0
    while position < len(model):
        if model.startswith('  ', position):
            model = model[:position] + model[position + 1:]
            continue
        mark = next((mark for mark in _MODEL_MARKS if model.startswith(mark, position)), None)
        if mark:
            model = model[:position] + model[position + len(mark):]
            continue
        position += 1
    return model.encode('utf-8')[:_NODE_MODEL_BYTES].decode('utf-8', 'ignore')


def node_info(item):
    """libvirt's virNodeInfo of a host dict from HOST_PROPERTIES."""
    cpu = item.get('hardware.cpuInfo')
    packages = getattr(cpu, 'numCpuPackages', 0) or 0
    cores = getattr(cpu, 'numCpuCores', 0) or 0
    threads = getattr(cpu, 'numCpuThreads', 0) or 0
    memory = item.get('hardware.memorySize') or 0
    return dict(
        cpu_model=libvirt_cpu_model(item.get('summary.hardware.cpuModel')),
        cpus=cores,
        threads_total=threads,
        mhz=int((getattr(cpu, 'hz', 0) or 0) // 1000000),
        nodes=item.get('hardware.numaInfo.numNodes') or 1,
        sockets=packages,
        cores=cores // packages if packages else 0,
        threads=threads // cores if cores else 0,
        memory_kib=memory // 1024,
        memory_bytes=memory,
    )


def capabilities_xml(item, info):
    """libvirt capabilities XML: host UUID (the BIOS UUID, as libvirt reads it) and arch, hvm guests of domain type vmware."""
    long_mode = supports_long_mode(item.get('hardware.cpuFeature'))
    # Every ESX release since 5.0 runs only on 64-bit CPUs, so unknown means x86_64.
    host_arch = 'i686' if long_mode is False else 'x86_64'
    return format_capabilities_xml(dict(uuid=bios_uuid(item), arch=host_arch))


def bios_uuid(item):
    """The host's UUID as libvirt gives it: hardware.systemInfo.uuid (summary.hardware.uuid when that is unset)."""
    return item.get('hardware.systemInfo.uuid') or item.get('summary.hardware.uuid')


def _fqdn(item):
    dns = item.get('config.network.dnsConfig')
    host_name = getattr(dns, 'hostName', None)
    if not host_name:
        return item.get('name')
    domain = getattr(dns, 'domainName', None)
    return '%s.%s' % (host_name, domain) if domain else host_name


def describe_hosts(session):
    """Facts of every host of the endpoint, in inventory order, with their location."""
    items = session.retrieve(dict({
        'HostSystem': HOST_PROPERTIES + host_limits.LIMIT_PROPERTIES,
        'ComputeResource': ['name', 'parent'],
        'Folder': ['name', 'parent'],
        'Datacenter': ['name', 'parent'],
    }, **host_limits.POOL_PROPERTIES))
    by_moid = {item['_moid']: item for item in items}

    hosts = []
    for item in items:
        if item['_type'] != 'HostSystem':
            continue
        info = node_info(item)
        info['free_memory_bytes'] = host_limits.free_memory_bytes(item, by_moid)
        product = item.get('summary.config.product')
        compute = ancestor(by_moid, item, ('ComputeResource', 'ClusterComputeResource'))
        datacenter = ancestor(by_moid, item, ('Datacenter',))
        hosts.append(dict(
            name=item.get('name'),
            moid=item['_moid'],
            hostname=_fqdn(item),
            uuid=bios_uuid(item),
            vendor=item.get('summary.hardware.vendor'),
            model=item.get('summary.hardware.model'),
            version=getattr(product, 'version', None),
            build=getattr(product, 'build', None),
            connection_state=item.get('runtime.connectionState'),
            power_state=item.get('runtime.powerState'),
            maintenance_mode=bool(item.get('runtime.inMaintenanceMode')),
            cluster=compute.get('name') if compute and compute['_type'] == 'ClusterComputeResource' else None,
            datacenter=datacenter.get('name') if datacenter else None,
            node_info=info,
            capabilities=capabilities_xml(item, info),
            max_vcpus=host_limits.max_vcpus(item),
        ))
    return hosts


def select_host(session, hosts, esxi_hostname=None):
    """The host a module talks about: the ESX host itself, the vpx:// path's host or esxi_hostname."""
    if esxi_hostname:
        for host in hosts:
            if esxi_hostname in (host['name'], host['hostname'], host['moid']):
                return host
        raise SessionError('No host named %s on %s (hosts: %s)' % (
            esxi_hostname, session.params.endpoint, ', '.join(sorted(h['name'] for h in hosts)) or 'none'))
    if session.scope and session.scope.get('host'):
        moid = session.scope['host']['_moid']
        return next(host for host in hosts if host['moid'] == moid)
    if not session.is_vcenter and hosts:
        return hosts[0]
    return None
