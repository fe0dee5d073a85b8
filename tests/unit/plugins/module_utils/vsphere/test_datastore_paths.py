# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No datastore path leaves its datastore folder: every entry point refuses '..', '.', empty segments,
control characters and absolute paths before anything is sent, and names the option and the value."""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere import datastore as datastore_utils
from ansible_collections.virt.esx.plugins.module_utils.resources import vm as vm_utils
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_facts
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_spec
from ansible_collections.virt.esx.plugins.module_utils.resources import volume as volume_utils
from ansible_collections.virt.esx.plugins.module_utils.formats.domain import default_format_file, default_resolve_file
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import (
    CheckedDatastorePath, PathOutsideDatastore, check_datastore_relative)

pytest.importorskip('lxml')

# Relative paths inside a datastore that must never be sent, each with the reason's words.
BAD_RELATIVE = [
    ('../decoy/disk1.vmdk', "'..'"),
    ('dir/../../decoy/disk1.vmdk', "'..'"),
    ('./disk1.vmdk', "'.'"),
    ('dir/./disk1.vmdk', "'.'"),
    ('dir\\..\\..\\disk1.vmdk', "'..'"),
    ('dir//disk1.vmdk', 'empty path segment'),
    ('dir/', 'empty path segment'),
    ('dir/disk\x001.vmdk', 'control character'),
    ('dir/disk\n1.vmdk', 'control character'),
    ('/vmfs/volumes/other/disk1.vmdk', 'absolute path'),
]


class Recorder(object):
    """Stands in for every managed object: any call that would reach the server is recorded."""

    def __init__(self, calls, name):
        self._calls, self._name = calls, name

    def __getattr__(self, attribute):
        if attribute.startswith('__'):
            raise AttributeError(attribute)
        return Recorder(self._calls, '%s.%s' % (self._name, attribute))

    def __call__(self, *args, **kwargs):
        self._calls.append((self._name, args, kwargs))
        raise AssertionError('%s was called: a refused path reached the server' % self._name)


@pytest.fixture
def sent(monkeypatch):
    """A session whose managers record calls, and one pool 'LocalDS_0' whose browser does too."""
    calls = []
    session = SimpleNamespace(content=Recorder(calls, 'content'), is_vcenter=False, params=SimpleNamespace(endpoint='x'),
                              retrieve=Recorder(calls, 'retrieve'))
    pool = dict(name='LocalDS_0', datacenter='ha-datacenter', accessible=True, _datacenter=None,
                _browser=Recorder(calls, 'browser'), _vms=[])
    monkeypatch.setattr(volume_utils, 'read_pools', lambda _session, _datacenter=None: [pool])
    return SimpleNamespace(session=session, calls=calls, pool=pool)


def _refused(call, option, value, words):
    with pytest.raises(VirtEsxError) as caught:
        call()
    message = str(caught.value)
    assert option in message and repr(value) in message and words in message, message
    return message


# The one check --------------------------------------------------------------------------------------

@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_the_check_refuses_each_variant(relative, words):
    _refused(lambda: check_datastore_relative(relative, option='name'), 'name', relative, words)
    text = '[LocalDS_0] %s' % relative
    _refused(lambda: CheckedDatastorePath.parse(text, option='path'), 'path', text, words)


@pytest.mark.parametrize('text', ['', 'LocalDS_0/x.vmdk', '[] x.vmdk', '[a/b] x.vmdk', '[..] x.vmdk', '[ds\x00] x',
                                  '[LocalDS_0]'])
def test_the_check_refuses_paths_that_name_no_datastore_file(text):
    with pytest.raises(PathOutsideDatastore):
        CheckedDatastorePath.parse(text, option='path')


def test_good_paths_pass_unchanged_and_derive_only_checked_paths():
    path = CheckedDatastorePath.parse('[LocalDS_0]  web 01/web01.vmx')
    assert (str(path), path.datastore, path.relative, path.folder, path.file_name) == (
        '[LocalDS_0] web 01/web01.vmx', 'LocalDS_0', 'web 01/web01.vmx', 'web 01', 'web01.vmx')
    assert str(path.parent()) == '[LocalDS_0] web 01'
    assert str(path.parent().child('disk.vmdk')) == '[LocalDS_0] web 01/disk.vmdk'
    with pytest.raises(PathOutsideDatastore):
        path.parent().child('../x.vmdk')
    assert str(CheckedDatastorePath.of('LocalDS_0', '', allow_root=True)) == '[LocalDS_0]'
    assert CheckedDatastorePath.parse('[LocalDS_0] a..b/c...vmdk').relative == 'a..b/c...vmdk'


def test_a_checked_path_cannot_be_made_or_changed_without_the_check():
    with pytest.raises(TypeError):
        CheckedDatastorePath('LocalDS_0', '../x.vmdk')
    path = CheckedDatastorePath.parse('[LocalDS_0] a/b.vmdk')
    with pytest.raises(AttributeError):
        path.relative = '../x.vmdk'


# virt.esx.volume and volume_info ----------------------------------------------------------------------

@pytest.mark.parametrize('state', ['absent', 'present', 'wiped'])
@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_volume_name_is_refused_before_any_call(sent, state, relative, words):
    params = dict(pool='LocalDS_0', name=relative, state=state, capacity='2GiB' if state == 'present' else None)
    _refused(lambda: volume_utils.manage_volume(sent.session, params), 'name', relative, words)
    assert sent.calls == []


@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_volume_path_is_refused_before_any_call(sent, relative, words):
    text = '[LocalDS_0] %s' % relative
    _refused(lambda: volume_utils.manage_volume(sent.session, dict(path=text, state='absent')), 'path', text, words)
    _refused(lambda: volume_utils.volume_info(sent.session, dict(path=text)), 'path', text, words)
    assert sent.calls == []


@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_volume_info_name_is_refused_before_any_call(sent, relative, words):
    _refused(lambda: volume_utils.volume_info(sent.session, dict(pool='LocalDS_0', name=relative)), 'name', relative, words)
    assert sent.calls == []


@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_clone_source_is_refused_before_any_call(sent, relative, words):
    text = '[LocalDS_0] %s' % relative
    for clone_from in (text, relative if '/' in relative else relative + '/x.vmdk'):
        params = dict(pool='LocalDS_0', name='new/copy.vmdk', state='present', clone_from=clone_from)
        with pytest.raises(PathOutsideDatastore) as caught:
            volume_utils.manage_volume(sent.session, params)
        assert 'clone_from' in str(caught.value)
    assert sent.calls == []


@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_a_key_in_path_form_is_refused_before_any_call(sent, relative, words):
    text = '[LocalDS_0] %s' % relative
    _refused(lambda: volume_utils.manage_volume(sent.session, dict(key=text, state='absent')), 'key', text, words)
    _refused(lambda: volume_utils.volume_info(sent.session, dict(key=text)), 'key', text, words)
    assert sent.calls == []


def test_a_volume_xml_name_is_refused_before_any_call(sent):
    xml = "<volume><name>../decoy/disk1.vmdk</name><capacity unit='G'>1</capacity></volume>"
    _refused(lambda: volume_utils.manage_volume(sent.session, dict(pool='LocalDS_0', xml=xml)), 'xml <name>',
             '../decoy/disk1.vmdk', "'..'")
    assert sent.calls == []


@pytest.mark.parametrize('params', [dict(pool='LocalDS_0', name=''), dict(pool='LocalDS_0', name='  '),
                                    dict(pool='', name='a/b.vmdk')])
def test_empty_volume_and_pool_names_are_refused(sent, params):
    with pytest.raises(VirtEsxError, match='must not be empty'):
        volume_utils.manage_volume(sent.session, dict(params, state='absent'))
    assert sent.calls == []


@pytest.mark.parametrize('pool', ['Local]DS', 'a/b', '..', 'ds\x00'])
def test_bad_pool_names_are_refused(sent, pool):
    with pytest.raises(PathOutsideDatastore):
        volume_utils.manage_volume(sent.session, dict(pool=pool, name='a/b.vmdk', state='absent'))
    assert sent.calls == []


def test_a_name_read_from_the_server_is_checked_before_it_is_written_back(sent):
    operations = volume_utils.DiskOperations(sent.session, sent.pool)
    for call in (lambda: operations.delete('../decoy/disk1.vmdk', 'vmdk'), lambda: operations.zero_fill('../x.vmdk'),
                 lambda: operations.extend('a/../../x.vmdk', 1 << 30), lambda: operations.make_directory('..'),
                 lambda: operations.copy_from(sent.pool, '../decoy/disk1.vmdk', 'a/b.vmdk')):
        with pytest.raises(PathOutsideDatastore):
            call()
    assert sent.calls == []


# The vSphere calls take checked paths only ---------------------------------------------------------

def test_every_datastore_call_refuses_a_plain_string(sent):
    calls = datastore_utils.DatastoreCalls(sent.session)
    text = '[LocalDS_0] a/b.vmdk'
    for call in (lambda: calls.make_directory(text), lambda: calls.delete_file(text), lambda: calls.create_disk(text, None),
                 lambda: calls.copy_disk(text, None, CheckedDatastorePath.parse(text)),
                 lambda: calls.copy_disk(CheckedDatastorePath.parse(text), None, text),
                 lambda: calls.extend_disk(text, 1), lambda: calls.zero_fill_disk(text), lambda: calls.delete_disk(text),
                 lambda: calls.query_disk_uuid(text), lambda: calls.search(sent.pool['_browser'], text, None),
                 lambda: calls.register_vm(Recorder(sent.calls, 'folder'), text, 'vm', None),
                 lambda: datastore_utils.wire(text)):
        with pytest.raises(TypeError, match='CheckedDatastorePath'):
            call()
    assert sent.calls == []


_PLUGINS = os.path.join(os.path.dirname(datastore_utils.__file__), os.pardir, os.pardir)
# Every vSphere method that takes a datastore path; only module_utils/vsphere/datastore.py may call them.
_PATH_METHODS = re.compile(
    r'\.(MakeDirectory|DeleteDatastoreFile_Task|MoveDatastoreFile_Task|CopyDatastoreFile_Task|CreateVirtualDisk_Task|'
    r'CopyVirtualDisk_Task|MoveVirtualDisk_Task|ExtendVirtualDisk_Task|ZeroFillVirtualDisk_Task|DeleteVirtualDisk_Task|'
    r'InflateVirtualDisk_Task|QueryVirtualDiskUuid|SetVirtualDiskUuid|SearchDatastore_Task|'
    r'SearchDatastoreSubFolders_Task|RegisterVM_Task|fileManager|virtualDiskManager)\b')


def test_only_the_datastore_module_calls_vsphere_with_datastore_paths():
    offenders = []
    for folder, _dirs, files in os.walk(os.path.abspath(_PLUGINS)):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith('.py') or os.path.samefile(path, datastore_utils.__file__):
                continue
            with open(path, encoding='utf-8') as handle:
                for number, line in enumerate(handle, 1):
                    code = line.split('#', 1)[0]
                    if _PATH_METHODS.search(code):
                        offenders.append('%s:%d: %s' % (os.path.relpath(path, _PLUGINS), number, line.strip()))
    assert offenders == []


# virt.esx.vm ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_vm_disk_and_iso_options_are_refused(relative, words):
    text = '[LocalDS_0] %s' % relative
    base = dict(name='web01', vcpus=1, memory_mb=512, disks=None, nics=None, cdrom=None)
    _refused(lambda: vm_spec.spec_from_options(dict(base, disks=[dict(file=text)])), 'disks[0].file', text, words)
    _refused(lambda: vm_spec.spec_from_options(dict(base, cdrom=[dict(type='iso', iso=text)])), 'cdrom[0].iso', text, words)


@pytest.mark.parametrize('relative, words', BAD_RELATIVE)
def test_vm_definitions_from_any_source_are_checked_before_a_call(relative, words):
    text = '[LocalDS_0] %s' % relative
    desired = dict(name='web01', disks={'scsi0:0': dict(file=text, size_kb=None)}, cdroms={})
    _refused(lambda: vm_utils.check_definition(desired, creating=True), 'disk scsi0:0 file', text, words)
    desired = dict(name='web01', disks={}, cdroms={'ide0:0': dict(kind='iso', file=text)})
    _refused(lambda: vm_utils.check_definition(desired, creating=False), 'cdrom ide0:0 iso', text, words)
    # Device backings are built from checked paths only.
    with pytest.raises(PathOutsideDatastore):
        vm_utils._disk_device('scsi0:0', dict(file=text, size_kb=None), 1000, -1, None)
    with pytest.raises(PathOutsideDatastore):
        vm_utils._cdrom_backing(dict(kind='iso', file=text))


@pytest.mark.parametrize('relative', [r for r, _words in BAD_RELATIVE if r.startswith(('.', 'dir/.', 'dir\\'))])
def test_domain_xml_sources_and_vmx_file_names_are_refused(relative):
    with pytest.raises(VirtEsxError):
        default_format_file('[LocalDS_0] %s' % relative)
    with pytest.raises(VirtEsxError):
        default_resolve_file('/vmfs/volumes/LocalDS_0/%s' % relative)
    with pytest.raises(VirtEsxError):
        default_resolve_file(relative)


def test_a_domain_xml_disk_outside_the_datastore_is_refused():
    xml = ("<domain type='vmware'><name>web01</name><memory>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
           "<devices><disk type='file' device='disk'><source file='[LocalDS_0] ../decoy/disk1.vmdk'/>"
           "<target dev='sda' bus='scsi'/></disk></devices></domain>")
    with pytest.raises(VirtEsxError, match=r"\.\."):
        vm_spec.spec_from_domain_xml(xml, 13)


@pytest.mark.parametrize('name', ['', '   '])
def test_empty_vm_names_are_refused(name):
    with pytest.raises(VirtEsxError, match='must not be empty'):
        vm_utils.check_definition(dict(name=name, disks={}, cdroms={}), creating=True)


@pytest.mark.parametrize('name', [' lead', 'trail ', '\tboth '])
def test_new_vm_names_with_outer_white_space_are_refused_but_existing_ones_are_kept(name):
    with pytest.raises(VirtEsxError, match='white space'):
        vm_utils.check_definition(dict(name=name, disks={}, cdroms={}), creating=True)
    vm_utils.check_definition(dict(name=name, disks={}, cdroms={}), creating=False)


def test_a_vmx_path_read_from_the_server_is_checked_before_the_download():
    class Files(object):
        def download(self, path):
            raise AssertionError('downloaded %s' % path)

    with pytest.raises(PathOutsideDatastore, match='vmPathName'):
        vm_facts.domain_xml(None, dict(name='x', moid='vm-1', vmx_path='[LocalDS_0] ../decoy/x.vmx'), files=Files())
