# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vm's hardware extras: cores per socket from options, domain XML and a VM's config, planned and predicted."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.domain import domain_xml_to_vmx, make_resolve_file, vmx_to_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.domain_definition import definition_to_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_spec
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import create_spec, new_vm_vmx, reconfig_spec
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_diff import plan_changes

vim = pytest.importorskip('pyVmomi').vim

VMX = """.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "13"
displayName = "web"
guestOS = "other-64"
memsize = "512"
numvcpus = "4"
"""

TOPOLOGY_XML = """<domain type='vmware'>
  <name>web</name>
  <memory unit='KiB'>524288</memory>
  <vcpu>4</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <cpu><topology sockets='2' dies='1' cores='2' threads='1'/></cpu>
</domain>"""


def unmanaged(**fields):
    spec = vm_spec.empty_spec()
    spec.update(controllers=None, disks=None, cdroms=None, nics=None)
    spec.update(fields)
    return spec


def config_info(cores=None, vcpus=4):
    hardware = vim.vm.VirtualHardware(numCPU=vcpus, memoryMB=512, device=[])
    if cores is not None:
        hardware.numCoresPerSocket = cores
    return vim.vm.ConfigInfo(name='web', uuid='u', guestId='otherGuest64', annotation='', firmware='bios', hardware=hardware,
                             files=vim.vm.FileInfo(vmPathName='[ds] web/web.vmx'))


def topology(vmx_text):
    xml = parse_xml(vmx_to_domain_xml(vmx_text, resolve_file=make_resolve_file('[ds] web/web.vmx')), root_tag='domain')
    element = xml.find('cpu/topology')
    return None if element is None else (element.get('sockets'), element.get('cores'))


def test_cores_per_socket_option_must_divide_vcpus():
    assert vm_spec.spec_from_options(dict(name='web', vcpus=4, cores_per_socket=2))['cores_per_socket'] == 2
    assert vm_spec.spec_from_options(dict(name='web', vcpus=4))['cores_per_socket'] is None
    with pytest.raises(VirtEsxError, match='cores_per_socket 3 does not divide vcpus 4'):
        vm_spec.spec_from_options(dict(name='web', vcpus=4, cores_per_socket=3))
    with pytest.raises(VirtEsxError, match='cores_per_socket must be 1 or more, not 0'):
        vm_spec.spec_from_options(dict(name='web', vcpus=4, cores_per_socket=0))


def test_domain_xml_topology_is_the_cores_per_socket_and_its_absence_leaves_it_alone():
    assert vm_spec.spec_from_domain_xml(TOPOLOGY_XML, 13)[0]['cores_per_socket'] == 2
    without = TOPOLOGY_XML.replace("<cpu><topology sockets='2' dies='1' cores='2' threads='1'/></cpu>", '')
    assert vm_spec.spec_from_domain_xml(without, 13)[0]['cores_per_socket'] is None


def test_config_without_cores_per_socket_is_one_core_per_socket():
    assert vm_spec.spec_from_config(config_info())['cores_per_socket'] == 1
    assert vm_spec.spec_from_config(config_info(cores=0))['cores_per_socket'] == 1
    assert vm_spec.spec_from_config(config_info(cores=2))['cores_per_socket'] == 2


def test_a_running_vm_needs_a_power_off_for_cores_per_socket_and_the_spec_carries_it():
    config = config_info(cores=1)
    plan = plan_changes(vm_spec.spec_from_config(config), unmanaged(cores_per_socket=2), 'poweredOn',
                        dict(cpu_add=True, cpu_remove=True, memory_add=True))
    assert [(change.field, change.before, change.after, change.needs_power_off) for change in plan.changes] == [
        ('cores_per_socket', 1, 2, True)]
    assert plan_changes(vm_spec.spec_from_config(config), unmanaged(cores_per_socket=2)).needs_power_off == []
    spec = reconfig_spec(config, plan, None, config.files.vmPathName)
    assert spec.numCoresPerSocket == 2 and spec.numCPUs is None
    assert plan_changes(vm_spec.spec_from_config(config_info(cores=2)), unmanaged(cores_per_socket=2)).changes == []


def test_vcpus_the_vms_cores_per_socket_does_not_divide_are_refused():
    current = vm_spec.spec_from_config(config_info(cores=2))
    assert plan_changes(current, unmanaged(vcpus=3)).refused == [
        "cores_per_socket 2 (the VM's) does not divide vcpus 3: the vCPUs are sockets x cores per socket"]
    assert plan_changes(current, unmanaged(vcpus=3, cores_per_socket=1)).refused == []
    assert plan_changes(current, unmanaged(vcpus=6, cores_per_socket=4)).refused == [
        'cores_per_socket 4 does not divide vcpus 6: the vCPUs are sockets x cores per socket']


def test_the_prediction_shows_the_topology_the_host_then_writes():
    current = vm_spec.spec_from_config(config_info(cores=1))
    plan = plan_changes(current, unmanaged(cores_per_socket=2))
    predicted = vm_spec.vmx_after_changes(VMX, plan.changes, plan.after)
    assert topology(VMX) is None
    assert topology(predicted) == ('2', '2')
    # Back to one core per socket: the host drops the key, and libvirt shows no topology.
    back = plan_changes(dict(plan.after), unmanaged(cores_per_socket=1))
    assert topology(vm_spec.vmx_after_changes(predicted, back.changes, back.after)) is None


def test_a_new_vm_gets_its_cores_per_socket_in_create_spec_and_prediction():
    desired = vm_spec.spec_from_options(dict(name='web', vcpus=4, memory_mb=512, cores_per_socket=4))
    assert create_spec(desired, 'ds', None).numCoresPerSocket == 4
    assert topology(new_vm_vmx(desired, 13)) == ('1', '4')
    with pytest.raises(VirtEsxError, match='cores_per_socket 2 does not divide vcpus 1'):
        create_spec(vm_spec.spec_from_options(dict(name='web', cores_per_socket=2)), 'ds', None)


def test_a_vm_defined_by_options_gets_the_vmx_libvirt_writes_for_its_topology():
    desired = vm_spec.spec_from_options(dict(name='web', vcpus=6, memory_mb=512, cores_per_socket=3))
    xml = definition_to_domain_xml(vm_spec.spec_to_domain_definition(desired))
    assert "<topology sockets='2' dies='1' cores='3' threads='1'/>" in xml
    vmx_text = domain_xml_to_vmx(xml, virtual_hw_version=13)
    assert (parse_vmx(vmx_text).get('numvcpus'), parse_vmx(vmx_text).get('cpuid.coresPerSocket')) == ('6', '3')
    assert vm_spec.spec_from_vmx(vmx_text)['cores_per_socket'] == 3
    plain = vm_spec.spec_from_options(dict(name='web', vcpus=6))
    assert '<cpu>' not in definition_to_domain_xml(vm_spec.spec_to_domain_definition(plain))


# --- NIC connected / start_connected ---------------------------------------------------

def nic_config(connected=True, start_connected=True):
    nic = vim.vm.device.VirtualVmxnet3(key=4000, macAddress='00:50:56:00:00:01',
                                       backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName='VM Network'),
                                       connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                                           connected=connected, startConnected=start_connected, allowGuestControl=True))
    config = config_info()
    config.hardware.device = [nic]
    return config


def test_nic_connect_switches_come_from_options_and_config():
    spec = vm_spec.spec_from_options(dict(name='web', nics=[dict(network='VM Network', connected=False, start_connected=True),
                                                            dict(network='VM Network')]))
    assert spec['nics']['ethernet0'] == dict(network='VM Network', model='vmxnet3', mac=None, connected=False, start_connected=True)
    assert spec['nics']['ethernet1'] == dict(network='VM Network', model='vmxnet3', mac=None)
    assert vm_spec.spec_from_config(nic_config(False, True))['nics']['ethernet0'] == dict(
        network='VM Network', model='vmxnet3', mac='00:50:56:00:00:01', connected=False, start_connected=True)


def test_disconnecting_a_running_vms_nic_is_an_online_edit_of_its_connectable():
    config = nic_config()
    desired = unmanaged(nics={'ethernet0': dict(network='VM Network', model=None, mac=None, connected=False, start_connected=False)})
    plan = plan_changes(vm_spec.spec_from_config(config), desired, 'poweredOn')
    assert [(change.field, change.action, change.needs_power_off) for change in plan.changes] == [('nic', 'edit', False)]
    assert plan.after['nics']['ethernet0']['connected'] is False and plan.notes == []
    spec = reconfig_spec(config, plan, None, config.files.vmPathName)
    device = spec.deviceChange[0].device
    assert (spec.deviceChange[0].operation, device.connectable.connected, device.connectable.startConnected) == ('edit', False, False)
    assert device.backing.deviceName == 'VM Network'
    again = plan_changes(vm_spec.spec_from_config(nic_config(False, False)), desired, 'poweredOn')
    assert again.changes == []


def test_connected_is_not_compared_on_a_vm_that_is_not_running():
    config = nic_config(connected=False)
    desired = unmanaged(nics={'ethernet0': dict(network='VM Network', model=None, mac=None, connected=True)})
    plan = plan_changes(vm_spec.spec_from_config(config), desired, 'poweredOff')
    assert plan.changes == []
    assert plan.notes == ['ethernet0: connected applies to a running VM; this VM is poweredOff, and start_connected decides at power-on']
    desired['nics']['ethernet0']['start_connected'] = False
    plan = plan_changes(vm_spec.spec_from_config(config), desired, 'poweredOff')
    spec = reconfig_spec(config, plan, None, config.files.vmPathName)
    device = spec.deviceChange[0].device
    assert (device.connectable.connected, device.connectable.startConnected) == (False, False)
    predicted = vm_spec.vmx_after_changes(VMX + 'ethernet0.present = "TRUE"\nethernet0.startConnected = "TRUE"\n',
                                          plan.changes, plan.after)
    assert 'ethernet0.startConnected = "FALSE"' in predicted


def test_a_new_nic_starts_and_is_connected_as_asked():
    desired = vm_spec.spec_from_options(dict(name='web', nics=[dict(network='VM Network', start_connected=False),
                                                               dict(network='VM Network')]))
    nics = [change.device for change in create_spec(desired, 'ds', FakeNetworks()).deviceChange
            if isinstance(change.device, vim.vm.device.VirtualEthernetCard)]
    assert [(nic.connectable.startConnected, nic.connectable.connected) for nic in nics] == [(False, False), (True, True)]


class FakeNetworks(object):
    def backing(self, name):
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=name)


# --- hardware version -------------------------------------------------------------------

def test_hardware_version_only_upgrades_and_names_both_versions_when_asked_to_downgrade():
    from ansible_collections.virt.esx.plugins.module_utils.resources import vm_hardware

    assert vm_hardware.planned_upgrade('web', 19, 'vmx-13') == ('vmx-13', 'vmx-19')
    assert vm_hardware.planned_upgrade('web', 13, 'vmx-13') is None
    assert vm_hardware.planned_upgrade('web', 8, 'vmx-07') == ('vmx-07', 'vmx-08')
    assert vm_hardware.planned_upgrade('web', None, 'vmx-13') is None
    with pytest.raises(vm_hardware.HardwareError, match=r'VM web has hardware version vmx-13; hardware_version 11 \(vmx-11\) '
                                                        r'would be a downgrade'):
        vm_hardware.planned_upgrade('web', 11, 'vmx-13')
    with pytest.raises(vm_hardware.HardwareError, match='hardware_version must be 4 or more, not 3'):
        vm_hardware.planned_upgrade('web', 3, 'vmx-13')
    with pytest.raises(vm_hardware.HardwareError, match="reports the hardware version 'x'"):
        vm_hardware.planned_upgrade('web', 19, 'x')
    assert [vm_hardware.version_number(text) for text in ('vmx-07', 'vmx-19', 'vmx-', '', None)] == [7, 19, None, None, None]
