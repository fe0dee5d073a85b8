# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vCenter that manages an ESX host: the ``vcenter=`` query parameter of an ``esx://`` URI.

As in libvirt's ESX driver, ``esx://host/?vcenter=NAME`` names the vCenter that manages the
host, and ``vcenter=*`` means "the one the host reports" (its ``summary.managementServerIp``).
The host stays the connection of every module; the vCenter is used for what a host cannot do
alone: moving its VMs (vMotion, storage vMotion).

``managing_vcenter(session) -> ConnectionParams``
    checks the host's manager against ``vcenter=`` (a name must resolve to the address the
    host reports) and returns the parameters of a session to it: the same user, password,
    transport, port, TLS settings and proxy as the host's (libvirt asks for no second set).
``open_managing_vcenter(session) -> ViSession``
    that session, logged in; it must be a vCenter. The caller closes it.
"""

from __future__ import annotations

import socket

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import ConnectionParams
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession


def _addresses(name, port):
    try:
        return set(info[4][0] for info in socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM))
    except (socket.gaierror, UnicodeError) as exc:
        raise SessionError("The uri's vcenter=%s cannot be resolved: %s" % (name, exc))


def managing_vcenter(session, resolve=_addresses):
    """ConnectionParams of the vCenter that ``vcenter=`` names for the host of ``session``."""
    params = session.params
    wanted = params.vcenter
    if not wanted:
        raise SessionError('The uri has no vcenter= query parameter')
    if session.is_vcenter:
        raise SessionError('vcenter=%s is for esx:// connections to a host; this connection is to a vCenter already' % wanted)
    hosts = session.retrieve({'HostSystem': ['name', 'summary.managementServerIp']})
    if len(hosts) != 1:
        raise SessionError('%s shows %d hosts, not one: vcenter= needs a connection to one ESX host' % (params.endpoint, len(hosts)))
    host = hosts[0]
    manager = (host.get('summary.managementServerIp') or '').strip()
    if not manager:
        raise SessionError('Host %s is not managed by a vCenter (it reports no management server), so the uri\'s '
                           'vcenter=%s cannot be used' % (host.get('name'), wanted))
    if wanted == '*':
        name = manager
    else:
        name = wanted
        addresses = resolve(wanted, params.port)
        if manager not in addresses and manager != wanted:
            raise SessionError('Host %s is managed by the vCenter at %s, but the uri\'s vcenter=%s is %s'
                               % (host.get('name'), manager, wanted, ', '.join(sorted(addresses)) or 'no address'))
    return ConnectionParams(hostname=name, username=params.username, password=params.password, port=params.port,
                            transport=params.transport, validate_certs=params.validate_certs, ca_file=params.ca_file,
                            proxy=params.proxy, auto_answer=params.auto_answer, timeout=params.timeout)


def open_managing_vcenter(session, resolve=_addresses):
    """A logged-in session to the host's vCenter (see managing_vcenter); the caller closes it."""
    vcenter = ViSession(managing_vcenter(session, resolve=resolve)).connect()
    if not vcenter.is_vcenter:
        where = vcenter.params.endpoint
        vcenter.close()
        raise SessionError("The uri's vcenter=%s (%s) is not a vCenter" % (session.params.vcenter, where))
    return vcenter
