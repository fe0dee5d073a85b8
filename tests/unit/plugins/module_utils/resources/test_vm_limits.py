# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values a real host refuses are refused before any task starts, with the option and value named."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError, VmxError
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_to_xml import convert_vmx_to_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml
from ansible_collections.virt.esx.plugins.module_utils.resources import vm_limits
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_spec import spec_from_options


class Option(object):
    def __init__(self, cpus, memory):
        memory_option = type('Long', (), dict(max=memory))()
        self.hardwareOptions = type('Hardware', (), dict(numCPU=list(range(1, cpus + 1)), memoryMB=memory_option))()


class Browser(object):
    def __init__(self, cpus=64, memory=1048576):
        self.calls = 0
        self.option = Option(cpus, memory)

    def QueryConfigOption(self, key=None):  # pylint: disable=invalid-name  # pyvmomi's name
        self.calls += 1
        return self.option


class Vm(object):
    def __init__(self, version='vmx-13', browser=None):
        self.config = type('Config', (), dict(version=version))()
        self.environmentBrowser = browser or Browser()


def check(params, vm=None, hw_version=13):
    desired = spec_from_options(dict(params, name='web'))
    vm_limits.check_vm_limits(None, vm, desired, params, lambda: hw_version)


@pytest.mark.parametrize('params, message', [
    (dict(memory_mb=3), 'memory_mb must be a positive multiple of 4 (MB), as vSphere requires; got 3'),
    (dict(memory_mb=0), 'memory_mb must be a positive multiple of 4 (MB), as vSphere requires; got 0'),
    (dict(memory_mb=1000000000000), 'memory_mb 1000000000000 is more than hardware version 13 allows (6275072 MB)'),
    (dict(vcpus=100000), 'vcpus 100000 is more than hardware version 13 allows (128 virtual CPUs)'),
    (dict(vcpus=0), 'vcpus must be 1 or more, got 0'),
    (dict(disks=[dict(size_gb=-1)]), 'disks[0].size_gb must be above 0 and at most 63488 (62 TiB), got -1'),
    (dict(memory_mb=1024, memory_reservation_mb=2048),
     'memory_reservation_mb (2048) must not be larger than the memory of the VM (1024 MB)'),
    (dict(disks=[dict(size_gb=1, slot='scsi9:99')]),
     'disks[0]: slot scsi9:99 is out of range: scsi slots are scsi0:0 to scsi3:15 (unit 7 is the controller itself)'),
    (dict(disks=[dict(size_gb=1, slot='scsi0:7')]),
     'disks[0]: slot scsi0:7 is out of range: scsi slots are scsi0:0 to scsi3:15 (unit 7 is the controller itself)'),
    (dict(disks=[dict(size_gb=1, slot='ide0:0', bus='scsi')]),
     'disks[0]: slot ide0:0 is on the ide bus but bus is scsi; give a scsi slot (or leave bus out)'),
    (dict(cdrom=[dict(type='client', slot='ide2:0')]), 'cdrom[0]: slot ide2:0 is out of range: ide slots are ide0:0 to ide1:1'),
])
def test_refused_before_any_task(params, message):
    with pytest.raises(VirtEsxError) as caught:
        check(params)
    assert str(caught.value) == message


def test_disk_size_zero_is_refused_with_the_option_named():
    with pytest.raises(VirtEsxError):
        check(dict(disks=[dict(size_gb=0)]))


def test_accepted_values_cost_no_request():
    browser = Browser()
    check(dict(memory_mb=4096, vcpus=4, disks=[dict(size_gb=20, slot='ide0:0')], memory_reservation_mb=1024),
          vm=Vm(browser=browser))
    assert browser.calls == 0


def test_large_values_are_checked_against_the_host_s_environment_browser():
    browser = Browser(cpus=64, memory=1048576)
    with pytest.raises(VirtEsxError) as caught:
        check(dict(vcpus=96), vm=Vm(version='vmx-13', browser=browser))
    assert str(caught.value) == ('vcpus 96 is more than this host allows for hardware version 13 '
                                 '(64 virtual CPUs, from its environment browser)')
    check(dict(vcpus=32), vm=Vm(version='vmx-13', browser=Browser()))


def test_the_vm_s_own_hardware_version_sets_the_maxima():
    with pytest.raises(VirtEsxError, match='more than hardware version 7 allows'):
        check(dict(vcpus=16), vm=Vm(version='vmx-7'))


def test_a_vmx_integer_of_thousands_of_digits_is_refused_by_the_vmx_reader():
    vmx = parse_vmx('config.version = "8"\nvirtualHW.version = "13"\nmemsize = "%s"\n' % ('4' * 5000))
    with pytest.raises(VmxError) as caught:
        vmx.get_int('memsize')
    assert str(caught.value).startswith("VMX entry 'memsize'")
    assert 'out of the 64-bit integer range' in str(caught.value) and '(5000 characters)' in str(caught.value)
    assert 'digits' not in str(caught.value) or '4300' not in str(caught.value)
    with pytest.raises(VmxError) as caught:
        convert_vmx_to_xml('config.version = "8"\nvirtualHW.version = "13"\ndisplayName = "x"\nmemsize = "%s"\n'
                           % ('4' * 5000), resolve_file=lambda name, allow_missing: name)
    assert '4300' not in str(caught.value) and len(str(caught.value)) < 300


def test_a_huge_text_node_is_said_in_words_not_in_lxml_s():
    with pytest.raises(DomainXmlError) as caught:
        parse_xml('<domain><description>' + 'a' * 10400000 + '</description></domain>')
    assert str(caught.value) == ('XML input has a text or attribute value of more than 10,000,000 characters (line 1); '
                                 'nothing in libvirt XML is that long')
