# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an existing VM runs and is stored, and moving it where virt.esx.vm's options ask.

``converge_placement(run, vm, diff)``
    compares the VM's host, compute resource (cluster), resource pool and datastore with
    the options ``esxi_hostname``, ``cluster``, ``resource_pool`` and ``datastore`` (only
    those given count) and moves the VM when they differ, as libvirt's migration does:

    * host or pool: ``MigrateVM_Task`` (vMotion; live when the VM runs), as libvirt's
      ``domainMigratePerform`` on a vCenter;
    * datastore (beyond libvirt): ``RelocateVM_Task`` with the datastore (storage vMotion),
      and the host and pool in the same task when they change too.

    Check mode plans the move and makes no call. The result gets ``placement`` (before and
    after), ``changes`` names the move, and the diff's ``prepared`` text shows where from and
    where to. A move vSphere refuses fails with vSphere's reason. On an ESX host (not a
    vCenter) a difference is an error naming it, since a host cannot move its own VMs; an
    ``esx://`` URI with ``vcenter=`` moves it through the host's vCenter (``vsphere.vcenter``).

The VM's current placement comes from the same properties the run already read
(``runtime.host``, ``resourcePool``, ``config.files.vmPathName``).
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath, unescape_vm_name
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import QuestionBlocked
from ansible_collections.virt.esx.plugins.module_utils.vsphere.vcenter import open_managing_vcenter

PLACEMENT_OPTIONS = ('esxi_hostname', 'cluster', 'resource_pool', 'datastore')
PLACEMENT_PATHS = ['name', 'config.uuid', 'config.files.vmPathName', 'runtime.host', 'resourcePool', 'runtime.powerState']
# Field of a placement -> the option that asks for it, for messages.
_FIELDS = (('host', 'esxi_hostname'), ('compute_resource', 'cluster'), ('resource_pool', 'resource_pool'),
           ('datastore', 'datastore'))


class PlacementError(VirtEsxError):
    """The VM is not where the options ask and cannot be moved there."""


def _moid(ref):
    return getattr(ref, '_moId', None)


def _datastore_of(vmx_path):
    return CheckedDatastorePath.parse(vmx_path, option="the VM's configuration file path").datastore


class Placement(object):
    """Names (for results and messages) and inventory items (for the calls) of one placement."""

    def __init__(self, host=None, compute=None, pool=None, datastore=None):
        self.host, self.compute, self.pool = host, compute, pool
        self.datastore = datastore  # a name

    def names(self):
        def name(item):
            return unescape_vm_name(item['name']) if item else None
        return dict(host=name(self.host), compute_resource=name(self.compute), resource_pool=name(self.pool),
                    datastore=self.datastore)


def current_placement(inventory, item):
    """The Placement of a VM read with PLACEMENT_PATHS (or VM_PATHS plus the .vmx path)."""
    host = inventory.by_moid.get(_moid(item.get('runtime.host')))
    pool = inventory.by_moid.get(_moid(item.get('resourcePool')))
    compute = inventory.by_moid.get(_moid(host.get('parent'))) if host else None
    if compute is None and pool is not None:
        compute = inventory.by_moid.get(_moid(pool.get('owner')))
    return Placement(host, compute, pool, _datastore_of(item['config.files.vmPathName']))


def wanted_placement(inventory, params, current, datacenter):
    """The Placement the options ask for; what they leave out stays as it is (``current``)."""
    host, compute, pool = current.host, current.compute, current.pool
    if params.get('esxi_hostname'):
        wanted = params['esxi_hostname']
        hosts = [item for item in inventory.of_type('HostSystem') if inventory.in_datacenter(item, datacenter)]
        host = next((item for item in hosts if item['name'] == wanted or item['_moid'] == wanted), None)
        if host is None:
            raise PlacementError('esxi_hostname: no host named %s in datacenter %s (hosts: %s)'
                                 % (wanted, datacenter['name'], ', '.join(sorted(item['name'] for item in hosts))))
        compute = inventory.by_moid.get(_moid(host['parent']))
    elif params.get('cluster'):
        clusters = [item for item in inventory.of_type('ClusterComputeResource') if inventory.in_datacenter(item, datacenter)]
        compute = next((item for item in clusters if unescape_vm_name(item['name']) == params['cluster']), None)
        if compute is None:
            raise PlacementError('cluster: no cluster named %s in datacenter %s (clusters: %s)'
                                 % (params['cluster'], datacenter['name'], ', '.join(sorted(item['name'] for item in clusters))))
        if host is None or _moid(host.get('parent')) != compute['_moid']:
            host = None  # the cluster (DRS) picks the host
    if compute is not None and (params.get('resource_pool') or current.compute is None
                                or compute['_moid'] != current.compute['_moid']):
        pools = [item for item in inventory.of_type('ResourcePool') if _moid(item.get('owner')) == compute['_moid']]
        if params.get('resource_pool'):
            pool = next((item for item in pools if unescape_vm_name(item['name']) == params['resource_pool']), None)
            if pool is None:
                raise PlacementError('resource_pool: no resource pool named %s in %s (pools: %s)'
                                     % (params['resource_pool'], compute['name'], ', '.join(sorted(item['name'] for item in pools))))
        else:
            pool = inventory.by_moid.get(_moid(compute.get('resourcePool')))
    return Placement(host, compute, pool, params.get('datastore') or current.datastore)


def differences(current, wanted):
    """[(field, option, before name, after name)] where the two placements differ."""
    before, after = current.names(), wanted.names()
    found = []
    for field, option in _FIELDS:
        if field == 'host' and wanted.host is None:
            continue  # a cluster that picks the host: the compute resource says the rest
        if field == 'datastore':
            changed = before[field] != after[field]
        else:
            now, then = getattr(current, _ITEM[field]), getattr(wanted, _ITEM[field])
            changed = _moid(now and now['_obj']) != _moid(then and then['_obj'])
        if changed:
            found.append((field, option, before[field], after[field]))
    return found


_ITEM = dict(host='host', compute_resource='compute', resource_pool='pool')


def describe(found):
    return ', '.join('%s %s -> %s' % (field.replace('_', ' '), before or '(none)', after or '(chosen by the cluster)')
                     for field, _option, before, after in found)


def _asked_differences(params, item):
    """On a host connection: what the options ask that differs from the VM's own host and datastore, by name."""
    found = []
    host_name = (item.get('_host_name') or '')
    if params.get('esxi_hostname') and params['esxi_hostname'] not in (host_name, _moid(item.get('runtime.host'))):
        found.append(('host', 'esxi_hostname', host_name, params['esxi_hostname']))
    if params.get('cluster'):
        found.append(('cluster', 'cluster', None, params['cluster']))
    if params.get('datastore') and params['datastore'] != _datastore_of(item['config.files.vmPathName']):
        found.append(('datastore', 'datastore', _datastore_of(item['config.files.vmPathName']), params['datastore']))
    return found


def converge_placement(run, vm, diff):
    """Move ``vm`` where ``run.params`` asks (see the module docstring); no-op when no placement option is given."""
    params = run.params
    if not any(params.get(option) for option in PLACEMENT_OPTIONS):
        return
    session = run.session
    item = retrieve_one(session.content, vm, PLACEMENT_PATHS)
    name = unescape_vm_name(item['name'])
    if session.is_vcenter:
        _converge(run, session, run.inventory, vm, item, diff)
        return
    if session.params.vcenter:
        vcenter = open_managing_vcenter(session)
        try:
            with vsphere_call('Finding VM %s (uuid %s) on the vCenter %s' % (name, item['config.uuid'], vcenter.params.hostname),
                              PlacementError):
                found = vcenter.content.searchIndex.FindByUuid(uuid=item['config.uuid'], vmSearch=True)
            if found is None:
                raise PlacementError('VM %s (uuid %s) is not in the inventory of the vCenter %s'
                                     % (name, item['config.uuid'], vcenter.params.hostname))
            vc_item = retrieve_one(vcenter.content, found, PLACEMENT_PATHS)
            _converge(run, vcenter, type(run.inventory)(vcenter), found, vc_item, diff)
        finally:
            vcenter.close()
        return
    host = item.get('runtime.host')
    item['_host_name'] = retrieve_one(session.content, host, ['name'])['name'] if host is not None else ''
    asked = _asked_differences(params, item)
    if params.get('resource_pool'):
        pool = retrieve_one(session.content, item['resourcePool'], ['name'])['name'] if item.get('resourcePool') else None
        if pool != params['resource_pool']:
            asked.append(('resource_pool', 'resource_pool', pool, params['resource_pool']))
    if asked:
        options = ', '.join(option for _f, option, _b, _a in asked)
        raise PlacementError(
            'VM %s is not where the options ask: %s (%s). %s is an ESX host, which cannot move its VMs: moving '
            'them (vMotion, storage vMotion) needs its vCenter; connect to the vCenter (vpx://), or add vcenter=<its name> '
            '(or vcenter=*) to the esx:// uri' % (name, describe(asked), options, session.params.endpoint))


def _converge(run, session, inventory, vm, item, diff):
    params = run.params
    name = unescape_vm_name(item['name'])
    current = current_placement(inventory, item)
    datacenter = inventory.ancestor(current.host or current.compute or {}, ('Datacenter',)) if (current.host or current.compute) \
        else inventory.datacenter(params.get('datacenter'))
    wanted = wanted_placement(inventory, params, current, datacenter)
    found = differences(current, wanted)
    if not found:
        return
    live = str(item['runtime.powerState']) == 'poweredOn'
    storage = any(field == 'datastore' for field, _o, _b, _a in found)
    method = 'RelocateVM_Task' if storage else 'MigrateVM_Task'
    before, after = current.names(), wanted.names()
    run.changed = True
    run.changes.append('move VM %s: %s (%s%s)' % (name, describe(found), method, ', live' if live else ''))
    run.placement = dict(before=before, after=after, method=method, live=live)
    diff['prepared'] = 'placement of VM %s (%s%s):\n%s' % (name, method, ', live' if live else '', '\n'.join(
        '-%s: %s\n+%s: %s' % (field, before_name, field, after_name or '(chosen by the cluster)')
        for field, _option, before_name, after_name in found))
    if run.check_mode:
        return
    host_obj = wanted.host['_obj'] if wanted.host is not None and any(f == 'host' for f, _o, _b, _a in found) else None
    pool_obj = wanted.pool['_obj'] if wanted.pool is not None and any(
        f in ('resource_pool', 'compute_resource') for f, _o, _b, _a in found) else None
    if storage:
        datastore = _datastore_named(session, inventory, wanted, datacenter)
        spec = vim.vm.RelocateSpec(datastore=datastore, host=host_obj, pool=pool_obj)

        def start():
            return vm.RelocateVM_Task(spec=spec)
    else:
        def start():
            return vm.MigrateVM_Task(pool=pool_obj, host=host_obj, priority='defaultPriority')
    try:
        run.task(vm, start, method)
    except QuestionBlocked:
        raise
    except TaskError as exc:
        reason = getattr(exc, 'fault_text', None) or str(exc)
        raise PlacementError('Moving VM %s (%s) with %s failed: %s' % (name, describe(found), method, reason))


def _datastore_named(session, inventory, wanted, datacenter):
    """The Datastore object named ``wanted.datastore`` that the target host (or compute resource) mounts."""
    holder = wanted.host or wanted.compute
    refs = list((holder or {}).get('datastore') or [])
    names = []
    for ref in refs:
        ds_name = retrieve_one(session.content, ref, ['name'])['name']
        if ds_name == wanted.datastore:
            return ref
        names.append(ds_name)
    raise PlacementError('datastore: %s is not a datastore of %s (its datastores: %s)'
                         % (wanted.datastore, holder['name'] if holder else datacenter['name'], ', '.join(sorted(names))))
