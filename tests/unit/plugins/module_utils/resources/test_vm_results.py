# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vm's results: the predicted .vmx of a new VM and the plain fields beside the domain XML."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.domain import make_resolve_file, vmx_to_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_spec
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import create_spec, new_vm_vmx, plain_fields

vim = pytest.importorskip('pyVmomi').vim


class FakeNetworks(object):

    def backing(self, name):
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=name)


def test_a_new_vm_is_predicted_with_the_files_and_defaults_create_spec_gives_it():
    desired = vm_spec.spec_from_options(dict(name='web "1"', uuid='564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301',
                                             disks=[dict(size_gb=1), dict(file='[ds] other/b.vmdk', bus='sata')],
                                             nics=[dict(network='VM Network')], cdrom=[dict(type='client')]))
    # As a domain XML defines them: a NIC without model, a SATA disk without its controller.
    desired['nics']['ethernet0']['model'] = None
    del desired['controllers']['sata0']
    new_files = {}
    config = create_spec(desired, 'ds', FakeNetworks(), new_files)
    disk_files = [change.device.backing.fileName for change in config.deviceChange
                  if isinstance(change.device, vim.vm.device.VirtualDisk) and change.fileOperation == 'create']
    assert list(new_files.values()) == disk_files
    vmx_text = new_vm_vmx(desired, 13, new_files)
    vmx = parse_vmx(vmx_text)
    # create_spec's defaults, and the SATA controller it adds for a disk without one.
    assert (vmx.get('numvcpus'), vmx.get('memsize'), vmx.get('guestOS')) == ('1', '1024', 'other-64')
    assert vmx.get('sata0.present') == 'TRUE'
    assert vmx.get('ethernet0.virtualDev') == 'e1000'
    root = parse_xml(vmx_to_domain_xml(vmx_text, resolve_file=make_resolve_file('[ds] web _1_/web _1_.vmx')), root_tag='domain')
    assert root.findtext('name') == 'web "1"'
    assert root.findtext('uuid') == '564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301'
    assert [disk.find('source').get('file') for disk in root.iter('disk')] == disk_files + ['[ds] other/b.vmdk']


def test_plain_fields_carry_what_the_xml_has_no_element_for():
    spec = vm_spec.empty_spec()
    spec.update(nics={'ethernet10': dict(network='b', model='e1000', mac=None),
                      'ethernet2': dict(network='DVS Net', model='vmxnet3', mac='00:50:56:00:00:01')},
                cdroms={'sata0:1': dict(kind='host', file='/dev/cdrom'), 'ide1:0': dict(kind='iso', file='[ds] a.iso'),
                        'ide0:0': dict(kind='client', file=None)},
                extra_config={'guestinfo.password': 'hunter2', 'k': 'v'}, scheduler=dict(cpu_shares='high', memory_limit_mb=-1))
    fields = plain_fields(spec)
    assert fields['extra_config'] == {'guestinfo.password': '********', 'k': 'v'}
    assert fields['scheduler'] == dict(cpu_shares='high', cpu_reservation_mhz=None, cpu_limit_mhz=None, memory_shares=None,
                                       memory_reservation_mb=None, memory_limit_mb=-1)
    assert [nic['slot'] for nic in fields['nics']] == ['ethernet2', 'ethernet10']
    assert fields['nics'][0] == dict(slot='ethernet2', network='DVS Net', model='vmxnet3', mac='00:50:56:00:00:01',
                                     connected=None, start_connected=None)
    assert fields['cdroms'] == [dict(slot='ide0:0', type='client', iso=None, device=None),
                                dict(slot='ide1:0', type='iso', iso='[ds] a.iso', device=None),
                                dict(slot='sata0:1', type='host', iso=None, device='/dev/cdrom')]
