# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of vm_info's pure helpers (libvirt state, id, snapshot tree, guest addresses,
autostart, filters) and of vm_snapshot's planning (idempotency by name)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace as NS

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources.snapshot import SnapshotError, plan
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_facts import (
    autostart_of, display_name, guest_addresses, libvirt_id, libvirt_state, matches, snapshot_list)


def ref(moid):
    return NS(_moId=moid)


def tree(name, moid, children=(), description=''):
    return NS(name=name, snapshot=ref(moid), description=description, id=int(moid.split('-')[-1]),
              createTime=datetime.datetime(2026, 1, 2, 3, 4, 5), state='poweredOff', quiesced=False,
              childSnapshotList=list(children))


@pytest.mark.parametrize('power_state, state', [
    ('poweredOn', 'running'), ('poweredOff', 'shutoff'), ('suspended', 'paused'), ('bogus', 'nostate')])
def test_libvirt_state_names_as_the_esx_driver(power_state, state):
    assert libvirt_state(power_state) == (state, 'unknown')


def test_libvirt_id_is_the_moid_number_of_an_active_vm():
    assert libvirt_id('vm-42', 'poweredOn') == 42
    assert libvirt_id('vm-42', 'suspended') == 42
    assert libvirt_id('vm-42', 'poweredOff') == -1
    assert libvirt_id('ha-vm', 'poweredOn') == -1


def test_display_name_undoes_the_api_escapes_and_keeps_bad_ones():
    assert display_name('web%2f01') == 'web/01'
    assert display_name('100%25 ok') == '100% ok'
    assert display_name('bad%zz') == 'bad%zz'


def test_snapshot_list_flattens_parents_first_and_marks_current():
    info = NS(currentSnapshot=ref('snapshot-3'),
              rootSnapshotList=[tree('a', 'snapshot-1', [tree('b', 'snapshot-2', [tree('c', 'snapshot-3')])]),
                                tree('d', 'snapshot-4')])
    flat = snapshot_list(info)
    assert [(s['name'], s['parent'], s['current']) for s in flat] == [
        ('a', None, False), ('b', 'a', False), ('c', 'b', True), ('d', None, False)]
    assert flat[0]['create_time'] == '2026-01-02T03:04:05'
    assert snapshot_list(None) == []


def test_guest_addresses_prefer_ip_config_and_drop_duplicates():
    nics = [NS(ipConfig=NS(ipAddress=[NS(ipAddress='192.0.2.1'), NS(ipAddress='fe80::1')]), ipAddress=['ignored']),
            NS(ipConfig=None, ipAddress=['192.0.2.2', '192.0.2.1'])]
    assert guest_addresses(nics, '198.51.100.9') == ['192.0.2.1', 'fe80::1', '192.0.2.2']
    assert guest_addresses([], '198.51.100.9') == ['198.51.100.9']
    assert guest_addresses(None) == []


def test_autostart_needs_the_host_enabled_and_power_on_for_the_vm():
    enabled = NS(defaults=NS(enabled=True), powerInfo=[NS(key=ref('vm-1'), startAction='PowerOn'),
                                                       NS(key=ref('vm-2'), startAction='none')])
    assert autostart_of(enabled, 'vm-1') is True
    assert autostart_of(enabled, 'vm-2') is False
    assert autostart_of(enabled, 'vm-3') is False
    disabled = NS(defaults=NS(enabled=False), powerInfo=enabled.powerInfo)
    assert autostart_of(disabled, 'vm-1') is False
    assert autostart_of(None, 'vm-1') is False


def test_filters_match_libvirt_or_api_name_and_either_uuid():
    facts = dict(name='web/01', api_name='web%2f01', uuid='4216C58B-0000-0000-0000-000000000001',
                 instance_uuid='5000aaaa-0000-0000-0000-000000000002', moid='vm-7')
    assert matches(facts)
    assert matches(facts, name='web/01') and matches(facts, name='web%2f01')
    assert not matches(facts, name='web')
    assert matches(facts, uuid='4216c58b-0000-0000-0000-000000000001')
    assert matches(facts, uuid='5000AAAA-0000-0000-0000-000000000002')
    assert not matches(facts, uuid='5000aaaa-0000-0000-0000-000000000003')
    assert matches(facts, moid='vm-7') and not matches(facts, moid='vm-70')


def snap(name, moid, parent=None, current=False):
    return dict(name=name, moid=moid, parent=parent, current=current)


SNAPSHOTS = [snap('a', 's1'), snap('b', 's2', 'a', current=True), snap('c', 's3', 'b'), snap('dup', 's4'), snap('dup', 's5')]


def test_present_creates_only_a_missing_name():
    assert plan(SNAPSHOTS, 'present', 'new') == ('create', [])
    assert plan(SNAPSHOTS, 'present', 'a') == ('none', [SNAPSHOTS[0]])


def test_absent_removes_every_snapshot_of_the_name_children_first():
    assert plan(SNAPSHOTS, 'absent', 'gone') == ('none', [])
    action, targets = plan(SNAPSHOTS, 'absent', 'dup')
    assert action == 'remove' and sorted(t['moid'] for t in targets) == ['s4', 's5']
    nested = [snap('x', 'n1'), snap('x', 'n2', 'x')]
    assert [t['moid'] for t in plan(nested, 'absent', 'x')[1]] == ['n2', 'n1']


def test_current_reverts_unless_already_current():
    assert plan(SNAPSHOTS, 'current', 'a') == ('revert', [SNAPSHOTS[0]])
    assert plan(SNAPSHOTS, 'current', 'b') == ('none', [SNAPSHOTS[1]])


def test_current_refuses_missing_and_ambiguous_names():
    with pytest.raises(SnapshotError, match="no snapshot named 'zz'.*a, b, c, dup, dup"):
        plan(SNAPSHOTS, 'current', 'zz')
    with pytest.raises(SnapshotError, match="2 snapshots named 'dup'"):
        plan(SNAPSHOTS, 'current', 'dup')


def test_list_changes_nothing_and_names_are_required_otherwise():
    assert plan(SNAPSHOTS, 'list', None) == ('none', [])
    with pytest.raises(SnapshotError, match='snapshot_name is required'):
        plan(SNAPSHOTS, 'present', '')
    with pytest.raises(SnapshotError, match='state must be one of'):
        plan(SNAPSHOTS, 'bogus', 'a')
