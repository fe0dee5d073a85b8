#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dvswitch
short_description: Create, update and remove a distributed switch of a vCenter and its port groups
version_added: 0.3.0
description:
  - Makes a distributed virtual switch of a vCenter datacenter exist with the uplinks, MTU and member hosts given,
    and its port groups with their VLAN or trunk, security, teaming, binding and number of ports; changes are made in
    place (V(ReconfigureDvs_Task), V(AddDVPortgroup_Task), V(ReconfigureDVPortgroup_Task)), never by re-creating.
  - Only what the options name is managed; hosts and port groups not listed stay as they are unless
    O(purge_hosts) / O(purge_portgroups).
  - M(virt.esx.network_info) reads the switch back (its C(distributed_switches)).
  - Needs a vCenter; a standalone ESX host has no distributed switches (use M(virt.esx.network) there).
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description: The switch name, unique in its datacenter.
    type: str
    required: true
  datacenter:
    description: The datacenter; defaults to the O(uri) path's, or the only one.
    type: str
  state:
    description:
      - V(present) creates or updates the switch; V(absent) removes its port groups and then the switch (refused by
        vCenter while a VM or VMkernel adapter uses one of them).
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - The switch version (V(6.6.0), V(7.0.0), ...) when it is created; the server's newest when left out.
      - A different version for an existing switch is an upgrade, which this module refuses (it fails).
    type: str
  uplinks:
    description: The names of the switch's uplinks, in order. Mutually exclusive with O(uplink_count).
    type: list
    elements: str
  uplink_count:
    description:
      - The number of uplinks; new ones are named V(Uplink N), existing names are kept.
        Mutually exclusive with O(uplinks).
    type: int
  mtu:
    description: The switch's maximum MTU, 1280 to 9000.
    type: int
  hosts:
    description:
      - Hosts that are members of the switch, each with the physical NICs given to its uplinks (in uplink order).
        A member whose NICs differ is changed (operation V(edit)).
    type: list
    elements: dict
    suboptions:
      name:
        description: The host's name in the vCenter.
        type: str
        required: true
      nics:
        description: Its physical NICs (V(vmnic1)); none makes it a member without uplinks.
        type: list
        elements: str
        default: []
  purge_hosts:
    description: Remove member hosts not listed in O(hosts) (only when O(hosts) is given).
    type: bool
    default: false
  portgroups:
    description: Distributed port groups of the switch. Values left out keep the current ones (a new port group gets
      VLAN 0, static binding, 8 ports and the switch's default policies).
    type: list
    elements: dict
    suboptions:
      name:
        description: The port group name.
        type: str
        required: true
      vlan_id:
        description: The VLAN id, 0 (none) to 4094. Mutually exclusive with O(portgroups[].trunk).
        type: int
      trunk:
        description: VLAN trunk ranges, each V(N) or V(N-M) (V(0-4094) is every VLAN).
        type: list
        elements: str
      security:
        description: Security policy; a value left out keeps the current one.
        type: dict
        suboptions:
          promiscuous:
            description: Allow promiscuous mode.
            type: bool
          forged_transmits:
            description: Allow forged transmits.
            type: bool
          mac_changes:
            description: Allow MAC address changes.
            type: bool
      teaming:
        description: Teaming and failover; a value left out keeps the current one.
        type: dict
        suboptions:
          load_balancing:
            description: The load balancing policy.
            type: str
            choices: [loadbalance_srcid, loadbalance_ip, loadbalance_srcmac, loadbalance_loadbased, failover_explicit]
          active_uplinks:
            description: Active uplinks, by name, in order (names of the switch's uplinks).
            type: list
            elements: str
          standby_uplinks:
            description: Standby uplinks, by name, in order.
            type: list
            elements: str
      binding:
        description: Port binding; V(static) (early binding) or V(ephemeral) (no binding).
        type: str
        choices: [static, ephemeral]
      ports:
        description: The number of ports.
        type: int
  purge_portgroups:
    description: Remove port groups not listed in O(portgroups) (only when O(portgroups) is given).
    type: bool
    default: false
  task_timeout:
    description: Seconds to wait for each task before failing (the task is not cancelled).
    type: int
    default: 3600
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reports the changes and the switch they would give, and changes nothing.
  diff_mode:
    support: full
    description: The switch before and after as data, and as libvirt network XML.
'''

EXAMPLES = r'''
- name: A distributed switch with two port groups on two hosts
  virt.esx.dvswitch:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    datacenter: DC1
    name: dvs-prod
    version: 7.0.0
    uplinks: [uplink-a, uplink-b]
    mtu: 9000
    hosts:
      - name: esx1.example.com
        nics: [vmnic2, vmnic3]
      - name: esx2.example.com
        nics: [vmnic2, vmnic3]
    portgroups:
      - name: web
        vlan_id: 110
        teaming:
          load_balancing: loadbalance_srcid
          active_uplinks: [uplink-a]
          standby_uplinks: [uplink-b]
      - name: trunk-to-firewall
        trunk: ["100-199", "300"]
        security:
          promiscuous: true
          forged_transmits: true
          mac_changes: false
        binding: ephemeral

- name: Remove it
  virt.esx.dvswitch:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    datacenter: DC1
    name: dvs-prod
    state: absent
'''

RETURN = r'''
switch:
  description: The switch after the run (as read again, or as predicted in check mode); null once removed.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    uuid:
      description: The switch UUID; null in check mode for a switch not yet created.
      type: str
    moid:
      description: Managed object id; null in check mode for a switch not yet created.
      type: str
      sample: dvs-21
    datacenter:
      description: Its datacenter.
      type: str
    version:
      description: The switch version.
      type: str
      sample: 7.0.0
    uplinks:
      description: Uplink names, in order.
      type: list
      elements: str
    mtu:
      description: The maximum MTU.
      type: int
    hosts:
      description: Member hosts, each with C(name) and C(nics) (its physical NICs on the switch).
      type: list
      elements: dict
    portgroups:
      description:
        - Port groups (not the uplink port group), each with C(name), C(key), C(vlan_id) (null for a trunk),
          C(trunk) (ranges, or null), C(security) (C(promiscuous), C(forged_transmits), C(mac_changes)),
          C(teaming) (C(load_balancing), C(active_uplinks), C(standby_uplinks)), C(binding) and C(ports).
      type: list
      elements: dict
xml:
  description: libvirt network XML of the switch (name, UUID, MTU, port groups with their VLAN); null once removed.
  returned: always
  type: str
changes:
  description: The calls made (or in check mode that would be made).
  returned: always
  type: list
  elements: str
  sample: ["CreateDVS_Task dvs-prod", "AddDVPortgroup_Task web, trunk-to-firewall"]
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.dvswitch import LOAD_BALANCING, manage_dvswitch


def main():
    portgroup = dict(
        name=dict(type='str', required=True),
        vlan_id=dict(type='int'),
        trunk=dict(type='list', elements='str'),
        security=dict(type='dict', options=dict(
            promiscuous=dict(type='bool'),
            forged_transmits=dict(type='bool'),
            mac_changes=dict(type='bool'),
        )),
        teaming=dict(type='dict', options=dict(
            load_balancing=dict(type='str', choices=list(LOAD_BALANCING)),
            active_uplinks=dict(type='list', elements='str'),
            standby_uplinks=dict(type='list', elements='str'),
        )),
        binding=dict(type='str', choices=['static', 'ephemeral']),
        ports=dict(type='int'),
    )
    module = EsxModule(
        dict(
            name=dict(type='str', required=True),
            datacenter=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            version=dict(type='str'),
            uplinks=dict(type='list', elements='str'),
            uplink_count=dict(type='int'),
            mtu=dict(type='int'),
            hosts=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                nics=dict(type='list', elements='str', default=[]),
            )),
            purge_hosts=dict(type='bool', default=False),
            portgroups=dict(type='list', elements='dict', options=portgroup),
            purge_portgroups=dict(type='bool', default=False),
        ),
        task_timeout=True,
        supports_check_mode=True,
        mutually_exclusive=[('uplinks', 'uplink_count')],
    )
    module.run(lambda session: manage_dvswitch(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
