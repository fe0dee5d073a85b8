# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What wait_for makes of the guest properties VMware Tools reports."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere.guest_wait import GuestWaitError, condition_met, guest_facts


def nic(*addresses):
    return SimpleNamespace(ipAddress=list(addresses))


def test_addresses_in_tools_order_without_loopback_or_link_local():
    facts = guest_facts({'guest.ipAddress': '192.0.2.10',
                         'guest.net': [nic('fe80::1%eth0', '192.0.2.10', '2001:db8::10'), nic('127.0.0.1', '198.51.100.7')],
                         'guest.hostName': 'web1', 'guest.toolsRunningStatus': 'guestToolsRunning'})
    assert facts == dict(ip_address='192.0.2.10', ip_addresses=['192.0.2.10', '2001:db8::10', '198.51.100.7'],
                         hostname='web1', tools_running_status='guestToolsRunning')
    assert condition_met('ip', facts) and condition_met('tools', facts) and condition_met('hostname', facts)


def test_a_link_local_primary_address_is_not_an_ip_yet():
    facts = guest_facts({'guest.ipAddress': '169.254.3.4', 'guest.net': [nic('169.254.3.4', 'fe80::2')], 'guest.hostName': ''})
    assert facts['ip_address'] is None and facts['ip_addresses'] == [] and facts['hostname'] is None
    assert not condition_met('ip', facts) and not condition_met('hostname', facts) and not condition_met('tools', facts)


def test_a_usable_address_of_a_nic_counts_when_the_primary_is_unset():
    facts = guest_facts({'guest.net': [nic(''), nic('10.0.0.5')], 'guest.toolsRunningStatus': 'guestToolsNotRunning'})
    assert facts['ip_address'] == '10.0.0.5' and not condition_met('tools', facts)


def test_an_unknown_condition_is_refused():
    with pytest.raises(GuestWaitError) as caught:
        condition_met('network', guest_facts({}))
    assert 'wait_for must be one of ip, tools, hostname' in str(caught.value)
