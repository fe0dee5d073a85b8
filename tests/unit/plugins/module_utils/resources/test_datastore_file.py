# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/resources/datastore_file.py without a server: the path option (checked as
given, then escaped item by item), the stat dict of browser results, and the option errors."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources.datastore_file import (
    DatastoreFileError, datastore_path, manage_datastore_file, stat_from_file_info)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim


def test_each_item_is_escaped_as_vmware_stores_it():
    path = datastore_path('[ds 1] odd dir/ä b*c?.iso')
    assert (path.datastore, path.relative) == ('ds 1', 'odd dir/+w6Q- b_c_.iso')
    assert datastore_path('[ds] a%b/x.iso').relative == 'a+JQ-25b/x.iso'


def test_escape_false_takes_the_stored_name():
    assert datastore_path('[ds] +w6Q- b_c_.iso', escape=False).relative == '+w6Q- b_c_.iso'


@pytest.mark.parametrize('text', ['[ds] iso/../../etc/passwd', '[ds] ../x', '[ds] /abs', '[ds] a//b', 'ds/x', '[ds]',
                                  '[ds] a\\..\\b', '[ds] a\x00b'])
def test_paths_that_leave_the_datastore_are_refused_naming_the_option(text):
    with pytest.raises(DatastoreFileError) as caught:
        datastore_path(text)
    assert str(caught.value).startswith('path ')


def test_stat_of_browser_results():
    modified = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    iso = vim.host.DatastoreBrowser.IsoImageInfo(path='a.iso', fileSize=2048, modification=modified)
    folder = vim.host.DatastoreBrowser.FolderInfo(path='dir', fileSize=4096)
    other = vim.host.DatastoreBrowser.FileInfo(path='notes.txt', fileSize=3)
    path = datastore_path('[ds] a.iso')
    assert stat_from_file_info(path, iso) == dict(exists=True, path='[ds] a.iso', type='file', kind='iso', size=2048,
                                                  mtime='2024-05-01T12:00:00+00:00')
    assert stat_from_file_info(path, folder)['type'] == 'directory'
    assert stat_from_file_info(path, folder)['size'] is None
    assert stat_from_file_info(path, other)['kind'] == 'file'
    assert stat_from_file_info(path, None) == dict(exists=False, path='[ds] a.iso', type=None, kind=None, size=None,
                                                   mtime=None)


def test_option_errors_come_before_any_call(tmp_path):
    # The session is never used: a bad option fails first.
    with pytest.raises(DatastoreFileError, match='src is required'):
        manage_datastore_file(None, dict(path='[ds] a.iso', state='file'))
    with pytest.raises(DatastoreFileError, match='is not a regular file'):
        manage_datastore_file(None, dict(path='[ds] a.iso', state='file', src=str(tmp_path)))
    with pytest.raises(DatastoreFileError, match='cannot be read'):
        manage_datastore_file(None, dict(path='[ds] a.iso', state='file', src=str(tmp_path / 'missing')))
    with pytest.raises(DatastoreFileError, match='does not exist'):
        manage_datastore_file(None, dict(path='[ds] a.iso', state='fetched', dest=str(tmp_path / 'no' / 'x.iso')))
    with pytest.raises(DatastoreFileError, match='compare must be one of'):
        manage_datastore_file(None, dict(path='[ds] a.iso', state='stat', compare='mtime'))
