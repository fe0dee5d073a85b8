#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: host_info
short_description: Facts of an ESX host or vCenter as libvirt reports them
version_added: 0.1.0
description:
  - Logs in to an ESX/ESXi host or a vCenter server and reports the product (name, version, build, API),
    the host name, libvirt's node info (CPU model, sockets, cores, threads, MHz, memory) and the host's
    capabilities as libvirt capabilities XML.
  - On a vCenter it also lists every host it manages, with the same facts, in one property query.
  - The host described by RV(node_info) and RV(capabilities) is the ESX host itself, the host of a
    C(vpx://vcenter/datacenter/cluster/host) O(uri), or O(esxi_hostname) on a vCenter.
author:
  - virt.esx contributors (@virt-esx)
options:
  esxi_hostname:
    description:
      - On a vCenter, the host (inventory name, DNS name or managed object id) that RV(node_info),
        RV(capabilities) and RV(host) describe.
    type: str
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.attributes.info_module
'''

EXAMPLES = r'''
- name: Facts of a standalone ESXi host, certificate checked against a lab CA
  virt.esx.host_info:
    hostname: esx1.lab.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    ca_file: /etc/pki/lab-ca.pem
  register: esx1

- name: Show CPU and memory
  ansible.builtin.debug:
    msg: "{{ esx1.node_info.cpu_model }}: {{ esx1.node_info.cpus }} cores, {{ esx1.node_info.memory_kib // 1048576 }} GiB"

- name: The same host through vCenter, libvirt style
  virt.esx.host_info:
    uri: vpx://administrator%40vsphere.local@vcenter.example.com/DC1/Cluster1/esx1.lab.example.com
    password: "{{ vault_vcenter_password }}"
  register: via_vcenter

- name: Every host a vCenter manages
  virt.esx.host_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
  register: vc

- name: Hosts in maintenance mode
  ansible.builtin.debug:
    msg: "{{ vc.hosts | selectattr('maintenance_mode') | map(attribute='name') | list }}"
'''

RETURN = r'''
product:
  description: What the endpoint is, from its service content.
  returned: success
  type: dict
  contains:
    kind:
      description: V(esx), V(gsx) or V(vpx) (vCenter), as libvirt's URI schemes.
      type: str
      sample: esx
    name:
      description: Product name.
      type: str
      sample: VMware ESX
    full_name:
      description: Product name with version and build.
      type: str
      sample: VMware ESX 8.0.0 build-20513097
    version:
      description: Product version.
      type: str
      sample: 8.0.0
    build:
      description: Build number.
      type: str
      sample: '20513097'
    api_type:
      description: V(HostAgent) for a host, V(VirtualCenter) for vCenter.
      type: str
      sample: HostAgent
    api_version:
      description: vSphere API version.
      type: str
      sample: '8.0.0.0'
    product_line:
      description: Product line id (V(embeddedEsx), V(esx), V(gsx), V(vpx)).
      type: str
      sample: embeddedEsx
    vendor:
      description: Vendor.
      type: str
      sample: VMware, Inc.
    instance_uuid:
      description: Instance UUID of a vCenter, null for a host.
      type: str
      sample: null
    os_type:
      description: Operating system and architecture of the product.
      type: str
      sample: vmnix-x86
hostname:
  description: Fully qualified name of the described host (libvirt's C(virsh hostname)); the endpoint's name on a vCenter
    when no host is selected.
  returned: success
  type: str
  sample: esx1.lab.example.com
node_info:
  description: libvirt's node info of the described host; null on a vCenter when no host is selected.
  returned: success
  type: dict
  contains:
    cpu_model:
      description: CPU model as libvirt's nodeinfo gives it, C(summary.hardware.cpuModel) with the marks (R), (C) and (TM)
        removed, doubled spaces made single and cut to 31 characters.
      type: str
      sample: Intel Xeon CPU E5-2650 v4 @ 2.2
    cpus:
      description: Physical CPU cores in all.
      type: int
      sample: 24
    threads_total:
      description: Hardware threads in all.
      type: int
      sample: 48
    mhz:
      description: CPU clock in MHz.
      type: int
      sample: 2200
    nodes:
      description: NUMA nodes.
      type: int
      sample: 2
    sockets:
      description: CPU packages.
      type: int
      sample: 2
    cores:
      description: Cores per socket.
      type: int
      sample: 12
    threads:
      description: Threads per core.
      type: int
      sample: 2
    memory_kib:
      description: Physical memory in KiB.
      type: int
      sample: 268435456
    memory_bytes:
      description: Physical memory in bytes.
      type: int
      sample: 274877906944
    free_memory_bytes:
      description:
        - libvirt's C(virsh freecell) (nodeGetFreeMemory) - memory VMs can still reserve, in bytes; the
          C(runtime.memory.unreservedForVm) of the root resource pool of the host's compute resource (on a cluster,
          the cluster's). Null when the server does not report it.
      type: int
      sample: 1007681536
capabilities:
  description: libvirt capabilities XML of the described host, as C(virsh capabilities) gives it (host BIOS UUID, arch and
    live migration over vpxmigr; hvm guests i686 and, on 64-bit hosts, x86_64, of domain type vmware); null on a vCenter
    when no host is selected.
  returned: success
  type: str
host:
  description: The described host, one item of RV(hosts); null on a vCenter when no host is selected.
  returned: success
  type: dict
hosts:
  description: Every host of the endpoint (one on an ESX host), each with its location and facts.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Inventory name.
      type: str
    moid:
      description: Managed object id.
      type: str
      sample: host-21
    hostname:
      description: Fully qualified DNS name.
      type: str
    uuid:
      description: Hardware (BIOS) UUID.
      type: str
    vendor:
      description: Hardware vendor.
      type: str
    model:
      description: Hardware model.
      type: str
    version:
      description: ESX version of the host.
      type: str
    build:
      description: ESX build of the host.
      type: str
    connection_state:
      description: V(connected), V(disconnected) or V(notResponding).
      type: str
    power_state:
      description: V(poweredOn), V(poweredOff), V(standBy) or V(unknown).
      type: str
    maintenance_mode:
      description: Whether the host is in maintenance mode.
      type: bool
    cluster:
      description: Cluster name, null for a standalone host.
      type: str
    datacenter:
      description: Datacenter name.
      type: str
    node_info:
      description: As RV(node_info).
      type: dict
    capabilities:
      description: As RV(capabilities).
      type: str
    max_vcpus:
      description:
        - libvirt's C(virsh maxvcpus) (domainGetMaxVcpus) - the most virtual CPUs a VM on this host may have,
          C(capability.maxSupportedVcpus); null when the host does not report it.
      type: int
      sample: 768
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.host import describe_hosts, select_host


def main():
    module = EsxModule(dict(esxi_hostname=dict(type='str')), supports_check_mode=True)

    def describe(session):
        hosts = describe_hosts(session)
        host = select_host(session, hosts, module.params['esxi_hostname'])
        product = dict(session.product)
        product.pop('version_tuple', None)
        return dict(
            product=product,
            hostname=host['hostname'] if host else session.params.hostname,
            node_info=host['node_info'] if host else None,
            capabilities=host['capabilities'] if host else None,
            host=host,
            hosts=hosts,
        )

    module.run(describe)


if __name__ == '__main__':
    main()
