# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of virt.esx.folder: VM folders of a vCenter datacenter.

``manage_folder(session, params, check_mode=False) -> dict``
    creates the folder ``path`` (below the datacenter's VM folder, every
    missing level of it), renames it (``new_name``) or removes it when empty,
    and returns the module result (``changed``, ``folder``, ``changes``,
    ``diff``: the folder paths of the datacenter before and after).
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import escape_vm_name, unescape_vm_name
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import Inventory
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import wait_for_task


class FolderError(VirtEsxError):
    """A folder request that cannot be carried out as asked."""


def split_path(path, datacenter_name=None):
    """``'/DC0/vm/a/b'``, ``'vm/a/b'`` or ``'a/b'`` -> ``['a', 'b']`` (names as the user writes them)."""
    parts = [part for part in (path or '').strip().strip('/').split('/') if part != '']
    if datacenter_name and parts and parts[0] == datacenter_name and len(parts) > 1 and parts[1] == 'vm':
        parts = parts[1:]
    if parts and parts[0] == 'vm':
        parts = parts[1:]
    for part in parts:
        if part.strip() != part:
            raise FolderError('path %r: a folder name must not begin or end with white space (%r)' % (path, part))
    return parts


class FolderRun(object):
    def __init__(self, session, params, check_mode):
        if not session.is_vcenter:
            raise FolderError('virt.esx.folder needs a vCenter: a standalone ESX host has no VM folders to manage')
        self.session = session
        self.params = params
        self.check_mode = check_mode
        self.inventory = Inventory(session)
        self.datacenter = self.inventory.datacenter(params.get('datacenter'))
        self.root = self.inventory.by_moid[self.datacenter['vmFolder']._moId]
        self.changes = []
        self.timeout = params.get('task_timeout') or 3600

    def child(self, parent, name):
        for item in self.inventory.of_type('Folder'):
            if getattr(item.get('parent'), '_moId', None) == parent['_moid'] and unescape_vm_name(item['name']) == name:
                return item
        return None

    def walk(self, parts):
        """(deepest existing folder, the parts below it that do not exist)."""
        current = self.root
        for index, part in enumerate(parts):
            found = self.child(current, part)
            if found is None:
                return current, parts[index:]
            current = found
        return current, []

    def all_paths(self):
        paths = []

        def below(folder, prefix):
            for item in sorted(self.inventory.of_type('Folder'), key=lambda entry: entry['name']):
                if getattr(item.get('parent'), '_moId', None) == folder['_moid']:
                    path = prefix + '/' + unescape_vm_name(item['name'])
                    paths.append(path)
                    below(item, path)
        below(self.root, '')
        return paths

    def run(self):
        params = self.params
        parts = split_path(params['path'], self.datacenter['name'])
        if not parts:
            raise FolderError("path %r names the datacenter's VM folder itself, which cannot be created, renamed or removed"
                              % params['path'])
        before = self.all_paths()
        predicted = list(before)
        state = params['state']
        text = '/' + '/'.join(parts)
        folder_item = None
        if state == 'absent':
            existing, missing = self.walk(parts)
            if not missing:
                children = retrieve_one(self.session.content, existing['_obj'], ['childEntity'])['childEntity'] or []
                if children:
                    names = sorted('%s %s' % (type(child).__name__.split('.')[-1], child._moId) for child in children)
                    raise FolderError('Folder %s is not empty (%d item(s): %s): move or remove them first'
                                      % (text, len(children), ', '.join(names)))
                self.changes.append('remove folder %s' % text)
                predicted = [path for path in predicted if path != text]
                if not self.check_mode:
                    self._destroy(existing, text)
        else:
            existing, missing = self.walk(parts)
            new_name = params.get('new_name')
            if new_name is not None:
                folder_item, text, predicted = self._rename(parts, existing, missing, new_name, predicted)
            else:
                current = existing
                for index, part in enumerate(missing):
                    path = '/' + '/'.join(parts[:len(parts) - len(missing) + index + 1])
                    self.changes.append('create folder %s' % path)
                    predicted.append(path)
                    if self.check_mode:
                        continue
                    with vsphere_call('Creating folder %s' % path, FolderError):
                        created = current['_obj'].CreateFolder(name=escape_vm_name(part))
                    current = dict(_obj=created, _moid=created._moId, name=part)
                folder_item = current if missing else existing
                if self.check_mode and missing:
                    folder_item = None
        after = sorted(predicted) if self.check_mode or not self.changes else sorted(self._fresh_paths())
        folder = None
        if state == 'present':
            folder = dict(path=text, name=text.rsplit('/', 1)[-1], datacenter=self.datacenter['name'],
                          moid=folder_item['_moid'] if folder_item else None)
        return dict(changed=bool(self.changes), changes=self.changes, folder=folder,
                    diff=dict(before='\n'.join(sorted(before)) + '\n' if before else '',
                              after='\n'.join(after) + '\n' if after else ''))

    def _fresh_paths(self):
        self.inventory = Inventory(self.session)
        return self.all_paths()

    def _rename(self, parts, existing, missing, new_name, predicted):
        if '/' in new_name or not new_name.strip() or new_name.strip() != new_name:
            raise FolderError('new_name %r must be one folder name (no "/", no leading or trailing white space)' % new_name)
        parent_path = '/' + '/'.join(parts[:-1]) if len(parts) > 1 else ''
        target_text = parent_path + '/' + new_name
        if missing:
            parent, parent_missing = self.walk(parts[:-1])
            renamed = self.child(parent, new_name) if not parent_missing else None
            if renamed is not None:
                return renamed, target_text, predicted  # renamed already
            raise FolderError('Folder /%s does not exist (nor %s), so it cannot be renamed' % ('/'.join(parts), target_text))
        if new_name == parts[-1]:
            return existing, target_text, predicted
        parent = self.inventory.by_moid[existing['parent']._moId]
        if self.child(parent, new_name) is not None:
            raise FolderError('Folder %s cannot be renamed to %s: a folder of that name exists' % ('/' + '/'.join(parts), target_text))
        old = '/' + '/'.join(parts)
        self.changes.append('rename folder %s to %s' % (old, new_name))
        predicted = [target_text + path[len(old):] if path == old or path.startswith(old + '/') else path for path in predicted]
        if not self.check_mode:
            with vsphere_call('Renaming folder %s' % old, FolderError):
                task = existing['_obj'].Rename_Task(newName=escape_vm_name(new_name))
            self._wait(task, 'Rename_Task', old)
        return existing, target_text, predicted

    def _destroy(self, item, text):
        with vsphere_call('Removing folder %s' % text, FolderError):
            task = item['_obj'].Destroy_Task()
        self._wait(task, 'Destroy_Task', text)

    def _wait(self, task, description, text):
        try:
            wait_for_task(task, timeout=self.timeout, description=description)
        except TaskError as exc:
            raise FolderError('%s of folder %s failed: %s' % (description, text, exc))


def manage_folder(session, params, check_mode=False):
    return FolderRun(session, params, check_mode).run()
