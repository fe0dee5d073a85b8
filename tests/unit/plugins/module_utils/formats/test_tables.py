# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared tables: UUID text, libvirt's size units, power state names."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.tables import (
    POWER_STATE_NAMES, digest_uuid, unit_scale, uuid_text)


def test_uuid_text_is_the_lower_case_8_4_4_4_12_form():
    raw = bytes.fromhex('6000C29A0B1C2D3E4F5061728394A5B6')
    assert uuid_text(raw) == '6000c29a-0b1c-2d3e-4f50-61728394a5b6'
    assert uuid_text(raw) == str(uuid.UUID(bytes=raw))


def test_uuid_text_needs_sixteen_bytes():
    with pytest.raises(ValueError, match='16 bytes, not 15'):
        uuid_text(b'\x00' * 15)


def test_digest_uuid_is_the_md5_of_the_utf8_text():
    assert digest_uuid('key-vim.host.VirtualSwitch-vSwitch0') == '2f467347-8b4e-8655-e7d6-c4c3fb968009'
    assert digest_uuid('/vmfs/volumes/é').replace('-', '') == hashlib.md5('/vmfs/volumes/é'.encode('utf-8')).hexdigest()


@pytest.mark.parametrize('unit, scale', [
    ('b', 1), ('B', 1), ('byte', 1), ('Bytes', 1),
    ('k', 1024), ('KiB', 1024), ('KB', 1000), ('m', 1024 ** 2), ('MB', 1000 ** 2), ('GiB', 1024 ** 3),
    ('tb', 1000 ** 4), ('P', 1024 ** 5), ('EiB', 1024 ** 6), ('eb', 1000 ** 6),
])
def test_libvirt_unit_names(unit, scale):
    assert unit_scale(unit) == scale


@pytest.mark.parametrize('unit', ['', None, 'x', 'kibb', 'z', 'KiBytes', 'bit'])
def test_unknown_units_have_no_scale(unit):
    assert unit_scale(unit) is None


def test_power_states_are_libvirts_domain_states():
    assert POWER_STATE_NAMES == {'poweredOn': 'running', 'poweredOff': 'shutoff', 'suspended': 'paused'}


def test_the_modules_power_state_mappings_are_the_shared_one():
    # The vms inventory plugin imports ansible, which module_utils unit tests run without.
    from ansible_collections.virt.esx.plugins.module_utils.resources import vm, vm_facts
    assert vm.POWER_STATE_NAMES is POWER_STATE_NAMES
    assert vm_facts.LIBVIRT_STATES is POWER_STATE_NAMES
