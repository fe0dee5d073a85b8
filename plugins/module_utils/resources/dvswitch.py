# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.dvswitch: a distributed switch of a vCenter datacenter and its port groups.

:func:`desired_switch` checks the module options and turns them into the desired
state; :func:`plan` compares it with the switch as read (plain dicts of
vsphere/dvswitch.py) and returns the changes and the predicted switch, with no
server involved (the unit tests drive it); :func:`manage_dvswitch` reads, plans,
makes the changes (CreateDVS_Task, ReconfigureDvs_Task, AddDVPortgroup_Task,
ReconfigureDVPortgroup_Task, Destroy_Task) and reads the switch again.

Only what the options name is managed: a value left out (None) stays as it is,
hosts and port groups not listed stay unless purge_hosts / purge_portgroups.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.dvswitch_xml import format_dvswitch_xml
from ansible_collections.virt.esx.plugins.module_utils.vsphere import dvswitch as api


class DvSwitchConfigError(VirtEsxError):
    """Options that ask for a distributed switch this module cannot or must not make."""


LOAD_BALANCING = ('loadbalance_srcid', 'loadbalance_ip', 'loadbalance_srcmac', 'loadbalance_loadbased',
                  'failover_explicit')
DEFAULT_PORTS = 8
MIN_MTU, MAX_MTU = 1280, 9000
MAX_VLAN = 4094
SECURITY_OPTIONS = ('promiscuous', 'forged_transmits', 'mac_changes')
TEAMING_OPTIONS = ('load_balancing', 'active_uplinks', 'standby_uplinks')


# -- options -> desired state ---------------------------------------------------------

def _trunk(value, where):
    ranges = []
    for text in value:
        text = str(text).strip()
        start, sep, end = text.partition('-')
        try:
            first, last = int(start), int(end) if sep else int(start)
        except ValueError:
            raise DvSwitchConfigError('%s: trunk range %r is not N or N-M' % (where, text))
        if not 0 <= first <= last <= MAX_VLAN:
            raise DvSwitchConfigError('%s: trunk range %r is not within 0..%d (start <= end)' % (where, text, MAX_VLAN))
        ranges.append('%d-%d' % (first, last) if first != last else str(first))
    if not ranges:
        raise DvSwitchConfigError('%s: trunk must list at least one VLAN range' % where)
    return ranges


def _portgroup(item):
    name = item.get('name')
    if not name or not name.strip():
        raise DvSwitchConfigError('portgroups: a port group name must not be empty')
    where = 'Port group %s' % name
    if item.get('vlan_id') is not None and item.get('trunk') is not None:
        raise DvSwitchConfigError('%s: give vlan_id or trunk, not both' % where)
    if item.get('vlan_id') is not None and not 0 <= item['vlan_id'] <= MAX_VLAN:
        raise DvSwitchConfigError('%s: vlan_id %s is not within 0..%d' % (where, item['vlan_id'], MAX_VLAN))
    if item.get('ports') is not None and item['ports'] < 0:
        raise DvSwitchConfigError('%s: ports %s must not be negative' % (where, item['ports']))
    teaming = dict((key, (item.get('teaming') or {}).get(key)) for key in TEAMING_OPTIONS)
    if teaming['load_balancing'] is not None and teaming['load_balancing'] not in LOAD_BALANCING:
        raise DvSwitchConfigError('%s: load_balancing %s is not one of %s'
                                  % (where, teaming['load_balancing'], ', '.join(LOAD_BALANCING)))
    both = set(teaming['active_uplinks'] or ()) & set(teaming['standby_uplinks'] or ())
    if both:
        raise DvSwitchConfigError('%s: uplink %s is both active and standby' % (where, ', '.join(sorted(both))))
    return dict(
        name=name,
        vlan_id=item.get('vlan_id'),
        trunk=_trunk(item['trunk'], where) if item.get('trunk') is not None else None,
        security=dict((key, (item.get('security') or {}).get(key)) for key in SECURITY_OPTIONS),
        teaming=teaming,
        binding=item.get('binding'),
        ports=item.get('ports'),
    )


def desired_switch(params):
    """The desired switch of the module options (values left out are None)."""
    name = params['name']
    if not name or not name.strip():
        raise DvSwitchConfigError('name must not be empty')
    if params.get('mtu') is not None and not MIN_MTU <= params['mtu'] <= MAX_MTU:
        raise DvSwitchConfigError('mtu %s is not within %d..%d' % (params['mtu'], MIN_MTU, MAX_MTU))
    if params.get('uplinks') is not None and params.get('uplink_count') is not None:
        raise DvSwitchConfigError('give uplinks (the names) or uplink_count, not both')
    uplinks = params.get('uplinks')
    if uplinks is not None:
        if not uplinks or any(not uplink or not uplink.strip() for uplink in uplinks):
            raise DvSwitchConfigError('uplinks must list at least one name, and no empty one')
        if len(set(uplinks)) != len(uplinks):
            raise DvSwitchConfigError('uplinks %s lists a name more than once' % ', '.join(uplinks))
    if params.get('uplink_count') is not None and not 1 <= params['uplink_count'] <= 32:
        raise DvSwitchConfigError('uplink_count %s is not within 1..32' % params['uplink_count'])
    hosts = None
    if params.get('hosts') is not None:
        hosts = []
        for item in params['hosts']:
            if not item.get('name'):
                raise DvSwitchConfigError('hosts: a host name must not be empty')
            hosts.append(dict(name=item['name'], nics=list(item.get('nics') or [])))
        _refuse_duplicates('hosts', [host['name'] for host in hosts])
        for host in hosts:
            twice = sorted(set(nic for nic in host['nics'] if host['nics'].count(nic) > 1))
            if twice:
                raise DvSwitchConfigError('hosts: host %s lists NIC %s more than once' % (host['name'], ', '.join(twice)))
    portgroups = None
    if params.get('portgroups') is not None:
        portgroups = [_portgroup(item) for item in params['portgroups']]
        _refuse_duplicates('portgroups', [pg['name'] for pg in portgroups])
    return dict(name=name, version=params.get('version'), uplinks=uplinks, uplink_count=params.get('uplink_count'),
                mtu=params.get('mtu'), hosts=hosts, purge_hosts=bool(params.get('purge_hosts')),
                portgroups=portgroups, purge_portgroups=bool(params.get('purge_portgroups')))


def _refuse_duplicates(what, names):
    duplicates = sorted(set(name for name in names if names.count(name) > 1))
    if duplicates:
        raise DvSwitchConfigError('%s: %s listed more than once' % (what, ', '.join(duplicates)))


# -- planning -----------------------------------------------------------------------------

def _uplinks(current, desired):
    if desired['uplinks'] is not None:
        return list(desired['uplinks'])
    count = desired['uplink_count']
    if count is None:
        return None
    names = list(current or [])[:count]
    number = 1
    while len(names) < count:
        candidate = 'Uplink %d' % number
        if candidate not in names:
            names.append(candidate)
        number += 1
    return names


def _copy(item):
    """A deep copy of a switch or port group dict that shares its pyVmomi objects ('_obj') rather than copying them."""
    if isinstance(item, dict):
        return dict((key, value if key.startswith('_') else _copy(value)) for key, value in item.items())
    if isinstance(item, list):
        return [_copy(value) for value in item]
    return item


def _merged_portgroup(current, wanted):
    """The port group once ``wanted`` (None: leave as is) is applied to ``current`` (None: new)."""
    merged = _copy(current) if current else dict(
        name=wanted['name'], key=None, vlan_id=0, trunk=None,
        security=dict((key, None) for key in SECURITY_OPTIONS),
        teaming=dict((key, None) for key in TEAMING_OPTIONS),
        binding='static', ports=DEFAULT_PORTS, config_version=None)
    if wanted['trunk'] is not None:
        merged['trunk'], merged['vlan_id'] = wanted['trunk'], None
    elif wanted['vlan_id'] is not None:
        merged['trunk'], merged['vlan_id'] = None, wanted['vlan_id']
    for group in ('security', 'teaming'):
        merged[group] = dict(merged.get(group) or {})
        for key, value in wanted[group].items():
            if value is not None:
                merged[group][key] = value
    for key in ('binding', 'ports'):
        if wanted[key] is not None:
            merged[key] = wanted[key]
    return merged


def _portgroup_fields(current, merged):
    fields = []
    if (current['vlan_id'] or 0, current['trunk']) != (merged['vlan_id'] or 0, merged['trunk']):
        fields.append('vlan')
    for key in ('security', 'teaming', 'binding', 'ports'):
        if current[key] != merged[key]:
            fields.append(key)
    return fields


def _check_teaming(portgroup, uplinks):
    if uplinks is None:
        return
    for key in ('active_uplinks', 'standby_uplinks'):
        unknown = [name for name in portgroup['teaming'].get(key) or () if name not in uplinks]
        if unknown:
            raise DvSwitchConfigError('Port group %s: %s %s not uplinks of the switch (uplinks: %s)' % (
                portgroup['name'], key, ', '.join(unknown), ', '.join(uplinks) or 'none'))


def _check_hosts(desired, hosts, datacenter, uplinks):
    for wanted in desired['hosts'] or ():
        host = hosts.get(wanted['name'])
        if host is None or host['datacenter'] != datacenter:
            names = sorted(name for name, item in hosts.items() if item['datacenter'] == datacenter)
            raise DvSwitchConfigError('hosts: no host named %s in datacenter %s (hosts: %s)' % (
                wanted['name'], datacenter, ', '.join(names) or 'none'))
        unknown = [nic for nic in wanted['nics'] if nic not in host['nics']]
        if unknown:
            raise DvSwitchConfigError('hosts: host %s has no physical NIC %s (NICs: %s)' % (
                wanted['name'], ', '.join(unknown), ', '.join(host['nics']) or 'none'))
        for nic in wanted['nics']:
            user = (host.get('nics_in_use') or {}).get(nic)
            if user is not None and user != 'distributed switch %s' % desired['name']:
                raise DvSwitchConfigError('hosts: NIC %s of host %s is an uplink of %s (a NIC serves one switch)' % (
                    nic, wanted['name'], user))
        if uplinks is not None and len(wanted['nics']) > len(uplinks):
            raise DvSwitchConfigError('hosts: host %s gives %d NICs for %d uplinks (%s)' % (
                wanted['name'], len(wanted['nics']), len(uplinks), ', '.join(uplinks)))


def plan(current, desired, state, hosts, datacenter):
    """(changes, predicted switch) bringing ``current`` (a switch dict or None) to ``desired``.

    Each change is a dict with ``op`` (create_switch, reconfigure_switch,
    add_portgroups, reconfigure_portgroup, destroy_portgroup, destroy_switch)
    and its arguments, in the order to make them.
    """
    if state == 'absent':
        if current is None:
            return [], None
        changes = [dict(op='destroy_portgroup', portgroup=pg) for pg in current['portgroups']]
        changes.append(dict(op='destroy_switch'))
        return changes, None

    uplinks = _uplinks(current['uplinks'] if current else None, desired)
    effective_uplinks = uplinks if uplinks is not None else (current['uplinks'] if current else None)
    _check_hosts(desired, hosts, datacenter, effective_uplinks or None)
    changes = []
    if current is None:
        after = dict(name=desired['name'], uuid=None, moid=None, datacenter=datacenter, version=desired['version'],
                     uplinks=uplinks or [], mtu=desired['mtu'], config_version=None, hosts=[], portgroups=[])
        fields = dict(uplinks=uplinks, mtu=desired['mtu'],
                      hosts=[('add', host['name'], host['nics']) for host in desired['hosts'] or ()])
        after['hosts'] = sorted((dict(name=h['name'], nics=h['nics']) for h in desired['hosts'] or ()),
                                key=lambda host: host['name'])
        changes.append(dict(op='create_switch', version=desired['version'], fields=fields))
    else:
        after = _copy(current)
        if desired['version'] is not None and current['version'] and desired['version'] != current['version']:
            raise DvSwitchConfigError(
                'Switch %s is version %s: changing it to %s is an upgrade (PerformDvsProductSpecOperation_Task), '
                'which this module does not make; upgrade it in the vSphere Client' % (
                    current['name'], current['version'], desired['version']))
        fields = {}
        if uplinks is not None and uplinks != current['uplinks']:
            fields['uplinks'] = after['uplinks'] = uplinks
        if desired['mtu'] is not None and desired['mtu'] != current['mtu']:
            fields['mtu'] = after['mtu'] = desired['mtu']
        members = dict((host['name'], host['nics']) for host in current['hosts'])
        host_ops = []
        for wanted in desired['hosts'] or ():
            if wanted['name'] not in members:
                host_ops.append(('add', wanted['name'], wanted['nics']))
            elif members[wanted['name']] != wanted['nics']:
                host_ops.append(('edit', wanted['name'], wanted['nics']))
        if desired['purge_hosts'] and desired['hosts'] is not None:
            listed = set(host['name'] for host in desired['hosts'])
            host_ops.extend(('remove', name, []) for name in sorted(members) if name not in listed)
        if host_ops:
            fields['hosts'] = host_ops
            for operation, name, nics in host_ops:
                members.pop(name, None)
                if operation != 'remove':
                    members[name] = nics
            after['hosts'] = [dict(name=name, nics=members[name]) for name in sorted(members)]
        if fields:
            changes.append(dict(op='reconfigure_switch', fields=fields))

    existing = dict((pg['name'], pg) for pg in (current['portgroups'] if current else ()))
    new = []
    predicted = dict((name, pg) for name, pg in existing.items())
    for wanted in desired['portgroups'] or ():
        merged = _merged_portgroup(existing.get(wanted['name']), wanted)
        _check_teaming(merged, after['uplinks'] or None)
        if wanted['name'] not in existing:
            new.append(merged)
        else:
            changed_fields = _portgroup_fields(existing[wanted['name']], merged)
            if changed_fields:
                changes.append(dict(op='reconfigure_portgroup', portgroup=merged, current=existing[wanted['name']],
                                    fields=changed_fields))
        predicted[wanted['name']] = merged
    if new:
        changes.append(dict(op='add_portgroups', portgroups=new))
    if desired['purge_portgroups'] and desired['portgroups'] is not None:
        listed = set(pg['name'] for pg in desired['portgroups'])
        for name in sorted(existing):
            if name not in listed:
                changes.append(dict(op='destroy_portgroup', portgroup=existing[name]))
                predicted.pop(name)
    after['portgroups'] = [predicted[name] for name in sorted(predicted)]
    return changes, after


def describe_change(change, name):
    op = change['op']
    if op == 'create_switch':
        return 'CreateDVS_Task %s' % name
    if op == 'reconfigure_switch':
        return 'ReconfigureDvs_Task %s (%s)' % (name, ', '.join(sorted(change['fields'])))
    if op == 'add_portgroups':
        return 'AddDVPortgroup_Task %s' % ', '.join(pg['name'] for pg in change['portgroups'])
    if op == 'reconfigure_portgroup':
        return 'ReconfigureDVPortgroup_Task %s (%s)' % (change['portgroup']['name'], ', '.join(change['fields']))
    if op == 'destroy_portgroup':
        return 'Destroy_Task port group %s' % change['portgroup']['name']
    return 'Destroy_Task switch %s' % name


def public_switch(switch):
    """The switch as the module returns it: no pyVmomi objects, no configuration versions."""
    if switch is None:
        return None
    result = dict((key, value) for key, value in switch.items() if not key.startswith('_') and key != 'config_version')
    result['portgroups'] = [dict((key, value) for key, value in pg.items()
                                 if not key.startswith('_') and key != 'config_version')
                            for pg in switch['portgroups']]
    return result


def _diff_view(switch):
    """The switch for the diff: what the options manage (no keys, moids or UUIDs, which a plan cannot know)."""
    if switch is None:
        return {}
    view = public_switch(switch)
    for key in ('uuid', 'moid'):
        view.pop(key, None)
    for pg in view['portgroups']:
        pg.pop('key', None)
    return view


# -- the module ---------------------------------------------------------------------------

def _apply(changes, current, desired, datacenter, hosts, datacenters, session, timeout):
    switch = current
    for change in changes:
        op = change['op']
        if op == 'create_switch':
            api.create_switch(datacenters[datacenter], desired['name'], change['version'], change['fields'], hosts,
                              timeout)
            switch = _find(session, desired['name'], datacenter)
            if switch is None:
                raise api.DvSwitchError('CreateDVS_Task %s succeeded but the switch is not found' % desired['name'])
        elif op == 'reconfigure_switch':
            api.reconfigure_switch(switch, change['fields'], hosts, timeout)
        elif op == 'add_portgroups':
            api.add_portgroups(switch, change['portgroups'], timeout)
        elif op == 'reconfigure_portgroup':
            api.reconfigure_portgroup(change['current'], change['portgroup'], timeout)
        elif op == 'destroy_portgroup':
            api.destroy_portgroup(change['portgroup'], timeout)
        elif op == 'destroy_switch':
            api.destroy_switch(switch, timeout)


def _find(session, name, datacenter):
    switches, _hosts, _datacenters = api.read_switches(session)
    return next((s for s in switches if s['name'] == name and s['datacenter'] == datacenter), None)


def _datacenter(session, name, datacenters):
    if name:
        if name not in datacenters:
            raise DvSwitchConfigError('No datacenter named %s (datacenters: %s)' % (
                name, ', '.join(sorted(datacenters)) or 'none'))
        return name
    scope = session.scope or {}
    if scope.get('datacenter'):
        return scope['datacenter'].get('name')
    if len(datacenters) == 1:
        return next(iter(datacenters))
    raise DvSwitchConfigError('This vCenter has several datacenters (%s): give datacenter' % ', '.join(sorted(datacenters)))


def manage_dvswitch(session, params, check_mode=False):
    """The whole of virt.esx.dvswitch: options in, module result out."""
    if not session.is_vcenter:
        raise DvSwitchConfigError('virt.esx.dvswitch needs a vCenter: a standalone ESX host has no distributed switches')
    desired = desired_switch(params)
    switches, hosts, datacenters = api.read_switches(session)
    datacenter = _datacenter(session, params.get('datacenter'), datacenters)
    current = next((s for s in switches if s['name'] == desired['name'] and s['datacenter'] == datacenter), None)
    changes, predicted = plan(current, desired, params['state'], hosts, datacenter)
    if changes and not check_mode:
        _apply(changes, current, desired, datacenter, hosts, datacenters, session, params.get('task_timeout') or 3600)
        predicted = _find(session, desired['name'], datacenter)
    after = public_switch(predicted)
    before_xml = format_dvswitch_xml(current) if current else ''
    after_xml = format_dvswitch_xml(predicted) if predicted else ''
    header = '%s/%s' % (datacenter, desired['name'])
    return dict(
        changed=bool(changes),
        switch=after,
        xml=after_xml or None,
        changes=[describe_change(change, desired['name']) for change in changes],
        diff=[dict(before=_diff_view(current), after=_diff_view(predicted), before_header=header, after_header=header),
              dict(before=before_xml, after=after_xml, before_header=header + ' (network XML)',
                   after_header=header + ' (network XML)')],
    )
