# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The screenshot's PNG header and its file on disk."""

from __future__ import annotations

import struct
import zlib

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import vm_screenshot
from ansible_collections.virt.esx.plugins.module_utils.vsphere.screen import PNG_SIGNATURE


def _png(width, height):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    rows = b''.join(b'\x00' + b'\x00\x80\xff' * width for _row in range(height))
    return PNG_SIGNATURE + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')


def test_the_size_comes_from_the_header():
    assert vm_screenshot.png_size(_png(720, 400)) == (720, 400)


def test_a_truncated_picture_is_refused():
    with pytest.raises(vm_screenshot.ScreenshotError, match='no PNG header chunk'):
        vm_screenshot.png_size(PNG_SIGNATURE + b'\x00\x00')


def test_the_file_is_replaced_whole(tmp_path):
    dest = tmp_path / 'console.png'
    dest.write_bytes(b'old picture')
    vm_screenshot._write(str(dest), _png(2, 2))
    assert dest.read_bytes() == _png(2, 2)
    assert [path.name for path in tmp_path.iterdir()] == ['console.png']


def test_a_missing_directory_is_named(tmp_path):
    with pytest.raises(vm_screenshot.ScreenshotError, match='the directory .*missing does not exist'):
        vm_screenshot._write(str(tmp_path / 'missing' / 'console.png'), b'x')


@pytest.mark.parametrize('screen', [1, -1])
def test_only_screen_0(screen, tmp_path):
    with pytest.raises(vm_screenshot.ScreenshotError, match='screen %d: an ESX VM has one console' % screen):
        vm_screenshot.save_screenshot(None, dict(screen=screen, dest=str(tmp_path / 'x.png')))
