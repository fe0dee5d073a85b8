# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the package side of module_utils/resources/ovf.py: an OVA read in place (member
offsets, no extraction), an OVF with its files beside it, the manifest, and the packages refused."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources.ovf import OvfDeployError, OvfPackage, safe_file_base

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', '..', 'integration', 'targets', 'ovf', 'files'))
import make_ova  # noqa: E402  pylint: disable=import-error,wrong-import-position

sys.path.pop(0)


@pytest.fixture
def package_dir(tmp_path):
    make_ova.make(str(tmp_path), 'tiny')
    return tmp_path


def read_range(path, offset, size):
    with open(path, 'rb') as handle:
        handle.seek(offset)
        return handle.read(size)


def test_the_ova_members_are_read_in_place(package_dir):
    package = OvfPackage(str(package_dir / 'tiny.ova'))
    assert package.is_ova
    assert b'<Envelope' in package.descriptor_text
    path, offset, size = package.locate('tiny-disk1.vmdk')
    assert path == str(package_dir / 'tiny.ova')
    disk = (package_dir / 'tiny-disk1.vmdk').read_bytes()
    assert size == len(disk)
    assert read_range(path, offset, size) == disk
    assert disk[:4] == b'KDMV'
    digest = hashlib.sha256(disk).hexdigest()
    assert package.manifest()['tiny-disk1.vmdk'] == ('sha256', digest)


def test_an_ovf_finds_its_files_and_manifest_beside_it(package_dir):
    package = OvfPackage(str(package_dir / 'tiny.ovf'))
    assert not package.is_ova
    assert package.locate('tiny-disk1.vmdk') == (str(package_dir / 'tiny-disk1.vmdk'), 0, 3584)
    assert set(package.manifest()) == {'tiny.ovf', 'tiny-disk1.vmdk'}
    with pytest.raises(OvfDeployError, match='which is not beside it'):
        package.locate('other.vmdk')


def test_an_ova_with_a_member_outside_the_package_is_refused(tmp_path):
    target = tmp_path / 'evil.ova'
    with tarfile.open(str(target), 'w') as archive:
        for name in ('a.ovf', '../../escape.vmdk'):
            info = tarfile.TarInfo(name)
            info.size = 3
            archive.addfile(info, io.BytesIO(b'abc'))
    with pytest.raises(OvfDeployError, match="'..' part"):
        OvfPackage(str(target))


def test_a_tar_without_descriptor_and_a_missing_src_are_refused(tmp_path):
    target = tmp_path / 'empty.ova'
    with tarfile.open(str(target), 'w') as archive:
        info = tarfile.TarInfo('disk.vmdk')
        info.size = 1
        archive.addfile(info, io.BytesIO(b'x'))
    with pytest.raises(OvfDeployError, match='without an .ovf descriptor'):
        OvfPackage(str(target))
    with pytest.raises(OvfDeployError, match='is not a file'):
        OvfPackage(str(tmp_path / 'missing.ova'))


def test_an_ova_missing_a_referenced_file(package_dir):
    package = OvfPackage(str(package_dir / 'tiny.ova'))
    with pytest.raises(OvfDeployError, match='has no file other.vmdk'):
        package.locate('other.vmdk')


@pytest.mark.parametrize('name, base', [('web01', 'web01'), ('a/b c', 'a_b_c'), ('..hidden', 'hidden'), ('///', '_')])
def test_local_file_names_from_vm_names(name, base):
    assert safe_file_base(name) == base
