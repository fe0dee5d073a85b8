#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: network_info
short_description: Standard switches and port groups of ESX hosts as libvirt networks
version_added: 0.1.0
description:
  - Lists the standard virtual switches of an ESX host, or of hosts managed by a vCenter, with their uplinks,
    MTU, ports, policies and port groups (VLAN, security, teaming, traffic shaping, VMkernel adapters), and each
    switch as libvirt network XML, as libvirt's ESX network driver shows it (C(virsh net-dumpxml)).
  - The network XML follows libvirt, where the network name is the switch name, the UUID is the MD5 digest
    of the switch key, the forward mode is C(bridge) with the uplinks as C(<interface dev=.../>), and port
    groups that VMs can use are C(<portgroup>) elements; beyond libvirt it carries the MTU
    (C(<mtu size=.../>)) and each port group's VLAN (C(<vlan><tag id=.../></vlan>)).
  - On a vCenter it also lists the distributed switches and their port groups (read-only), optionally of one
    datacenter.
  - One property query reads every host, whatever their number.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Only the switch of this name.
    type: str
  esxi_hostname:
    description:
      - On a vCenter, only this host (inventory name or managed object id).
    type: str
  cluster:
    description:
      - On a vCenter, only the hosts of this cluster.
    type: str
  datacenter:
    description:
      - On a vCenter, only the hosts and distributed switches of this datacenter.
    type: str
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.attributes.info_module
'''

EXAMPLES = r'''
- name: Switches of a standalone host
  virt.esx.network_info:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
  register: esx1_networks

- name: The XML libvirt's virsh net-dumpxml shows for vSwitch0
  ansible.builtin.debug:
    msg: "{{ (esx1_networks.networks | selectattr('name', '==', 'vSwitch0') | first).xml }}"

- name: Every host of a cluster, and the distributed switches of its datacenter
  virt.esx.network_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    cluster: Cluster1
    datacenter: DC1
  register: cluster_networks
'''

RETURN = r'''
networks:
  description: The switches of the host, when one host is selected (an ESX host, O(esxi_hostname), a C(vpx://)
    path to a host); otherwise empty. Each item as in RV(hosts[].networks).
  returned: success
  type: list
  elements: dict
hosts:
  description: Each selected host with its switches.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Host name.
      type: str
    cluster:
      description: Cluster name, null for a standalone host.
      type: str
    datacenter:
      description: Datacenter name.
      type: str
    networks:
      description: The host's standard switches.
      type: list
      elements: dict
      contains:
        name:
          description: Switch name (libvirt's network name).
          type: str
          sample: vSwitch0
        key:
          description: Switch key.
          type: str
          sample: key-vim.host.VirtualSwitch-vSwitch0
        uuid:
          description: libvirt's network UUID, the MD5 digest of the key.
          type: str
        mtu:
          description: MTU in bytes.
          type: int
          sample: 1500
        ports:
          description: Configured number of ports.
          type: int
        ports_available:
          description: Ports available.
          type: int
        uplinks:
          description: Physical NICs (C(vmnicN)) the switch bridges to.
          type: list
          elements: str
        security:
          description: Switch security policy (allow_promiscuous, mac_changes, forged_transmits).
          type: dict
        teaming:
          description: Switch teaming policy (load_balancing, active_uplinks, standby_uplinks, notify_switches, failback).
          type: dict
        bandwidth:
          description: Traffic shaping as libvirt bandwidth (average and peak in kB/s, burst in KiB); null when off.
          type: dict
        portgroups:
          description: Port groups of the switch.
          type: list
          elements: dict
          contains:
            name:
              description: Port group name.
              type: str
            vlan_id:
              description: VLAN ID; 0 none, 4095 all VLANs (guest tagging).
              type: int
            vm_network:
              description: Whether VMs can connect to it (it has a network object); only these appear in the XML.
              type: bool
            vmkernel_adapters:
              description: VMkernel adapters (C(vmkN)) on the port group.
              type: list
              elements: str
            ports:
              description: Ports in use by type (V(virtualMachine), V(host), V(systemManagement)).
              type: dict
            security:
              description: Port group security overrides; null values inherit the switch's.
              type: dict
            teaming:
              description: Port group teaming overrides; null values inherit the switch's.
              type: dict
            bandwidth:
              description: Port group traffic shaping as libvirt bandwidth; null when not set.
              type: dict
        xml:
          description: libvirt network XML of the switch.
          type: str
distributed_switches:
  description: On a vCenter, the distributed switches (of O(datacenter) if given); empty on an ESX host.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Switch name.
      type: str
    uuid:
      description: Switch UUID.
      type: str
    datacenter:
      description: Datacenter name.
      type: str
    mtu:
      description: Maximum MTU.
      type: int
    hosts:
      description: Member hosts.
      type: list
      elements: str
    portgroups:
      description: Distributed port groups with name, key, type, ports, vlan_id and vlan_type.
      type: list
      elements: dict
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.network import (
    host_switches, read_distributed_switches, read_hosts, select_hosts)


def main():
    module = EsxModule(dict(
        name=dict(type='str'),
        esxi_hostname=dict(type='str'),
        cluster=dict(type='str'),
        datacenter=dict(type='str'),
    ), supports_check_mode=True, mutually_exclusive=[('esxi_hostname', 'cluster')])
    params = module.params

    def list_networks(session):
        hosts = select_hosts(session, read_hosts(session), params['esxi_hostname'], params['cluster'])
        if params['datacenter']:
            hosts = [host for host in hosts if host['datacenter'] == params['datacenter']]
        results = []
        for host in hosts:
            switches = [switch for switch in host_switches(host) if not params['name'] or switch['name'] == params['name']]
            results.append(dict(name=host['name'], cluster=host['cluster'], datacenter=host['datacenter'], networks=switches))
        single = len(results) == 1 and (not session.is_vcenter or params['esxi_hostname'] or
                                        (session.scope and session.scope.get('host')))
        distributed = read_distributed_switches(session, params['datacenter']) if session.is_vcenter else []
        return dict(networks=results[0]['networks'] if single else [], hosts=results, distributed_switches=distributed)

    module.run(list_networks)


if __name__ == '__main__':
    main()
