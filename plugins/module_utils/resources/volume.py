# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datastores as libvirt storage pools and their files as volumes, as libvirt's ESX storage driver sees them.

Reading:
    ``read_pools(session, datacenter=None) -> [pool]`` every datastore (of one datacenter; on a
    ``vpx://`` path, of the path's datacenter) as a dict: name, uuid, type, pool_type, capacity,
    allocation, available, accessible, state, mount_path, url, hosts, datacenter, remote_host,
    remote_path, source_format, xml, and private ``_``-keys (managed objects) stripped by
    ``public(pool)``.
    ``find_pool(pools, name)`` one of them by name (clear error when missing or ambiguous).
    ``list_volumes(session, pool, keys=True, attached=True, timeout=...) -> [volume]`` the virtual
    disks (.vmdk), ISO and floppy images of a datastore, sub-folders included.
    ``find_volume(session, pool, name, ...)``, ``find_volume_by_key(session, pools, key, ...)``.
    A volume: pool, name (path inside the datastore), path (``[datastore] name``), key, capacity,
    allocation (bytes), format (vmdk|iso|raw), provisioning (thin|thick, disks only), adapter_type
    (busLogic|lsiLogic|ide, disks only),
    attached_vms (names of registered VMs using it), xml.

Changing (``DiskOperations(session, pool, timeout)``): make_directory, create, copy_from,
extend, zero_fill, delete; each waits for its task with the task poller.

``manage_volume(session, params, check_mode, warn) -> result`` is the whole of virt.esx.volume.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreCalls
from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import (
    CheckedDatastorePath, escape_datastore_item, format_datastore_path, parse_datastore_path)
from ansible_collections.virt.esx.plugins.module_utils.formats.storage_xml import (
    StorageError, format_pool_xml, format_volume_xml, parse_size, parse_volume_xml, pool_uuid,
    provisioning_from_allocation, volume_key)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import DEFAULT_TIMEOUT, TaskFailed, wait_for_task

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.resources import iscsi

PROVISIONING_DISK_TYPES = {
    'thin': 'thin',
    'thick_lazy_zeroed': 'preallocated',
    'thick_eager_zeroed': 'eagerZeroedThick',
}
ADAPTER_TYPES = ('busLogic', 'lsiLogic', 'ide')
_FILE_FORMATS = {'VmDiskFileInfo': 'vmdk', 'IsoImageFileInfo': 'iso', 'FloppyImageFileInfo': 'raw'}
_POOL_TYPES = {'LocalDatastoreInfo': 'dir', 'NasDatastoreInfo': 'netfs', 'VmfsDatastoreInfo': 'fs'}
# A disk's controller as the datastore browser reports it -> the adapter type of a disk spec.
_ADAPTER_OF_CONTROLLER = {
    'VirtualBusLogicController': 'busLogic', 'VirtualLsiLogicController': 'lsiLogic', 'VirtualIDEController': 'ide',
    'VirtualLsiLogicSASController': 'lsiLogic', 'ParaVirtualSCSIController': 'lsiLogic',
}
_NOT_FOUND_FAULTS = ('FileNotFound', 'NotFound')


def _wsdl(obj):
    return getattr(obj, '_wsdlName', None) or type(obj).__name__


def _type_name(value):
    """A vmodl type reference (pyvmomi decodes xsd:type values as classes) or its text -> its WSDL name."""
    if value is None:
        return None
    return getattr(value, '_wsdlName', None) or str(value).rsplit('.', 1)[-1]


def human_size(size):
    """1073741824 -> '1 GiB (1073741824 bytes)' for messages."""
    for unit, scale in (('TiB', 1 << 40), ('GiB', 1 << 30), ('MiB', 1 << 20), ('KiB', 1 << 10)):
        if size >= scale and size % scale == 0:
            return '%d %s (%d bytes)' % (size // scale, unit, size)
    return '%d bytes' % size


# Pools -------------------------------------------------------------------------------------------

def _datacenters_of(items):
    by_datastore = {}
    for item in items:
        if item['_type'] == 'Datacenter':
            for ref in item.get('datastore') or ():
                by_datastore.setdefault(ref._moId, item)
    return by_datastore


def _mount_for(mounts, preferred_host_moid):
    mounts = list(mounts or ())
    for mount in mounts:
        if preferred_host_moid and mount.key._moId == preferred_host_moid:
            return mount
    return mounts[0] if mounts else None


def pool_from_datastore(item, datacenter_name, host_names, preferred_host_moid=None):
    """A pool dict from a Datastore's properties (name, summary, info, host, browser, vm)."""
    summary = item.get('summary')
    info = item.get('info')
    name = item.get('name') or getattr(summary, 'name', None)
    mount = _mount_for(item.get('host'), preferred_host_moid)
    mount_path = getattr(getattr(mount, 'mountInfo', None), 'path', None)
    accessible = bool(getattr(summary, 'accessible', False))
    capacity = int(getattr(summary, 'capacity', 0) or 0)
    available = int(getattr(summary, 'freeSpace', 0) or 0)
    datastore_type = (getattr(summary, 'type', None) or '').lower() or None
    pool = dict(
        name=name, uuid=pool_uuid(mount_path) if mount_path else None, type=datastore_type,
        pool_type=_POOL_TYPES.get(_wsdl(info), 'fs'), capacity=capacity if accessible else 0,
        allocation=capacity - available if accessible else 0, available=available if accessible else 0,
        accessible=accessible, state='running' if accessible else 'inaccessible', mount_path=mount_path,
        url=getattr(summary, 'url', None), datacenter=datacenter_name,
        hosts=sorted(host_names.get(m.key._moId, m.key._moId) for m in item.get('host') or ()),
        remote_host=None, remote_path=None, source_format=None,
        _obj=item['_obj'], _browser=item.get('browser'), _vms=list(item.get('vm') or ()), _datacenter=None,
    )
    nas = getattr(info, 'nas', None)
    if pool['pool_type'] == 'netfs' and nas is not None:
        pool['remote_host'] = getattr(nas, 'remoteHost', None) or ', '.join(getattr(nas, 'remoteHostNames', None) or ())
        pool['remote_path'] = getattr(nas, 'remotePath', None)
        pool['source_format'] = 'cifs' if (getattr(nas, 'type', '') or '').upper() == 'CIFS' else 'nfs'
    pool['xml'] = format_pool_xml(pool) if pool['uuid'] else None
    return pool


def read_pools(session, datacenter=None):
    items = session.retrieve({
        'Datastore': ['name', 'summary', 'info', 'host', 'browser', 'vm'],
        'Datacenter': ['name', 'datastore'],
        'HostSystem': ['name'],
    })
    datacenters = _datacenters_of(items)
    host_names = {item['_moid']: item.get('name') for item in items if item['_type'] == 'HostSystem'}
    scope = getattr(session, 'scope', None) or {}
    preferred_host = (scope.get('host') or {}).get('_moid')
    wanted_datacenter = datacenter
    if wanted_datacenter is None and scope.get('datacenter'):
        wanted_datacenter = scope['datacenter'].get('name')
    if wanted_datacenter is not None and not any(
            item['_type'] == 'Datacenter' and item.get('name') == wanted_datacenter for item in items):
        raise StorageError('Datacenter %s does not exist' % wanted_datacenter)
    pools = []
    for item in items:
        if item['_type'] != 'Datastore':
            continue
        dc_item = datacenters.get(item['_moid'])
        dc_name = dc_item.get('name') if dc_item else None
        if wanted_datacenter is not None and dc_name != wanted_datacenter:
            continue
        pool = pool_from_datastore(item, dc_name, host_names, preferred_host)
        pool['_datacenter'] = dc_item['_obj'] if dc_item else None
        pools.append(pool)
    pools.sort(key=lambda p: (p['datacenter'] or '', p['name'] or ''))
    return pools


def find_pool(pools, name):
    found = [pool for pool in pools if pool['name'] == name]
    if not found:
        known = ', '.join(sorted(set(pool['name'] for pool in pools))) or 'none'
        raise StorageError('Storage pool (datastore) %s does not exist; known pools: %s' % (name, known))
    if len(found) > 1:
        raise StorageError('Storage pool %s exists in datacenters %s; choose one with datacenter'
                           % (name, ', '.join(sorted(str(pool['datacenter']) for pool in found))))
    return found[0]


def public(item):
    return dict((key, value) for key, value in item.items() if not key.startswith('_'))


# Volumes -----------------------------------------------------------------------------------------

def _search_spec(patterns=None):
    disk_details = vim.host.DatastoreBrowser.VmDiskQuery.Details(
        diskType=True, capacityKb=True, hardwareVersion=False, controllerType=True, diskExtents=False, thin=True)
    return vim.host.DatastoreBrowser.SearchSpec(
        query=[vim.host.DatastoreBrowser.VmDiskQuery(details=disk_details),
               vim.host.DatastoreBrowser.IsoImageQuery(), vim.host.DatastoreBrowser.FloppyImageQuery()],
        details=vim.host.DatastoreBrowser.FileInfo.Details(fileType=True, fileSize=True, modification=False,
                                                           fileOwner=False),
        matchPattern=list(patterns) if patterns else None)


def volume_from_file(pool_name, folder, file_info):
    """A volume dict (without key, attachments and XML) from a search result's file, or None."""
    volume_format = _FILE_FORMATS.get(_wsdl(file_info))
    if volume_format is None:
        return None
    name = '%s/%s' % (folder, file_info.path) if folder else file_info.path
    size = int(getattr(file_info, 'fileSize', 0) or 0)
    if volume_format == 'vmdk':
        capacity = int(getattr(file_info, 'capacityKb', 0) or 0) * 1024
        thin = getattr(file_info, 'thin', None)
        provisioning = None if thin is None else ('thin' if thin else 'thick')
        adapter_type = _ADAPTER_OF_CONTROLLER.get(_type_name(getattr(file_info, 'controllerType', None)))
    else:
        capacity, provisioning, adapter_type = size, None, None
    return dict(pool=pool_name, name=name, path=format_datastore_path(pool_name, name), key=None,
                capacity=capacity, allocation=size, format=volume_format, provisioning=provisioning,
                adapter_type=adapter_type, attached_vms=[], xml=None)


def _folder_of(result_folder_path):
    return parse_datastore_path(result_folder_path).directory_and_file.rstrip('/')


def search_volumes(pool, folder='', patterns=None, recursive=True, timeout=DEFAULT_TIMEOUT):
    """The volumes below ``folder`` of a pool; [] when the folder does not exist."""
    browser = pool['_browser']
    if browser is None:
        raise StorageError('Datastore %s has no browser; is it accessible?' % pool['name'])
    where = CheckedDatastorePath.of(pool['name'], folder, option='name', allow_root=True)
    with vsphere_call('Searching %s' % where, StorageError):
        task = DatastoreCalls.search(browser, where, _search_spec(patterns), recursive=recursive)
    try:
        results = wait_for_task(task, timeout=timeout, description='searching %s' % where)
    except TaskFailed as exc:
        if exc.fault_name in _NOT_FOUND_FAULTS:
            return []
        raise
    if results is None:
        return []
    if not isinstance(results, (list, tuple)):
        results = [results]
    volumes = []
    for result in results:
        folder_name = _folder_of(result.folderPath)
        for file_info in result.file or ():
            volume = volume_from_file(pool['name'], folder_name, file_info)
            if volume is not None:
                volumes.append(volume)
    volumes.sort(key=lambda v: v['name'])
    return volumes


def query_key(session, pool, volume, strict=True):
    """libvirt's key: the disk UUID for a virtual disk, the datastore path for other files.

    With ``strict`` false a disk whose UUID cannot be read (a broken descriptor) gets None.
    """
    if volume['format'] != 'vmdk':
        return volume['path']
    calls = DatastoreCalls(session, pool['_datacenter'])
    try:
        with vsphere_call('Reading the UUID of %s' % volume['path'], StorageError):
            return volume_key(calls.query_disk_uuid(CheckedDatastorePath.parse(volume['path'], option='volume path')))
    except (StorageError, EscapingError):
        if not strict:
            return None
        raise


def attached_vms(session, pool):
    """Map each datastore path of the pool to the names of registered VMs whose disks use it."""
    if not pool['_vms']:
        return {}
    users = {}
    for item in properties.retrieve_objects(session.content, pool['_vms'], ['name', 'config.hardware.device']):
        for device in item.get('config.hardware.device') or ():
            backing = getattr(device, 'backing', None) if _wsdl(device) == 'VirtualDisk' else None
            while backing is not None:
                file_name = getattr(backing, 'fileName', None)
                if file_name:
                    users.setdefault(file_name, set()).add(item.get('name'))
                backing = getattr(backing, 'parent', None)
    return dict((path, sorted(names)) for path, names in users.items())


def complete(session, pool, volumes, keys=True, attached=True):
    """Fill key, attached_vms and xml."""
    users = attached_vms(session, pool) if attached and volumes else {}
    for volume in volumes:
        if keys:
            volume['key'] = query_key(session, pool, volume, strict=False)
        volume['attached_vms'] = users.get(volume['path'], [])
        volume['xml'] = format_volume_xml(volume)
    return volumes


def list_volumes(session, pool, keys=True, attached=True, timeout=DEFAULT_TIMEOUT):
    return complete(session, pool, search_volumes(pool, timeout=timeout), keys=keys, attached=attached)


def _split_name(name):
    return name.rsplit('/', 1) if '/' in name else ('', name)


def find_volume(session, pool, name, keys=True, attached=True, timeout=DEFAULT_TIMEOUT):
    """The volume ``name`` (path inside the datastore) of a pool, or None."""
    CheckedDatastorePath.of(pool['name'], name, option='name')
    folder, file_name = _split_name(name)
    # A name with glob characters would be read as a pattern: list the folder instead.
    patterns = None if any(char in file_name for char in '*?[]') else [file_name]
    found = [volume for volume in search_volumes(pool, folder, patterns=patterns, recursive=False, timeout=timeout)
             if volume['name'] == name]
    if not found:
        return None
    return complete(session, pool, found[:1], keys=keys, attached=attached)[0]


def find_volume_by_key(session, pools, key, attached=True, timeout=DEFAULT_TIMEOUT):
    """(pool, volume) whose key is ``key`` (a disk UUID, or a datastore path as libvirt allows), or (None, None)."""
    if key.startswith('['):
        where = CheckedDatastorePath.parse(key, option='key')
        pool = find_pool(pools, where.datastore)
        return pool, find_volume(session, pool, where.relative, attached=attached, timeout=timeout)
    wanted = volume_key(key)
    for pool in pools:
        if not pool['accessible']:
            continue
        for volume in search_volumes(pool, timeout=timeout):
            if volume['format'] == 'vmdk' and query_key(session, pool, volume, strict=False) == wanted:
                return pool, complete(session, pool, [volume], attached=attached)[0]
    return None, None


# Changes -----------------------------------------------------------------------------------------

class DiskOperations(object):
    """VirtualDiskManager and FileManager calls on one pool, each waiting for its task."""

    def __init__(self, session, pool, timeout=DEFAULT_TIMEOUT):
        self.session = session
        self.pool = pool
        self.timeout = timeout
        self.calls = DatastoreCalls(session, pool['_datacenter'])

    def path(self, name):
        return CheckedDatastorePath.of(self.pool['name'], name, option='name')

    def _run(self, what, start):
        with vsphere_call(what, StorageError):
            task = start()
        try:
            return wait_for_task(task, timeout=self.timeout, description=what[0].lower() + what[1:])
        except TaskFailed as exc:
            raise StorageError('%s failed: %s' % (what, exc.fault_text or exc))

    def make_directory(self, folder):
        if not folder:
            return
        with vsphere_call('Creating directory %s' % self.path(folder), StorageError):
            try:
                self.calls.make_directory(self.path(folder), parents=True)
            except vim.fault.FileAlreadyExists:
                pass

    def create(self, name, capacity, provisioning, adapter_type):
        spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(
            capacityKb=-(-capacity // 1024), diskType=PROVISIONING_DISK_TYPES[provisioning], adapterType=adapter_type)
        path = self.path(name)
        self._run('Creating volume %s' % path, lambda: self.calls.create_disk(path, spec))

    def copy_from(self, source_pool, source_name, name, provisioning=None, adapter_type=None):
        spec = None
        if provisioning is not None:
            spec = vim.VirtualDiskManager.VirtualDiskSpec(diskType=PROVISIONING_DISK_TYPES[provisioning],
                                                          adapterType=adapter_type or 'busLogic')
        source = CheckedDatastorePath.of(source_pool['name'], source_name, option='clone_from')
        path = self.path(name)
        self._run('Copying volume %s to %s' % (source, path),
                  lambda: self.calls.copy_disk(source, source_pool['_datacenter'], path, spec))

    def extend(self, name, capacity, eager_zero=False):
        path = self.path(name)
        self._run('Extending volume %s' % path,
                  lambda: self.calls.extend_disk(path, -(-capacity // 1024), eager_zero))

    def zero_fill(self, name):
        path = self.path(name)
        self._run('Wiping volume %s' % path, lambda: self.calls.zero_fill_disk(path))

    def delete(self, name, volume_format):
        path = self.path(name)
        if volume_format == 'vmdk':
            self._run('Deleting volume %s' % path, lambda: self.calls.delete_disk(path))
        else:
            self._run('Deleting volume %s' % path, lambda: self.calls.delete_file(path))


# virt.esx.volume ---------------------------------------------------------------------------------

def stored_name(name):
    """The name a new volume gets on the datastore: each path item escaped with the datastore item rules."""
    parts = name.split('/')
    if name.startswith('/') or any(part == '' for part in parts):
        raise StorageError("Volume name '%s' must be a relative path without empty items, like 'web01/web01_1.vmdk'" % name)
    try:
        return '/'.join(escape_datastore_item(part) for part in parts)
    except EscapingError as exc:
        raise StorageError("Volume name '%s' cannot be stored on a datastore: %s" % (name, exc))


def _check_new_name(name):
    if '/' not in name or name.endswith('/'):
        raise StorageError("Volume name '%s' doesn't have expected format '<directory>/<file>'" % name)
    if not name.lower().endswith('.vmdk'):
        raise StorageError("Volume name '%s' has unsupported suffix, expecting '.vmdk'" % name)


def _desired(params):
    """Identity and wanted properties from the module options (name/path/key or xml)."""
    wanted = dict(pool=params.get('pool'), name=params.get('name'), key=params.get('key'),
                  capacity=None, provisioning=params.get('provisioning'), adapter_type=params.get('adapter_type'))
    if params.get('capacity') is not None:
        wanted['capacity'] = parse_size(params['capacity'])
        if wanted['capacity'] <= 0:
            raise StorageError('capacity must be larger than 0')
    for option in ('pool', 'name'):
        if wanted[option] is not None and wanted[option].strip() == '':
            raise StorageError('%s must not be empty' % option)
    if params.get('path'):
        where = CheckedDatastorePath.parse(params['path'], option='path')
        if wanted['pool'] is not None and wanted['pool'] != where.datastore:
            raise StorageError("path '%s' is on datastore %s, not on pool %s" % (params['path'], where.datastore, wanted['pool']))
        wanted['pool'], wanted['name'] = where.datastore, where.relative
    if params.get('xml'):
        parsed = parse_volume_xml(params['xml'])
        if parsed['format'] not in (None, 'vmdk'):
            raise StorageError('Creation of %s volumes is not supported; only vmdk' % parsed['format'])
        wanted['name'] = parsed['name']
        if wanted['pool'] is not None:
            CheckedDatastorePath.of(wanted['pool'], parsed['name'], option='xml <name>')
        wanted['capacity'] = parsed['capacity']
        wanted['provisioning'] = provisioning_from_allocation(parsed['capacity'], parsed['allocation'])
    if wanted['pool'] is not None and wanted['name'] is not None:
        CheckedDatastorePath.of(wanted['pool'], wanted['name'], option='name')
    if params.get('clone_from'):
        _clone_source_path(params['clone_from'], wanted['pool'])
    return wanted


def _clone_source_path(clone_from, default_pool_name):
    """The checked path ``clone_from`` names, or None when it is a key (a disk UUID)."""
    if clone_from.startswith('['):
        return CheckedDatastorePath.parse(clone_from, option='clone_from')
    if '/' in clone_from or clone_from.lower().endswith('.vmdk'):
        if default_pool_name is None:
            raise StorageError('clone_from %s needs a pool; give a datastore path [datastore] dir/file.vmdk' % clone_from)
        return CheckedDatastorePath.of(default_pool_name, clone_from, option='clone_from')
    return None


def _resolve_source(session, pools, default_pool, clone_from, timeout):
    where = _clone_source_path(clone_from, default_pool['name'] if default_pool else None)
    if where is not None:
        pool = find_pool(pools, where.datastore)
        source = find_volume(session, pool, where.relative, keys=False, attached=False, timeout=timeout)
    else:
        pool, source = find_volume_by_key(session, pools, clone_from, attached=False, timeout=timeout)
    if source is None:
        raise StorageError('Volume to clone %s does not exist' % clone_from)
    if source['format'] != 'vmdk':
        raise StorageError('Volume to clone %s is not a virtual disk (%s)' % (source['path'], source['format']))
    return pool, source


def _clone_spec(session, source, wanted):
    """(provisioning, adapter type) of the copy's disk spec; (None, None) sends none.

    Without a spec the server makes a preallocated BusLogic disk, and a vCenter accepts no spec:
    there only that is possible. A host gets a spec that keeps the source's kind unless told otherwise.
    """
    if getattr(session, 'is_vcenter', False):
        if wanted['provisioning'] not in (None, 'thick_lazy_zeroed') or wanted['adapter_type'] not in (None, 'busLogic'):
            raise StorageError('Through a vCenter a disk is copied as a thick (preallocated) BusLogic disk only; connect '
                               'to the ESX host (esx://) to clone with provisioning %s or adapter type %s'
                               % (wanted['provisioning'], wanted['adapter_type']))
        return None, None
    provisioning = wanted['provisioning'] or ('thin' if source.get('provisioning') == 'thin' else 'thick_lazy_zeroed')
    return provisioning, wanted['adapter_type'] or source.get('adapter_type') or 'busLogic'


def _lookup(session, pool, name, timeout):
    current = find_volume(session, pool, name, timeout=timeout)
    if current is None:
        escaped = stored_name(name)
        if escaped != name:
            current = find_volume(session, pool, escaped, timeout=timeout)
    return current


def _shrink_error(volume, capacity):
    return StorageError('Refusing to shrink volume %s from %s to %s: shrinking loses data. Give a capacity of at least '
                        '%s, or create a new volume' % (volume['path'], human_size(volume['capacity']),
                                                        human_size(capacity), human_size(volume['capacity'])))


def _capacity_kb(capacity):
    return -(-capacity // 1024)


def manage_volume(session, params, check_mode=False, warn=None):
    """Bring one volume to params['state']; return the module result (changed, actions, volume, xml, diff)."""
    warn = warn or (lambda message: None)
    timeout = params.get('task_timeout') or DEFAULT_TIMEOUT
    state = params.get('state') or 'present'
    wanted = _desired(params)
    pools = read_pools(session, params.get('datacenter'))

    if wanted['key'] and not wanted['name']:
        candidates = [find_pool(pools, wanted['pool'])] if wanted['pool'] else pools
        pool, current = find_volume_by_key(session, candidates, wanted['key'], timeout=timeout)
        if current is None:
            if state == 'absent':
                return dict(changed=False, actions=[], volume=None, xml=None, diff=dict(before='', after=''))
            raise StorageError('No volume has the key %s' % wanted['key'])
        name = current['name']
    else:
        if not wanted['pool'] or not wanted['name']:
            raise StorageError('Give pool and name, path, key, or pool and xml to select the volume')
        if not any(item['name'] == wanted['pool'] for item in pools) and any(
                item['name'] == wanted['pool'] for item in iscsi.iscsi_pools(session, params.get('datacenter'))):
            raise iscsi.read_only_error(wanted['pool'], 'state %s of volume %s' % (state, wanted['name']))
        pool = find_pool(pools, wanted['pool'])
        name = wanted['name']
        current = _lookup(session, pool, name, timeout)
        if wanted['key'] and current is not None and current['key'] != volume_key(wanted['key']):
            raise StorageError('Volume %s has the key %s, not %s' % (current['path'], current['key'], wanted['key']))

    operations = DiskOperations(session, pool, timeout)
    before_xml = current['xml'] if current else ''
    actions = []
    predicted = dict(current) if current else None

    if state == 'absent':
        if current is not None:
            if current['attached_vms'] and not params.get('force'):
                raise StorageError('Volume %s is a disk of the registered VM(s) %s; detach it first, or set force: true '
                                   'to delete it anyway' % (current['path'], ', '.join(current['attached_vms'])))
            actions.append('delete')
            predicted = None
            if not check_mode:
                operations.delete(current['name'], current['format'])
        return dict(changed=bool(actions), actions=actions, volume=None, xml=None,
                    diff=dict(before=before_xml, after=''))

    if state == 'wiped':
        if current is None:
            raise StorageError('Cannot wipe volume %s: it does not exist' % format_datastore_path(pool['name'], name))
        if current['format'] != 'vmdk':
            raise StorageError('Cannot wipe %s: only virtual disks can be zero-filled' % current['path'])
        if current['attached_vms'] and not params.get('force'):
            raise StorageError('Volume %s is a disk of the registered VM(s) %s; set force: true to wipe it anyway'
                               % (current['path'], ', '.join(current['attached_vms'])))
        actions.append('wipe')
        if not check_mode:
            operations.zero_fill(current['name'])

    capacity = wanted['capacity']
    if state == 'present' and current is None:
        _check_new_name(name)
        new_name = stored_name(name)
        folder = _split_name(new_name)[0]
        if params.get('clone_from'):
            source_pool, source = _resolve_source(session, pools, pool, params['clone_from'], timeout)
            if capacity is not None and _capacity_kb(capacity) < source['capacity'] // 1024:
                raise _shrink_error(source, capacity)
            actions.append('clone')
            provisioning, adapter_type = _clone_spec(session, source, wanted)
            predicted = dict(source, pool=pool['name'], name=new_name, path=format_datastore_path(pool['name'], new_name),
                             key=None, attached_vms=[], adapter_type=adapter_type or 'busLogic',
                             provisioning='thin' if provisioning == 'thin' else 'thick')
            if predicted['provisioning'] == 'thick':
                predicted['allocation'] = source['capacity']
            if not check_mode:
                operations.make_directory(folder)
                operations.copy_from(source_pool, source['name'], new_name, provisioning, adapter_type)
            if capacity is not None and _capacity_kb(capacity) > source['capacity'] // 1024:
                actions.append('extend')
                predicted['capacity'] = _capacity_kb(capacity) * 1024
                if not check_mode:
                    operations.extend(new_name, capacity, provisioning == 'thick_eager_zeroed')
        else:
            if capacity is None:
                raise StorageError('Volume %s does not exist; give capacity (or clone_from, or xml) to create it'
                                   % format_datastore_path(pool['name'], name))
            provisioning = wanted['provisioning'] or 'thick_lazy_zeroed'
            actions.append('create')
            size = _capacity_kb(capacity) * 1024
            predicted = dict(pool=pool['name'], name=new_name, path=format_datastore_path(pool['name'], new_name), key=None,
                             capacity=size, allocation=0 if provisioning == 'thin' else size, format='vmdk',
                             provisioning='thin' if provisioning == 'thin' else 'thick',
                             adapter_type=wanted['adapter_type'] or 'busLogic', attached_vms=[])
            if not check_mode:
                operations.make_directory(folder)
                operations.create(new_name, capacity, provisioning, wanted['adapter_type'] or 'busLogic')
        name = new_name
    elif current is not None and capacity is not None:
        if current['format'] != 'vmdk':
            raise StorageError('Volume %s is a %s image; only virtual disks can be resized' % (current['path'], current['format']))
        wanted_kb, current_kb = _capacity_kb(capacity), current['capacity'] // 1024
        if wanted_kb < current_kb:
            raise _shrink_error(current, capacity)
        if wanted_kb > current_kb:
            actions.append('extend')
            predicted['capacity'] = wanted_kb * 1024
            if not check_mode:
                operations.extend(current['name'], capacity, wanted['provisioning'] == 'thick_eager_zeroed')
    if current is not None and wanted['provisioning'] and current.get('provisioning'):
        kind = 'thin' if wanted['provisioning'] == 'thin' else 'thick'
        if kind != current['provisioning']:
            warn('Volume %s is %s provisioned; provisioning %s applies only when a volume is created'
                 % (current['path'], current['provisioning'], wanted['provisioning']))

    if actions and not check_mode:
        result_volume = find_volume(session, pool, name, timeout=timeout)
        if result_volume is None:
            raise StorageError('Volume %s is missing after %s' % (format_datastore_path(pool['name'], name), ', '.join(actions)))
    else:
        result_volume = predicted
        if result_volume is not None:
            result_volume['xml'] = format_volume_xml(result_volume)
    return dict(changed=bool(actions), actions=actions, volume=result_volume, xml=result_volume['xml'],
                diff=dict(before=before_xml, after=result_volume['xml']))


def volume_info(session, params):
    """The result of virt.esx.volume_info."""
    luns = iscsi.iscsi_volume_info(session, params)
    if luns is not None:
        return luns
    timeout = params.get('task_timeout') or DEFAULT_TIMEOUT
    keys, attached = params.get('keys', True), params.get('attached', True)
    pools = read_pools(session, params.get('datacenter'))
    if params.get('key'):
        candidates = [find_pool(pools, params['pool'])] if params.get('pool') else pools
        volume = find_volume_by_key(session, candidates, params['key'], attached=attached, timeout=timeout)[1]
        return [volume] if volume else []
    pool_name, name = params.get('pool'), params.get('name')
    if params.get('path'):
        where = CheckedDatastorePath.parse(params['path'], option='path')
        pool_name, name = where.datastore, where.relative
    if name:
        if not pool_name:
            raise StorageError('name needs pool (or give path)')
        pool = find_pool(pools, pool_name)
        volume = find_volume(session, pool, name, keys=keys, attached=attached, timeout=timeout)
        return [volume] if volume else []
    selected = [find_pool(pools, pool_name)] if pool_name else [pool for pool in pools if pool['accessible']]
    volumes = []
    for pool in selected:
        volumes.extend(list_volumes(session, pool, keys=keys, attached=attached, timeout=timeout))
    if not pool_name:
        volumes.extend(volume for pool in iscsi.iscsi_pools(session, params.get('datacenter')) for volume in iscsi.iscsi_volumes(pool))
    return volumes


__all__ = ['read_pools', 'find_pool', 'public', 'list_volumes', 'find_volume', 'find_volume_by_key', 'DiskOperations',
           'manage_volume', 'volume_info', 'stored_name', 'human_size', 'PROVISIONING_DISK_TYPES', 'ADAPTER_TYPES']
