#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: network
short_description: Standard switches and their port groups on ESX hosts, as libvirt networks
version_added: 0.1.0
description:
  - Creates, changes and removes a standard virtual switch of an ESX host with its uplinks, MTU, ports and
    port groups (VLAN, security and teaming policy), from options or from libvirt network XML, as libvirt's
    ESX network driver models it (a network is a switch; C(<forward mode='bridge'>) lists the uplinks;
    C(<portgroup>) elements are its port groups).
  - Unlike libvirt, which refuses to define a network that exists, an existing switch is changed in place;
    port groups are added, changed and removed, uplinks, MTU and ports changed, with
    C(HostNetworkSystem.UpdateVirtualSwitch) and C(UpdatePortGroup). Nothing is changed when nothing differs.
  - Port groups a VM uses are not removed unless O(force=true); the error names the VMs. Port groups that
    carry a VMkernel adapter (such as C(Management Network)) are never removed.
  - On a vCenter, the switch is managed on O(esxi_hostname), or on every host of O(cluster), host by host, with a
    result per host.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Switch name (libvirt's network name), at most 32 characters.
      - Required unless O(xml) is given.
    type: str
  xml:
    description:
      - libvirt network XML describing the whole switch, instead of O(name), O(uplinks), O(mtu), O(bandwidth) and
        O(portgroups).
      - Honoured are C(<name>), C(<uuid>) (only the UUID libvirt derives from the switch, so dumped XML can be fed
        back), C(<forward mode='bridge'>) with C(<interface dev='vmnicN'/>) (no C(<forward>) means no uplinks),
        C(<mtu size=.../>), C(<bandwidth>) with equal C(<inbound>) and C(<outbound>) (traffic shaping), and
        C(<portgroup name=...>) with C(<vlan><tag id=.../></vlan>) and C(<bandwidth>).
      - Rejected with a message are other forward modes (C(nat), C(route), C(open), ...), C(<bridge>), C(<mac>),
        C(<ip>), C(<dns>), C(<domain>), C(<route>), C(<virtualport>), network-level C(<vlan>), VLAN trunks, native
        VLAN modes, bandwidth C(floor) and different inbound and outbound rates.
      - Port groups not in the XML are removed (as with O(purge_portgroups)), except those carrying a VMkernel
        adapter, which libvirt does not show.
    type: str
  state:
    description:
      - V(present) creates or updates the switch; V(absent) removes it with its port groups.
    type: str
    choices: [present, absent]
    default: present
  uplinks:
    description:
      - Physical NICs (C(vmnicN)) the switch bridges to. An empty list leaves the switch without
        uplinks (libvirt's isolated network). Left out, the uplinks stay as they are (none for a new switch).
      - Their order is no change of its own; the failover order is the teaming policy's (O(portgroups[].teaming)
        per port group).
    type: list
    elements: str
  mtu:
    description:
      - MTU in bytes (1280 to 9000). Left out, it stays as it is (1500 for a new switch).
    type: int
  ports:
    description:
      - Number of ports of the switch. Left out, it stays as it is (128 for a new switch, as libvirt creates them).
    type: int
  bandwidth:
    description:
      - Traffic shaping of the switch in libvirt's units, as C(<bandwidth>) with equal inbound and outbound
        rates. All values 0 (or an empty dict) turn shaping off. Left out, shaping stays as it is.
    type: dict
    suboptions:
      average:
        description: Average rate in kilobytes per second.
        type: int
        default: 0
      peak:
        description: Peak rate in kilobytes per second.
        type: int
        default: 0
      burst:
        description: Burst size in kibibytes.
        type: int
        default: 0
  portgroups:
    description:
      - Port groups of the switch. Left out, port groups are not touched.
    type: list
    elements: dict
    suboptions:
      name:
        description: Port group name, unique on the host.
        type: str
        required: true
      vlan_id:
        description: VLAN ID; 0 for none, 4095 for all VLANs (tagging by the guest).
        type: int
        default: 0
      bandwidth:
        description: Traffic shaping of the port group, as O(bandwidth); left out, it stays as it is.
        type: dict
        suboptions:
          average:
            description: Average rate in kilobytes per second.
            type: int
            default: 0
          peak:
            description: Peak rate in kilobytes per second.
            type: int
            default: 0
          burst:
            description: Burst size in kibibytes.
            type: int
            default: 0
      security:
        description: Security overrides; options left out inherit the switch's policy.
        type: dict
        suboptions:
          allow_promiscuous:
            description: Allow promiscuous mode.
            type: bool
          mac_changes:
            description: Allow MAC address changes.
            type: bool
          forged_transmits:
            description: Allow forged transmits.
            type: bool
      teaming:
        description: Teaming overrides; options left out inherit the switch's policy.
        type: dict
        suboptions:
          load_balancing:
            description: Load balancing policy.
            type: str
            choices: [loadbalance_srcid, loadbalance_ip, loadbalance_srcmac, failover_explicit]
          active_uplinks:
            description: Active uplinks, in order; must be uplinks of the switch.
            type: list
            elements: str
          standby_uplinks:
            description: Standby uplinks; must be uplinks of the switch.
            type: list
            elements: str
          notify_switches:
            description: Notify physical switches on failover.
            type: bool
          failback:
            description: Return to an active uplink once it recovers.
            type: bool
  purge_portgroups:
    description:
      - With O(portgroups), remove port groups of the switch that are not listed (except those carrying a
        VMkernel adapter). V(false) only adds and changes.
    type: bool
    default: true
  force:
    description:
      - Remove port groups (or the switch) even if VMs use them. The host itself still refuses to remove a port
        group that a powered-on VM is connected to.
    type: bool
    default: false
  esxi_hostname:
    description:
      - On a vCenter, the host (inventory name or managed object id) to manage the switch on.
    type: str
  cluster:
    description:
      - On a vCenter, manage the switch on every host of this cluster.
    type: str
extends_documentation_fragment:
  - virt.esx.connection
attributes:
  check_mode:
    support: full
    description: Reports the changes and the network XML the switch would have, without making them.
  diff_mode:
    support: full
    description: The network XML before and after, per host.
'''

EXAMPLES = r'''
- name: A switch on vmnic1 with two VLAN port groups
  virt.esx.network:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    name: vSwitch1
    uplinks: [vmnic1]
    mtu: 9000
    portgroups:
      - name: web
        vlan_id: 10
      - name: db
        vlan_id: 20
        security:
          allow_promiscuous: false

- name: The same switch from libvirt network XML, on every host of a cluster
  virt.esx.network:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    cluster: Cluster1
    xml: |
      <network>
        <name>vSwitch1</name>
        <forward mode='bridge'>
          <interface dev='vmnic1'/>
        </forward>
        <mtu size='9000'/>
        <portgroup name='web'><vlan><tag id='10'/></vlan></portgroup>
        <portgroup name='db'><vlan><tag id='20'/></vlan></portgroup>
      </network>

- name: Remove the switch, even if stopped VMs still reference its port groups
  virt.esx.network:
    uri: esx://root@esx1.example.com/
    password: "{{ vault_esx_root_password }}"
    name: vSwitch1
    state: absent
    force: true
'''

RETURN = r'''
network:
  description: The switch after the change (predicted in check mode) when one host is managed; null once removed.
    Keys as in M(virt.esx.network_info)'s RV(virt.esx.network_info#module:hosts[].networks).
  returned: success
  type: dict
xml:
  description: libvirt network XML of the switch after the change, when one host is managed; null once removed.
  returned: success
  type: str
changes:
  description: The API calls made (or, in check mode, that would be made) when one host is managed.
  returned: success
  type: list
  elements: str
  sample: ["AddVirtualSwitch vSwitch1", "AddPortGroup web"]
hosts:
  description: One result per managed host.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Host name.
      type: str
    changed:
      description: Whether the switch changed on this host.
      type: bool
    changes:
      description: The API calls made on this host.
      type: list
      elements: str
    network:
      description: The switch after the change; null once removed.
      type: dict
    xml:
      description: Its libvirt network XML; null once removed.
      type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.network import LOAD_BALANCING, manage_network

BANDWIDTH_SPEC = dict(
    average=dict(type='int', default=0),
    peak=dict(type='int', default=0),
    burst=dict(type='int', default=0),
)

PORTGROUP_SPEC = dict(
    name=dict(type='str', required=True),
    vlan_id=dict(type='int', default=0),
    bandwidth=dict(type='dict', options=BANDWIDTH_SPEC),
    security=dict(type='dict', options=dict(
        allow_promiscuous=dict(type='bool'),
        mac_changes=dict(type='bool'),
        forged_transmits=dict(type='bool'),
    )),
    teaming=dict(type='dict', options=dict(
        load_balancing=dict(type='str', choices=list(LOAD_BALANCING)),
        active_uplinks=dict(type='list', elements='str'),
        standby_uplinks=dict(type='list', elements='str'),
        notify_switches=dict(type='bool'),
        failback=dict(type='bool'),
    )),
)

ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    xml=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    uplinks=dict(type='list', elements='str'),
    mtu=dict(type='int'),
    ports=dict(type='int'),
    bandwidth=dict(type='dict', options=BANDWIDTH_SPEC),
    portgroups=dict(type='list', elements='dict', options=PORTGROUP_SPEC),
    purge_portgroups=dict(type='bool', default=True),
    force=dict(type='bool', default=False),
    esxi_hostname=dict(type='str'),
    cluster=dict(type='str'),
)


def main():
    module = EsxModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[('name', 'xml')],
        mutually_exclusive=[('xml', 'name'), ('xml', 'uplinks'), ('xml', 'mtu'), ('xml', 'portgroups'), ('xml', 'bandwidth'),
                            ('esxi_hostname', 'cluster')],
    )
    module.run(lambda session: manage_network(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
