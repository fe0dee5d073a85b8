#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: interface_info
short_description: Physical NICs of ESX hosts as libvirt interfaces
version_added: 0.1.0
description:
  - Lists the physical NICs (C(vmnicN)) of an ESX host, or of hosts managed by a vCenter, with MAC address,
    link state and speed, driver, PCI address and the standard switch they are an uplink of, and each NIC as
    libvirt interface XML, as libvirt's ESX interface driver shows it (C(virsh iface-dumpxml)), that is an
    C(ethernet) interface started on boot, with its MAC and IPv4 configuration; beyond libvirt the XML also
    carries the link (C(<link speed=... state=.../>)).
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Only the NIC of this name (C(vmnic0)) or MAC address.
    type: str
  esxi_hostname:
    description:
      - On a vCenter, only this host (inventory name or managed object id).
    type: str
  cluster:
    description:
      - On a vCenter, only the hosts of this cluster.
    type: str
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.attributes.info_module
'''

EXAMPLES = r'''
- name: Physical NICs of a host
  virt.esx.interface_info:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
  register: nics

- name: NICs that are down
  ansible.builtin.debug:
    msg: "{{ nics.interfaces | selectattr('link_state', '==', 'down') | map(attribute='name') | list }}"

- name: NICs of every host of a cluster
  virt.esx.interface_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    cluster: Cluster1
  register: cluster_nics
'''

RETURN = r'''
interfaces:
  description: The NICs of the host, when one host is selected (an ESX host, O(esxi_hostname), a C(vpx://)
    path to a host); otherwise empty. Each item as in RV(hosts[].interfaces).
  returned: success
  type: list
  elements: dict
hosts:
  description: Each selected host with its NICs.
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
    interfaces:
      description: Physical NICs.
      type: list
      elements: dict
      contains:
        name:
          description: Device name.
          type: str
          sample: vmnic0
        key:
          description: NIC key.
          type: str
        mac:
          description: MAC address.
          type: str
        driver:
          description: Driver.
          type: str
          sample: ixgben
        pci:
          description: PCI address.
          type: str
          sample: '0000:0b:00.0'
        link_state:
          description: V(up) or V(down).
          type: str
        speed_mbps:
          description: Link speed in Mbit/s; null when the link is down.
          type: int
        full_duplex:
          description: Whether the link is full duplex; null when down.
          type: bool
        wake_on_lan_supported:
          description: Whether the NIC supports wake-on-LAN.
          type: bool
        switch:
          description: The standard switch the NIC is an uplink of; null if none.
          type: str
        ipv4:
          description: IPv4 configuration of the NIC itself (dhcp, address, prefix); null if none.
          type: dict
        xml:
          description: libvirt interface XML.
          type: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.network import host_nics, read_hosts, select_hosts


def _matches(nic, name):
    if not name:
        return True
    return nic['name'] == name or (nic['mac'] or '').lower() == name.lower()


def main():
    module = EsxModule(dict(
        name=dict(type='str'),
        esxi_hostname=dict(type='str'),
        cluster=dict(type='str'),
    ), supports_check_mode=True, mutually_exclusive=[('esxi_hostname', 'cluster')])
    params = module.params

    def list_interfaces(session):
        hosts = select_hosts(session, read_hosts(session), params['esxi_hostname'], params['cluster'])
        results = []
        for host in hosts:
            nics = [nic for nic in host_nics(host) if _matches(nic, params['name'])]
            results.append(dict(name=host['name'], cluster=host['cluster'], datacenter=host['datacenter'], interfaces=nics))
        single = len(results) == 1 and (not session.is_vcenter or params['esxi_hostname'] or
                                        (session.scope and session.scope.get('host')))
        return dict(interfaces=results[0]['interfaces'] if single else [], hosts=results)

    module.run(list_interfaces)


if __name__ == '__main__':
    main()
