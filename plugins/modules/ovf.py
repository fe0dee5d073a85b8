#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ovf
short_description: Deploy a VM from an OVA or OVF package, or export a VM as OVF
version_added: 0.3.0
description:
  - O(state=present) deploys the virtual machine of an OVA (a tar file) or of an OVF descriptor with its files beside
    it, the way vSphere's clients do; OvfManager C(CreateImportSpec) with the datastore, the network mapping, the
    appliance properties and the disk provisioning, then C(ImportVApp) and the upload of each disk over the
    import lease, streamed straight from the package (an OVA is not unpacked).
  - A VM of that name in the datacenter is taken as the one deployed, so a second run is not changed; the package
    is not compared with it. Other settings of the VM (CPUs, memory, more disks) are then M(virt.esx.vm)'s job.
  - O(state=exported) exports a powered-off VM into the folder O(dest) on the machine the module runs on, an OVF
    descriptor (written by vSphere's C(CreateDescriptor)), its disks (streamOptimized VMDK files from the export lease)
    and a SHA-256 manifest; O(dest) can then be deployed again with O(state=present).
  - "The package is read where the module runs; for files on the controller use C(delegate_to: localhost)."
  - CreateImportSpec errors (unsupported hardware, a bad property value) fail the task with vSphere's messages;
    its warnings are shown as warnings.
  - Long transfers work with C(async)/C(poll). The lease progress is reported every few seconds, which keeps the lease
    alive however long the transfer takes; O(task_timeout) limits the wait for the lease and for the power-on.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Name of the VM. For O(state=present) the name the OVF gives is the default.
    type: str
  state:
    description:
      - V(present) deploys the package O(src) unless a VM named O(name) exists; V(exported) exports the VM O(name)
        to O(dest).
    type: str
    choices: [present, exported]
    default: present
  src:
    description:
      - The package for O(state=present), an C(.ova) file or an C(.ovf) descriptor (its files beside it). Files it
        references must be inside the package (no absolute paths, URLs or C(..)). A manifest (C(.mf)) is checked as the
        files are sent; a file that does not match aborts the import and vSphere removes the half-imported VM.
    type: path
  dest:
    description:
      - Folder for O(state=exported); made when missing. It receives C(<name>.ovf), C(<name>-disk<N>.vmdk) and
        C(<name>.mf) (characters other than letters, digits, C(.), C(_) and C(-) of the name become C(_)).
    type: path
  force:
    description:
      - With O(state=exported), export again even when O(dest) already holds C(<name>.ovf).
    type: bool
    default: false
  datacenter:
    description:
      - Datacenter of the VM (needed on a vCenter with several datacenters).
    type: str
  folder:
    description:
      - VM folder for a deployed VM, as a path below the datacenter's VM folder.
    type: str
  cluster:
    description:
      - Cluster to deploy into (vCenter).
    type: str
  esxi_hostname:
    description:
      - Host to deploy onto (vCenter); the ESX host itself when connected to one.
    type: str
  resource_pool:
    description:
      - Resource pool of the cluster or host to deploy into.
    type: str
  datastore:
    description:
      - Datastore for the deployed VM's files. Required to deploy.
    type: str
  networks:
    description:
      - Network mapping, OVF network name -> vSphere network or port group name. An OVF network not listed goes to
        vSphere's default; a name the OVF does not have is an error.
    type: dict
  properties:
    description:
      - Appliance properties (the OVF's ProductSection), key -> value. Keys must be user-configurable properties of
        the OVF; boolean and numeric values are checked against their OVF type.
    type: dict
  deployment_option:
    description:
      - The OVF deployment configuration to use (its DeploymentOptionSection); the OVF's default when unset.
    type: str
  disk_provisioning:
    description:
      - Provisioning of the deployed disks; the server's default when unset.
    type: str
    choices: [thin, thick_lazy_zeroed, thick_eager_zeroed]
  power_on:
    description:
      - Power the VM on after the deploy, and on later runs when it is off.
    type: bool
    default: false
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.connection.tasks
attributes:
  check_mode:
    support: full
    description: Reads the package and runs CreateImportSpec (which changes nothing), so errors and warnings show;
      imports, exports and powers on nothing.
  diff_mode:
    support: partial
    description: Whether the VM is there before and after.
'''

EXAMPLES = r'''
- name: Deploy an appliance from an OVA on the controller
  virt.esx.ovf:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    src: /srv/images/monitoring-appliance-2.4.ova
    name: monitor01
    cluster: prod
    datastore: datastore1
    disk_provisioning: thin
    networks:
      "VM Network": prod-vlan20
    properties:
      guestinfo.hostname: monitor01.example.com
      guestinfo.ipaddress: 192.0.2.20
    power_on: true
  delegate_to: localhost
  async: 7200
  poll: 15

- name: Export a powered-off VM to carry it to another host
  virt.esx.ovf:
    hostname: esx1.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    name: web01
    state: exported
    dest: /srv/exports/web01
  delegate_to: localhost

- name: Deploy the export on the other host
  virt.esx.ovf:
    hostname: esx2.example.com
    username: root
    password: "{{ vault_esx_root_password }}"
    src: /srv/exports/web01/web01.ovf
    datastore: datastore1
  delegate_to: localhost
'''

RETURN = r'''
vm:
  description: The deployed or exported VM (for a check-mode deploy, the VM that would be made).
  returned: success
  type: dict
  contains:
    name:
      description: VM name.
      type: str
    moid:
      description: Managed object id; null in check mode for a new VM.
      type: str
    uuid:
      description: BIOS UUID; null in check mode for a new VM.
      type: str
    power_state:
      description: C(poweredOn), C(poweredOff) or C(suspended).
      type: str
ovf:
  description: What the package's descriptor holds (state present).
  returned: when O(state=present)
  type: dict
  contains:
    name:
      description: The VM name the OVF gives.
      type: str
    networks:
      description: The OVF's network names (the keys O(networks) may use).
      type: list
      elements: str
    properties:
      description: The OVF's property keys.
      type: list
      elements: str
    disks:
      description: The OVF's disks, C(id) and C(capacity) in bytes.
      type: list
      elements: dict
    deployment_options:
      description: The OVF's deployment configurations.
      type: list
      elements: str
transfer:
  description: The files moved over the lease; null when nothing was moved.
  returned: success
  type: dict
  contains:
    bytes:
      description: Bytes moved.
      type: int
    seconds:
      description: Seconds the transfer took.
      type: float
    mb_per_second:
      description: Throughput in MB (10^6 bytes) per second.
      type: float
ovf_path:
  description: The descriptor written (state exported).
  returned: when O(state=exported)
  type: str
files:
  description: The files in O(dest) (state exported).
  returned: when O(state=exported)
  type: list
  elements: str
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.ovf import DISK_PROVISIONING, STATES, manage_ovf

ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    state=dict(type='str', choices=list(STATES), default='present'),
    src=dict(type='path'),
    dest=dict(type='path'),
    force=dict(type='bool', default=False),
    datacenter=dict(type='str'),
    folder=dict(type='str'),
    cluster=dict(type='str'),
    esxi_hostname=dict(type='str'),
    resource_pool=dict(type='str'),
    datastore=dict(type='str'),
    networks=dict(type='dict'),
    properties=dict(type='dict'),
    deployment_option=dict(type='str'),
    disk_provisioning=dict(type='str', choices=list(DISK_PROVISIONING)),
    power_on=dict(type='bool', default=False),
)


def main():
    module = EsxModule(
        ARGUMENT_SPEC,
        tasks=True,
        supports_check_mode=True,
        required_if=[('state', 'present', ('src', 'datastore')), ('state', 'exported', ('name', 'dest'))],
        mutually_exclusive=[('cluster', 'esxi_hostname')],
    )
    module.run(lambda session: manage_ovf(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
