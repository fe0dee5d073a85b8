# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory cache entry: records round-trip exactly; anything else is not taken for records."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.plugin_utils.inventory_cache import pack, unpack

RECORDS = [
    {'esx_name': 'web 01 é', 'esx_vcpus': 2, 'esx_template': False, 'esx_guest_ips': ['10.0.0.5', 'fe80::1'],
     'esx_guest_hostname': None, 'esx_annotation': 'line 1\nline "2"', 'esx_unreadable_properties': ['guest.net']},
    {'esx_name': 'db', 'esx_memory_mb': 4096, 'esx_networks': [], 'esx_folder': '/DC0/vm/a%2fb'},
]


def test_records_come_back_exactly():
    value = pack(RECORDS)
    assert isinstance(value, str)
    assert unpack(value) == RECORDS


@pytest.mark.parametrize('value', [RECORDS, None, {}, '', 'not json', '["another format", []]', '["virt.esx.vms records 1", {}]'])
def test_an_entry_of_another_shape_is_not_records(value):
    assert unpack(value) is None
