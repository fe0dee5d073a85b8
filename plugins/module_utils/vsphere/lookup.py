# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding one VM in requests and bytes that do not grow with the inventory.

A task is about one VM; reading every VM of a vCenter to find it costs
megabytes at 10,000 VMs.  The server's SearchIndex finds it instead:

``vms_by_uuid(content, uuid, datacenter=None, instance=False)``
    SearchIndex.FindAllByUuid: every VM with that BIOS (or instance) UUID,
    one call whatever the inventory size; the index covers every VM, so an
    empty answer means none.
``vm_in_folder(content, folder, api_name)``
    SearchIndex.FindChild: the VM of that name directly in ``folder``, one
    call; None when the folder holds none (which says nothing about the
    folder's subfolders: callers that need those search the folder's tree).
``datacenters(content)``
    the datacenters with their VM folder and inventory path, walking only
    the folders above them (not their contents).
``read_vm(content, vm, paths)``
    one VM's properties, with in the same RetrievePropertiesEx its
    datacenter's inventory path (the ``parent`` chain) and the autostart
    manager of each host of its compute resource, or None when the VM no
    longer exists.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call


def _pc():
    return vmodl.query.PropertyCollector


def _traversal(name, managed_type, path, selects=()):
    return _pc().TraversalSpec(name=name, type=managed_type, path=path, skip=False,
                               selectSet=[_pc().SelectionSpec(name=select) for select in selects])


def vms_by_uuid(content, uuid, datacenter=None, instance=False):
    """The VMs whose BIOS UUID (instance UUID with ``instance``) is ``uuid`` (SearchIndex.FindAllByUuid)."""
    with vsphere_call('Looking up the VM with UUID %s' % uuid, SessionError):
        found = content.searchIndex.FindAllByUuid(datacenter=datacenter, uuid=uuid.lower(), vmSearch=True,
                                                  instanceUuid=bool(instance))
    return [obj for obj in found or () if isinstance(obj, vim.VirtualMachine)]


def vm_in_folder(content, folder, api_name):
    """The VM named ``api_name`` (as the API stores it) directly in ``folder``, or None (SearchIndex.FindChild)."""
    with vsphere_call('Looking up the VM %s' % api_name, SessionError):
        found = content.searchIndex.FindChild(entity=folder, name=api_name)
    return found if isinstance(found, vim.VirtualMachine) else None


def datacenters(content):
    """[{'_obj', '_moid', 'name', 'vmFolder', 'path'}] of every datacenter, in one property read.

    The walk follows folders only (Folder.childEntity), so it stops at the
    datacenters and costs nothing per VM.
    """
    folders = _traversal('folders', vim.Folder, 'childEntity', ('folders',))
    object_spec = _pc().ObjectSpec(obj=content.rootFolder, skip=False, selectSet=[folders])
    filter_spec = _pc().FilterSpec(objectSet=[object_spec], propSet=[
        _pc().PropertySpec(type=vim.Folder, pathSet=['name', 'parent'], all=False),
        _pc().PropertySpec(type=vim.Datacenter, pathSet=['name', 'parent', 'vmFolder'], all=False)])
    items = properties.collect(content, filter_spec)
    paths = properties.inventory_paths(items)
    found = []
    for item in items:
        if item['_type'] == 'Datacenter':
            item['path'] = (paths.get(item['_moid']) or '').lstrip('/') or item.get('name')
            found.append(item)
    return found


def read_vm(content, vm, paths):
    """The dict of ``vm``'s ``paths`` (properties.retrieve_one's), or None if the VM is gone.

    It also holds, from the same request:

    - ``'_datacenter_path'``: the inventory path of the VM's datacenter (as
      datastore /folder URLs want it), or None for a VM outside a folder (a vApp's);
    - ``'_autostart_managers'``: {host moid: autostart manager} of the hosts of
      the VM's compute resource (one host, or a cluster's).
    """
    parents = _traversal('parents', vim.ManagedEntity, 'parent', ('parents',))
    pool = _traversal('vmPool', vim.VirtualMachine, 'resourcePool', ('poolOwner',))
    owner = _traversal('poolOwner', vim.ResourcePool, 'owner', ('ownerHosts',))
    hosts = _traversal('ownerHosts', vim.ComputeResource, 'host')
    object_spec = _pc().ObjectSpec(obj=vm, skip=False, selectSet=[parents, pool, owner, hosts])
    filter_spec = _pc().FilterSpec(objectSet=[object_spec], propSet=[
        _pc().PropertySpec(type=vim.VirtualMachine, pathSet=list(paths), all=False),
        _pc().PropertySpec(type=vim.Folder, pathSet=['name', 'parent'], all=False),
        _pc().PropertySpec(type=vim.Datacenter, pathSet=['name', 'parent'], all=False),
        _pc().PropertySpec(type=vim.HostSystem, pathSet=['configManager.autoStartManager'], all=False)])
    try:
        items = properties.collect(content, filter_spec)
    except vmodl.fault.ManagedObjectNotFound:
        return None
    found = next((item for item in items if item['_moid'] == vm._moId and item['_type'] == 'VirtualMachine'), None)
    if found is None:
        return None
    containers = [item for item in items if item['_type'] in ('Folder', 'Datacenter')]
    datacenter = next((item for item in containers if item['_type'] == 'Datacenter'), None)
    found['_datacenter_path'] = None
    if datacenter is not None:
        found['_datacenter_path'] = (properties.inventory_paths(containers).get(datacenter['_moid']) or '').lstrip('/') \
            or datacenter.get('name')
    found['_autostart_managers'] = dict(
        (item['_moid'], item.get('configManager.autoStartManager')) for item in items if item['_type'] == 'HostSystem')
    return found


def vm_by_moid(content, moid):
    """The VM reference of a managed object id, bound to the session (no request: reading it tells whether it exists)."""
    return vim.VirtualMachine(moid, content.propertyCollector._stub)  # pylint: disable=protected-access
