# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk property reads: paged RetrievePropertiesEx over the inventory -> dicts.

Reading ``vm.config.hardware.numCPU`` through pyvmomi's attribute access costs
one round trip per object and property.  Everything that lists objects goes
through :func:`retrieve` instead: one paged RetrievePropertiesEx that walks the
inventory with traversal specs (ContinueRetrievePropertiesEx for the next pages),
whatever the number of objects.

Each object becomes a plain dict::

    {'_obj': <pyvmomi managed object>, '_moid': 'vm-42', '_type': 'VirtualMachine',
     'name': 'web01', 'runtime.powerState': 'poweredOn', ...}

Properties the server could not read (``missingSet``) are absent from the dict
and named in ``'_missing'`` with their fault type, so callers can skip an
inaccessible VM instead of failing the whole listing.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl

DEFAULT_PAGE_SIZE = 1000


def _managed_type(type_or_name):
    if isinstance(type_or_name, str):
        return getattr(vim, type_or_name)
    return type_or_name


def _type_name(managed_type):
    # vim.VirtualMachine -> 'VirtualMachine', vim.view.ContainerView -> 'ContainerView'
    return managed_type._wsdlName


def _object_to_dict(object_content):
    obj = object_content.obj
    item = {'_obj': obj, '_moid': obj._moId, '_type': _type_name(type(obj))}
    for prop in object_content.propSet or ():
        item[prop.name] = prop.val
    missing = {}
    for missed in object_content.missingSet or ():
        fault = missed.fault
        missing[missed.path] = getattr(type(fault), '_wsdlName', type(fault).__name__) if fault is not None else 'unknown'
    if missing:
        item['_missing'] = missing
    return item


class _SessionLost(Exception):
    """The server answered a property read with NotAuthenticated in missingSet."""


def _session_lost(object_contents):
    # An expired session does not fail a property read: the server answers it with
    # every property missing and NotAuthenticated as the reason.
    for object_content in object_contents or ():
        for missed in object_content.missingSet or ():
            if isinstance(missed.fault, vim.fault.NotAuthenticated):
                return True
    return False


def _relogin(content):
    """Ask the session that ``content`` belongs to (ViSession.relogin) to log in again."""
    stub = getattr(content.propertyCollector, '_stub', None)
    session = getattr(stub, 'virt_esx_session', None)
    if session is None:
        raise SessionError('The session expired and this connection cannot log in again; reconnect')
    session.relogin()


def _paged(property_collector, filter_spec, page_size):
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
    result = property_collector.RetrievePropertiesEx(specSet=[filter_spec], options=options)
    while result is not None:
        if _session_lost(result.objects):
            raise _SessionLost()
        for object_content in result.objects or ():
            yield _object_to_dict(object_content)
        token = getattr(result, 'token', None)
        if not token:
            return
        result = property_collector.ContinueRetrievePropertiesEx(token=token)


def _collect(content, filter_spec, page_size):
    """All pages of one retrieval; logs in again once if the session expired."""
    try:
        return list(_paged(content.propertyCollector, filter_spec, page_size))
    except _SessionLost:
        _relogin(content)
    try:
        return list(_paged(content.propertyCollector, filter_spec, page_size))
    except _SessionLost:
        raise SessionError('The server refuses to read properties even after logging in again (NotAuthenticated)')


# The inventory below a folder, walked by the property collector itself: one
# RetrievePropertiesEx instead of CreateContainerView + RetrievePropertiesEx +
# DestroyView.  Each traversal applies to objects of its type only; together they
# reach every managed entity a container view of the root folder holds: folders,
# datacenters and their four folders, compute resources with their hosts and
# resource pools, vApps with their VMs.
_TRAVERSALS = (
    ('folderChildren', 'Folder', 'childEntity', ('folderChildren', 'datacenterVms', 'datacenterHosts',
                                                 'datacenterDatastores', 'datacenterNetworks', 'computeHosts',
                                                 'computePools', 'vappVms')),
    ('datacenterVms', 'Datacenter', 'vmFolder', ('folderChildren',)),
    ('datacenterHosts', 'Datacenter', 'hostFolder', ('folderChildren',)),
    ('datacenterDatastores', 'Datacenter', 'datastoreFolder', ('folderChildren',)),
    ('datacenterNetworks', 'Datacenter', 'networkFolder', ('folderChildren',)),
    ('computeHosts', 'ComputeResource', 'host', ()),
    ('computePools', 'ComputeResource', 'resourcePool', ('poolChildren',)),
    ('poolChildren', 'ResourcePool', 'resourcePool', ('poolChildren', 'vappVms')),
    ('vappVms', 'VirtualApp', 'vm', ()),
)


def inventory_traversal():
    """The TraversalSpecs of _TRAVERSALS (the first one walks a folder)."""
    PropertyCollector = vmodl.query.PropertyCollector
    return [PropertyCollector.TraversalSpec(
        name=name, type=_managed_type(type_name), path=path, skip=False,
        selectSet=[PropertyCollector.SelectionSpec(name=select) for select in selects])
        for name, type_name, path, selects in _TRAVERSALS]


def _property_specs(properties_by_type):
    return [vmodl.query.PropertyCollector.PropertySpec(type=_managed_type(name), pathSet=list(paths), all=False)
            for name, paths in properties_by_type.items()]


def retrieve(content, properties_by_type, root=None, recursive=True, page_size=DEFAULT_PAGE_SIZE):
    """Read properties of every object of the given types below ``root``.

    ``properties_by_type`` maps a managed type (``vim.VirtualMachine`` or the
    name ``'VirtualMachine'``) to the property paths to read (an empty list
    reads no property, only the references).  ``root`` (a folder) defaults to the
    root folder and is not part of the answer, as with a container view.  Returns
    a list of dicts (see the module docstring).

    A recursive read is one paged RetrievePropertiesEx that walks the inventory
    with traversal specs; only ``recursive=False`` (the root's children) needs a
    container view.
    """
    try:
        return _retrieve_once(content, properties_by_type, root, recursive, page_size)
    except (vmodl.fault.ManagedObjectNotFound, vmodl.fault.InvalidArgument) as fault:
        if not _lost_with_the_session(fault):
            raise
    # The session expired and pyvmomi's stub logged in again: the container view (or the paging token)
    # belonged to the old session and is gone.  Once more, in the new session.
    return _retrieve_once(content, properties_by_type, root, recursive, page_size)


def _lost_with_the_session(fault):
    """A view or token of an earlier session: the object is a ContainerView, or the argument the token."""
    if isinstance(fault, vmodl.fault.ManagedObjectNotFound):
        return isinstance(getattr(fault, 'obj', None), vim.view.ContainerView)
    return getattr(fault, 'invalidProperty', None) == 'token'


def _retrieve_once(content, properties_by_type, root, recursive, page_size):
    if not recursive:
        return _retrieve_by_view(content, properties_by_type, root, recursive, page_size)
    object_spec = vmodl.query.PropertyCollector.ObjectSpec(obj=root or content.rootFolder, skip=True,
                                                           selectSet=inventory_traversal())
    filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=[object_spec],
                                                           propSet=_property_specs(properties_by_type))
    return _collect(content, filter_spec, page_size)


def _retrieve_by_view(content, properties_by_type, root, recursive, page_size=DEFAULT_PAGE_SIZE):
    types = [_managed_type(name) for name in properties_by_type]
    view = content.viewManager.CreateContainerView(container=root or content.rootFolder, type=types,
                                                   recursive=recursive)
    try:
        traverse_view = vmodl.query.PropertyCollector.TraversalSpec(
            name='traverseView', path='view', skip=False, type=vim.view.ContainerView)
        object_spec = vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traverse_view])
        filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=[object_spec],
                                                               propSet=_property_specs(properties_by_type))
        return _collect(content, filter_spec, page_size)
    finally:
        try:
            view.DestroyView()
        except Exception:  # pylint: disable=broad-except
            # The listing is already complete; a failed cleanup must not hide it.
            pass


def collect(content, filter_spec, page_size=DEFAULT_PAGE_SIZE):
    """Every object a filter spec of one's own selects, as dicts (logs in again once if the session expired)."""
    return _collect(content, filter_spec, page_size)


def retrieve_objects(content, objects, paths, page_size=DEFAULT_PAGE_SIZE):
    """Read the same property paths of explicit managed objects (one call)."""
    objects = list(objects)
    if not objects:
        return []
    by_type = {}
    for obj in objects:
        by_type.setdefault(type(obj), None)
    object_specs = [vmodl.query.PropertyCollector.ObjectSpec(obj=obj, skip=False) for obj in objects]
    property_specs = [vmodl.query.PropertyCollector.PropertySpec(type=managed_type, pathSet=list(paths), all=False)
                      for managed_type in by_type]
    filter_spec = vmodl.query.PropertyCollector.FilterSpec(objectSet=object_specs, propSet=property_specs)
    return _collect(content, filter_spec, page_size)


def retrieve_one(content, obj, paths):
    """Read property paths of one managed object into a dict."""
    found = retrieve_objects(content, [obj], paths)
    if not found:
        raise SessionError('The object %s no longer exists on the server' % getattr(obj, '_moId', obj))
    return found[0]


# Deeper than any real inventory; stops a walk on a corrupt parent loop.
_MAX_INVENTORY_DEPTH = 256


def ancestor(by_moid, item, wanted_types):
    """The nearest ancestor of ``item`` whose type is in ``wanted_types``, or None.

    ``by_moid`` maps moids to dicts of retrieve() that read 'parent'.
    """
    for _depth in range(_MAX_INVENTORY_DEPTH):
        item = by_moid.get(getattr(item.get('parent'), '_moId', None))
        if item is None:
            return None
        if item['_type'] in wanted_types:
            return item
    return None


def inventory_paths(items):
    """Map each moid to its inventory path ('/dc1/vm/folder/web01').

    ``items`` are dicts with 'name' and 'parent' (as returned by retrieve()
    over Folder, Datacenter, ComputeResource, HostSystem, ...).  Names are the
    server's, i.e. with '/' already escaped as %2f.
    """
    by_moid = {item['_moid']: item for item in items}
    cache = {}

    def path_of(moid, depth=0):
        if moid in cache:
            return cache[moid]
        item = by_moid.get(moid)
        if item is None or depth > 256:
            return ''
        parent = item.get('parent')
        parent_moid = getattr(parent, '_moId', None)
        if parent_moid is None or parent_moid not in by_moid:
            # The root folder has no parent; it is not part of a path.
            cache[moid] = '' if item['_type'] == 'Folder' and parent_moid is None else '/' + item.get('name', '')
            return cache[moid]
        cache[moid] = path_of(parent_moid, depth + 1) + '/' + item.get('name', '')
        return cache[moid]

    return {moid: path_of(moid) for moid in by_moid}
