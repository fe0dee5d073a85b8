# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building the guest customization of a clone from the module's customization option."""

from __future__ import annotations

import base64

import pytest

pytest.importorskip('pyVmomi')

from pyVmomi import vim  # noqa: E402

from ansible_collections.virt.esx.plugins.module_utils.resources.vm_customization import (  # noqa: E402
    CustomizationError, build_customization)


def test_linux_with_a_static_address_and_a_dhcp_adapter():
    built = build_customization(dict(hostname='web1', domain='example.com', time_zone='Europe/Berlin', dns_servers=['192.0.2.53'],
                                     dns_suffixes=['example.com'],
                                     nics=[dict(ip='192.0.2.10', prefix=24, gateway='192.0.2.1', dns_servers=['192.0.2.54'])]), 2)
    spec = built.spec
    assert isinstance(spec.identity, vim.vm.customization.LinuxPrep)
    assert spec.identity.hostName.name == 'web1' and spec.identity.domain == 'example.com'
    assert spec.identity.timeZone == 'Europe/Berlin'
    first, second = spec.nicSettingMap
    assert first.adapter.ip.ipAddress == '192.0.2.10'
    assert first.adapter.subnetMask == '255.255.255.0'
    assert list(first.adapter.gateway) == ['192.0.2.1']
    assert list(first.adapter.dnsServerList) == ['192.0.2.54']
    assert isinstance(second.adapter.ip, vim.vm.customization.DhcpIpGenerator)
    assert list(spec.globalIPSettings.dnsServerList) == ['192.0.2.53']
    assert list(spec.globalIPSettings.dnsSuffixList) == ['example.com']
    assert built.summary['nics'] == [dict(ip='192.0.2.10', prefix=24, gateway='192.0.2.1', dns_servers=['192.0.2.54']),
                                     dict(dhcp=True)]
    assert built.stored_name is None and built.extra_config == {}


def test_address_with_prefix_in_one_string():
    spec = build_customization(dict(hostname='db1', nics=[dict(ip='10.1.2.3/20')]), 1).spec
    assert spec.nicSettingMap[0].adapter.subnetMask == '255.255.240.0'


@pytest.mark.parametrize('options, count, message', [
    (dict(hostname='web1', nics=[dict(ip='192.0.2.300', prefix=24)]), 1, 'customization.nics[0].ip is not an IP address'),
    (dict(hostname='web1', nics=[dict(ip='192.0.2.3')]), 1, 'customization.nics[0]: a static ip needs prefix'),
    (dict(hostname='web1', nics=[dict(ip='192.0.2.3', prefix=33)]), 1, 'customization.nics[0].prefix must be a number from 0 to 32'),
    (dict(hostname='web1', nics=[dict(ip='2001:db8::1', prefix=64)]), 1, 'only IPv4 addresses'),
    (dict(hostname='web1', nics=[dict(dhcp=False)]), 1, 'dhcp is false but no ip is given'),
    (dict(hostname='web1', nics=[{}, {}]), 1, 'customization.nics has 2 entries but the VM has 1'),
    (dict(hostname='web_1'), 0, 'customization.hostname must be a host name'),
    (dict(domain='example.com'), 0, 'customization.hostname is required for a Linux guest'),
    (dict(spec='linux-spec', hostname='web1'), 0, 'cannot be combined with inline settings'),
    (dict(os='windows', windows=dict(workgroup='W', join_domain='D', domain_user='u', domain_password='p'),
          hostname='w1'), 0, 'give workgroup or join_domain, not both'),
    (dict(windows=dict(computer_name='w1', join_domain='corp.example.com')), 0, 'join_domain needs domain_user and domain_password'),
    (dict(windows=dict(computer_name='w1'), time_zone='Europe/Berlin'), 0, 'Windows time zone index'),
    (dict(os='linux', hostname='x', windows=dict(computer_name='w1')), 0, 'customization.os is linux'),
    (dict(), 0, None),
])
def test_bad_options_name_the_option(options, count, message):
    if message is None:
        assert build_customization(options, count) is None
        return
    with pytest.raises(CustomizationError) as caught:
        build_customization(options, count)
    assert message in str(caught.value)


def test_windows_domain_join_keeps_passwords_out_of_the_summary():
    built = build_customization(dict(windows=dict(computer_name='app01', join_domain='corp.example.com', domain_user='joiner',
                                                  domain_password='S3cret!', product_key='AAAAA-BBBBB', admin_password='Adm1n!',
                                                  time_zone=110, run_once=['cmd /c echo hi'])), 1)
    identity = built.spec.identity
    assert isinstance(identity, vim.vm.customization.Sysprep)
    assert identity.identification.joinDomain == 'corp.example.com'
    assert identity.identification.domainAdminPassword.value == 'S3cret!'
    assert identity.identification.domainAdminPassword.plainText
    assert identity.guiUnattended.password.value == 'Adm1n!'
    assert identity.guiUnattended.timeZone == 110
    assert identity.userData.productId == 'AAAAA-BBBBB'
    assert list(identity.guiRunOnce.commandList) == ['cmd /c echo hi']
    summary_text = repr(built.summary)
    for secret in ('S3cret!', 'Adm1n!', 'AAAAA-BBBBB'):
        assert secret not in summary_text
    assert built.summary['join_domain'] == 'corp.example.com' and built.summary['workgroup'] is None


def test_windows_workgroup_by_default():
    identity = build_customization(dict(hostname='app02', windows={}), 0).spec.identity
    assert identity.identification.joinWorkgroup == 'WORKGROUP'
    assert identity.userData.computerName.name == 'app02'


def test_stored_spec_by_name_and_cloud_init_alone():
    stored = build_customization(dict(spec='vcsim-linux-static'), 1)
    assert stored.stored_name == 'vcsim-linux-static' and stored.spec is None
    cloud = build_customization(dict(cloud_init=dict(user_data='#cloud-config\nhostname: web1\n', meta_data='instance-id: web1')), 1)
    assert cloud.spec is None and cloud.stored_name is None
    assert base64.b64decode(cloud.extra_config['guestinfo.userdata']).decode() == '#cloud-config\nhostname: web1\n'
    assert cloud.extra_config['guestinfo.userdata.encoding'] == 'base64'
    assert base64.b64decode(cloud.extra_config['guestinfo.metadata']).decode() == 'instance-id: web1'
    assert cloud.summary['cloud_init'] == ['guestinfo.metadata', 'guestinfo.metadata.encoding', 'guestinfo.userdata',
                                           'guestinfo.userdata.encoding']
