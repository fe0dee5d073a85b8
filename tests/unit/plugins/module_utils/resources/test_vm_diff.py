# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vm's comparison of a VM's current definition with the desired one."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources.vm_diff import describe_change, plan_changes
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_spec import empty_spec


def current_vm():
    spec = empty_spec()
    spec.update(name='web 1', uuid='564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301', guest_id='otherGuest64', vcpus=2, memory_mb=1024,
                annotation='hello', firmware='bios')
    spec['controllers'] = {'scsi0': 'lsilogic'}
    spec['disks'] = {'scsi0:0': dict(file='[ds] web 1/web 1.vmdk', size_kb=1048576)}
    spec['cdroms'] = {'ide0:0': dict(kind='iso', file='[ds] iso/a.iso')}
    spec['nics'] = {'ethernet0': dict(network='VM Network', model='vmxnet3', mac='00:50:56:11:22:33')}
    spec['extra_config'] = {'keep.me': 'x', 'drop.me': 'y'}
    spec['scheduler'] = dict(cpu_shares='normal', cpu_reservation_mhz=0, cpu_limit_mhz=-1)
    return spec


def unmanaged():
    """A desired spec that manages nothing."""
    spec = empty_spec()
    spec.update(controllers=None, disks=None, cdroms=None, nics=None)
    return spec


def fields(plan):
    return [(change.field, change.slot, change.action) for change in plan.changes]


def test_same_definition_needs_no_change():
    current = current_vm()
    desired = copy.deepcopy(current)
    desired['extra_config'] = {}
    desired['scheduler'] = {}
    plan = plan_changes(current, desired, 'poweredOn')
    assert plan.changes == []
    assert plan.refused == []
    assert plan.after == current


def test_unmanaged_fields_are_left_alone():
    plan = plan_changes(current_vm(), unmanaged())
    assert plan.changes == []


def test_simple_fields_and_predicted_result():
    desired = unmanaged()
    desired.update(vcpus=4, memory_mb=2048, annotation='new', name='web 2')
    plan = plan_changes(current_vm(), desired)
    assert sorted(fields(plan)) == [('annotation', None, 'set'), ('memory_mb', None, 'set'), ('name', None, 'set'),
                                    ('vcpus', None, 'set')]
    assert (plan.after['vcpus'], plan.after['memory_mb'], plan.after['annotation'], plan.after['name']) == (4, 2048, 'new', 'web 2')
    assert plan.needs_power_off == []


def test_empty_annotation_equals_missing_one():
    current = current_vm()
    current['annotation'] = ''
    desired = unmanaged()
    desired['annotation'] = ''
    assert plan_changes(current, desired).changes == []


@pytest.mark.parametrize('field, value, hot_add, offline', [
    ('vcpus', 4, {}, True),
    ('vcpus', 4, {'cpu_add': True}, False),
    ('vcpus', 1, {'cpu_add': True}, True),
    ('vcpus', 1, {'cpu_remove': True}, False),
    ('memory_mb', 2048, {}, True),
    ('memory_mb', 2048, {'memory_add': True}, False),
    ('memory_mb', 512, {'memory_add': True}, True),
    ('guest_id', 'rhel9_64Guest', {'cpu_add': True, 'memory_add': True}, True),
    ('firmware', 'efi', {}, True),
    ('annotation', 'x', {}, False),
    ('name', 'other', {}, False),
])
def test_what_needs_power_off_on_a_running_vm(field, value, hot_add, offline):
    desired = unmanaged()
    desired[field] = value
    plan = plan_changes(current_vm(), desired, 'poweredOn', hot_add)
    assert len(plan.changes) == 1
    assert plan.changes[0].needs_power_off is offline
    assert plan_changes(current_vm(), desired, 'poweredOff', hot_add).needs_power_off == []


def test_suspended_vm_takes_only_metadata_changes():
    desired = unmanaged()
    desired.update(memory_mb=4096, annotation='x', extra_config={'a': 'b'})
    plan = plan_changes(current_vm(), desired, 'suspended', {'memory_add': True})
    assert [change.field for change in plan.needs_power_off] == ['memory_mb']


def test_disks_are_the_complete_list():
    desired = unmanaged()
    desired['disks'] = {'scsi0:1': dict(file='[ds] data/d.vmdk', size_kb=None), 'scsi0:2': dict(file=None, size_kb=2048)}
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert fields(plan) == [('disk', 'scsi0:0', 'remove'), ('disk', 'scsi0:1', 'add'), ('disk', 'scsi0:2', 'add')]
    assert sorted(plan.after['disks']) == ['scsi0:1', 'scsi0:2']
    assert plan.needs_power_off == []


def test_ide_disks_need_power_off():
    desired = unmanaged()
    desired['disks'] = dict(current_vm()['disks'], **{'ide1:0': dict(file='[ds] x/y.vmdk', size_kb=None)})
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert [(change.slot, change.needs_power_off) for change in plan.changes] == [('ide1:0', True)]


def test_disk_paths_compare_without_blanks_after_the_datastore():
    desired = unmanaged()
    desired['disks'] = {'scsi0:0': dict(file='[ds]   web 1/web 1.vmdk', size_kb=None)}
    assert plan_changes(current_vm(), desired).changes == []


def test_disk_file_change_replaces_it():
    desired = unmanaged()
    desired['disks'] = {'scsi0:0': dict(file='[ds] other/o.vmdk', size_kb=None)}
    plan = plan_changes(current_vm(), desired)
    assert fields(plan) == [('disk', 'scsi0:0', 'replace')]
    assert plan.after['disks']['scsi0:0']['file'] == '[ds] other/o.vmdk'


def test_disks_grow_online_and_never_shrink():
    desired = unmanaged()
    desired['disks'] = {'scsi0:0': dict(file=None, size_kb=2 * 1048576)}
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert [(change.action, change.before, change.after, change.needs_power_off) for change in plan.changes] == [
        ('grow', 1048576, 2097152, False)]
    desired['disks']['scsi0:0']['size_kb'] = 1024
    plan = plan_changes(current_vm(), desired)
    assert plan.changes == []
    assert len(plan.refused) == 1 and 'never shrunk' in plan.refused[0]


def test_controller_model_change_is_refused_and_new_controller_added():
    desired = unmanaged()
    desired['controllers'] = {'scsi0': 'pvscsi', 'scsi1': 'lsilogic'}
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert fields(plan) == [('controller', 'scsi1', 'add')]
    assert plan.changes[0].needs_power_off
    assert plan.refused and 'scsi0' in plan.refused[0]


def test_cdrom_media_change_is_online_and_new_ide_drive_is_not():
    desired = unmanaged()
    desired['cdroms'] = {'ide0:0': dict(kind='iso', file='[ds] iso/b.iso'), 'ide0:1': dict(kind='client', file=None)}
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert [(change.slot, change.action, change.needs_power_off) for change in plan.changes] == [
        ('ide0:0', 'edit', False), ('ide0:1', 'add', True)]


def test_cdrom_without_file_keeps_media():
    desired = unmanaged()
    desired['cdroms'] = {'ide0:0': dict(kind='iso', file=None)}
    assert plan_changes(current_vm(), desired).changes == []


def test_nics_network_mac_and_model():
    desired = unmanaged()
    desired['nics'] = {'ethernet0': dict(network='Other', model=None, mac=None),
                       'ethernet1': dict(network='VM Network', model='e1000', mac=None)}
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert fields(plan) == [('nic', 'ethernet0', 'edit'), ('nic', 'ethernet1', 'add')]
    assert plan.after['nics']['ethernet0'] == dict(network='Other', model='vmxnet3', mac='00:50:56:11:22:33')
    assert plan.needs_power_off == []
    desired['nics'] = {'ethernet0': dict(network='VM Network', model='e1000', mac=None)}
    assert fields(plan_changes(current_vm(), desired)) == [('nic', 'ethernet0', 'replace')]
    desired['nics'] = {'ethernet0': dict(network='VM Network', model=None, mac='00:50:56:00:00:01')}
    assert fields(plan_changes(current_vm(), desired)) == [('nic', 'ethernet0', 'edit')]
    desired['nics'] = {}
    assert fields(plan_changes(current_vm(), desired)) == [('nic', 'ethernet0', 'remove')]


def test_generated_mac_is_not_a_difference():
    desired = unmanaged()
    desired['nics'] = {'ethernet0': dict(network='VM Network', model='vmxnet3', mac=None)}
    assert plan_changes(current_vm(), desired).changes == []


def test_extra_config_only_given_keys_and_empty_removes():
    desired = unmanaged()
    desired['extra_config'] = {'drop.me': '', 'new.key': 'v', 'keep.me': 'x', 'absent.key': ''}
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert fields(plan) == [('extra_config', 'drop.me', 'remove'), ('extra_config', 'new.key', 'set')]
    assert plan.after['extra_config'] == {'keep.me': 'x', 'new.key': 'v'}
    assert plan.needs_power_off == []


def test_scheduler_settings():
    desired = unmanaged()
    desired['scheduler'] = dict(cpu_shares='normal', cpu_limit_mhz=1000, memory_shares=2000)
    plan = plan_changes(current_vm(), desired, 'poweredOn')
    assert fields(plan) == [('scheduler', 'cpu_limit_mhz', 'set'), ('scheduler', 'memory_shares', 'set')]
    assert plan.after['scheduler']['cpu_limit_mhz'] == 1000


def test_secret_values_are_masked_in_descriptions():
    desired = unmanaged()
    desired['extra_config'] = {'guestinfo.password': 'hunter2'}
    text = describe_change(plan_changes(current_vm(), desired).changes[0])
    assert 'hunter2' not in text
    assert '********' in text
