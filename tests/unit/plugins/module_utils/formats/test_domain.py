# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""domain.py: the default file-name callbacks and virtualHW.version table for real hosts."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.domain import (
    default_format_file, default_resolve_file, default_virtual_hw_version, make_resolve_file)
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError


@pytest.mark.parametrize("name, source", [
    ("/vmfs/volumes/datastore1/vm/vm.vmdk", "[datastore1] vm/vm.vmdk"),
    ("/vmfs/volumes//ds//dir//a.iso", "[ds] dir/a.iso"),
    ("/vmfs/volumes/4b0beca7-7fd401f3-1d7f-000ae484a6a3/vm/disk.vmdk",
     "[4b0beca7-7fd401f3-1d7f-000ae484a6a3] vm/disk.vmdk"),
    ("/vmfs/volumes/my ds/a b/c.vmdk", "[my ds] a b/c.vmdk"),
    ("/usr/lib/vmware/isoimages/linux.iso", "/usr/lib/vmware/isoimages/linux.iso"),
    ("disk.vmdk", "disk.vmdk"),
    ("sub/disk.vmdk", "sub/disk.vmdk"),
])
def test_default_resolve_file(name, source):
    assert default_resolve_file(name) == source
    assert default_resolve_file(name, allow_missing=True) == source


@pytest.mark.parametrize("name", [
    "", "/vmfs/volumes", "/vmfs/volumes/", "/vmfs/volumes/ds", "/vmfs/volumes/ds/",
    "/vmfs/volumes/ds/../other/x.vmdk", "/vmfs/volumes/ds/a/./b.vmdk", "/vmfs/volumes/../etc/passwd",
    "../x.vmdk", "a/../../x.vmdk",
])
def test_default_resolve_file_refuses(name):
    with pytest.raises(VirtEsxError):
        default_resolve_file(name)


def test_make_resolve_file_places_relative_names_next_to_the_vmx_file():
    resolve = make_resolve_file("[datastore1] My VM/My VM.vmx")
    assert resolve("My VM.vmdk") == "[datastore1] My VM/My VM.vmdk"
    assert resolve("/vmfs/volumes/ds2/x/y.vmdk") == "[ds2] x/y.vmdk"
    assert make_resolve_file("[ds] top.vmx")("a.vmdk") == "[ds] a.vmdk"
    with pytest.raises(VirtEsxError):
        resolve("../other/x.vmdk")


@pytest.mark.parametrize("source, name", [
    ("[datastore] directory/harddisk.vmdk", "/vmfs/volumes/datastore/directory/harddisk.vmdk"),
    ("[my ds]   a b/c.iso", "/vmfs/volumes/my ds/a b/c.iso"),
    ("/dev/cdrom", "/dev/cdrom"),
    ("/vmfs/volumes/ds/x.vmdk", "/vmfs/volumes/ds/x.vmdk"),
    ("disk.vmdk", "disk.vmdk"),
])
def test_default_format_file(source, name):
    assert default_format_file(source) == name


@pytest.mark.parametrize("source", [
    "", "[] x.vmdk", "[ds]", "[ds] ", "[ds] ../x.vmdk", "[ds] a/../../x", "[..] x.vmdk", "[a/b] x.vmdk",
    "/vmfs/volumes/ds/../x", "../x.vmdk", None,
])
def test_default_format_file_refuses(source):
    with pytest.raises(VirtEsxError):
        default_format_file(source)


@pytest.mark.parametrize("name", [
    "/vmfs/volumes/datastore1/vm/vm.vmdk", "/vmfs/volumes/ds/a b/c d.iso", "/dev/sr0", "disk.vmdk",
])
def test_default_callbacks_are_inverse(name):
    assert default_format_file(default_resolve_file(name)) == name


@pytest.mark.parametrize("product, version, expected", [
    ("gsx", "2.0.0", 7),
    ("esx", "3.5.0", 4), ("esx", "4.1.0", 7), ("esx", "5.0.0", 9), ("esx", "5.1.0", 9), ("esx", "5.5.0", 10),
    ("esx", "6.0.0", 10), ("esx", "6.7.0", 10), ("esx", "7.0.3", 8), ("esx", "8.0.2", 8), ("esx", "2.5.0", 8),
    ("vpx", "2.5.0", 4), ("vpx", "4.0.0", 7), ("vpx", "5.1.0", 9), ("vpx", "5.5.0", 10), ("vpx", "6.5.0", 10),
    ("vpx", "3.0.0", 8), ("vpx", "7.0.0", 8), ("ESX", (5, 5, 0), 10), ("esx", 5004000, 9), ("vpx", "6", 10),
])
def test_default_virtual_hw_version(product, version, expected):
    assert default_virtual_hw_version(product, version) == expected


@pytest.mark.parametrize("product, version", [("kvm", "6.0.0"), ("esx", "six"), ("esx", "6.0.0.1"), ("esx", True),
                                              ("esx", (6, -1, 0)), ("esx", None)])
def test_default_virtual_hw_version_refuses(product, version):
    with pytest.raises(VirtEsxError):
        default_virtual_hw_version(product, version)
