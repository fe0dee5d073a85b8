# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vm's definitions: domain XML, options and a VM's config become the same spec."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_spec
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_diff import plan_changes
from ansible_collections.virt.esx.plugins.module_utils.formats.domain import (
    domain_xml_to_vmx, make_resolve_file, vmx_to_domain_xml)
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_definition import definition_to_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

vim = pytest.importorskip('pyVmomi').vim

DOMAIN = """<domain type='vmware'>
  <name>web %s</name>
  <uuid>564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301</uuid>
  <description>line "one" | two</description>
  <memory unit='KiB'>2097152</memory>
  <vcpu>2</vcpu>
  <os firmware='efi'><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='[LocalDS_0] web/web.vmdk'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='[LocalDS_0] iso/boot.iso'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <controller type='scsi' index='0' model='vmpvscsi'/>
    <interface type='bridge'>
      <mac address='00:50:56:11:22:33'/>
      <source bridge='VM Network'/>
      <model type='vmxnet3'/>
    </interface>
    <interface type='bridge'>
      <source bridge='Other Net'/>
    </interface>
  </devices>
</domain>"""

NAME = 'web 1/2 \\ 100% "q" \u00e9'


def domain(name=NAME):
    return DOMAIN.replace('web %s', name.replace('&', '&amp;').replace('"', '&quot;'))


def test_domain_xml_becomes_spec():
    spec, vmx_text = vm_spec.spec_from_domain_xml(domain(), 13)
    assert 'displayName' in vmx_text
    assert spec['name'] == NAME
    assert spec['uuid'] == '564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301'
    assert (spec['vcpus'], spec['memory_mb'], spec['firmware']) == (2, 2048, 'efi')
    assert spec['annotation'] == 'line "one" | two'
    assert spec['guest_id'] == 'otherGuest64'
    assert spec['controllers'] == {'scsi0': 'pvscsi'}
    assert spec['disks'] == {'scsi0:0': dict(file='[LocalDS_0] web/web.vmdk', size_kb=None)}
    assert spec['cdroms'] == {'ide0:0': dict(kind='iso', file='[LocalDS_0] iso/boot.iso')}
    assert spec['nics'] == {'ethernet0': dict(network='VM Network', model='vmxnet3', mac='00:50:56:11:22:33'),
                            'ethernet1': dict(network='Other Net', model=None, mac=None)}


def test_xml_without_name_is_refused():
    with pytest.raises(VirtEsxError):
        vm_spec.spec_from_domain_xml("<domain type='vmware'><memory>1024</memory></domain>", 13)


def test_non_bridged_interface_is_refused():
    xml = DOMAIN.replace("<interface type='bridge'>\n      <source bridge='Other Net'/>",
                         "<interface type='user'>\n      <source bridge='Other Net'/>")
    with pytest.raises(VirtEsxError):
        vm_spec.spec_from_domain_xml(xml.replace('web %s', 'x'), 13)


def test_options_become_the_same_spec_as_the_xml():
    options = dict(name=NAME, uuid='564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301', guest_id='otherGuest64', vcpus=2, memory_mb=2048,
                   annotation='line "one" | two', firmware='efi',
                   disks=[dict(file='[LocalDS_0] web/web.vmdk', bus='scsi', controller_model='pvscsi')],
                   cdrom=[dict(type='iso', iso='[LocalDS_0] iso/boot.iso')],
                   nics=[dict(network='VM Network', model='vmxnet3', mac='00:50:56:11:22:33'), dict(network='Other Net', model=None)],
                   extra_config=None)
    from_options = vm_spec.spec_from_options(options)
    from_xml = vm_spec.spec_from_domain_xml(domain(), 13)[0]
    # A NIC without model takes vmxnet3 from options, and "ESX's default" from the XML.
    from_options['nics']['ethernet1']['model'] = None
    assert from_options == from_xml


def test_options_slots_and_errors():
    spec = vm_spec.spec_from_options(dict(name='a', disks=[dict(size_gb=1, bus='scsi')] * 9, cdrom=None, nics=None))
    assert sorted(spec['disks'], key=lambda slot: int(slot.split(':')[1])) == [
        'scsi0:0', 'scsi0:1', 'scsi0:2', 'scsi0:3', 'scsi0:4', 'scsi0:5', 'scsi0:6', 'scsi0:8', 'scsi0:9']
    assert spec['disks']['scsi0:0']['size_kb'] == 1048576
    assert spec['cdroms'] is None and spec['nics'] is None
    with pytest.raises(VirtEsxError, match='file .* or size_gb'):
        vm_spec.spec_from_options(dict(name='a', disks=[dict(bus='scsi')]))
    with pytest.raises(VirtEsxError, match='used twice'):
        vm_spec.spec_from_options(dict(name='a', disks=[dict(size_gb=1, slot='scsi0:1'), dict(size_gb=1, slot='scsi0:1')]))
    with pytest.raises(VirtEsxError, match='MAC'):
        vm_spec.spec_from_options(dict(name='a', nics=[dict(network='n', mac='nope')]))
    with pytest.raises(VirtEsxError, match='shares'):
        vm_spec.spec_from_options(dict(name='a', cpu_shares='lots'))
    assert vm_spec.spec_from_options(dict(name='a', cpu_shares='High', memory_shares='1500'))['scheduler'] == dict(
        cpu_shares='high', memory_shares=1500)


@pytest.mark.parametrize('guest_os, guest_id', [
    ('other', 'otherGuest'), ('other-64', 'otherGuest64'), ('rhel8-64', 'rhel8_64Guest'), ('windows9-64', 'windows9_64Guest'),
    ('ubuntu', 'ubuntuGuest'),
])
def test_guest_os_mapping_round_trips(guest_os, guest_id):
    assert vm_spec.guest_os_to_guest_id(guest_os) == guest_id
    assert vm_spec.guest_id_to_guest_os(guest_id) == guest_os


def vm_config():
    scsi = vim.vm.device.ParaVirtualSCSIController(key=1000, busNumber=0)
    ide = vim.vm.device.VirtualIDEController(key=200, busNumber=0)
    disk = vim.vm.device.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInKB=4096,
                                     backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName='[LocalDS_0] web/web.vmdk'))
    cdrom = vim.vm.device.VirtualCdrom(key=3000, controllerKey=200, unitNumber=0,
                                       backing=vim.vm.device.VirtualCdrom.IsoBackingInfo(fileName='[LocalDS_0] iso/boot.iso'))
    nic0 = vim.vm.device.VirtualVmxnet3(key=4000, macAddress='00:50:56:11:22:33',
                                        backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName='VM Network'))
    port = vim.dvs.PortConnection(portgroupKey='dvportgroup-9', switchUuid='u')
    nic1 = vim.vm.device.VirtualE1000(key=4001, macAddress='00:0C:29:AA:BB:CC',
                                      backing=vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port))
    hardware = vim.vm.VirtualHardware(numCPU=2, memoryMB=2048, device=[nic1, scsi, ide, disk, cdrom, nic0])
    return vim.vm.ConfigInfo(
        name='web 1%2f2 %5c 100%25', uuid='564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301', guestId='otherGuest64', annotation='note',
        firmware='efi', hardware=hardware, extraConfig=[vim.option.OptionValue(key='a.b', value='c')],
        cpuAllocation=vim.ResourceAllocationInfo(shares=vim.SharesInfo(level='custom', shares=1234), reservation=0, limit=-1),
        memoryAllocation=vim.ResourceAllocationInfo(shares=vim.SharesInfo(level='high', shares=0), reservation=64, limit=-1))


def test_config_becomes_spec():
    spec = vm_spec.spec_from_config(vm_config(), {'dvportgroup-9': 'DVS Net'})
    assert spec['name'] == 'web 1/2 \\ 100%'
    assert (spec['vcpus'], spec['memory_mb'], spec['firmware'], spec['annotation']) == (2, 2048, 'efi', 'note')
    assert spec['controllers'] == {'scsi0': 'pvscsi'}
    assert spec['disks'] == {'scsi0:0': dict(file='[LocalDS_0] web/web.vmdk', size_kb=4096)}
    assert spec['cdroms'] == {'ide0:0': dict(kind='iso', file='[LocalDS_0] iso/boot.iso')}
    assert spec['nics'] == {'ethernet0': dict(network='VM Network', model='vmxnet3', mac='00:50:56:11:22:33'),
                            'ethernet1': dict(network='DVS Net', model='e1000', mac='00:0c:29:aa:bb:cc')}
    assert spec['extra_config'] == {'a.b': 'c'}
    assert spec['scheduler'] == dict(cpu_shares=1234, cpu_reservation_mhz=0, cpu_limit_mhz=-1, memory_shares='high',
                                     memory_reservation_mb=64, memory_limit_mb=-1)


def test_the_xml_of_an_unchanged_vm_plans_nothing():
    desired = vm_spec.spec_from_domain_xml(domain('web 1/2 \\ 100%'), 13)[0]
    desired['guest_id'] = None
    desired['annotation'] = 'note'
    desired['nics']['ethernet1'] = dict(network='DVS Net', model=None, mac=None)
    plan = plan_changes(vm_spec.spec_from_config(vm_config(), {'dvportgroup-9': 'DVS Net'}), desired, 'poweredOn')
    assert plan.changes == [] and plan.refused == []


def domain_xml_of(spec):
    return definition_to_domain_xml(vm_spec.spec_to_domain_definition(spec))


def test_domain_definition_is_valid_libvirt_xml_without_invented_elements():
    spec = vm_spec.spec_from_config(vm_config(), {'dvportgroup-9': 'DVS Net'})
    spec['extra_config']['guestinfo.password'] = 'hunter2'
    text = domain_xml_of(spec)
    assert 'hunter2' not in text and 'a.b' not in text
    root = parse_xml(text, root_tag='domain')
    assert root.findtext('name') == 'web 1/2 \\ 100%'
    assert root.findtext('memory') == str(2048 * 1024)
    assert root.find('os').get('firmware') == 'efi'
    assert [disk.find('target').get('dev') for disk in root.iter('disk')] == ['sda', 'hda']
    assert [interface.find('source').get('bridge') for interface in root.iter('interface')] == ['VM Network', 'DVS Net']
    assert root.find('cputune').findtext('shares') == '1234'
    # libvirt's elements only: no <metadata>, and <memtune> holds the reservation as min_guarantee alone.
    assert root.find('metadata') is None
    assert [child.tag for child in root.find('memtune')] == ['min_guarantee']
    assert root.find('memtune').findtext('min_guarantee') == str(64 * 1024)


def test_a_shares_level_is_written_as_the_number_libvirt_reads():
    spec = vm_spec.spec_from_options(dict(name='a', vcpus=2, memory_mb=64, cpu_shares='high'))
    assert parse_xml(domain_xml_of(spec), root_tag='domain').find('cputune').findtext('shares') == '4000'
    # ... which libvirt's formatter writes back as the level.
    assert 'sched.cpu.shares = "high"' in domain_xml_to_vmx(domain_xml_of(spec), virtual_hw_version=13)


def test_rendered_xml_reads_back_as_the_same_definition():
    spec = vm_spec.spec_from_config(vm_config(), {'dvportgroup-9': 'DVS Net'})
    again = vm_spec.spec_from_domain_xml(domain_xml_of(spec), 13)[0]
    for key in ('name', 'uuid', 'vcpus', 'memory_mb', 'annotation', 'firmware', 'controllers', 'cdroms'):
        assert again[key] == spec[key], key
    assert again['disks'] == {'scsi0:0': dict(file='[LocalDS_0] web/web.vmdk', size_kb=None)}
    assert [nic['network'] for nic in again['nics'].values()] == ['VM Network', 'DVS Net']


def test_secret_extra_config_values_are_masked():
    assert vm_spec.masked_extra_config({'guestinfo.password': 'hunter2', 'a.b': 'c', 'api_token': ''}) == {
        'a.b': 'c', 'api_token': '', 'guestinfo.password': vm_spec.MASK}


HOST_VMX = """.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "13"
displayName = "web"
guestOS = "other-64"
memsize = "512"
numvcpus = "1"
uuid.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae b5 c1 e7 f3 01"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "web.vmdk"
ide0:0.present = "TRUE"
ide0:0.deviceType = "cdrom-image"
ide0:0.fileName = "/vmfs/volumes/ds/iso/a.iso"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:50:56:00:00:01"
tools.syncTime = "FALSE"
"""


def host_vmx_spec():
    spec = vm_spec.spec_from_vmx(HOST_VMX)
    spec['disks']['scsi0:0']['file'] = '[ds] web/web.vmdk'
    # As the host reports the file's other keys (spec_from_config).
    spec['extra_config'] = {'tools.syncTime': 'FALSE'}
    return spec


def predicted_xml(vmx_text):
    return vmx_to_domain_xml(vmx_text, resolve_file=make_resolve_file('[ds] web/web.vmx'))


def test_a_prediction_changes_only_what_the_plan_changes():
    current = host_vmx_spec()
    desired = unmanaged_spec(name='web 2 "x"', vcpus=2, memory_mb=1024, annotation='note | more',
                             nics={'ethernet0': dict(network='Other', model=None, mac='00:50:56:00:00:09'),
                                   'ethernet1': dict(network='VM Network', model='e1000', mac=None)},
                             disks={'scsi0:0': dict(file=None, size_kb=None), 'scsi0:1': dict(file=None, size_kb=1024)},
                             cdroms={}, extra_config={'tools.syncTime': '', 'k': 'v'})
    plan = plan_changes(current, desired)
    vmx_text = vm_spec.vmx_after_changes(HOST_VMX, plan.changes, plan.after, {'scsi0:1': '[ds] web/web_1.vmdk'})
    again = vm_spec.spec_from_vmx(vmx_text)
    assert (again['name'], again['vcpus'], again['memory_mb'], again['annotation']) == ('web 2 "x"', 2, 1024, 'note | more')
    assert again['uuid'] == current['uuid']
    assert again['cdroms'] == {}
    assert again['disks'] == {'scsi0:0': dict(file='web.vmdk', size_kb=None),
                              'scsi0:1': dict(file='[ds] web/web_1.vmdk', size_kb=None)}
    assert again['nics'] == {'ethernet0': dict(network='Other', model='vmxnet3', mac='00:50:56:00:00:09'),
                             'ethernet1': dict(network='VM Network', model='e1000', mac=None)}
    vmx = parse_vmx(vmx_text)
    assert vmx.get('k') == 'v' and not vmx.has('tools.syncTime')
    xml = parse_xml(predicted_xml(vmx_text), root_tag='domain')
    assert [disk.find('source').get('file') for disk in xml.iter('disk')] == ['[ds] web/web.vmdk', '[ds] web/web_1.vmdk']


def test_a_plan_without_changes_predicts_the_same_xml():
    current = host_vmx_spec()
    plan = plan_changes(current, unmanaged_spec(vcpus=1))
    assert plan.changes == []
    assert predicted_xml(vm_spec.vmx_after_changes(HOST_VMX, plan.changes, plan.after)) == predicted_xml(HOST_VMX)


def test_cdrom_kinds_are_written_as_a_host_writes_them():
    current = host_vmx_spec()
    desired = unmanaged_spec(cdroms={'ide0:0': dict(kind='client', file=None), 'ide0:1': dict(kind='host', file=None),
                                     'ide1:0': dict(kind='iso', file='[ds] iso/b.iso')})
    plan = plan_changes(current, desired)
    vmx_text = vm_spec.vmx_after_changes(HOST_VMX, plan.changes, plan.after)
    assert vm_spec.spec_from_vmx(vmx_text)['cdroms'] == {
        'ide0:0': dict(kind='host', file=None), 'ide0:1': dict(kind='host', file='auto detect'),
        'ide1:0': dict(kind='iso', file='[ds] iso/b.iso')}
    assert parse_vmx(vmx_text).get('ide0:0.clientDevice') == 'TRUE'
    # libvirt shows no client drive; an automatic host drive is a block CD-ROM with an optional source.
    xml = parse_xml(predicted_xml(vmx_text), root_tag='domain')
    assert [(disk.get('type'), disk.find('target').get('dev')) for disk in xml.iter('disk')] == [
        ('file', 'sda'), ('block', 'hdb'), ('file', 'hdc')]


def unmanaged_spec(**fields):
    spec = vm_spec.empty_spec()
    spec.update(controllers=None, disks=None, cdroms=None, nics=None)
    spec.update(fields)
    return spec


def test_parts_only_new_vms_get_are_named():
    xml = DOMAIN.replace('web %s', 'x').replace(
        '</devices>', "<serial type='file'><source path='[LocalDS_0] x/serial.log'/><target port='0'/></serial>"
                      "<graphics type='vnc' port='5901'/></devices>")
    vmx_text = vm_spec.spec_from_domain_xml(xml, 13)[1]
    # libvirt adds a default video device to a domain with graphics, hence the video settings.
    assert sorted(vm_spec.unmanaged_vmx_parts(vmx_text)) == ['VNC graphics', 'serial ports', 'video settings']
    # floppy0.present = "false" (libvirt writes it for every VM) is not a floppy drive.
    assert vm_spec.unmanaged_vmx_parts(vm_spec.spec_from_domain_xml(DOMAIN.replace('web %s', 'x'), 13)[1]) == []


def test_nic_slots_follow_the_host_key_rule():
    def nic(cls, key, mac):
        return cls(key=key, macAddress=mac, backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName='n'))
    # ethernetN has key 4000 + N on a host; a NIC another server keyed 202 takes the first free slot, not the first place.
    devices = [nic(vim.vm.device.VirtualE1000, 202, '00:0c:29:00:00:02'), nic(vim.vm.device.VirtualVmxnet3, 4000, '00:50:56:00:00:01'),
               nic(vim.vm.device.VirtualE1000e, 4002, '00:50:56:00:00:03')]
    slots = vm_spec.device_slots(devices)[0]
    assert dict((slot, device.macAddress) for slot, device in slots.items()) == {
        'ethernet0': '00:50:56:00:00:01', 'ethernet1': '00:0c:29:00:00:02', 'ethernet2': '00:50:56:00:00:03'}
