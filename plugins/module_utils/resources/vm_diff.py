# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare a VM's current definition with the desired one (both ``vm_spec`` dicts).

``plan_changes(current, desired, power_state='poweredOff', hot_add=None) -> Plan``
    the changes that turn ``current`` into ``desired``. A None (or missing) field of
    ``desired`` is not managed. Disks, CD-ROMs and NICs, when given, are the complete
    list: a device the VM has and ``desired`` lacks is detached (a disk's file is kept).
    Extra config and scheduler settings are compared only for the keys given.
    ``hot_add`` says what the VM allows while powered on:
    ``{'cpu_add': bool, 'cpu_remove': bool, 'memory_add': bool}``.
``Plan``
    ``changes``: list of ``Change``; ``refused``: messages for changes vSphere cannot
    make on an existing VM; ``needs_power_off``: the changes that cannot be made in
    ``power_state``; ``after``: the predicted spec once every change is made.
``Change(field, slot, action, before, after, needs_power_off)``
    ``field`` is one of name, guest_id, vcpus, memory_mb, annotation, firmware,
    controller, disk, cdrom, nic, extra_config, scheduler; ``slot`` names the device
    (``scsi0:1``, ``ethernet0``), the extra config key or the scheduler setting;
    ``action`` is set, add, remove, replace, edit or grow.
"""

from __future__ import annotations

import copy
from collections import namedtuple

from ansible_collections.virt.esx.plugins.module_utils.resources.vm_spec import CONNECT_KEYS, MASK, is_secret_key

Change = namedtuple('Change', 'field slot action before after needs_power_off')

SIMPLE_FIELDS = ('name', 'guest_id', 'vcpus', 'cores_per_socket', 'memory_mb', 'annotation', 'firmware')
# Fields vSphere changes on a running VM at any time.
ALWAYS_ONLINE = ('name', 'annotation', 'extra_config', 'scheduler')


class Plan(object):

    def __init__(self, changes, refused, after, notes=None):
        self.changes = changes
        self.refused = refused
        self.after = after
        self.notes = notes or []  # what was asked but is not compared now (warnings)

    @property
    def needs_power_off(self):
        return [change for change in self.changes if change.needs_power_off]


def describe_change(change):
    """A one-line text of a change for messages, with secret values masked."""
    before, after = change.before, change.after
    if change.field == 'extra_config' and is_secret_key(change.slot):
        before = MASK if before else before
        after = MASK if after else after
    where = change.field if change.slot is None else '%s %s' % (change.field, change.slot)
    return '%s: %s %r -> %r' % (where, change.action, before, after)


def _same_path(left, right):
    """Datastore paths compare without the blanks after ']' and case of the datastore name kept."""
    def normal(path):
        if path and path.startswith('[') and ']' in path:
            datastore, rest = path[1:].split(']', 1)
            return '[%s] %s' % (datastore, rest.strip())
        return path
    return normal(left) == normal(right)


def _needs_offline(field, slot, action, before, after, power_state, hot_add):
    if power_state == 'poweredOff' or field in ALWAYS_ONLINE:
        return False
    if power_state != 'poweredOn':
        # A suspended VM keeps its hardware until it is powered off.
        return True
    if field in ('guest_id', 'firmware', 'controller', 'cores_per_socket'):
        return True
    if field == 'vcpus':
        return not hot_add.get('cpu_add') if after > before else not hot_add.get('cpu_remove')
    if field == 'memory_mb':
        return not hot_add.get('memory_add') if after > before else True
    if field in ('disk', 'cdrom'):
        if action in ('grow', 'edit'):
            return False
        return slot.startswith('ide')
    return False


def plan_changes(current, desired, power_state='poweredOff', hot_add=None):
    hot_add = hot_add or {}
    changes = []
    refused = []
    after = copy.deepcopy(current)

    def add(field, slot, action, before, new):
        changes.append(Change(field, slot, action, before, new,
                              _needs_offline(field, slot, action, before, new, power_state, hot_add)))

    for field in SIMPLE_FIELDS:
        wanted = desired.get(field)
        if wanted is None:
            continue
        if field == 'annotation' and (current.get(field) or '') == wanted:
            continue
        if current.get(field) != wanted:
            add(field, None, 'set', current.get(field), wanted)
            after[field] = wanted
    cores = after.get('cores_per_socket')
    if cores and after.get('vcpus') and after['vcpus'] % cores:
        refused.append('cores_per_socket %d%s does not divide vcpus %d: the vCPUs are sockets x cores per socket'
                       % (cores, '' if desired.get('cores_per_socket') else ' (the VM\'s)', after['vcpus']))

    wanted_controllers = desired.get('controllers')
    if wanted_controllers is not None:
        for bus in sorted(wanted_controllers):
            have = current['controllers'].get(bus)
            if have is None:
                add('controller', bus, 'add', None, wanted_controllers[bus])
                after['controllers'][bus] = wanted_controllers[bus]
            elif have != wanted_controllers[bus]:
                refused.append('controller %s is %s, not %s: the model of an existing controller cannot be changed'
                               % (bus, have, wanted_controllers[bus]))

    _plan_disks(current, desired, after, add, refused)
    _plan_cdroms(current, desired, after, add)
    _plan_nics(current, desired, after, add, power_state)

    for key in sorted(desired.get('extra_config') or {}):
        wanted = desired['extra_config'][key]
        have = current['extra_config'].get(key)
        if wanted == '':
            if have not in (None, ''):
                add('extra_config', key, 'remove', have, '')
                after['extra_config'].pop(key, None)
        elif have != wanted:
            add('extra_config', key, 'set', have, wanted)
            after['extra_config'][key] = wanted

    for key in sorted(desired.get('scheduler') or {}):
        wanted = desired['scheduler'][key]
        have = (current.get('scheduler') or {}).get(key)
        if have != wanted:
            add('scheduler', key, 'set', have, wanted)
            after.setdefault('scheduler', {})[key] = wanted
    notes = ['%s: connected applies to a running VM; this VM is %s, and start_connected decides at power-on'
             % (slot, power_state) for slot in sorted(desired.get('nics') or {})
             if desired['nics'][slot].get('connected') is not None and power_state != 'poweredOn' and slot in current['nics']]
    return Plan(changes, refused, after, notes)


def _plan_disks(current, desired, after, add, refused):
    wanted = desired.get('disks')
    if wanted is None:
        return
    have = current['disks']
    for slot in sorted(set(have) - set(wanted)):
        add('disk', slot, 'remove', have[slot]['file'], None)
        del after['disks'][slot]
    for slot in sorted(wanted):
        disk = wanted[slot]
        if slot not in have:
            add('disk', slot, 'add', None, disk['file'] or '%d KiB (new)' % disk['size_kb'])
            after['disks'][slot] = dict(disk)
            continue
        if disk['file'] and not _same_path(disk['file'], have[slot]['file']):
            add('disk', slot, 'replace', have[slot]['file'], disk['file'])
            after['disks'][slot] = dict(disk)
            continue
        size = disk.get('size_kb')
        current_size = have[slot].get('size_kb')
        if size and current_size and size > current_size:
            add('disk', slot, 'grow', current_size, size)
            after['disks'][slot]['size_kb'] = size
        elif size and current_size and size < current_size:
            refused.append('disk %s has %d KiB, more than the %d KiB asked for: disks are never shrunk' % (slot, current_size, size))


def _plan_cdroms(current, desired, after, add):
    wanted = desired.get('cdroms')
    if wanted is None:
        return
    have = current['cdroms']
    for slot in sorted(set(have) - set(wanted)):
        add('cdrom', slot, 'remove', have[slot], None)
        del after['cdroms'][slot]
    for slot in sorted(wanted):
        drive = wanted[slot]
        if slot not in have:
            add('cdrom', slot, 'add', None, drive)
            after['cdroms'][slot] = dict(drive)
        elif have[slot]['kind'] != drive['kind'] or (drive['file'] is not None and not _same_path(drive['file'], have[slot]['file'])):
            add('cdrom', slot, 'edit', have[slot], drive)
            after['cdroms'][slot] = dict(drive)


def _plan_nics(current, desired, after, add, power_state='poweredOff'):
    wanted = desired.get('nics')
    if wanted is None:
        return
    have = current['nics']
    for slot in sorted(set(have) - set(wanted)):
        add('nic', slot, 'remove', have[slot], None)
        del after['nics'][slot]
    for slot in sorted(wanted, key=lambda text: int(text[len('ethernet'):])):
        nic = wanted[slot]
        if slot not in have:
            add('nic', slot, 'add', None, nic)
            after['nics'][slot] = dict(nic)
            continue
        present = have[slot]
        if nic['model'] and nic['model'] != present['model']:
            add('nic', slot, 'replace', present, nic)
            after['nics'][slot] = dict(nic, mac=nic['mac'] or None)
            continue
        # connected is what a running VM's adapter is; vSphere reports a powered-off VM's adapters as disconnected.
        connect = dict((key, nic[key]) for key in CONNECT_KEYS if nic.get(key) is not None and nic[key] != present.get(key)
                       and (key != 'connected' or power_state == 'poweredOn'))
        if nic.get('connected') is not None and power_state != 'poweredOn':
            nic = dict(nic)
            del nic['connected']
        if nic['network'] != present['network'] or (nic['mac'] and nic['mac'] != present['mac']) or connect:
            add('nic', slot, 'edit', present, nic)
            after['nics'][slot] = dict(present, network=nic['network'], mac=nic['mac'] or present['mac'], **connect)
