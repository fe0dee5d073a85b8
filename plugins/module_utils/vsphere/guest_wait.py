# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for what VMware Tools reports about a guest, with one property wait.

``wait_for_guest(content, vm, condition, timeout) -> dict``
    ``condition`` is ``ip`` (a routable address: not loopback, not link-local),
    ``tools`` (Tools running) or ``hostname`` (a host name reported). One
    property filter on the VM's ``guest`` paths and WaitForUpdatesEx calls that
    block on the server until something changes (no poll loop of full reads).
    Returns ``{'ip_address', 'ip_addresses', 'hostname', 'tools_running_status',
    'seconds'}``; raises ``GuestWaitTimeout`` (with what was seen) when the
    condition is not met in ``timeout`` seconds.
"""

from __future__ import annotations

import ipaddress
import time

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call

CONDITIONS = ('ip', 'tools', 'hostname')
GUEST_PATHS = ['guest.ipAddress', 'guest.net', 'guest.hostName', 'guest.toolsRunningStatus']


class GuestWaitError(VirtEsxError):
    """The wait could not be set up or was refused."""


class GuestWaitTimeout(GuestWaitError):
    def __init__(self, message, seen):
        super(GuestWaitTimeout, self).__init__(message)
        self.seen = seen


def _usable(address):
    try:
        parsed = ipaddress.ip_address(address.split('%')[0])
    except ValueError:
        return False
    return not (parsed.is_loopback or parsed.is_link_local or parsed.is_unspecified)


def guest_facts(values):
    """The guest paths read so far -> the result fields (addresses in the order Tools reports them)."""
    addresses = []
    for nic in values.get('guest.net') or []:
        for address in getattr(nic, 'ipAddress', None) or []:
            if address and address not in addresses:
                addresses.append(address)
    primary = values.get('guest.ipAddress') or None
    if primary and primary not in addresses:
        addresses.insert(0, primary)
    usable = [address for address in addresses if _usable(address)]
    return dict(ip_address=primary if primary and _usable(primary) else (usable[0] if usable else None),
                ip_addresses=usable, hostname=values.get('guest.hostName') or None,
                tools_running_status=values.get('guest.toolsRunningStatus') or None)


def condition_met(condition, facts):
    if condition == 'ip':
        return facts['ip_address'] is not None
    if condition == 'tools':
        return facts['tools_running_status'] == 'guestToolsRunning'
    if condition == 'hostname':
        return facts['hostname'] is not None
    raise GuestWaitError('wait_for must be one of %s, got %r' % (', '.join(CONDITIONS), condition))


def wait_for_guest(content, vm, condition, timeout, clock=time.monotonic):
    condition_met(condition, guest_facts({}))  # refuses an unknown condition before any call
    collector = content.propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=vm, skip=False)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=GUEST_PATHS, all=False)])
    start = clock()
    deadline = start + float(timeout)
    values = {}
    with vsphere_call('Waiting for the guest of the VM (%s)' % condition, GuestWaitError):
        property_filter = collector.CreateFilter(spec, partialUpdates=False)
        try:
            version = ''
            while True:
                remaining = deadline - clock()
                if remaining <= 0:
                    break
                options = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=max(1, int(remaining)))
                update = collector.WaitForUpdatesEx(version, options)
                if update is None:
                    continue
                version = update.version
                for filter_update in update.filterSet or []:
                    for object_update in filter_update.objectSet or []:
                        for change in object_update.changeSet or []:
                            values[change.name] = None if change.op == 'remove' else change.val
                facts = guest_facts(values)
                if condition_met(condition, facts):
                    facts['seconds'] = round(clock() - start, 3)
                    return facts
        finally:
            try:
                property_filter.DestroyPropertyFilter()
            except Exception:  # pylint: disable=broad-except
                # The session's filters go with the session; a failed cleanup must not hide the outcome.
                pass
    facts = guest_facts(values)
    facts['seconds'] = round(clock() - start, 3)
    what = dict(ip='an IP address', tools='VMware Tools running', hostname='a host name')[condition]
    raise GuestWaitTimeout('The guest did not report %s within %s seconds (Tools: %s, addresses: %s, host name: %s)'
                           % (what, timeout, facts['tools_running_status'] or 'unknown',
                              ', '.join(facts['ip_addresses']) or 'none', facts['hostname'] or 'none'), facts)
