# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vm turns a plan into the vSphere specs that carry it out (no server needed)."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import vm_spec
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import escape_datastore_item
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import create_spec, reconfig_spec
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_diff import plan_changes

vim = pytest.importorskip('pyVmomi').vim


class FakeNetworks(object):
    """Port group name -> a standard backing, without a server."""

    def __init__(self):
        self.asked = []

    def backing(self, name):
        self.asked.append(name)
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=name)


def config_info():
    scsi = vim.vm.device.VirtualLsiLogicController(key=1000, busNumber=0)
    ide = vim.vm.device.VirtualIDEController(key=200, busNumber=0)
    disk = vim.vm.device.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInKB=1024,
                                     backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName='[ds] web/web.vmdk'))
    cdrom = vim.vm.device.VirtualCdrom(key=3000, controllerKey=200, unitNumber=0,
                                       backing=vim.vm.device.VirtualCdrom.IsoBackingInfo(fileName='[ds] iso/a.iso'))
    nic = vim.vm.device.VirtualVmxnet3(key=4000, macAddress='00:50:56:00:00:01',
                                       backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName='VM Network'))
    return vim.vm.ConfigInfo(name='web', uuid='u', guestId='otherGuest64', annotation='', firmware='bios',
                             hardware=vim.vm.VirtualHardware(numCPU=1, memoryMB=512, device=[scsi, ide, disk, cdrom, nic]),
                             files=vim.vm.FileInfo(vmPathName='[ds] web/web.vmx'))


def unmanaged():
    spec = vm_spec.empty_spec()
    spec.update(controllers=None, disks=None, cdroms=None, nics=None)
    return spec


def changes_by_operation(spec):
    return sorted((str(change.operation), type(change.device).__name__.split('.')[-1], str(change.fileOperation or ''))
                  for change in spec.deviceChange or [])


def test_simple_settings_become_spec_fields():
    config = config_info()
    desired = unmanaged()
    desired.update(vcpus=2, memory_mb=1024, annotation='n|"', name='a/b%', extra_config={'k': 'v'},
                   scheduler=dict(cpu_shares=2000, memory_limit_mb=4096))
    plan = plan_changes(vm_spec.spec_from_config(config), desired)
    spec = reconfig_spec(config, plan, FakeNetworks(), config.files.vmPathName)
    assert (spec.numCPUs, spec.memoryMB, spec.annotation) == (2, 1024, 'n|"')
    assert spec.name == 'a%2fb%25'
    assert [(option.key, option.value) for option in spec.extraConfig] == [('k', 'v')]
    assert (spec.cpuAllocation.shares.level, spec.cpuAllocation.shares.shares) == ('custom', 2000)
    assert spec.memoryAllocation.limit == 4096 and spec.memoryAllocation.shares is None
    assert not spec.deviceChange


def test_devices_are_added_removed_and_edited():
    config = config_info()
    desired = unmanaged()
    desired['disks'] = {'scsi0:1': dict(file=None, size_kb=2048)}
    desired['cdroms'] = {'ide0:0': dict(kind='client', file=None)}
    desired['nics'] = {'ethernet0': dict(network='VM Network', model='e1000', mac=None),
                       'ethernet1': dict(network='Other', model='vmxnet3', mac='00:50:56:00:00:09')}
    networks = FakeNetworks()
    plan = plan_changes(vm_spec.spec_from_config(config), desired)
    spec = reconfig_spec(config, plan, networks, config.files.vmPathName)
    assert changes_by_operation(spec) == [
        ('add', 'VirtualDisk', 'create'), ('add', 'VirtualE1000', ''), ('add', 'VirtualVmxnet3', ''),
        ('edit', 'VirtualCdrom', ''), ('remove', 'VirtualDisk', ''), ('remove', 'VirtualVmxnet3', '')]
    new_disk = next(change.device for change in spec.deviceChange if change.fileOperation == 'create')
    # The existing disk is detached, not deleted, so its file name stays taken.
    assert new_disk.backing.fileName == '[ds] web/web_1.vmdk'
    assert (new_disk.controllerKey, new_disk.unitNumber, new_disk.capacityInKB) == (1000, 1, 2048)
    cdrom = next(change.device for change in spec.deviceChange if str(change.operation) == 'edit')
    assert isinstance(cdrom.backing, vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo)
    static = next(change.device for change in spec.deviceChange if getattr(change.device, 'macAddress', None) == '00:50:56:00:00:09')
    assert (static.addressType, static.backing.deviceName) == ('manual', 'Other')
    assert sorted(networks.asked) == ['Other', 'VM Network']


def test_a_new_controller_carries_the_disks_on_it():
    config = config_info()
    desired = unmanaged()
    desired['controllers'] = {'scsi0': 'lsilogic', 'scsi1': 'pvscsi'}
    desired['disks'] = dict(vm_spec.spec_from_config(config)['disks'], **{'scsi1:0': dict(file='[ds] data/d.vmdk', size_kb=None)})
    plan = plan_changes(vm_spec.spec_from_config(config), desired)
    spec = reconfig_spec(config, plan, FakeNetworks(), config.files.vmPathName)
    controller = next(change.device for change in spec.deviceChange if isinstance(change.device, vim.vm.device.ParaVirtualSCSIController))
    disk = next(change.device for change in spec.deviceChange if isinstance(change.device, vim.vm.device.VirtualDisk))
    assert controller.key < 0 and disk.controllerKey == controller.key and controller.busNumber == 1
    assert disk.backing.fileName == '[ds] data/d.vmdk' and not disk.capacityInKB


def test_a_grown_disk_is_edited_in_place():
    config = config_info()
    desired = unmanaged()
    desired['disks'] = {'scsi0:0': dict(file=None, size_kb=4096)}
    spec = reconfig_spec(config, plan_changes(vm_spec.spec_from_config(config), desired), FakeNetworks(), config.files.vmPathName)
    assert [(str(change.operation), change.device.key, change.device.capacityInKB) for change in spec.deviceChange] == [('edit', 2000, 4096)]


def test_create_spec_places_files_in_the_escaped_directory():
    desired = vm_spec.spec_from_options(dict(name='a/b "c"', vcpus=2, memory_mb=256, guest_id='rhel9_64Guest',
                                             disks=[dict(size_gb=1), dict(file='[other] x/y.vmdk', bus='sata')],
                                             cdrom=[dict(type='iso', iso='[ds] iso/a.iso')],
                                             nics=[dict(network='VM Network', model='vmxnet3')], extra_config={'k': 'v', 'gone': ''}))
    spec = create_spec(desired, 'ds', FakeNetworks())
    assert spec.name == 'a%2fb "c"'
    directory = escape_datastore_item('a/b "c"')
    assert '/' not in directory
    assert spec.files.vmPathName == '[ds] %s/%s.vmx' % (directory, directory)
    assert (spec.numCPUs, spec.memoryMB, spec.guestId) == (2, 256, 'rhel9_64Guest')
    assert changes_by_operation(spec) == [
        ('add', 'VirtualAHCIController', ''), ('add', 'VirtualCdrom', ''), ('add', 'VirtualDisk', ''),
        ('add', 'VirtualDisk', 'create'), ('add', 'VirtualLsiLogicController', ''), ('add', 'VirtualVmxnet3', '')]
    new_disk = next(change.device for change in spec.deviceChange if change.fileOperation == 'create')
    assert new_disk.backing.fileName == '[ds] %s/%s.vmdk' % (directory, directory)
    cdrom = next(change.device for change in spec.deviceChange if isinstance(change.device, vim.vm.device.VirtualCdrom))
    assert cdrom.controllerKey == 200
    assert [(option.key, option.value) for option in spec.extraConfig] == [('k', 'v')]
