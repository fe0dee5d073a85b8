# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datastores as pools, files as volumes, and the decisions of virt.esx.volume (server calls replaced by fakes)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import volume as volume_utils
from ansible_collections.virt.esx.plugins.module_utils.formats.storage_xml import StorageError, format_volume_xml

pytest.importorskip('lxml')

GIB = 1 << 30
KEY = '6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d'
OTHER_KEY = '6000c29b-0000-1111-2222-333344445555'


def _typed(wsdl_name, **fields):
    return type(wsdl_name, (SimpleNamespace,), {'_wsdlName': wsdl_name})(**fields)


def _ref(moid):
    return SimpleNamespace(_moId=moid)


def _mount(host_moid, path):
    return SimpleNamespace(key=_ref(host_moid), mountInfo=SimpleNamespace(path=path))


def _datastore_item(info, mounts, accessible=True, capacity=100 * GIB, free=40 * GIB, ds_type='VMFS'):
    summary = SimpleNamespace(name='datastore1', accessible=accessible, capacity=capacity, freeSpace=free, type=ds_type,
                              url='ds:///vmfs/volumes/abc/')
    return {'_obj': object(), '_moid': 'datastore-1', '_type': 'Datastore', 'name': 'datastore1', 'summary': summary,
            'info': info, 'host': mounts, 'browser': object(), 'vm': []}


# Pools -------------------------------------------------------------------------------------------

def test_vmfs_datastore_is_an_fs_pool_with_libvirts_uuid():
    mounts = [_mount('host-1', '/vmfs/volumes/aaa'), _mount('host-2', '/vmfs/volumes/aaa')]
    pool = volume_utils.pool_from_datastore(_datastore_item(_typed('VmfsDatastoreInfo'), mounts), 'DC1',
                                            {'host-1': 'esx1', 'host-2': 'esx2'})
    assert pool['pool_type'] == 'fs'
    assert pool['type'] == 'vmfs'
    assert pool['uuid'].replace('-', '') == hashlib.md5(b'/vmfs/volumes/aaa').hexdigest()
    assert (pool['capacity'], pool['available'], pool['allocation']) == (100 * GIB, 40 * GIB, 60 * GIB)
    assert pool['hosts'] == ['esx1', 'esx2']
    assert pool['state'] == 'running'
    assert "<pool type='fs'>" in pool['xml']


def test_uuid_comes_from_the_preferred_hosts_mount():
    mounts = [_mount('host-1', '/vmfs/volumes/one'), _mount('host-2', '/vmfs/volumes/two')]
    pool = volume_utils.pool_from_datastore(_datastore_item(_typed('NasDatastoreInfo'), mounts), 'DC1', {}, 'host-2')
    assert pool['mount_path'] == '/vmfs/volumes/two'
    assert pool['uuid'].replace('-', '') == hashlib.md5(b'/vmfs/volumes/two').hexdigest()


def test_nfs_datastore_is_a_netfs_pool_with_its_export():
    info = _typed('NasDatastoreInfo', nas=SimpleNamespace(remoteHost='nas1', remotePath='/export', type='NFS'))
    pool = volume_utils.pool_from_datastore(_datastore_item(info, [_mount('h', '/vmfs/volumes/x')], ds_type='NFS'),
                                            'DC1', {})
    assert (pool['pool_type'], pool['remote_host'], pool['remote_path'], pool['source_format']) == ('netfs', 'nas1', '/export', 'nfs')
    assert "<host name='nas1'/>" in pool['xml']


def test_inaccessible_datastore_reports_no_sizes():
    item = _datastore_item(_typed('LocalDatastoreInfo'), [_mount('h', '/x')], accessible=False)
    pool = volume_utils.pool_from_datastore(item, 'DC1', {})
    assert (pool['pool_type'], pool['state'], pool['capacity'], pool['allocation']) == ('dir', 'inaccessible', 0, 0)


def test_datastore_without_mounts_has_no_uuid_nor_xml():
    pool = volume_utils.pool_from_datastore(_datastore_item(_typed('VmfsDatastoreInfo'), []), 'DC1', {})
    assert pool['uuid'] is None and pool['xml'] is None


def test_find_pool_errors_name_the_choices():
    pools = [dict(name='a', datacenter='DC1'), dict(name='b', datacenter='DC1'), dict(name='b', datacenter='DC2')]
    assert volume_utils.find_pool(pools, 'a')['name'] == 'a'
    with pytest.raises(StorageError, match='known pools: a, b'):
        volume_utils.find_pool(pools, 'c')
    with pytest.raises(StorageError, match='DC1, DC2'):
        volume_utils.find_pool(pools, 'b')


# Volumes -----------------------------------------------------------------------------------------

def test_disk_file_becomes_a_vmdk_volume():
    info = _typed('VmDiskFileInfo', path='web01_1.vmdk', fileSize=4096, capacityKb=10 * 1024 * 1024, thin=True)
    volume = volume_utils.volume_from_file('datastore1', 'web01', info)
    assert volume['name'] == 'web01/web01_1.vmdk'
    assert volume['path'] == '[datastore1] web01/web01_1.vmdk'
    assert (volume['capacity'], volume['allocation'], volume['format'], volume['provisioning']) == (10 * GIB, 4096, 'vmdk', 'thin')


def test_adapter_type_comes_from_the_controller_type():
    controller = type('VirtualLsiLogicController', (object,), {'_wsdlName': 'VirtualLsiLogicController'})
    for reported in (controller, 'vim.vm.device.VirtualLsiLogicController'):
        info = _typed('VmDiskFileInfo', path='a.vmdk', fileSize=1, capacityKb=1, thin=True, controllerType=reported)
        assert volume_utils.volume_from_file('ds', '', info)['adapter_type'] == 'lsiLogic'
    unknown = _typed('VmDiskFileInfo', path='a.vmdk', fileSize=1, capacityKb=1, thin=True)
    assert volume_utils.volume_from_file('ds', '', unknown)['adapter_type'] is None


def test_images_at_the_datastore_root_and_other_files():
    iso = volume_utils.volume_from_file('ds', '', _typed('IsoImageFileInfo', path='a.iso', fileSize=7))
    floppy = volume_utils.volume_from_file('ds', 'x', _typed('FloppyImageFileInfo', path='b.flp', fileSize=9))
    assert (iso['name'], iso['format'], iso['capacity']) == ('a.iso', 'iso', 7)
    assert (floppy['name'], floppy['format']) == ('x/b.flp', 'raw')
    assert volume_utils.volume_from_file('ds', '', _typed('VmLogFileInfo', path='vmware.log')) is None


def test_stored_names_escape_each_item():
    assert volume_utils.stored_name('web01/web01_1.vmdk') == 'web01/web01_1.vmdk'
    assert volume_utils.stored_name('web*01/a?b.vmdk') == 'web_01/a_b.vmdk'
    # percent-escaped, then the '%' itself base64-encoded, as libvirt does
    assert volume_utils.stored_name('a%b/c.vmdk') == 'a+JQ-25b/c.vmdk'
    for bad in ('/abs/x.vmdk', 'a//b.vmdk', 'a/../x/../'):
        with pytest.raises(StorageError):
            volume_utils.stored_name(bad)


def test_human_size():
    assert volume_utils.human_size(3 * GIB) == '3 GiB (3221225472 bytes)'
    assert volume_utils.human_size(1000) == '1000 bytes'


# manage_volume -----------------------------------------------------------------------------------

class FakeOperations(object):
    calls = []

    def __init__(self, session, pool, timeout):
        self.pool = pool

    def __getattr__(self, name):
        def record(*args):
            FakeOperations.calls.append((name,) + args)
        return record


@pytest.fixture
def server(monkeypatch):
    """A datastore with volumes held in a dict; find_volume reads it, the fake operations only record."""
    state = dict(volumes={}, after={})
    pool = dict(name='datastore1', datacenter='DC1', accessible=True, _datacenter=None)
    FakeOperations.calls = []

    def find_volume(session, pool_, name, keys=True, attached=True, timeout=None):
        source = state['after'] if FakeOperations.calls else state['volumes']
        found = source.get(name)
        return dict(found, xml=format_volume_xml(found)) if found else None

    def find_by_key(session, pools, key, attached=True, timeout=None):
        for found in state['volumes'].values():
            if found['key'] == key:
                return pool, dict(found, xml=format_volume_xml(found))
        return None, None

    monkeypatch.setattr(volume_utils, 'read_pools', lambda session, datacenter=None: [pool])
    monkeypatch.setattr(volume_utils, 'find_volume', find_volume)
    monkeypatch.setattr(volume_utils, 'find_volume_by_key', find_by_key)
    monkeypatch.setattr(volume_utils, 'DiskOperations', FakeOperations)
    return state


def _disk(name, capacity, key=KEY, provisioning='thin', attached=()):
    return dict(pool='datastore1', name=name, path='[datastore1] %s' % name, key=key, capacity=capacity, allocation=0,
                format='vmdk', provisioning=provisioning, attached_vms=list(attached))


def _run(params, check_mode=False):
    warnings = []
    full = dict(pool='datastore1', state='present')
    full.update(params)
    result = volume_utils.manage_volume(object(), full, check_mode=check_mode, warn=warnings.append)
    return result, warnings


def test_check_mode_predicts_a_new_disk_and_changes_nothing(server):
    result = _run(dict(name='web01/a.vmdk', capacity='10GiB', provisioning='thin'), check_mode=True)[0]
    assert result['changed'] and result['actions'] == ['create']
    assert FakeOperations.calls == []
    assert result['diff']['before'] == ''
    assert "<capacity unit='bytes'>10737418240</capacity>" in result['diff']['after']
    assert "<allocation unit='bytes'>0</allocation>" in result['diff']['after']
    assert result['volume']['key'] is None


def test_create_makes_the_directory_then_the_disk(server):
    server['after']['web01/a.vmdk'] = _disk('web01/a.vmdk', GIB)
    result = _run(dict(name='web01/a.vmdk', capacity='1GiB', provisioning='thin'))[0]
    assert FakeOperations.calls == [('make_directory', 'web01'), ('create', 'web01/a.vmdk', GIB, 'thin', 'busLogic')]
    assert result['volume']['key'] == KEY


def test_creation_defaults_to_preallocated_and_uses_the_escaped_name(server):
    server['after']['web_01/a_.vmdk'] = _disk('web_01/a_.vmdk', GIB)
    result = _run(dict(name='web*01/a?.vmdk', capacity=str(GIB)))[0]
    assert FakeOperations.calls[-1] == ('create', 'web_01/a_.vmdk', GIB, 'thick_lazy_zeroed', 'busLogic')
    assert result['volume']['name'] == 'web_01/a_.vmdk'


def test_xml_allocation_zero_creates_a_thin_disk(server):
    server['after']['d/x.vmdk'] = _disk('d/x.vmdk', 2 * GIB)
    _run(dict(xml="<volume><name>d/x.vmdk</name><capacity unit='G'>2</capacity><allocation>0</allocation></volume>"))
    assert FakeOperations.calls[-1] == ('create', 'd/x.vmdk', 2 * GIB, 'thin', 'busLogic')


def test_same_capacity_rounded_to_kib_is_no_change(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    result = _run(dict(name='d/x.vmdk', capacity=str(GIB - 1000)))[0]
    assert not result['changed'] and FakeOperations.calls == []
    assert result['diff']['before'] == result['diff']['after']


def test_larger_capacity_extends(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    server['after']['d/x.vmdk'] = _disk('d/x.vmdk', 2 * GIB)
    result = _run(dict(name='d/x.vmdk', capacity='2GiB'))[0]
    assert result['actions'] == ['extend']
    assert FakeOperations.calls == [('extend', 'd/x.vmdk', 2 * GIB, False)]
    assert "1073741824" in result['diff']['before'] and "2147483648" in result['diff']['after']


def test_check_mode_extension_predicts_the_new_xml(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    result = _run(dict(name='d/x.vmdk', capacity='2GiB'), check_mode=True)[0]
    assert result['volume']['capacity'] == 2 * GIB and FakeOperations.calls == []
    assert result['xml'] == format_volume_xml(_disk('d/x.vmdk', 2 * GIB))


def test_smaller_capacity_is_refused(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', 2 * GIB)
    with pytest.raises(StorageError, match='Refusing to shrink volume .datastore1. d/x.vmdk from 2 GiB'):
        _run(dict(name='d/x.vmdk', capacity='1GiB'))
    assert FakeOperations.calls == []


def test_missing_volume_needs_a_capacity(server):
    with pytest.raises(StorageError, match='give capacity'):
        _run(dict(name='d/x.vmdk'))


@pytest.mark.parametrize('name, message', [('x.vmdk', '<directory>/<file>'), ('d/x.img', "expecting '.vmdk'")])
def test_new_names_follow_libvirts_rules(server, name, message):
    with pytest.raises(StorageError, match=message):
        _run(dict(name=name, capacity='1G'))


def test_clone_copies_and_extends_when_asked_for_more(server):
    server['volumes']['src/s.vmdk'] = _disk('src/s.vmdk', GIB)
    server['after']['dst/d.vmdk'] = _disk('dst/d.vmdk', 3 * GIB, key=OTHER_KEY)
    result = _run(dict(name='dst/d.vmdk', clone_from='[datastore1] src/s.vmdk', capacity='3GiB'))[0]
    assert result['actions'] == ['clone', 'extend']
    assert [call[0] for call in FakeOperations.calls] == ['make_directory', 'copy_from', 'extend']


def test_clone_smaller_than_the_source_is_refused(server):
    server['volumes']['src/s.vmdk'] = _disk('src/s.vmdk', 2 * GIB)
    with pytest.raises(StorageError, match='Refusing to shrink'):
        _run(dict(name='dst/d.vmdk', clone_from='src/s.vmdk', capacity='1GiB'))


def test_clone_of_a_missing_source_is_an_error(server):
    with pytest.raises(StorageError, match='Volume to clone .* does not exist'):
        _run(dict(name='dst/d.vmdk', clone_from='[datastore1] none/n.vmdk'))


def test_delete_refuses_disks_of_registered_vms_unless_forced(server):
    server['volumes']['vm1/vm1.vmdk'] = _disk('vm1/vm1.vmdk', GIB, attached=['vm1'])
    with pytest.raises(StorageError, match='registered VM.s. vm1'):
        _run(dict(name='vm1/vm1.vmdk', state='absent'))
    result = _run(dict(name='vm1/vm1.vmdk', state='absent', force=True))[0]
    assert result['actions'] == ['delete'] and FakeOperations.calls == [('delete', 'vm1/vm1.vmdk', 'vmdk')]
    assert result['diff']['after'] == '' and result['volume'] is None


def test_deleting_a_missing_volume_is_no_change(server):
    result = _run(dict(name='d/x.vmdk', state='absent'))[0]
    assert not result['changed'] and FakeOperations.calls == []


def test_wipe_always_changes_and_needs_the_volume(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    server['after']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    result = _run(dict(name='d/x.vmdk', state='wiped'))[0]
    assert result['changed'] and FakeOperations.calls == [('zero_fill', 'd/x.vmdk')]
    with pytest.raises(StorageError, match='does not exist'):
        _run(dict(name='d/none.vmdk', state='wiped'))


def test_key_selects_the_volume_and_must_match_a_name(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    result = _run(dict(key=KEY, capacity='1GiB', pool=None))[0]
    assert not result['changed'] and result['volume']['name'] == 'd/x.vmdk'
    with pytest.raises(StorageError, match='has the key %s, not %s' % (KEY, OTHER_KEY)):
        _run(dict(name='d/x.vmdk', key=OTHER_KEY))
    with pytest.raises(StorageError, match='No volume has the key'):
        _run(dict(key=OTHER_KEY, pool=None))
    assert not _run(dict(key=OTHER_KEY, pool=None, state='absent'))[0]['changed']


def test_path_selects_pool_and_name(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB)
    result = _run(dict(path='[datastore1] d/x.vmdk', pool=None))[0]
    assert result['volume']['name'] == 'd/x.vmdk'
    with pytest.raises(StorageError, match='is on datastore other'):
        _run(dict(path='[other] d/x.vmdk'))


def test_other_provisioning_of_an_existing_disk_only_warns(server):
    server['volumes']['d/x.vmdk'] = _disk('d/x.vmdk', GIB, provisioning='thick')
    result, warnings = _run(dict(name='d/x.vmdk', provisioning='thin'))
    assert not result['changed']
    assert warnings and 'thick provisioned' in warnings[0]


def test_images_cannot_be_resized_nor_wiped(server):
    image = dict(_disk('iso/a.iso', 100), format='iso', key='[datastore1] iso/a.iso', provisioning=None)
    server['volumes']['iso/a.iso'] = image
    with pytest.raises(StorageError, match='only virtual disks can be resized'):
        _run(dict(name='iso/a.iso', capacity='1GiB'))
    with pytest.raises(StorageError, match='only virtual disks can be zero-filled'):
        _run(dict(name='iso/a.iso', state='wiped'))


def _search_result(folder_path, *files):
    return SimpleNamespace(folderPath=folder_path, file=list(files))


def test_find_volume_searches_the_folder_for_the_exact_name(monkeypatch):
    seen = {}

    def fake_search(pool, folder='', patterns=None, recursive=True, timeout=None):
        seen.update(folder=folder, patterns=patterns, recursive=recursive)
        files = [_typed('VmDiskFileInfo', path=name, fileSize=1, capacityKb=1, thin=True) for name in ('a[1].vmdk', 'a1.vmdk')]
        return [volume_utils.volume_from_file(pool['name'], folder, info) for info in files]

    monkeypatch.setattr(volume_utils, 'search_volumes', fake_search)
    monkeypatch.setattr(volume_utils, 'complete', lambda session, pool, volumes, keys=True, attached=True: volumes)
    pool = dict(name='ds')
    assert volume_utils.find_volume(None, pool, 'd/a1.vmdk')['name'] == 'd/a1.vmdk'
    assert seen == dict(folder='d', patterns=['a1.vmdk'], recursive=False)
    # '[1]' would be a glob character class: the folder is listed and the name compared as it is
    assert volume_utils.find_volume(None, pool, 'd/a[1].vmdk')['name'] == 'd/a[1].vmdk'
    assert seen['patterns'] is None
    assert volume_utils.find_volume(None, pool, 'd/none.vmdk') is None


def test_search_results_become_volumes_with_their_folders(monkeypatch):
    disk = _typed('VmDiskFileInfo', path='x.vmdk', fileSize=10, capacityKb=4, thin=False)
    iso = _typed('IsoImageFileInfo', path='i.iso', fileSize=3)
    results = [_search_result('[ds]', iso), _search_result('[ds] web01/', disk), _search_result('[ds] empty')]
    monkeypatch.setattr(volume_utils, 'wait_for_task', lambda task, timeout=None, description=None: results)
    browser = SimpleNamespace(SearchDatastoreSubFolders_Task=lambda datastorePath, searchSpec: 'task')
    monkeypatch.setattr(volume_utils, '_search_spec', lambda patterns=None: None)
    volumes = volume_utils.search_volumes(dict(name='ds', _browser=browser))
    assert [(v['name'], v['format'], v['capacity'], v['provisioning']) for v in volumes] == [
        ('i.iso', 'iso', 3, None), ('web01/x.vmdk', 'vmdk', 4096, 'thick')]


def test_a_missing_folder_has_no_volumes_but_other_failures_surface(monkeypatch):
    browser = SimpleNamespace(SearchDatastore_Task=lambda datastorePath, searchSpec: 'task')
    monkeypatch.setattr(volume_utils, '_search_spec', lambda patterns=None: None)

    def fails_with(fault_name):
        def wait(task, timeout=None, description=None):
            raise volume_utils.TaskFailed('search failed', fault_name=fault_name, fault_text='...')
        return wait

    monkeypatch.setattr(volume_utils, 'wait_for_task', fails_with('FileNotFound'))
    assert volume_utils.search_volumes(dict(name='ds', _browser=browser), 'gone', recursive=False) == []
    monkeypatch.setattr(volume_utils, 'wait_for_task', fails_with('NoPermission'))
    with pytest.raises(volume_utils.TaskFailed):
        volume_utils.search_volumes(dict(name='ds', _browser=browser), 'x', recursive=False)


def test_clone_on_a_host_keeps_the_sources_kind_and_adapter(server):
    server['volumes']['src/s.vmdk'] = dict(_disk('src/s.vmdk', GIB), adapter_type='lsiLogic')
    server['after']['dst/d.vmdk'] = _disk('dst/d.vmdk', GIB, key=OTHER_KEY)
    result = _run(dict(name='dst/d.vmdk', clone_from='src/s.vmdk'))[0]
    assert FakeOperations.calls[-1][2:] == ('src/s.vmdk', 'dst/d.vmdk', 'thin', 'lsiLogic')
    assert result['actions'] == ['clone']


def test_clone_through_a_vcenter_sends_no_spec_and_predicts_a_thick_copy(server):
    server['volumes']['src/s.vmdk'] = _disk('src/s.vmdk', GIB)
    server['after']['dst/d.vmdk'] = _disk('dst/d.vmdk', GIB, key=OTHER_KEY, provisioning='thick')
    vcenter = SimpleNamespace(is_vcenter=True)
    full = dict(pool='datastore1', state='present', name='dst/d.vmdk', clone_from='src/s.vmdk')
    result = volume_utils.manage_volume(vcenter, full, check_mode=True)
    assert result['volume']['provisioning'] == 'thick' and result['volume']['allocation'] == GIB
    volume_utils.manage_volume(vcenter, full)
    assert FakeOperations.calls[-1][2:] == ('src/s.vmdk', 'dst/d.vmdk', None, None)
    FakeOperations.calls = []
    with pytest.raises(StorageError, match='connect to the ESX host'):
        volume_utils.manage_volume(vcenter, dict(full, name='dst/e.vmdk', provisioning='thin'))
