# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paged property reads and session renewal, against a fake PropertyCollector."""

from __future__ import annotations

import pytest

pyVmomi = pytest.importorskip('pyVmomi')

# pylint: disable=wrong-import-position
from pyVmomi import vim, vmodl

from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError

ObjectContent = vmodl.query.PropertyCollector.ObjectContent
DynamicProperty = vmodl.DynamicProperty
MissingProperty = vmodl.query.PropertyCollector.MissingProperty
RetrieveResult = vmodl.query.PropertyCollector.RetrieveResult


def vm_ref(moid):
    return vim.VirtualMachine(moid)


def content_of(moid, **props):
    return ObjectContent(obj=vm_ref(moid), propSet=[DynamicProperty(name=k, val=v) for k, v in props.items()])


def unauthenticated(moid, *paths):
    return ObjectContent(obj=vm_ref(moid), missingSet=[
        MissingProperty(path=path, fault=vim.fault.NotAuthenticated(privilegeId='System.Read')) for path in paths])


class FakeSession(object):
    def __init__(self):
        self.relogins = 0

    def relogin(self):
        self.relogins += 1


class FakeStub(object):
    """What ViSession binds the content's managed objects to: the way back to the session."""

    def __init__(self):
        self.virt_esx_session = FakeSession()


class FakeCollector(object):
    """Answers RetrievePropertiesEx / ContinueRetrievePropertiesEx from a script of pages."""

    def __init__(self, first_pages, continued=None):
        self.first_pages = list(first_pages)
        self.continued = dict(continued or {})
        self.calls = []
        self._stub = FakeStub()

    def RetrievePropertiesEx(self, specSet, options):  # pylint: disable=invalid-name
        self.calls.append(('RetrievePropertiesEx', options.maxObjects))
        return self.first_pages.pop(0)

    def ContinueRetrievePropertiesEx(self, token):  # pylint: disable=invalid-name
        self.calls.append(('ContinueRetrievePropertiesEx', token))
        return self.continued.pop(token)


class FakeContent(object):
    def __init__(self, collector):
        self.propertyCollector = collector


def test_pages_are_followed_to_the_end_and_become_dicts():
    collector = FakeCollector(
        [RetrieveResult(objects=[content_of('vm-1', name='a')], token='t1')],
        {'t1': RetrieveResult(objects=[content_of('vm-2', name='b')], token='t2'),
         't2': RetrieveResult(objects=[content_of('vm-3', name='c')])})
    items = properties.retrieve_objects(FakeContent(collector), [vm_ref('vm-1')], ['name'], page_size=1)
    assert [(item['_moid'], item['_type'], item['name']) for item in items] == [
        ('vm-1', 'VirtualMachine', 'a'), ('vm-2', 'VirtualMachine', 'b'), ('vm-3', 'VirtualMachine', 'c')]
    assert collector.calls == [('RetrievePropertiesEx', 1), ('ContinueRetrievePropertiesEx', 't1'),
                               ('ContinueRetrievePropertiesEx', 't2')]


def test_missing_properties_are_named_not_fatal():
    missing = ObjectContent(obj=vm_ref('vm-7'), missingSet=[
        MissingProperty(path='config.hardware', fault=vim.fault.NoPermission(privilegeId='System.Read'))])
    collector = FakeCollector([RetrieveResult(objects=[content_of('vm-1', name='a'), missing])])
    items = properties.retrieve_objects(FakeContent(collector), [vm_ref('vm-1'), vm_ref('vm-7')], ['name'])
    assert items[1] == {'_obj': items[1]['_obj'], '_moid': 'vm-7', '_type': 'VirtualMachine',
                        '_missing': {'config.hardware': 'NoPermission'}}
    assert collector._stub.virt_esx_session.relogins == 0


def test_expired_session_is_renewed_once_and_the_read_repeated():
    collector = FakeCollector([RetrieveResult(objects=[unauthenticated('vm-1', 'name')]),
                               RetrieveResult(objects=[content_of('vm-1', name='a')])])
    item = properties.retrieve_one(FakeContent(collector), vm_ref('vm-1'), ['name'])
    assert item['name'] == 'a'
    assert collector._stub.virt_esx_session.relogins == 1
    assert len(collector.calls) == 2


def test_a_session_that_stays_unauthenticated_is_a_clear_error():
    collector = FakeCollector([RetrieveResult(objects=[unauthenticated('vm-1', 'name')]),
                               RetrieveResult(objects=[unauthenticated('vm-1', 'name')])])
    with pytest.raises(SessionError) as raised:
        properties.retrieve_one(FakeContent(collector), vm_ref('vm-1'), ['name'])
    assert 'even after logging in again' in str(raised.value)


def test_a_vanished_object_is_reported():
    # The server answers no result at all when nothing matched.
    collector = FakeCollector([None])
    with pytest.raises(SessionError) as raised:
        properties.retrieve_one(FakeContent(collector), vm_ref('vm-9'), ['name'])
    assert 'vm-9 no longer exists' in str(raised.value)


def test_inventory_paths_are_computed_locally():
    root = vim.Folder('group-d1')
    datacenter = vim.Datacenter('datacenter-2')
    vm_folder = vim.Folder('group-v3')
    sub = vim.Folder('group-v4')
    items = [
        {'_moid': 'group-d1', '_type': 'Folder', 'name': 'Datacenters', 'parent': None},
        {'_moid': 'datacenter-2', '_type': 'Datacenter', 'name': 'DC1', 'parent': root},
        {'_moid': 'group-v3', '_type': 'Folder', 'name': 'vm', 'parent': datacenter},
        {'_moid': 'group-v4', '_type': 'Folder', 'name': 'web%2fapp', 'parent': vm_folder},
        {'_moid': 'vm-5', '_type': 'VirtualMachine', 'name': 'web01', 'parent': sub},
    ]
    paths = properties.inventory_paths(items)
    assert paths['vm-5'] == '/DC1/vm/web%2fapp/web01'
    assert paths['datacenter-2'] == '/DC1'
    assert paths['group-d1'] == ''


def test_ancestor_finds_the_nearest_of_the_wanted_types():
    datacenter = vim.Datacenter('datacenter-2')
    cluster = vim.ClusterComputeResource('domain-c7')
    by_moid = {
        'datacenter-2': {'_moid': 'datacenter-2', '_type': 'Datacenter', 'parent': vim.Folder('group-d1')},
        'group-h4': {'_moid': 'group-h4', '_type': 'Folder', 'parent': datacenter},
        'domain-c7': {'_moid': 'domain-c7', '_type': 'ClusterComputeResource', 'parent': vim.Folder('group-h4')},
    }
    host = {'_moid': 'host-9', '_type': 'HostSystem', 'parent': cluster}
    assert properties.ancestor(by_moid, host, ('ComputeResource', 'ClusterComputeResource'))['_moid'] == 'domain-c7'
    assert properties.ancestor(by_moid, host, ('Datacenter',))['_moid'] == 'datacenter-2'
    assert properties.ancestor(by_moid, host, ('ResourcePool',)) is None


def test_ancestor_stops_on_a_parent_loop():
    loop = {'_moid': 'group-1', '_type': 'Folder', 'parent': vim.Folder('group-1')}
    assert properties.ancestor({'group-1': loop}, loop, ('Datacenter',)) is None
