# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pool and volume XML of iSCSI targets and LUNs, as libvirt's ESX iSCSI backend writes them."""

from __future__ import annotations

import hashlib
import uuid

from ansible_collections.virt.esx.plugins.module_utils.formats.iscsi_xml import (
    format_iscsi_pool_xml, format_iscsi_volume_xml, iscsi_pool_uuid, iscsi_volume_key)

IQN = 'iqn.2026-01.test.example:storage.lun-pool'


def test_identity_is_the_md5_of_the_names():
    assert iscsi_pool_uuid(IQN) == str(uuid.UUID(bytes=hashlib.md5(IQN.encode()).digest()))
    assert iscsi_volume_key('0200000000600a0b80') == str(uuid.UUID(bytes=hashlib.md5(b'0200000000600a0b80').digest()))


def test_pool_xml():
    pool = dict(name=IQN, uuid=iscsi_pool_uuid(IQN), remote_host='192.0.2.50', port=3260)
    assert format_iscsi_pool_xml(pool) == (
        "<pool type='iscsi'>\n"
        "  <name>%s</name>\n"
        "  <uuid>%s</uuid>\n"
        "  <capacity unit='bytes'>0</capacity>\n"
        "  <allocation unit='bytes'>0</allocation>\n"
        "  <available unit='bytes'>0</available>\n"
        "  <source>\n"
        "    <host name='192.0.2.50' port='3260'/>\n"
        "    <initiator>\n"
        "      <iqn name='%s'/>\n"
        "    </initiator>\n"
        "  </source>\n"
        "  <target>\n"
        "    <permissions>\n"
        "      <mode>00</mode>\n"
        "      <owner>0</owner>\n"
        "      <group>0</group>\n"
        "    </permissions>\n"
        "  </target>\n"
        "</pool>\n" % (IQN, iscsi_pool_uuid(IQN), IQN))


def test_a_target_without_port():
    assert "<host name='192.0.2.50'/>" in format_iscsi_pool_xml(dict(name=IQN, uuid='u', remote_host='192.0.2.50', port=None))


def test_volume_xml():
    volume = dict(name='/vmfs/devices/disks/naa.6001', key='k', capacity=64 * 2 ** 20, path='/vmfs/devices/disks/naa.6001')
    assert format_iscsi_volume_xml(volume) == (
        "<volume type='block'>\n"
        "  <name>/vmfs/devices/disks/naa.6001</name>\n"
        "  <key>k</key>\n"
        "  <source>\n"
        "  </source>\n"
        "  <capacity unit='bytes'>67108864</capacity>\n"
        "  <allocation unit='bytes'>67108864</allocation>\n"
        "  <target>\n"
        "    <path>/vmfs/devices/disks/naa.6001</path>\n"
        "  </target>\n"
        "</volume>\n")
