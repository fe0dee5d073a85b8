# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of virt.esx.pool: libvirt's storagePoolRefresh on a datastore.

``refresh_pool(session, params, check_mode=False) -> dict``
    refreshes the datastore ``name`` (in ``datacenter``) as ``virsh pool-refresh`` does:
    ``RefreshDatastoreStorageInfo`` (vSphere 4.0 and later; it also measures the free space
    again), ``RefreshDatastore`` on a server without it. The result has the pool as
    virt.esx.pool_info shows it, read after the refresh, and ``refreshed_at``, the datastore's
    ``info.timestamp``. A refresh is an action, so ``changed`` is true; check mode calls nothing.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.resources import iscsi
from ansible_collections.virt.esx.plugins.module_utils.resources.volume import StorageError, find_pool, public, read_pools
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vmodl
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one

REFRESH_STATES = ('refreshed',)


def _timestamp(session, datastore):
    value = retrieve_one(session.content, datastore, ['info.timestamp']).get('info.timestamp')
    return value.isoformat() if value is not None else None


def refresh_pool(session, params, check_mode=False):
    if params.get('state', 'refreshed') not in REFRESH_STATES:
        raise StorageError('state %s: a pool can only be refreshed (state: refreshed)' % params.get('state'))
    datastores = read_pools(session, params.get('datacenter'))
    if not any(item['name'] == params['name'] for item in datastores):
        targets = [item for item in iscsi.iscsi_pools(session, params.get('datacenter')) if item['name'] == params['name']]
        if targets:
            return _rescan_target(session, targets[0], params, check_mode)
    pool = find_pool(datastores, params['name'])
    before = _timestamp(session, pool['_obj'])
    if check_mode:
        return dict(changed=True, pool=public(pool), refreshed_at=before, method=None)
    datastore = pool['_obj']
    with vsphere_call('Refreshing storage pool (datastore) %s' % pool['name'], StorageError):
        try:
            datastore.RefreshDatastoreStorageInfo()
            method = 'RefreshDatastoreStorageInfo'
        except vmodl.fault.MethodNotFound:
            datastore.RefreshDatastore()
            method = 'RefreshDatastore'
    after = find_pool(read_pools(session, params.get('datacenter')), params['name'])
    return dict(changed=True, pool=public(after), refreshed_at=_timestamp(session, datastore), method=method)


def _rescan_target(session, target, params, check_mode):
    """An iSCSI pool is refreshed as libvirt does it: RescanHba of its adapter (on every host that has it)."""
    if not check_mode:
        iscsi.rescan(session, target)
        target = next(item for item in iscsi.iscsi_pools(session, params.get('datacenter')) if item['name'] == params['name'])
    return dict(changed=True, pool=public(target), refreshed_at=None, method=None if check_mode else 'RescanHba')
