# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.datastore_file: files and folders on a datastore, moved in chunks.

    result = manage_datastore_file(session, module.params, check_mode=module.check_mode)

States: ``file`` (upload ``src``), ``fetched`` (download to ``dest``), ``directory`` (make it and
its parents), ``absent`` (a file, or a folder with everything in it), ``stat``.

What exists is read with the datastore browser (one SearchDatastore task on the parent folder:
type, size, modification time), not with HTTP, so folders and files are told apart the same way on
every server. Transfers go through ``vsphere.transfer`` (chunked ``/folder`` requests); whether an
upload or a download can be skipped is decided by ``transfer.same_content`` (size, then sampled
or full SHA-256; see that module for why sampling is enough by default and when it is not).

Each item of ``path`` is stored with VMware's datastore item escaping (``escape: true``), as
virt.esx.volume stores new names; ``escape: false`` takes the path as a datastore listing shows it.
"""

from __future__ import annotations

import os
import stat as stat_module

from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError, EscapingError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath, escape_datastore_item
from ansible_collections.virt.esx.plugins.module_utils.resources.volume import find_pool, read_pools
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreCalls, DatastoreFiles, datacenter_paths
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import DEFAULT_TIMEOUT, TaskFailed, wait_for_task
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transfer import COMPARE_MODES, DatastoreStream, same_content

STATES = ('file', 'fetched', 'directory', 'absent', 'stat')
_NOT_FOUND_FAULTS = ('FileNotFound', 'NotFound')
_GLOB_CHARACTERS = frozenset('*?[]\\')
_KINDS = {'FolderFileInfo': 'directory', 'IsoImageFileInfo': 'iso', 'FloppyImageFileInfo': 'floppy',
          'VmDiskFileInfo': 'disk', 'VmConfigFileInfo': 'vmx', 'VmLogFileInfo': 'log', 'VmNvramFileInfo': 'nvram'}


class DatastoreFileError(VirtEsxError):
    """A bad option of virt.esx.datastore_file, or a file that is not what the state needs."""


def datastore_path(text, escape=True, option='path'):
    """The CheckedDatastorePath of the ``path`` option: checked as given, then each item escaped."""
    try:
        given = CheckedDatastorePath.parse(text, option=option)
    except EscapingError as exc:
        raise DatastoreFileError(str(exc))
    if not escape:
        return given
    try:
        stored = '/'.join(escape_datastore_item(item) for item in given.relative.split('/'))
        return CheckedDatastorePath.of(given.datastore, stored, option=option)
    except EscapingError as exc:
        raise DatastoreFileError('%s %r cannot be stored on a datastore: %s' % (option, text, exc))


def _wsdl(obj):
    return getattr(obj, '_wsdlName', None) or type(obj).__name__


def _search_spec(name):
    query = vim.host.DatastoreBrowser
    return query.SearchSpec(
        query=[query.FolderQuery(), query.IsoImageQuery(), query.FloppyImageQuery(), query.Query()],
        details=query.FileInfo.Details(fileType=True, fileSize=True, modification=True, fileOwner=False),
        # A name with wildcard characters would match others: the folder is listed and filtered instead.
        matchPattern=None if _GLOB_CHARACTERS & set(name) else [name])


def stat_from_file_info(path, file_info):
    """The ``stat`` result of a browser FileInfo (or of nothing: exists false)."""
    if file_info is None:
        return dict(exists=False, path=str(path), type=None, kind=None, size=None, mtime=None)
    kind = _KINDS.get(_wsdl(file_info), 'file')
    modified = getattr(file_info, 'modification', None)
    return dict(exists=True, path=str(path), type='directory' if kind == 'directory' else 'file', kind=kind,
                size=int(getattr(file_info, 'fileSize', 0) or 0) if kind != 'directory' else None,
                mtime=modified.isoformat() if modified is not None else None)


class DatastoreFileOperations(object):
    """Look-ups and changes of one datastore's files (browser, FileManager, /folder)."""

    def __init__(self, session, pool, timeout=DEFAULT_TIMEOUT, datacenter=None):
        self.pool = pool
        self.timeout = timeout
        self.calls = DatastoreCalls(session, pool['_datacenter'])
        self.stream = DatastoreStream(DatastoreFiles(session, datacenter_path=_folder_datacenter(session, pool, datacenter)))

    def stat(self, path):
        browser = self.pool['_browser']
        if browser is None:
            raise DatastoreFileError('Datastore %s has no browser; is it accessible?' % path.datastore)
        folder = path.parent()
        with vsphere_call('Looking up %s' % path, DatastoreError):
            task = DatastoreCalls.search(browser, folder, _search_spec(path.file_name), recursive=False)
        try:
            result = wait_for_task(task, timeout=self.timeout, description='looking up %s' % path)
        except TaskFailed as exc:
            if exc.fault_name in _NOT_FOUND_FAULTS:
                return stat_from_file_info(path, None)
            raise
        for file_info in getattr(result, 'file', None) or ():
            if getattr(file_info, 'path', None) in (path.file_name, path.file_name + '/'):
                return stat_from_file_info(path, file_info)
        return stat_from_file_info(path, None)

    def _run(self, what, start):
        with vsphere_call(what, DatastoreError):
            task = start()
        try:
            return wait_for_task(task, timeout=self.timeout, description=what[0].lower() + what[1:])
        except TaskFailed as exc:
            raise DatastoreError('%s failed: %s' % (what, exc.fault_text or exc))

    def make_directory(self, path):
        with vsphere_call('Creating folder %s' % path, DatastoreError):
            try:
                self.calls.make_directory(path, parents=True)
            except vim.fault.FileAlreadyExists:
                pass

    def delete(self, path):
        self._run('Deleting %s' % path, lambda: self.calls.delete_file(path))


def _folder_datacenter(session, pool, datacenter):
    """The /folder dcPath when the datacenter was named (the datastore's name may be in several); else found later."""
    if not datacenter:
        return None
    for path in datacenter_paths(session).get(pool['name']) or ():
        if path.rsplit('/', 1)[-1] == pool['datacenter']:
            return path
    return None


def _local_file(value, option):
    if not value:
        raise DatastoreFileError('%s is required for this state' % option)
    try:
        info = os.stat(value)
    except OSError as exc:
        raise DatastoreFileError('%s %r cannot be read: %s' % (option, value, exc.strerror or exc))
    if not stat_module.S_ISREG(info.st_mode):
        raise DatastoreFileError('%s %r is not a regular file' % (option, value))
    return value


def _local_dest(value, file_name):
    if not value:
        raise DatastoreFileError('dest is required for state fetched')
    dest = os.path.join(value, file_name) if os.path.isdir(value) else value
    folder = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(folder):
        raise DatastoreFileError('dest %r: the folder %s does not exist' % (value, folder))
    return dest


def _described(stat):
    if not stat['exists']:
        return {'path': stat['path'], 'state': 'absent'}
    shown = {'path': stat['path'], 'state': stat['type']}
    if stat['size'] is not None:
        shown['size'] = stat['size']
    return shown


def manage_datastore_file(session, params, check_mode=False):
    state = params.get('state') or 'file'
    if state not in STATES:
        raise DatastoreFileError('state must be one of %s, not %r' % (', '.join(STATES), state))
    compare = params.get('compare') or 'sampled'
    if compare not in COMPARE_MODES:
        raise DatastoreFileError('compare must be one of %s, not %r' % (', '.join(COMPARE_MODES), compare))
    path = datastore_path(params['path'], escape=params.get('escape', True))
    force = bool(params.get('force'))
    src = _local_file(params.get('src'), 'src') if state == 'file' else None
    dest = _local_dest(params.get('dest'), path.file_name) if state == 'fetched' else None

    pool = find_pool(read_pools(session, params.get('datacenter')), path.datastore)
    operations = DatastoreFileOperations(session, pool, timeout=params.get('task_timeout') or DEFAULT_TIMEOUT,
                                         datacenter=params.get('datacenter'))
    before = operations.stat(path)
    result = dict(changed=False, path=str(path), stat=before, transfer=None, compared_by=None)
    after = dict(before)

    if state == 'stat':
        return result

    if state == 'directory':
        if before['exists'] and before['type'] != 'directory':
            raise DatastoreFileError('path %s is a file, not a folder' % path)
        if not before['exists']:
            result['changed'] = True
            if not check_mode:
                operations.make_directory(path)
            after = dict(before, exists=True, type='directory', kind='directory', size=None)

    elif state == 'absent':
        if before['exists']:
            result['changed'] = True
            if not check_mode:
                operations.delete(path)
            after = stat_from_file_info(path, None)

    elif state == 'file':
        if before['exists'] and before['type'] == 'directory':
            raise DatastoreFileError('path %s is a folder; a file cannot replace it' % path)
        size = os.path.getsize(src)
        needed = force or not before['exists']
        if not needed:
            same, how = same_content(operations.stream, path, before['size'], src, compare)
            result['compared_by'] = how
            needed = not same
        if needed:
            result['changed'] = True
            if not check_mode:
                if not before['exists'] and path.folder:
                    operations.make_directory(path.parent())
                result['transfer'] = operations.stream.upload_file(path, src).as_dict()
                after = operations.stat(path)
                if after['size'] != size:
                    raise DatastoreError('Upload of %s ended with %s bytes on the datastore instead of %d'
                                         % (path, after['size'], size))
            else:
                after = dict(before, exists=True, type='file', kind=before.get('kind') or 'file', size=size)

    elif state == 'fetched':
        if not before['exists']:
            raise DatastoreFileError('path %s does not exist: nothing to fetch' % path)
        if before['type'] == 'directory':
            raise DatastoreFileError('path %s is a folder; only files can be fetched' % path)
        existed = os.path.exists(dest)
        local_before = {'path': dest, 'state': 'absent'}
        if existed:
            local_before = {'path': dest, 'state': 'file', 'size': os.path.getsize(dest)}
        needed = force or not existed
        if not needed:
            if not os.path.isfile(dest):
                raise DatastoreFileError('dest %r exists and is not a regular file' % dest)
            same, how = same_content(operations.stream, path, before['size'], dest, compare)
            result['compared_by'] = how
            needed = not same
        result['dest'] = dest
        if needed:
            result['changed'] = True
            if not check_mode:
                result['transfer'] = operations.stream.download_to_file(path, dest).as_dict()
        # The local file is what changes: the diff shows it.
        result['diff'] = {'before': local_before, 'after': {'path': dest, 'state': 'file', 'size': before['size']}}
        return result

    result['stat'] = after
    result['diff'] = {'before': _described(before), 'after': _described(after)}
    return result
