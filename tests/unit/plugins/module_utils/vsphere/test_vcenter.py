# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The esx:// URI's vcenter= parameter: checked against the vCenter the host reports, as libvirt does."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import ConnectionParams
from ansible_collections.virt.esx.plugins.module_utils.vsphere.vcenter import managing_vcenter


class HostSession(object):
    is_vcenter = False

    def __init__(self, vcenter, manager, hosts=1):
        self.params = ConnectionParams('esx1.example.com', 'root', 'secret', 8443, ca_file='/ca.pem', vcenter=vcenter,
                                       scheme='esx', timeout=7)
        self.hosts = [{'name': 'esx1.example.com', 'summary.managementServerIp': manager}] * hosts

    def retrieve(self, _properties):
        return self.hosts


def _resolve(addresses):
    return lambda _name, _port: set(addresses)


def test_star_is_the_vcenter_the_host_reports():
    params = managing_vcenter(HostSession('*', '192.0.2.10'), resolve=_resolve([]))
    assert (params.hostname, params.port, params.username, params.password) == ('192.0.2.10', 8443, 'root', 'secret')
    assert (params.ca_file, params.timeout, params.scheme, params.vcenter) == ('/ca.pem', 7, None, None)


def test_a_name_must_resolve_to_the_reported_address():
    params = managing_vcenter(HostSession('vc.example.com', '192.0.2.10'), resolve=_resolve(['192.0.2.10']))
    assert params.hostname == 'vc.example.com'
    with pytest.raises(SessionError) as error:
        managing_vcenter(HostSession('vc2.example.com', '192.0.2.10'), resolve=_resolve(['192.0.2.99']))
    assert str(error.value) == ("Host esx1.example.com is managed by the vCenter at 192.0.2.10, but the uri's "
                                "vcenter=vc2.example.com is 192.0.2.99")


@pytest.mark.parametrize('manager', ['', None, '  '])
def test_an_unmanaged_host_has_no_vcenter(manager):
    with pytest.raises(SessionError, match='is not managed by a vCenter'):
        managing_vcenter(HostSession('*', manager), resolve=_resolve([]))


def test_the_password_is_in_no_message():
    with pytest.raises(SessionError) as error:
        managing_vcenter(HostSession('vc2', '192.0.2.10'), resolve=_resolve([]))
    assert 'secret' not in str(error.value)
