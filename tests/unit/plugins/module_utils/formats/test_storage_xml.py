# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt storage pool and volume XML, pool UUIDs, volume keys and sizes with units."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.storage_xml import (
    StorageError, format_pool_xml, format_volume_xml, parse_size, parse_volume_xml, pool_uuid,
    provisioning_from_allocation, unit_scale, volume_key)

lxml = pytest.importorskip('lxml')

MOUNT = '/vmfs/volumes/5f3c1e9a-1b2c3d4e-5f60-001122334455'


def _pool(**overrides):
    pool = dict(name='datastore1', uuid=pool_uuid(MOUNT), pool_type='fs', accessible=True, capacity=1000, available=300,
                mount_path=MOUNT)
    pool.update(overrides)
    return pool


def test_pool_uuid_is_the_md5_digest_of_the_mount_path():
    uuid = pool_uuid(MOUNT)
    assert uuid.replace('-', '') == hashlib.md5(MOUNT.encode()).hexdigest()
    assert [len(part) for part in uuid.split('-')] == [8, 4, 4, 4, 12]


def test_pool_uuid_needs_a_mount_path():
    with pytest.raises(StorageError):
        pool_uuid('')


@pytest.mark.parametrize('text', [
    '60 00 C2 9a 3e 5f 0a 0b-1c 2d 3e 4f 5a 6b 7c 8d',
    '6000C29A3E5F0A0B1C2D3E4F5A6B7C8D',
    '6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d',
])
def test_volume_key_reformats_vmware_disk_uuids(text):
    assert volume_key(text) == '6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d'


@pytest.mark.parametrize('text', ['', '60 00 C2', 'zz00c29a3e5f0a0b1c2d3e4f5a6b7c8d', None])
def test_volume_key_refuses_other_text(text):
    with pytest.raises(StorageError):
        volume_key(text)


@pytest.mark.parametrize('value, expected', [
    (1073741824, 1073741824),
    ('1073741824', 1073741824),
    ('10GiB', 10 * 2 ** 30),
    ('10G', 10 * 2 ** 30),
    ('10 gib', 10 * 2 ** 30),
    ('10GB', 10 * 10 ** 9),
    ('512MiB', 512 * 2 ** 20),
    ('4k', 4096),
    ('4KB', 4000),
    ('2T', 2 * 2 ** 40),
    ('1E', 2 ** 60),
    ('7bytes', 7),
    ('7 B', 7),
])
def test_parse_size_follows_libvirt_units(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize('value', ['ten', '10 parsecs', '-1', '1.5G', '', True, 1.5, None, '20E'])
def test_parse_size_refuses_what_it_cannot_read(value):
    with pytest.raises(StorageError):
        parse_size(value)


def test_default_unit_applies_to_bare_numbers():
    assert parse_size('3', default_unit='MiB') == 3 * 2 ** 20
    assert unit_scale('') == 1


def test_provisioning_follows_libvirts_allocation_rule():
    assert provisioning_from_allocation(100, 0) == 'thin'
    assert provisioning_from_allocation(100, 100) == 'thick_lazy_zeroed'
    assert provisioning_from_allocation(100, None) == 'thick_lazy_zeroed'
    with pytest.raises(StorageError, match='capacity-to-allocation'):
        provisioning_from_allocation(100, 50)


def test_vmfs_pool_xml_is_libvirts_layout():
    xml = format_pool_xml(_pool())
    assert xml == (
        "<pool type='fs'>\n"
        "  <name>datastore1</name>\n"
        "  <uuid>%s</uuid>\n"
        "  <capacity unit='bytes'>1000</capacity>\n"
        "  <allocation unit='bytes'>700</allocation>\n"
        "  <available unit='bytes'>300</available>\n"
        "  <source>\n"
        "    <format type='vmfs'/>\n"
        "  </source>\n"
        "  <target>\n"
        "    <path>%s</path>\n"
        "    <permissions>\n"
        "      <mode>00</mode>\n"
        "      <owner>0</owner>\n"
        "      <group>0</group>\n"
        "    </permissions>\n"
        "  </target>\n"
        "</pool>\n" % (pool_uuid(MOUNT), MOUNT))


def test_nfs_pool_xml_has_the_server_and_export_as_source():
    xml = format_pool_xml(_pool(pool_type='netfs', remote_host='nas.example.com', remote_path='/export/vm',
                                source_format='nfs'))
    assert ("  <source>\n    <host name='nas.example.com'/>\n    <dir path='/export/vm'/>\n    <format type='nfs'/>\n"
            "  </source>\n") in xml
    assert xml.startswith("<pool type='netfs'>\n")


def test_local_pool_xml_has_an_empty_source():
    assert "  <source>\n  </source>\n" in format_pool_xml(_pool(pool_type='dir'))


def test_inaccessible_pool_shows_zero_sizes():
    xml = format_pool_xml(_pool(accessible=False))
    assert "<capacity unit='bytes'>0</capacity>" in xml
    assert "<available unit='bytes'>0</available>" in xml


def test_pool_xml_escapes_names_and_parses_back():
    xml = format_pool_xml(_pool(name="a&b's <ds>"))
    assert lxml.etree.fromstring(xml).findtext('name') == "a&b's <ds>"


def test_nfs_pool_xml_parses_back_to_the_same_values():
    pool = _pool(name='nfs "ds" & co', pool_type='netfs', remote_host="nas'1", remote_path='/export/<vm>',
                 source_format='nfs', mount_path='/vmfs/volumes/nfs & co')
    root = lxml.etree.fromstring(format_pool_xml(pool))
    assert root.get('type') == 'netfs'
    assert (root.findtext('name'), root.findtext('uuid')) == ('nfs "ds" & co', pool_uuid(MOUNT))
    assert [(e.tag, e.get('unit'), e.text) for e in root[2:5]] == [
        ('capacity', 'bytes', '1000'), ('allocation', 'bytes', '700'), ('available', 'bytes', '300')]
    assert root.find('source/host').get('name') == "nas'1"
    assert root.find('source/dir').get('path') == '/export/<vm>'
    assert root.find('source/format').get('type') == 'nfs'
    assert root.findtext('target/path') == '/vmfs/volumes/nfs & co'


def test_pool_without_a_mount_path_has_an_empty_path_element():
    assert "    <path></path>\n" in format_pool_xml(_pool(mount_path=None))


def test_unknown_pool_type_is_refused():
    with pytest.raises(StorageError):
        format_pool_xml(_pool(pool_type='rbd'))


def _volume(**overrides):
    volume = dict(name='web01/web01_1.vmdk', key='6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d', capacity=10737418240,
                  allocation=4096, path='[datastore1] web01/web01_1.vmdk', format='vmdk')
    volume.update(overrides)
    return volume


def test_volume_xml_is_libvirts_layout():
    # As virsh vol-dumpxml (libvirt 9.0.0) prints a datastore file: no <source>.
    assert format_volume_xml(_volume()) == (
        "<volume type='file'>\n"
        "  <name>web01/web01_1.vmdk</name>\n"
        "  <key>6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d</key>\n"
        "  <capacity unit='bytes'>10737418240</capacity>\n"
        "  <allocation unit='bytes'>4096</allocation>\n"
        "  <target>\n"
        "    <path>[datastore1] web01/web01_1.vmdk</path>\n"
        "    <format type='vmdk'/>\n"
        "  </target>\n"
        "</volume>\n")


def test_volume_xml_without_a_key_leaves_it_out():
    assert '<key>' not in format_volume_xml(_volume(key=None))


def test_volume_xml_round_trips_through_the_parser():
    parsed = parse_volume_xml(format_volume_xml(_volume()))
    assert parsed == dict(name='web01/web01_1.vmdk', key='6000c29a-3e5f-0a0b-1c2d-3e4f5a6b7c8d', capacity=10737418240,
                          allocation=4096, format='vmdk')


def test_volume_xml_with_special_characters_round_trips():
    volume = _volume(name="it's <a> & \"b\".iso", key="[ds] it's <a> & \"b\".iso", path="[ds] it's <a> & \"b\".iso",
                     format='iso', allocation=0)
    xml = format_volume_xml(volume)
    assert "  <name>it&apos;s &lt;a&gt; &amp; &quot;b&quot;.iso</name>\n" in xml
    assert parse_volume_xml(xml) == dict(name=volume['name'], key=volume['key'], capacity=volume['capacity'],
                                         allocation=0, format='iso')
    assert lxml.etree.fromstring(xml).findtext('target/path') == volume['path']


def test_volume_xml_units_are_read_as_libvirt_reads_them():
    parsed = parse_volume_xml("<volume><name>d/x.vmdk</name><capacity unit='G'>2</capacity>"
                              "<allocation unit='KB'>3</allocation></volume>")
    assert parsed['capacity'] == 2 * 2 ** 30
    assert parsed['allocation'] == 3000
    assert parsed['format'] is None
    assert parse_volume_xml("<volume><name>d/x.vmdk</name><capacity>5</capacity></volume>")['allocation'] is None


@pytest.mark.parametrize('xml, message', [
    ("<volume><capacity>1</capacity></volume>", 'no <name>'),
    ("<volume><name>d/x.vmdk</name></volume>", 'no <capacity>'),
    ("<volume type='block'><name>d/x.vmdk</name><capacity>1</capacity></volume>", 'non-file'),
    ("<volume><name>d/x.vmdk</name><capacity unit='parsec'>1</capacity></volume>", 'unknown size unit'),
    ("<pool/>", 'expected a <volume>'),
    ("<volume>", 'malformed'),
    ('<!DOCTYPE volume [<!ENTITY x SYSTEM "file:///etc/passwd">]><volume><name>&x;</name></volume>', 'volume XML'),
])
def test_bad_volume_xml_is_refused_with_a_reason(xml, message):
    with pytest.raises(StorageError, match=message):
        parse_volume_xml(xml)
