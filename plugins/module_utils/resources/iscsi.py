# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's iSCSI storage as libvirt storage pools and volumes (libvirt's ESX iSCSI backend, read-only).

``iscsi_pools(session, datacenter=None) -> list of pool dicts``
    every static target of the hosts' software iSCSI adapters as a pool (named by its IQN, keys
    as virt.esx.pool_info's datastore pools, ``pool_type`` ``iscsi``), from one property query
    (``config.storageDevice`` of every host); on a vCenter a target that several hosts reach is
    one pool with those hosts, the ``vpx://`` path's host first. Private keys: ``_luns`` (the
    volumes), ``_adapters`` ({host moid: (storage system, adapter device)}).
``iscsi_volumes(pool) -> list of volume dicts``
    the LUNs of that target: name (device name), key, path (device path), capacity, allocation,
    format ``raw``, provisioning, adapter_type, attached_vms (empty), xml.
``rescan(session, pool)``
    libvirt's refresh of an iSCSI pool: RescanHba of the adapter on each host that has it
    (ESX rescans a whole adapter, not one target).
``read_only_error(pool_name, what)``
    the error for a change asked of an iSCSI pool (libvirt refuses creating, cloning, wiping and
    deleting LUNs the same way).
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.formats.iscsi_xml import (
    format_iscsi_pool_xml, format_iscsi_volume_xml, iscsi_pool_uuid, iscsi_volume_key)
from ansible_collections.virt.esx.plugins.module_utils.formats.storage_xml import StorageError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import ancestor


_UUID_FORM = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def _wsdl(value):
    return getattr(value, '_wsdlName', None) or type(value).__name__


def _targets_of(storage):
    """[(adapter device, static target)] of the software iSCSI adapters, and {lun key: ScsiLun}, {iqn: [lun keys]}."""
    targets = []
    for hba in getattr(storage, 'hostBusAdapter', None) or ():
        if _wsdl(hba) != 'HostInternetScsiHba' or not getattr(hba, 'isSoftwareBased', False):
            continue
        for target in getattr(hba, 'configuredStaticTarget', None) or ():
            targets.append((hba.device, hba.key, target))
    luns = {lun.key: lun for lun in getattr(storage, 'scsiLun', None) or () if getattr(lun, 'key', None)}
    by_iqn = {}
    topology = getattr(storage, 'scsiTopology', None)
    for adapter in getattr(topology, 'adapter', None) or ():
        for target in getattr(adapter, 'target', None) or ():
            transport = getattr(target, 'transport', None)
            if transport is None or _wsdl(transport) != 'HostInternetScsiTargetTransport':
                continue
            keys = by_iqn.setdefault((adapter.adapter, transport.iScsiName), [])
            keys.extend(lun.scsiLun for lun in getattr(target, 'lun', None) or ())
    return targets, luns, by_iqn


def _volume(pool_name, lun):
    capacity = getattr(lun, 'capacity', None)
    size = int(getattr(capacity, 'block', 0) or 0) * int(getattr(capacity, 'blockSize', 0) or 0)
    volume = dict(pool=pool_name, name=lun.deviceName, key=iscsi_volume_key(lun.uuid), path=getattr(lun, 'devicePath', None)
                  or lun.deviceName, capacity=size, allocation=size, format='raw', provisioning=None, adapter_type=None,
                  attached_vms=[])
    volume['xml'] = format_iscsi_volume_xml(volume)
    return volume


def iscsi_pools(session, datacenter=None):
    items = session.retrieve({'HostSystem': ['name', 'parent', 'config.storageDevice', 'configManager.storageSystem'],
                              'ComputeResource': ['parent'], 'Folder': ['parent'], 'Datacenter': ['name', 'parent']})
    by_moid = {item['_moid']: item for item in items}
    scope = getattr(session, 'scope', None) or {}
    preferred = (scope.get('host') or {}).get('_moid')
    wanted_datacenter = datacenter or (scope.get('datacenter') or {}).get('name')
    hosts = sorted((item for item in items if item['_type'] == 'HostSystem'),
                   key=lambda item: (item['_moid'] != preferred, item.get('name') or ''))
    pools = {}
    for host in hosts:
        dc = ancestor(by_moid, host, ('Datacenter',))
        dc_name = dc.get('name') if dc else None
        if wanted_datacenter is not None and dc_name != wanted_datacenter:
            continue
        targets, luns, by_iqn = _targets_of(host.get('config.storageDevice'))
        for device, hba_key, target in targets:
            iqn = target.iScsiName
            pool = pools.get(iqn)
            if pool is None:
                pool = dict(name=iqn, uuid=iscsi_pool_uuid(iqn), type='iscsi', pool_type='iscsi', capacity=0, allocation=0,
                            available=0, accessible=True, state='running', mount_path=None, url=None, hosts=[],
                            datacenter=dc_name, remote_host=target.address, remote_path=None, source_format=None,
                            port=int(target.port) if getattr(target, 'port', None) else None,
                            _luns=[], _adapters={})
                pool['xml'] = format_iscsi_pool_xml(pool)
                pools[iqn] = pool
            pool['hosts'].append(host.get('name'))
            pool['_adapters'][host['_moid']] = (host.get('configManager.storageSystem'), device)
            if len(pool['hosts']) == 1:
                pool['_luns'] = [_volume(iqn, luns[key]) for key in by_iqn.get((hba_key, iqn), []) if key in luns]
    for pool in pools.values():
        pool['hosts'].sort()
    return sorted(pools.values(), key=lambda pool: (pool['datacenter'] or '', pool['name']))


def is_iscsi_name(name):
    """Whether ``name`` has the form of an iSCSI name (RFC 3720: iqn., eui. or naa.), as every target's has."""
    return bool(name) and name.split('.', 1)[0].lower() in ('iqn', 'eui', 'naa') and '.' in name


def iscsi_volumes(pool):
    return [dict(volume) for volume in pool['_luns']]


def rescan(session, pool):
    for storage_system, device in pool['_adapters'].values():
        with vsphere_call('Rescanning the iSCSI adapter %s for storage pool %s' % (device, pool['name']), StorageError):
            storage_system.RescanHba(hbaDevice=device)


def read_only_error(pool_name, what):
    return StorageError('Storage pool %s is an iSCSI target: its LUNs are read-only here, as in libvirt (%s is not possible)'
                        % (pool_name, what))


def iscsi_volume_info(session, params):
    """virt.esx.volume_info's answer when it is about iSCSI LUNs, else None (the datastores answer)."""
    path, key, pool_name, name = params.get('path'), params.get('key'), params.get('pool'), params.get('name')
    if key and not _UUID_FORM.match(key):
        return None  # a datastore path, or a key no LUN can have: the datastores' reader checks and answers it
    if not (path and path.startswith('/')) and not key and not is_iscsi_name(pool_name):
        return None
    if pool_name is not None and not is_iscsi_name(pool_name):
        return None
    pools = iscsi_pools(session, params.get('datacenter'))
    if path and path.startswith('/'):
        return [volume for pool in pools for volume in iscsi_volumes(pool) if path in (volume['path'], volume['name'])][:1]
    by_name = {pool['name']: pool for pool in pools}
    if pool_name is not None and pool_name not in by_name:
        return None
    candidates = [by_name[pool_name]] if pool_name is not None else pools
    volumes = [volume for pool in candidates for volume in iscsi_volumes(pool)]
    if key:
        found = [volume for volume in volumes if volume['key'] == key.lower()]
        return found[:1] if found or pool_name is not None else None
    if name:
        return [volume for volume in volumes if volume['name'] == name][:1]
    return volumes
