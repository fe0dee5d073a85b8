# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distributed virtual switches of a vCenter: read as plain dicts, changed from plain dicts.

The plain switch dict (the same one the planner in resources/dvswitch.py works on)::

    {'name': 'dvs-prod', 'uuid': '...', 'moid': 'dvs-21', 'datacenter': 'DC1', 'version': '7.0.0',
     'uplinks': ['Uplink 1', 'Uplink 2'], 'mtu': 9000, 'config_version': '3',
     'hosts': [{'name': 'esx1', 'nics': ['vmnic1']}],
     'portgroups': [{'name': 'web', 'key': 'dvportgroup-22', 'vlan_id': 10, 'trunk': None,
                     'security': {'promiscuous': False, 'forged_transmits': False, 'mac_changes': False},
                     'teaming': {'load_balancing': 'loadbalance_srcid', 'active_uplinks': [...], 'standby_uplinks': [...]},
                     'binding': 'static', 'ports': 8, 'config_version': '1'}]}

Readers follow the vSphere API reference (VMwareDVSConfigInfo, DVPortgroupConfigInfo,
VMwareDVSPortSetting) rather than one server: unset policies are None, a VLAN
spec may be a plain id, a trunk of ranges or a private VLAN, and the uplink port
group (config.uplinkPortgroup) is not one of the switch's VM port groups.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import ancestor
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import wait_for_task


class DvSwitchError(VirtEsxError):
    """A distributed switch that cannot be read or changed as asked."""


BINDING_TO_TYPE = {'static': 'earlyBinding', 'ephemeral': 'ephemeral'}
TYPE_TO_BINDING = {'earlyBinding': 'static', 'ephemeral': 'ephemeral', 'lateBinding': 'dynamic'}
SECURITY_ATTRS = (('promiscuous', 'allowPromiscuous'), ('forged_transmits', 'forgedTransmits'),
                  ('mac_changes', 'macChanges'))


# -- reading ----------------------------------------------------------------------

def _value(policy):
    """The value of a BoolPolicy/StringPolicy, None when unset."""
    return getattr(policy, 'value', None) if policy is not None else None


def _vlan(setting):
    vlan = getattr(setting, 'vlan', None) if setting is not None else None
    if vlan is None:
        return None, None
    vlan_id = getattr(vlan, 'vlanId', None)
    if isinstance(vlan_id, int) and not isinstance(vlan_id, bool):
        return vlan_id, None
    if isinstance(vlan, vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec) or vlan_id:
        return None, ['%d-%d' % (r.start, r.end) if r.start != r.end else str(r.start) for r in vlan_id or ()]
    return None, None


def describe_portgroup(name, key, config):
    setting = getattr(config, 'defaultPortConfig', None)
    vlan_id, trunk = _vlan(setting)
    security = getattr(setting, 'securityPolicy', None) if setting is not None else None
    teaming = getattr(setting, 'uplinkTeamingPolicy', None) if setting is not None else None
    order = getattr(teaming, 'uplinkPortOrder', None) if teaming is not None else None
    return dict(
        name=name,
        key=key,
        vlan_id=vlan_id,
        trunk=trunk,
        security={option: _value(getattr(security, attr, None)) if security is not None else None
                  for option, attr in SECURITY_ATTRS},
        teaming=dict(
            load_balancing=_value(getattr(teaming, 'policy', None)) if teaming is not None else None,
            active_uplinks=list(order.activeUplinkPort or []) if order is not None else None,
            standby_uplinks=list(order.standbyUplinkPort or []) if order is not None else None,
        ),
        binding=TYPE_TO_BINDING.get(getattr(config, 'type', None), getattr(config, 'type', None)),
        ports=getattr(config, 'numPorts', None),
        config_version=getattr(config, 'configVersion', None) or None,
    )


def _member_nics(member):
    backing = getattr(getattr(member, 'config', None), 'backing', None)
    return [spec.pnicDevice for spec in getattr(backing, 'pnicSpec', None) or () if spec.pnicDevice]


def read_switches(session):
    """(switches, hosts, datacenters): every distributed switch of the vCenter as a plain dict (with
    '_obj' and its port groups' '_obj'), hosts {name: {'moid', 'obj', 'nics', 'datacenter'}} and
    datacenters {name: {'obj', 'network_folder'}}, from one property query."""
    items = session.retrieve({
        'DistributedVirtualSwitch': ['name', 'uuid', 'parent', 'config', 'summary.hostMember', 'summary.productInfo'],
        'DistributedVirtualPortgroup': ['name', 'key', 'config'],
        'Folder': ['name', 'parent'],
        'Datacenter': ['name', 'parent', 'networkFolder'],
        'ComputeResource': ['name', 'parent'],
        'HostSystem': ['name', 'parent', 'config.network.pnic', 'config.network.vswitch'],
    })
    by_moid = {item['_moid']: item for item in items}
    datacenters = {item.get('name'): dict(obj=item['_obj'], network_folder=item.get('networkFolder'))
                   for item in items if item['_type'] == 'Datacenter'}
    hosts = {}
    for item in items:
        if item['_type'] != 'HostSystem':
            continue
        datacenter = ancestor(by_moid, item, ('Datacenter',))
        pnics = item.get('config.network.pnic') or ()
        devices = dict((nic.key, nic.device) for nic in pnics)
        # A physical NIC serves one switch: the standard switches' uplinks (their pnic keys).
        in_use = {}
        for vswitch in item.get('config.network.vswitch') or ():
            for key in vswitch.pnic or ():
                in_use[devices.get(key, key)] = 'standard switch %s' % vswitch.name
        hosts[item.get('name')] = dict(moid=item['_moid'], obj=item['_obj'], nics=[nic.device for nic in pnics],
                                       nics_in_use=in_use, datacenter=datacenter.get('name') if datacenter else None)
    host_names = {host['moid']: name for name, host in hosts.items()}
    portgroups_by_switch = {}
    for item in items:
        if item['_type'] != 'DistributedVirtualPortgroup':
            continue
        config = item.get('config')
        switch_ref = getattr(config, 'distributedVirtualSwitch', None)
        entry = describe_portgroup(item.get('name'), item.get('key') or item['_moid'], config)
        entry['_obj'] = item['_obj']
        portgroups_by_switch.setdefault(getattr(switch_ref, '_moId', None), []).append(entry)

    switches = []
    for item in items:
        if item['_type'] not in ('DistributedVirtualSwitch', 'VmwareDistributedVirtualSwitch'):
            continue
        config = item.get('config')
        datacenter = ancestor(by_moid, item, ('Datacenter',))
        uplink_keys = set(getattr(ref, '_moId', None) for ref in getattr(config, 'uplinkPortgroup', None) or ())
        members = {}
        for member in getattr(config, 'host', None) or ():
            ref = getattr(member.config, 'host', None)
            if ref is not None:
                members[ref._moId] = _member_nics(member)
        # summary.hostMember is the membership every server fills; config.host adds the NICs.
        for ref in item.get('summary.hostMember') or ():
            members.setdefault(ref._moId, [])
        uplink_policy = getattr(config, 'uplinkPortPolicy', None)
        product = getattr(config, 'productInfo', None) or item.get('summary.productInfo')
        portgroups = [pg for pg in portgroups_by_switch.get(item['_moid'], [])
                      if pg['key'] not in uplink_keys and getattr(pg['_obj'], '_moId', None) not in uplink_keys]
        switches.append(dict(
            name=item.get('name'),
            uuid=item.get('uuid') or getattr(config, 'uuid', None),
            moid=item['_moid'],
            datacenter=datacenter.get('name') if datacenter else None,
            version=getattr(product, 'version', None) or None,
            uplinks=list(getattr(uplink_policy, 'uplinkPortName', None) or []),
            mtu=getattr(config, 'maxMtu', None) or None,
            config_version=getattr(config, 'configVersion', None) or None,
            hosts=sorted((dict(name=host_names.get(moid, moid), nics=nics) for moid, nics in members.items()),
                         key=lambda host: host['name']),
            portgroups=sorted(portgroups, key=lambda pg: pg['name']),
            _obj=item['_obj'],
        ))
    for switch in switches:
        for member in switch['hosts']:
            host = hosts.get(member['name'])
            for nic in member['nics'] if host is not None else ():
                host['nics_in_use'][nic] = 'distributed switch %s' % switch['name']
    return switches, hosts, datacenters


# -- building specs -----------------------------------------------------------------

def _ranges(trunk):
    ranges = []
    for text in trunk:
        start, _sep, end = text.partition('-')
        ranges.append(vim.NumericRange(start=int(start), end=int(end or start)))
    return ranges


def port_setting(portgroup):
    """VMwareDVSPortSetting of a (complete) port group dict."""
    if portgroup.get('trunk'):
        vlan = vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec(vlanId=_ranges(portgroup['trunk']), inherited=False)
    else:
        vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(vlanId=portgroup.get('vlan_id') or 0, inherited=False)
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(vlan=vlan)
    security = portgroup.get('security') or {}
    if any(security.get(option) is not None for option, _attr in SECURITY_ATTRS):
        policy = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(inherited=False)
        for option, attr in SECURITY_ATTRS:
            if security.get(option) is not None:
                setattr(policy, attr, vim.BoolPolicy(inherited=False, value=security[option]))
        setting.securityPolicy = policy
    teaming = portgroup.get('teaming') or {}
    if any(teaming.get(name) is not None for name in ('load_balancing', 'active_uplinks', 'standby_uplinks')):
        policy = vim.dvs.VmwareDistributedVirtualSwitch.UplinkPortTeamingPolicy(inherited=False)
        if teaming.get('load_balancing') is not None:
            policy.policy = vim.StringPolicy(inherited=False, value=teaming['load_balancing'])
        if teaming.get('active_uplinks') is not None or teaming.get('standby_uplinks') is not None:
            policy.uplinkPortOrder = vim.dvs.VmwareDistributedVirtualSwitch.UplinkPortOrderPolicy(
                inherited=False, activeUplinkPort=list(teaming.get('active_uplinks') or []),
                standbyUplinkPort=list(teaming.get('standby_uplinks') or []))
        setting.uplinkTeamingPolicy = policy
    return setting


def portgroup_spec(portgroup, config_version=None):
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=portgroup['name'], type=BINDING_TO_TYPE[portgroup['binding']], numPorts=portgroup['ports'],
        defaultPortConfig=port_setting(portgroup))
    if config_version is not None:
        spec.configVersion = config_version
    return spec


def _host_member(host, nics, operation):
    backing = vim.dvs.HostMember.PnicBacking(pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice=nic) for nic in nics])
    return vim.dvs.HostMember.ConfigSpec(operation=operation, host=host['obj'], backing=backing)


def switch_spec(fields, hosts, config_version=None, name=None):
    """VMwareDVSConfigSpec with the fields to change: uplinks, mtu, and host members
    (``fields['hosts']``: a list of (operation, host, nics))."""
    spec = vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec()
    if name is not None:
        spec.name = name
    if config_version is not None:
        spec.configVersion = config_version
    if fields.get('uplinks') is not None:
        spec.uplinkPortPolicy = vim.DistributedVirtualSwitch.NameArrayUplinkPortPolicy(uplinkPortName=fields['uplinks'])
    if fields.get('mtu') is not None:
        spec.maxMtu = fields['mtu']
    members = []
    for operation, host_name, nics in fields.get('hosts') or ():
        host = hosts[host_name]
        if operation == 'remove':
            members.append(vim.dvs.HostMember.ConfigSpec(operation='remove', host=host['obj']))
        else:
            members.append(_host_member(host, nics, operation))
    if members:
        spec.host = members
    return spec


# -- calls ------------------------------------------------------------------------------

def _run(what, start, timeout):
    with vsphere_call(what, DvSwitchError):
        task = start()
    try:
        return wait_for_task(task, timeout=timeout, description=what)
    except TaskError as exc:
        raise DvSwitchError('%s failed: %s' % (what, exc))


def create_switch(datacenter, name, version, fields, hosts, timeout):
    spec = vim.DistributedVirtualSwitch.CreateSpec(configSpec=switch_spec(fields, hosts, name=name))
    if version:
        spec.productInfo = vim.dvs.ProductSpec(version=version)
    folder = datacenter['network_folder']
    _run('CreateDVS_Task %s' % name, lambda: folder.CreateDVS_Task(spec=spec), timeout)


def reconfigure_switch(switch, fields, hosts, timeout):
    spec = switch_spec(fields, hosts, config_version=switch['config_version'] or '')
    _run('ReconfigureDvs_Task %s' % switch['name'], lambda: switch['_obj'].ReconfigureDvs_Task(spec=spec), timeout)


def destroy_switch(switch, timeout):
    _run('Destroy_Task of switch %s' % switch['name'], switch['_obj'].Destroy_Task, timeout)


def add_portgroups(switch, portgroups, timeout):
    specs = [portgroup_spec(portgroup) for portgroup in portgroups]
    _run('AddDVPortgroup_Task %s' % ', '.join(pg['name'] for pg in portgroups),
         lambda: switch['_obj'].AddDVPortgroup_Task(spec=specs), timeout)


def reconfigure_portgroup(current, portgroup, timeout):
    spec = portgroup_spec(portgroup, config_version=current['config_version'] or '')
    _run('ReconfigureDVPortgroup_Task %s' % portgroup['name'],
         lambda: current['_obj'].ReconfigureDVPortgroup_Task(spec=spec), timeout)


def destroy_portgroup(current, timeout):
    _run('Destroy_Task of port group %s' % current['name'], current['_obj'].Destroy_Task, timeout)
