# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard switches, port groups and physical NICs of ESX hosts.

Reading: one property query reads the network configuration of every host
(``config.network``, the same data as ``HostNetworkSystem.networkInfo``) with
the host's cluster and datacenter; :func:`describe_switch` and
:func:`describe_nic` turn it into plain dicts, the network and interface XML
come from network_xml.

Changing: :func:`plan_switch` compares a switch with the desired state and
returns the changes and the predicted switch (for check mode and diff);
:func:`apply_changes` makes them with HostNetworkSystem's AddVirtualSwitch,
UpdateVirtualSwitch, RemoveVirtualSwitch, AddPortGroup, UpdatePortGroup and
RemovePortGroup.

Managing: :func:`manage_network` is the whole of virt.esx.network, from the
module options to the module result, host by host.
"""

from __future__ import annotations

import copy

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import ancestor
from ansible_collections.virt.esx.plugins.module_utils.formats.network_xml import (
    bandwidth_to_shaping, format_interface_xml, format_network_xml, netmask_prefix, network_uuid, parse_network_xml,
    shaping_to_bandwidth, switch_key)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call


class NetworkError(VirtEsxError):
    """A switch or port group change that cannot or must not be made."""


DEFAULT_PORTS = 128
DEFAULT_MTU = 1500
LOAD_BALANCING = ('loadbalance_srcid', 'loadbalance_ip', 'loadbalance_srcmac', 'failover_explicit')
SECURITY_FIELDS = (('allow_promiscuous', 'allowPromiscuous'), ('mac_changes', 'macChanges'),
                   ('forged_transmits', 'forgedTransmits'))

HOST_PROPERTIES = ['name', 'parent', 'config.network', 'configManager.networkSystem', 'network']


# -- reading ----------------------------------------------------------------------

def read_hosts(session):
    """Every host of the endpoint with its network info, cluster, datacenter and networks."""
    items = session.retrieve({
        'HostSystem': HOST_PROPERTIES,
        'ComputeResource': ['name', 'parent'],
        'Folder': ['name', 'parent'],
        'Datacenter': ['name', 'parent'],
        'Network': ['name'],
    })
    by_moid = {item['_moid']: item for item in items}

    hosts = []
    for item in items:
        if item['_type'] != 'HostSystem':
            continue
        compute = ancestor(by_moid, item, ('ComputeResource', 'ClusterComputeResource'))
        datacenter = ancestor(by_moid, item, ('Datacenter',))
        # Only plain networks are port groups of standard switches (not DV port groups, opaque networks).
        vm_networks = set()
        for ref in item.get('network') or ():
            network = by_moid.get(ref._moId)
            if network is not None and network['_type'] == 'Network':
                vm_networks.add(network.get('name'))
        hosts.append(dict(
            name=item.get('name'),
            moid=item['_moid'],
            cluster=compute.get('name') if compute and compute['_type'] == 'ClusterComputeResource' else None,
            datacenter=datacenter.get('name') if datacenter else None,
            datacenter_obj=datacenter['_obj'] if datacenter else None,
            network_info=item.get('config.network'),
            network_system=item.get('configManager.networkSystem'),
            vm_networks=vm_networks,
            obj=item['_obj'],
        ))
    return hosts


def select_hosts(session, hosts, esxi_hostname=None, cluster=None, require=False):
    """The hosts a module acts on: the ESX host, the vpx:// path's host, esxi_hostname or a cluster's hosts.

    On a vCenter without esxi_hostname or cluster, every host (``require``
    False) or an error (``require`` True).
    """
    names = ', '.join(sorted(host['name'] for host in hosts)) or 'none'
    if esxi_hostname:
        found = [host for host in hosts if esxi_hostname in (host['name'], host['moid'])]
        if not found:
            raise NetworkError('No host named %s on %s (hosts: %s)' % (esxi_hostname, session.params.endpoint, names))
        return found[:1]
    if cluster:
        found = [host for host in hosts if host['cluster'] == cluster]
        if not found:
            clusters = ', '.join(sorted(set(host['cluster'] for host in hosts if host['cluster']))) or 'none'
            raise NetworkError('No cluster named %s with hosts on %s (clusters: %s)' % (
                cluster, session.params.endpoint, clusters))
        return found
    if session.scope and session.scope.get('host'):
        moid = session.scope['host']['_moid']
        return [host for host in hosts if host['moid'] == moid]
    if session.is_vcenter and require:
        raise NetworkError('On a vCenter, give esxi_hostname (one host) or cluster (every host of a cluster); hosts: %s'
                           % names)
    return hosts


def _security(policy):
    security = getattr(policy, 'security', None) if policy is not None else None
    return {name: getattr(security, attr, None) if security is not None else None for name, attr in SECURITY_FIELDS}


def _teaming(policy):
    teaming = getattr(policy, 'nicTeaming', None) if policy is not None else None
    order = getattr(teaming, 'nicOrder', None) if teaming is not None else None
    rolling = getattr(teaming, 'rollingOrder', None) if teaming is not None else None
    return dict(
        load_balancing=(getattr(teaming, 'policy', None) or None) if teaming is not None else None,
        active_uplinks=list(order.activeNic or []) if order is not None else None,
        standby_uplinks=list(order.standbyNic or []) if order is not None else None,
        notify_switches=getattr(teaming, 'notifySwitches', None) if teaming is not None else None,
        failback=None if rolling is None else not rolling,
    )


def _bandwidth(policy):
    shaping = getattr(policy, 'shapingPolicy', None) if policy is not None else None
    if shaping is None:
        return None
    return shaping_to_bandwidth(shaping.enabled, shaping.averageBandwidth, shaping.peakBandwidth, shaping.burstSize)


def describe_switch(network_info, vswitch, vm_networks):
    """A standard switch as a plain dict (keys as in network_xml, plus policies and port groups)."""
    pnic_devices = {nic.key: nic.device for nic in network_info.pnic or ()}
    uplinks = [pnic_devices.get(key, key) for key in vswitch.pnic or ()]
    spec = vswitch.spec
    bridge = getattr(spec, 'bridge', None) if spec is not None else None
    if not uplinks and isinstance(bridge, vim.host.VirtualSwitch.BondBridge):
        uplinks = list(bridge.nicDevice or [])
    vmkernel = {}
    for vnic in network_info.vnic or ():
        if vnic.portgroup:
            vmkernel.setdefault(vnic.portgroup, []).append(vnic.device)
    portgroups = []
    for portgroup in network_info.portgroup or ():
        pg_spec = portgroup.spec
        if pg_spec is None or pg_spec.vswitchName != vswitch.name:
            continue
        ports = {}
        for port in portgroup.port or ():
            ports[port.type] = ports.get(port.type, 0) + 1
        portgroups.append(dict(
            name=pg_spec.name,
            key=portgroup.key,
            vlan_id=pg_spec.vlanId or 0,
            vm_network=pg_spec.name in vm_networks,
            vmkernel_adapters=vmkernel.get(pg_spec.name, []),
            ports=ports,
            security=_security(pg_spec.policy),
            teaming=_teaming(pg_spec.policy),
            bandwidth=_bandwidth(pg_spec.policy),
        ))
    policy = getattr(spec, 'policy', None) if spec is not None else None
    key = vswitch.key or switch_key(vswitch.name)
    switch = dict(
        name=vswitch.name,
        key=key,
        uuid=network_uuid(key),
        mtu=vswitch.mtu or getattr(spec, 'mtu', None) or DEFAULT_MTU,
        ports=getattr(spec, 'numPorts', None),
        ports_available=vswitch.numPortsAvailable,
        uplinks=uplinks,
        security=_security(policy),
        teaming=_teaming(policy),
        bandwidth=_bandwidth(policy),
        portgroups=portgroups,
    )
    switch['xml'] = format_network_xml(switch)
    return switch


def host_switches(host):
    info = host['network_info']
    if info is None:
        return []
    return [describe_switch(info, vswitch, host['vm_networks']) for vswitch in info.vswitch or ()]


def raw_switch(host, name):
    for vswitch in getattr(host['network_info'], 'vswitch', None) or ():
        if vswitch.name == name:
            return vswitch
    return None


def raw_portgroup(host, name):
    for portgroup in getattr(host['network_info'], 'portgroup', None) or ():
        if portgroup.spec is not None and portgroup.spec.name == name:
            return portgroup
    return None


def describe_nic(network_info, nic, switches):
    """A physical NIC as a plain dict with libvirt's interface XML."""
    link = nic.linkSpeed
    uplink_of = None
    for switch in switches:
        if nic.device in switch['uplinks']:
            uplink_of = switch['name']
            break
    ipv4 = {}
    ip_config = getattr(nic.spec, 'ip', None) if nic.spec is not None else None
    if ip_config is not None:
        ipv4['dhcp'] = bool(ip_config.dhcp)
        prefix = netmask_prefix(ip_config.subnetMask) if ip_config.subnetMask else None
        if ip_config.ipAddress and prefix is not None:
            ipv4['address'] = ip_config.ipAddress
            ipv4['prefix'] = prefix
    result = dict(
        name=nic.device,
        key=nic.key,
        mac=nic.mac,
        driver=nic.driver,
        pci=nic.pci,
        link_state='up' if link is not None else 'down',
        speed_mbps=link.speedMb if link is not None else None,
        full_duplex=link.duplex if link is not None else None,
        wake_on_lan_supported=bool(nic.wakeOnLanSupported),
        switch=uplink_of,
        ipv4=ipv4 or None,
    )
    result['xml'] = format_interface_xml(result)
    return result


def host_nics(host, switches=None):
    info = host['network_info']
    if info is None:
        return []
    switches = host_switches(host) if switches is None else switches
    return [describe_nic(info, nic, switches) for nic in info.pnic or ()]


# -- desired state and planning ------------------------------------------------------

def _policy_matches(current, wanted):
    """True when every value the user gave (not None) equals the current one."""
    for name, value in (wanted or {}).items():
        if value is None:
            continue
        if current.get(name) != value:
            return False
    return True


def _merge_policy(current, wanted):
    merged = dict(current or {})
    for name, value in (wanted or {}).items():
        if value is not None:
            merged[name] = value
    return merged


def _portgroup_differences(current, wanted):
    changed = []
    if wanted.get('vlan_id') is not None and current['vlan_id'] != wanted['vlan_id']:
        changed.append('vlan_id')
    if not _policy_matches(current['security'], wanted.get('security')):
        changed.append('security')
    if not _policy_matches(current['teaming'], wanted.get('teaming')):
        changed.append('teaming')
    if 'bandwidth' in wanted and current['bandwidth'] != wanted['bandwidth']:
        changed.append('bandwidth')
    return changed


def _new_portgroup(wanted, switch_name):
    return dict(
        name=wanted['name'], key='key-vim.host.PortGroup-' + wanted['name'], vlan_id=wanted.get('vlan_id') or 0,
        vm_network=True, vmkernel_adapters=[], ports={},
        security=_merge_policy({name: None for name, _attr in SECURITY_FIELDS}, wanted.get('security')),
        teaming=_merge_policy(dict(load_balancing=None, active_uplinks=None, standby_uplinks=None,
                                   notify_switches=None, failback=None), wanted.get('teaming')),
        bandwidth=wanted.get('bandwidth'),
        _switch=switch_name,
    )


def plan_switch(host, current, desired, state, other_switches=()):
    """Changes that bring ``current`` (a switch dict or None) to ``desired``.

    ``desired``: name, and optional uplinks (list), mtu, ports, bandwidth,
    portgroups (list of {name, vlan_id, security, teaming[, bandwidth]}),
    purge_portgroups (bool). Keys left out (or None) are left as they are.
    Returns ``(changes, after)``: a list of change dicts (``op`` plus
    arguments) in the order to apply them, and the predicted switch dict (None
    once removed).
    """
    name = desired['name']
    changes = []
    if state == 'absent':
        if current is None:
            return changes, None
        for portgroup in current['portgroups']:
            changes.append(dict(op='remove_portgroup', name=portgroup['name']))
        changes.append(dict(op='remove_switch', name=name))
        return changes, None

    _check_uplinks(host, desired, other_switches)
    effective_uplinks = desired.get('uplinks')
    if effective_uplinks is None:
        effective_uplinks = current['uplinks'] if current else []
    _check_portgroup_names(desired, other_switches, host, effective_uplinks)

    if current is None:
        after = dict(name=name, key=switch_key(name), uuid=network_uuid(switch_key(name)),
                     mtu=desired.get('mtu') or DEFAULT_MTU, ports=desired.get('ports') or DEFAULT_PORTS,
                     ports_available=None, uplinks=list(desired.get('uplinks') or []),
                     security={n: None for n, _a in SECURITY_FIELDS},
                     teaming=dict(load_balancing=None, active_uplinks=None, standby_uplinks=None,
                                  notify_switches=None, failback=None),
                     bandwidth=desired.get('bandwidth'), portgroups=[])
        changes.append(dict(op='add_switch', name=name, ports=after['ports'], mtu=desired.get('mtu'),
                            uplinks=after['uplinks'], bandwidth=after['bandwidth']))
        for wanted in desired.get('portgroups') or []:
            after['portgroups'].append(_new_portgroup(wanted, name))
            changes.append(dict(op='add_portgroup', switch=name, portgroup=wanted))
        return changes, _finish(after)

    after = copy.deepcopy(current)
    after.pop('xml', None)
    removals, additions = [], []
    wanted_groups = desired.get('portgroups')
    if wanted_groups is not None:
        wanted_names = set(group['name'] for group in wanted_groups)
        if desired.get('purge_portgroups', True):
            for portgroup in current['portgroups']:
                if portgroup['name'] in wanted_names:
                    continue
                if portgroup['vmkernel_adapters']:
                    # Removing the port group of a VMkernel adapter (the management network...) cuts the host off.
                    continue
                removals.append(dict(op='remove_portgroup', name=portgroup['name']))
                after['portgroups'] = [pg for pg in after['portgroups'] if pg['name'] != portgroup['name']]
        existing = {pg['name']: pg for pg in after['portgroups']}
        for wanted in wanted_groups:
            found = existing.get(wanted['name'])
            if found is None:
                additions.append(dict(op='add_portgroup', switch=name, portgroup=wanted))
                after['portgroups'].append(_new_portgroup(wanted, name))
                continue
            differences = _portgroup_differences(found, wanted)
            if differences:
                additions.append(dict(op='update_portgroup', switch=name, name=wanted['name'], portgroup=wanted,
                                      fields=differences))
                if 'vlan_id' in differences:
                    found['vlan_id'] = wanted['vlan_id']
                found['security'] = _merge_policy(found['security'], wanted.get('security'))
                found['teaming'] = _merge_policy(found['teaming'], wanted.get('teaming'))
                if 'bandwidth' in differences:
                    found['bandwidth'] = wanted['bandwidth']

    switch_fields = {}
    # The bridge's NIC list is a set to the host (failover order is the teaming policy's), so order alone is no change.
    if desired.get('uplinks') is not None and set(desired['uplinks']) != set(current['uplinks']):
        switch_fields['uplinks'] = list(desired['uplinks'])
    if desired.get('mtu') is not None and desired['mtu'] != current['mtu']:
        switch_fields['mtu'] = desired['mtu']
    if desired.get('ports') is not None and desired['ports'] != current['ports']:
        switch_fields['ports'] = desired['ports']
    if 'bandwidth' in desired and desired['bandwidth'] != current['bandwidth']:
        switch_fields['bandwidth'] = desired['bandwidth']
    changes.extend(removals)
    if switch_fields:
        changes.append(dict(op='update_switch', name=name, fields=switch_fields))
        after.update(switch_fields)
        if 'uplinks' in switch_fields:
            after['teaming'] = _reordered_teaming(after['teaming'], switch_fields['uplinks'])
    changes.extend(additions)
    return changes, _finish(after)


def _finish(switch):
    switch = dict(switch)
    switch['portgroups'] = [dict((k, v) for k, v in pg.items() if not k.startswith('_')) for pg in switch['portgroups']]
    switch['xml'] = format_network_xml(switch)
    return switch


def _reordered_teaming(teaming, uplinks):
    teaming = dict(teaming)
    if teaming.get('active_uplinks') is None and teaming.get('standby_uplinks') is None:
        return teaming
    if not uplinks:
        teaming['active_uplinks'] = teaming['standby_uplinks'] = None
        return teaming
    active = [nic for nic in teaming.get('active_uplinks') or [] if nic in uplinks]
    standby = [nic for nic in teaming.get('standby_uplinks') or [] if nic in uplinks]
    active += [nic for nic in uplinks if nic not in active and nic not in standby]
    teaming['active_uplinks'], teaming['standby_uplinks'] = active, standby
    return teaming


def _check_uplinks(host, desired, other_switches):
    uplinks = desired.get('uplinks')
    if not uplinks:
        return
    known = [nic.device for nic in getattr(host['network_info'], 'pnic', None) or ()]
    for device in uplinks:
        if device not in known:
            raise NetworkError("Host %s has no physical NIC '%s' (physical NICs: %s)" % (
                host['name'], device, ', '.join(known) or 'none'))
        for switch in other_switches:
            if device in switch['uplinks']:
                raise NetworkError("Physical NIC '%s' of host %s is already an uplink of switch %s" % (
                    device, host['name'], switch['name']))


def _check_portgroup_names(desired, other_switches, host, uplinks):
    for wanted in desired.get('portgroups') or []:
        for switch in other_switches:
            if any(pg['name'] == wanted['name'] for pg in switch['portgroups']):
                raise NetworkError("Port group '%s' already exists on switch %s of host %s; port group names are "
                                   "unique per host" % (wanted['name'], switch['name'], host['name']))
        teaming = wanted.get('teaming') or {}
        for field in ('active_uplinks', 'standby_uplinks'):
            for device in teaming.get(field) or []:
                if device not in uplinks:
                    raise NetworkError("Port group '%s': %s names '%s', which is not an uplink of switch %s" % (
                        wanted['name'], field, device, desired['name']))


# -- VMs and VMkernel adapters on port groups ---------------------------------------

def portgroup_users(session, host, portgroup_names):
    """{port group name: sorted VM names} for VMs of ``host`` connected to those port groups."""
    wanted = set(portgroup_names)
    if not wanted:
        return {}
    items = session.retrieve({'VirtualMachine': ['name', 'runtime.host', 'network'], 'Network': ['name']})
    network_names = {item['_moid']: item.get('name') for item in items if item['_type'] == 'Network'}
    users = {}
    for item in items:
        if item['_type'] != 'VirtualMachine':
            continue
        if getattr(item.get('runtime.host'), '_moId', None) != host['moid']:
            continue
        for ref in item.get('network') or ():
            network_name = network_names.get(ref._moId)
            if network_name in wanted:
                users.setdefault(network_name, set()).add(item.get('name'))
    return {name: sorted(vms) for name, vms in users.items()}


def check_removals(session, host, current, changes, force):
    """Refuse to remove port groups that VMkernel adapters use, or that VMs use unless ``force``."""
    removed = [change['name'] for change in changes if change['op'] == 'remove_portgroup']
    if not removed:
        return
    by_name = {pg['name']: pg for pg in current['portgroups']} if current else {}
    for name in removed:
        adapters = by_name.get(name, {}).get('vmkernel_adapters')
        if adapters:
            raise NetworkError("Port group '%s' on host %s carries VMkernel adapter(s) %s; remove them first "
                               "(force does not override this)" % (name, host['name'], ', '.join(adapters)))
    users = portgroup_users(session, host, removed)
    if users and not force:
        details = '; '.join("port group '%s' is used by VM(s) %s" % (name, ', '.join(vms)) for name, vms in sorted(users.items()))
        raise NetworkError('Refusing to remove from host %s: %s. Set force: true to remove it anyway (the host '
                           'still refuses a port group that powered-on VMs are connected to)' % (host['name'], details))


# -- applying ---------------------------------------------------------------------------

def _shaping_policy(bandwidth):
    enabled, average, peak, burst = bandwidth_to_shaping(bandwidth)
    if not enabled:
        return vim.host.NetworkPolicy.TrafficShapingPolicy(enabled=False)
    return vim.host.NetworkPolicy.TrafficShapingPolicy(
        enabled=True, averageBandwidth=average or None, peakBandwidth=peak or None, burstSize=burst or None)


def _portgroup_policy(wanted, existing_policy=None):
    policy = copy.deepcopy(existing_policy) if existing_policy is not None else vim.host.NetworkPolicy()
    security = wanted.get('security') or {}
    if any(value is not None for value in security.values()):
        if policy.security is None:
            policy.security = vim.host.NetworkPolicy.SecurityPolicy()
        for name, attr in SECURITY_FIELDS:
            if security.get(name) is not None:
                setattr(policy.security, attr, security[name])
    teaming = wanted.get('teaming') or {}
    if any(value is not None for value in teaming.values()):
        if policy.nicTeaming is None:
            policy.nicTeaming = vim.host.NetworkPolicy.NicTeamingPolicy()
        team = policy.nicTeaming
        if teaming.get('load_balancing') is not None:
            team.policy = teaming['load_balancing']
        if teaming.get('notify_switches') is not None:
            team.notifySwitches = teaming['notify_switches']
        if teaming.get('failback') is not None:
            team.rollingOrder = not teaming['failback']
        if teaming.get('active_uplinks') is not None or teaming.get('standby_uplinks') is not None:
            order = team.nicOrder or vim.host.NetworkPolicy.NicOrderPolicy()
            if teaming.get('active_uplinks') is not None:
                order.activeNic = list(teaming['active_uplinks'])
            if teaming.get('standby_uplinks') is not None:
                order.standbyNic = list(teaming['standby_uplinks'])
            team.nicOrder = order
    if 'bandwidth' in wanted:
        policy.shapingPolicy = _shaping_policy(wanted['bandwidth'])
    return policy


def _switch_spec(change, existing=None):
    if existing is not None:
        spec = copy.deepcopy(existing.spec)
        fields = change['fields']
    else:
        spec = vim.host.VirtualSwitch.Specification(numPorts=change['ports'])
        fields = dict(uplinks=change['uplinks'], mtu=change.get('mtu'))
        if change.get('bandwidth'):
            fields['bandwidth'] = change['bandwidth']
    if fields.get('ports') is not None:
        spec.numPorts = fields['ports']
    if fields.get('mtu') is not None:
        spec.mtu = fields['mtu']
    if 'uplinks' in fields:
        uplinks = list(fields['uplinks'] or [])
        old_bridge = spec.bridge if isinstance(spec.bridge, vim.host.VirtualSwitch.BondBridge) else None
        if uplinks:
            bridge = vim.host.VirtualSwitch.BondBridge(nicDevice=uplinks)
            if old_bridge is not None:
                bridge.beacon = old_bridge.beacon
                bridge.linkDiscoveryProtocolConfig = old_bridge.linkDiscoveryProtocolConfig
            spec.bridge = bridge
        else:
            spec.bridge = None
        team = spec.policy.nicTeaming if spec.policy is not None else None
        if team is not None and team.nicOrder is not None:
            reordered = _reordered_teaming(dict(active_uplinks=list(team.nicOrder.activeNic or []),
                                                standby_uplinks=list(team.nicOrder.standbyNic or [])), uplinks)
            if uplinks:
                team.nicOrder = vim.host.NetworkPolicy.NicOrderPolicy(
                    activeNic=reordered['active_uplinks'], standbyNic=reordered['standby_uplinks'])
            else:
                team.nicOrder = None
    if 'bandwidth' in fields:
        if spec.policy is None:
            spec.policy = vim.host.NetworkPolicy()
        spec.policy.shapingPolicy = _shaping_policy(fields['bandwidth'])
    return spec


def _call(host, what, method, **kwargs):
    with vsphere_call('%s on host %s' % (what, host['name']), NetworkError):
        method(**kwargs)


def apply_changes(host, changes):
    """Make ``changes`` (from plan_switch) on ``host`` through its HostNetworkSystem."""
    network_system = host['network_system']
    if network_system is None:
        raise NetworkError('Host %s has no network system (is it connected?)' % host['name'])
    for change in changes:
        op = change['op']
        if op == 'add_switch':
            _call(host, 'Adding switch %s' % change['name'], network_system.AddVirtualSwitch,
                  vswitchName=change['name'], spec=_switch_spec(change))
        elif op == 'update_switch':
            existing = raw_switch(host, change['name'])
            _call(host, 'Updating switch %s' % change['name'], network_system.UpdateVirtualSwitch,
                  vswitchName=change['name'], spec=_switch_spec(change, existing))
        elif op == 'remove_switch':
            _call(host, 'Removing switch %s' % change['name'], network_system.RemoveVirtualSwitch,
                  vswitchName=change['name'])
        elif op == 'add_portgroup':
            wanted = change['portgroup']
            spec = vim.host.PortGroup.Specification(name=wanted['name'], vlanId=wanted.get('vlan_id') or 0,
                                                    vswitchName=change['switch'], policy=_portgroup_policy(wanted))
            _call(host, 'Adding port group %s' % wanted['name'], network_system.AddPortGroup, portgrp=spec)
        elif op == 'update_portgroup':
            wanted = change['portgroup']
            existing = raw_portgroup(host, change['name'])
            spec = copy.deepcopy(existing.spec)
            if wanted.get('vlan_id') is not None:
                spec.vlanId = wanted['vlan_id']
            spec.policy = _portgroup_policy(wanted, spec.policy)
            _call(host, 'Updating port group %s' % change['name'], network_system.UpdatePortGroup,
                  pgName=change['name'], portgrp=spec)
        elif op == 'remove_portgroup':
            _call(host, 'Removing port group %s' % change['name'], network_system.RemovePortGroup,
                  pgName=change['name'])
        else:  # pragma: no cover - plan_switch makes no other change
            raise NetworkError('Unknown change %s' % op)


def describe_change(change):
    """One line per change, for the module result."""
    op = change['op']
    if op == 'add_switch':
        return 'AddVirtualSwitch %s' % change['name']
    if op == 'update_switch':
        return 'UpdateVirtualSwitch %s (%s)' % (change['name'], ', '.join(sorted(change['fields'])))
    if op == 'remove_switch':
        return 'RemoveVirtualSwitch %s' % change['name']
    if op == 'add_portgroup':
        return 'AddPortGroup %s' % change['portgroup']['name']
    if op == 'update_portgroup':
        return 'UpdatePortGroup %s (%s)' % (change['name'], ', '.join(change['fields']))
    return 'RemovePortGroup %s' % change['name']


# -- distributed switches (read-only) ---------------------------------------------------

def _dv_vlan(port_config):
    vlan = getattr(port_config, 'vlan', None) if port_config is not None else None
    if vlan is None:
        return dict(vlan_id=None, vlan_type=None)
    vlan_id = getattr(vlan, 'vlanId', None)
    if isinstance(vlan_id, int):
        return dict(vlan_id=vlan_id, vlan_type='vlan')
    if vlan_id:
        # A trunk: a list of ranges.
        return dict(vlan_id=['%s-%s' % (r.start, r.end) if r.start != r.end else str(r.start) for r in vlan_id],
                    vlan_type='trunk')
    if getattr(vlan, 'pvlanId', None) is not None:
        return dict(vlan_id=vlan.pvlanId, vlan_type='pvlan')
    return dict(vlan_id=None, vlan_type=None)


def read_distributed_switches(session, datacenter=None):
    """Distributed switches of a vCenter with their port groups and member hosts (read-only)."""
    items = session.retrieve({
        'DistributedVirtualSwitch': ['name', 'uuid', 'parent', 'summary.hostMember', 'config.maxMtu'],
        'DistributedVirtualPortgroup': ['name', 'key', 'config.distributedVirtualSwitch', 'config.defaultPortConfig',
                                        'config.type', 'config.numPorts'],
        'Folder': ['name', 'parent'],
        'Datacenter': ['name', 'parent'],
        'HostSystem': ['name'],
    })
    by_moid = {item['_moid']: item for item in items}

    def datacenter_of(item):
        parent = item.get('parent')
        for _depth in range(64):
            found = by_moid.get(getattr(parent, '_moId', None))
            if found is None:
                return None
            if found['_type'] == 'Datacenter':
                return found.get('name')
            parent = found.get('parent')
        return None

    switches = []
    for item in items:
        if item['_type'] not in ('DistributedVirtualSwitch', 'VmwareDistributedVirtualSwitch'):
            continue
        dc_name = datacenter_of(item)
        if datacenter and dc_name != datacenter:
            continue
        portgroups = []
        for pg in items:
            if pg['_type'] != 'DistributedVirtualPortgroup':
                continue
            if getattr(pg.get('config.distributedVirtualSwitch'), '_moId', None) != item['_moid']:
                continue
            entry = dict(name=pg.get('name'), key=pg.get('key'), type=pg.get('config.type'),
                         ports=pg.get('config.numPorts'))
            entry.update(_dv_vlan(pg.get('config.defaultPortConfig')))
            portgroups.append(entry)
        switches.append(dict(
            name=item.get('name'),
            uuid=item.get('uuid'),
            moid=item['_moid'],
            datacenter=dc_name,
            mtu=item.get('config.maxMtu') or None,
            hosts=sorted(by_moid.get(ref._moId, {}).get('name', ref._moId) for ref in item.get('summary.hostMember') or ()),
            portgroups=portgroups,
        ))
    return switches


# -- the network module --------------------------------------------------------------

class NetworkHostError(NetworkError):
    """A host refused the change; ``hosts`` are the results of the hosts before it, ``changed`` if any changed."""

    def __init__(self, message, changed, hosts):
        super(NetworkHostError, self).__init__(message)
        self.changed = changed
        self.hosts = hosts

    def as_dict(self):
        return dict(changed=self.changed, hosts=self.hosts)


def _refuse_empty_names(switch_name, portgroup_names):
    if switch_name is None or switch_name.strip() == '':
        raise NetworkError('The switch name must not be empty')
    if any(name is None or name.strip() == '' for name in portgroup_names):
        raise NetworkError('Switch %s: a port group name must not be empty' % switch_name)


def desired_state(params):
    """The desired switch from the options or the XML, and the UUID the XML asks for (else None)."""
    desired, uuid = _desired_state(params)
    _refuse_empty_names(desired['name'], [pg['name'] for pg in desired['portgroups'] or ()])
    return desired, uuid


def _desired_state(params):
    if params['xml']:
        parsed = parse_network_xml(params['xml'])
        portgroups = [dict(name=pg['name'], vlan_id=pg['vlan_id'], bandwidth=pg['bandwidth']) for pg in parsed['portgroups']]
        desired = dict(name=parsed['name'], uplinks=parsed['uplinks'], mtu=parsed['mtu'], ports=params['ports'],
                       bandwidth=parsed['bandwidth'], portgroups=portgroups, purge_portgroups=True)
        return desired, parsed['uuid']
    name = params['name']
    if len(name) > 32:
        raise NetworkError('Switch name %s is longer than 32 characters' % name)
    if params['mtu'] is not None and not 1280 <= params['mtu'] <= 9000:
        raise NetworkError('mtu %s is not within 1280..9000' % params['mtu'])
    portgroups = None
    if params['portgroups'] is not None:
        portgroups = []
        for item in params['portgroups']:
            if not 0 <= item['vlan_id'] <= 4095:
                raise NetworkError("Port group %s: vlan_id %s is not within 0..4095" % (item['name'], item['vlan_id']))
            portgroup = dict(name=item['name'], vlan_id=item['vlan_id'], security=item['security'] or {},
                             teaming=item['teaming'] or {})
            if item['bandwidth'] is not None:
                portgroup['bandwidth'] = _bandwidth_option(item['bandwidth'], 'port group %s' % item['name'])
            portgroups.append(portgroup)
        names = [pg['name'] for pg in portgroups]
        duplicates = sorted(set(n for n in names if names.count(n) > 1))
        if duplicates:
            raise NetworkError('Port group %s is listed more than once' % ', '.join(duplicates))
    desired = dict(name=name, uplinks=params['uplinks'], mtu=params['mtu'], ports=params['ports'], portgroups=portgroups,
                   purge_portgroups=params['purge_portgroups'])
    if params['bandwidth'] is not None:
        desired['bandwidth'] = _bandwidth_option(params['bandwidth'], 'switch %s' % name)
    return desired, None


def _bandwidth_option(value, where):
    """A bandwidth option as the planner's bandwidth: a dict, or None for no shaping."""
    rates = dict((key, value.get(key) or 0) for key in ('average', 'peak', 'burst'))
    if any(rate < 0 for rate in rates.values()):
        raise NetworkError('%s: bandwidth rates must not be negative' % where)
    return rates if any(rates.values()) else None


def _check_uuid(wanted_uuid, current, name):
    if wanted_uuid is None:
        return
    actual = current['uuid'] if current else network_uuid(switch_key(name))
    if wanted_uuid != actual:
        raise NetworkError('Cannot use predefined UUID %s: the UUID of network %s is derived from its switch key (%s)'
                           % (wanted_uuid, name, actual))


def manage_network(session, params, check_mode=False):
    """Bring the switch to params['state'] on each selected host; return the module result.

    ``params`` are the options of virt.esx.network. The result has ``changed``,
    ``network``, ``xml`` and ``changes`` (of the one host, else null and empty),
    ``hosts`` (one entry per host) and ``diff`` (one per host, a list for more
    than one). A host that refuses the change raises NetworkHostError.
    """
    desired, wanted_uuid = desired_state(params)
    name = desired['name']
    hosts = select_hosts(session, read_hosts(session), params['esxi_hostname'], params['cluster'], require=True)
    results = []
    diffs = []
    for host in hosts:
        switches = host_switches(host)
        current = next((switch for switch in switches if switch['name'] == name), None)
        others = [switch for switch in switches if switch['name'] != name]
        try:
            _check_uuid(wanted_uuid, current, name)
            changes, predicted = plan_switch(host, current, desired, params['state'], others)
            check_removals(session, host, current, changes, params['force'])
            if changes and not check_mode:
                apply_changes(host, changes)
        except VirtEsxError as exc:
            # Hosts done before this one keep their changes: say which.
            done = [result['name'] for result in results if result['changed']]
            raise NetworkHostError(
                str(exc) + ('' if not done else ' (already changed on: %s)' % ', '.join(done)),
                changed=bool(done),
                hosts=[dict((k, v) for k, v in result.items() if k not in ('moid', 'before')) for result in results]) from exc
        results.append(dict(name=host['name'], moid=host['moid'], changed=bool(changes),
                            changes=[describe_change(change) for change in changes],
                            network=predicted, xml=predicted['xml'] if predicted else None,
                            before=current['xml'] if current else ''))
    if any(result['changed'] for result in results) and not check_mode:
        # What the hosts report now, rather than the prediction.
        fresh = {host['moid']: host for host in read_hosts(session)}
        for result in results:
            host = fresh.get(result['moid'])
            found = next((s for s in host_switches(host) if s['name'] == name), None) if host else None
            result['network'] = found
            result['xml'] = found['xml'] if found else None
    for result in results:
        diffs.append(dict(before=result.pop('before'), after=result['xml'] or '',
                          before_header='%s: %s' % (result['name'], name), after_header='%s: %s' % (result['name'], name)))
        result.pop('moid')
    single = results[0] if len(results) == 1 else None
    return dict(
        changed=any(result['changed'] for result in results),
        network=single['network'] if single else None,
        xml=single['xml'] if single else None,
        changes=single['changes'] if single else [],
        hosts=results,
        diff=diffs[0] if len(diffs) == 1 else diffs,
    )
