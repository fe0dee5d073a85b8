# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Folder paths as virt.esx.folder and virt.esx.vm read them."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources.folder import FolderError, split_path


@pytest.mark.parametrize('path, parts', [
    ('prod/web', ['prod', 'web']),
    ('/prod//web/', ['prod', 'web']),
    ('vm/prod', ['prod']),
    ('/DC1/vm/prod/web', ['prod', 'web']),
    ('DC1/prod', ['DC1', 'prod']),          # a folder that happens to have the datacenter's name
    ('web 50%/a', ['web 50%', 'a']),
    ('/', []),
])
def test_paths_below_the_vm_folder(path, parts):
    assert split_path(path, 'DC1') == parts


def test_names_with_outer_white_space_are_refused():
    with pytest.raises(FolderError) as caught:
        split_path('prod/ web', 'DC1')
    assert "must not begin or end with white space (' web')" in str(caught.value)
