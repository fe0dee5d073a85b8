#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: vm
short_description: Define, edit, power and remove a VM on ESX or vCenter, from libvirt domain XML or options
version_added: 0.1.0
description:
  - Makes one VM match a definition and a power state, idempotently.
  - The definition is a libvirt domain XML (O(xml)), read as libvirt's ESX driver reads it, or the structured options
    O(vcpus), O(memory_mb), O(guest_id), O(firmware), O(disks), O(nics), O(cdrom), O(annotation), O(extra_config).
    Both become the same definition internally.
  - A missing VM is created (with CreateVM_Task from a spec equivalent to the .vmx libvirt would write).
  - An existing VM is compared with the definition and only the difference is applied with one ReconfigVM_Task
    (libvirt refuses to redefine an existing ESX VM). A change that needs the VM powered off fails with the list of
    those changes unless O(force_power_off=true).
  - Every VM task goes through the collection's task poller, so a VM blocked by a question is answered with the
    default choice when O(auto_answer) (or C(auto_answer=1) in O(uri)) is on, and reported otherwise.
author:
  - virt.esx contributors (@virt-esx)
options:
  name:
    description:
      - Name of the VM, as shown in the vSphere client. Any text, including V(%), V(/), V(\\), quotes and non-ASCII
        letters (escaped for the vSphere API as libvirt does).
      - Must not be empty. A new VM's name must not begin or end with white space (vSphere would name its folder
        without it); an existing VM with such a name is still found by its exact name.
      - Optional when O(xml) has a C(<name>) or O(uuid) is given.
    type: str
  uuid:
    description:
      - BIOS UUID of the VM (libvirt's domain UUID). Identifies the VM instead of O(name); with both, the VM found by
        UUID is renamed to O(name).
    type: str
  xml:
    description:
      - libvirt domain XML (C(virsh dumpxml) format, C(type='vmware')) defining the VM. It is the complete hardware
        definition - disks, CD-ROMs and interfaces the VM has and the XML lacks are detached (disk files are kept).
      - Disk sources are datastore paths (C([datastore] dir/disk.vmdk)); interfaces are C(type='bridge') with the port
        group as C(<source bridge=...>).
      - Parsed with a hardened parser (no DTD, no entities).
    type: str
  state:
    description:
      - V(present) defines the VM and leaves its power state alone.
      - V(absent) unregisters it; with O(remove_files=true) its files are deleted too. A VM that is not powered off
        needs O(force=true).
      - V(running) powers it on; V(destroyed) powers it off hard (libvirt's destroy); V(paused) suspends it.
      - V(shutdown) asks the guest to shut down and waits up to O(shutdown_timeout); if that fails it powers the VM
        off only with O(force=true).
      - V(restarted) reboots the guest (reset with O(force=true) when the guest cannot); always changed.
    type: str
    default: present
    choices: [present, absent, running, shutdown, destroyed, paused, restarted]
  datacenter:
    description: On a vCenter, the datacenter; defaults to the O(uri) path's, or the only one.
    type: str
  folder:
    description:
      - On a vCenter, the VM folder (path below the datacenter's VM folder) to look in and to create in.
      - A VM of that name or O(uuid) found elsewhere in the datacenter is moved into it (MoveIntoFolder_Task);
        M(virt.esx.folder) creates folders.
    type: str
  cluster:
    description:
      - On a vCenter, the cluster to create the VM in.
      - An existing VM in another compute resource is moved into the cluster (C(MigrateVM_Task); the cluster picks the host).
    type: str
  esxi_hostname:
    description:
      - On a vCenter, the host to create the VM on.
      - An existing VM on another host is moved there (vMotion with C(MigrateVM_Task), live when it runs), as libvirt's migration.
      - On an ESX host (not a vCenter) a VM cannot be moved; a value other than the VM's host is an error, unless the
        C(esx://) O(uri) has C(vcenter=), through which the VM is then moved, as in libvirt.
    type: str
  resource_pool:
    description:
      - Resource pool (by name) of the cluster or host to create the VM in.
      - An existing VM in another pool is moved into it (C(MigrateVM_Task)).
    type: str
  datastore:
    description:
      - Datastore for a new VM's directory; defaults to the datastore of its first disk, else the host's first one.
      - An existing VM whose .vmx is on another datastore is moved there with its files (storage vMotion,
        C(RelocateVM_Task); with the host and pool when they change too). Needs a vCenter, as O(esxi_hostname).
      - Check mode and diff mode say where from and where to; see RV(placement) and docs/vm-migration.md.
    type: str
  vcpus:
    description: Number of virtual CPUs.
    type: int
  memory_mb:
    description: Memory in MiB.
    type: int
  guest_id:
    description:
      - vSphere guest OS identifier (for example V(rhel9_64Guest)). With O(xml) it is only used when given, since
        libvirt's XML has no guest OS (a new VM then gets V(otherGuest64) or V(otherGuest) after its architecture).
    type: str
  firmware:
    description: Firmware of the VM.
    type: str
    choices: [bios, efi]
  disks:
    description: The complete list of disks. A disk of the VM that is not listed is detached; its file is kept.
    type: list
    elements: dict
    suboptions:
      file:
        description: An existing .vmdk as a datastore path (C([datastore] dir/disk.vmdk)).
        type: str
      size_gb:
        description: Size of a new disk in GiB (when O(disks[].file) is not given), or the size to grow a disk to.
        type: float
      bus:
        description:
          - Bus of the disk; when not set, the bus of O(disks[].slot), else V(scsi).
          - A O(disks[].slot) on another bus is an error.
        type: str
        choices: [scsi, ide, sata]
      slot:
        description: VMX slot of the disk (V(scsi0:0), V(ide0:1), V(sata0:2)); by default the next free one.
        type: str
      controller_model:
        description: Model of the SCSI controller of the disk.
        type: str
        choices: [lsilogic, buslogic, lsisas1068, pvscsi]
  nics:
    description: The complete list of network interfaces, in order (C(ethernet0), C(ethernet1), ...).
    type: list
    elements: dict
    suboptions:
      network:
        description: Port group (standard or distributed) name.
        type: str
        required: true
      model:
        description: Virtual NIC model.
        type: str
        choices: [vmxnet3, e1000, e1000e, vmxnet2, vmxnet, vlance]
        default: vmxnet3
      mac:
        description: A static MAC address; generated by the host when not given.
        type: str
      connected:
        description:
          - Whether the adapter of the running VM is connected (vSphere C(connectable.connected)); changed without a
            power-off. On a VM that is not powered on it is not compared (a warning says so), and O(nics[].start_connected)
            decides at power-on. A new adapter is connected as O(nics[].start_connected) says when not given.
          - Not given, left as it is. libvirt's domain XML has no element for it.
        type: bool
      start_connected:
        description:
          - Whether the adapter is connected when the VM powers on (vSphere C(connectable.startConnected)); a new
            adapter starts connected when not given. Not given, left as it is.
        type: bool
  cdrom:
    description: The complete list of CD-ROM drives.
    type: list
    elements: dict
    suboptions:
      type:
        description: V(iso) (an image file), V(host) (a host device), V(client) (the client's device, disconnected).
        type: str
        choices: [iso, host, client]
      iso:
        description: The image as a datastore path.
        type: str
      device:
        description: The host device for O(cdrom[].type=host).
        type: str
      slot:
        description: VMX slot (V(ide0:0), V(sata0:1)); by default the next free IDE slot.
        type: str
  annotation:
    description: The VM's notes (libvirt's C(<description>)).
    type: str
  extra_config:
    description:
      - Advanced configuration keys of the VM. Only the keys given are managed; an empty value removes the key.
      - Values of keys that look secret (password, secret, token...) are masked in the diff.
    type: dict
  cpu_shares:
    description: CPU shares, V(low), V(normal), V(high) or a number.
    type: str
  cpu_reservation_mhz:
    description: CPU reservation in MHz.
    type: int
  cpu_limit_mhz:
    description: CPU limit in MHz, -1 for none.
    type: int
  memory_shares:
    description: Memory shares, V(low), V(normal), V(high) or a number.
    type: str
  memory_reservation_mb:
    description: Memory reservation in MiB.
    type: int
  memory_limit_mb:
    description: Memory limit in MiB, -1 for none.
    type: int
  autostart:
    description: Whether the host starts the VM when it boots (the host's autostart manager).
    type: bool
  force:
    description:
      - With O(state=shutdown), power off when the guest does not shut down; with O(state=restarted), reset when the
        guest cannot reboot; with O(state=absent), power off a running VM before removing it.
    type: bool
    default: false
  force_power_off:
    description: Power the VM off for changes that need it (and on again afterwards).
    type: bool
    default: false
  remove_files:
    description: With O(state=absent), delete the VM's files from the datastore (Destroy_Task) instead of only unregistering it.
    type: bool
    default: false
  shutdown_timeout:
    description: Seconds to wait for a guest shutdown.
    type: int
    default: 300
  # The vCenter way: clones, templates, guest customization, waiting for the guest (resources/vm_clone.py).
  clone_from:
    description:
      - When the VM does not exist, create it as a clone (CloneVM_Task) of this VM or template, given by name, BIOS or
        instance UUID, or inventory path below the datacenter's VM folder (V(templates/rhel9)). The clone is placed
        as a new VM is (O(folder), O(cluster) or O(esxi_hostname), O(resource_pool), O(datastore)) and then brought to
        the rest of the definition (O(vcpus), O(memory_mb), O(disks), O(nics), O(annotation), O(extra_config), power)
        in the same run, as an existing VM would be.
      - Only used when the VM is created; an existing VM is never cloned or customized again. Needs a vCenter.
    type: str
  linked:
    description:
      - Make a linked clone, whose disks are delta disks on a snapshot of O(clone_from) (O(clone_snapshot), by
        default its current snapshot). The source must have a snapshot.
    type: bool
    default: false
  clone_snapshot:
    description: With O(linked=true), the name of the snapshot of O(clone_from) the clone is linked to.
    type: str
  clone_disk_format:
    description:
      - Format of the clone's disks; by default the source's. Not possible with O(linked=true).
    type: str
    choices: [thin, thick, eagerzeroedthick]
  template:
    description:
      - V(true) marks the VM as a template (MarkAsTemplate; it must be powered off), V(false) marks a template as a
        VM again (MarkAsVirtualMachine, in the resource pool of O(cluster), O(esxi_hostname) or O(resource_pool)).
        With this option a template is found by O(name) or O(uuid) like a VM. Needs a vCenter.
    type: bool
  customization:
    description:
      - Guest customization of a clone, applied by VMware Tools at its first power-on (given in the CloneVM_Task
        spec). Reported in RV(clone.customization); never applied again to an existing VM. Needs O(clone_from).
    type: dict
    suboptions:
      spec:
        description: Name of a customization specification stored in the vCenter, used as it is.
        type: str
      os:
        description: Guest family of the inline settings; V(windows) when O(customization.windows) is given.
        type: str
        choices: [linux, windows]
      hostname:
        description: Host name (Linux) or computer name (Windows) of the guest.
        type: str
      domain:
        description: DNS domain of a Linux guest.
        type: str
      time_zone:
        description: Time zone, a tz name for Linux (V(Europe/Berlin)), a Windows time zone index for Windows (V(85)).
        type: str
      hw_clock_utc:
        description: Whether a Linux guest's hardware clock is in UTC.
        type: bool
      dns_servers:
        description: DNS servers of the guest (global settings).
        type: list
        elements: str
      dns_suffixes:
        description: DNS search suffixes of the guest.
        type: list
        elements: str
      nics:
        description:
          - IP settings per network adapter, in the order of the VM's adapters; adapters without an entry use DHCP.
        type: list
        elements: dict
        suboptions:
          dhcp:
            description: Use DHCP (the default when O(customization.nics[].ip) is not given).
            type: bool
          ip:
            description: Static IPv4 address, optionally as V(address/prefix).
            type: str
          prefix:
            description: Prefix length of the static address (V(24)).
            type: int
          gateway:
            description: Default gateway.
            type: str
          dns_servers:
            description: DNS servers of this adapter.
            type: list
            elements: str
          dns_domain:
            description: DNS domain of this adapter.
            type: str
      windows:
        description: Windows (sysprep) settings.
        type: dict
        suboptions:
          computer_name:
            description: Computer name; defaults to O(customization.hostname).
            type: str
          full_name:
            description: Registered owner.
            type: str
          org_name:
            description: Registered organization.
            type: str
          workgroup:
            description: Workgroup to join (default V(WORKGROUP)); not with O(customization.windows.join_domain).
            type: str
          join_domain:
            description: Active Directory domain to join.
            type: str
          domain_user:
            description: Account that joins the domain.
            type: str
          domain_password:
            description: Password of O(customization.windows.domain_user).
            type: str
          product_key:
            description: Windows product key.
            type: str
          time_zone:
            description: Windows time zone index (V(85) is GMT).
            type: int
          admin_password:
            description: Password of the local Administrator.
            type: str
          auto_logon:
            description: Log on as Administrator automatically after customization.
            type: bool
          auto_logon_count:
            description: How many automatic logons.
            type: int
          run_once:
            description: Commands run once at the first logon.
            type: list
            elements: str
      cloud_init:
        description:
          - cloud-init data handed to the guest through C(guestinfo.userdata) and C(guestinfo.metadata) (base64), as
            cloud-init's VMware datasource reads them; set on the clone before its first power-on.
        type: dict
        suboptions:
          user_data:
            description: The user-data document (for example C(#cloud-config ...)).
            type: str
          meta_data:
            description: The meta-data document.
            type: str
  wait_for:
    description:
      - With O(state=running), return only once VMware Tools reports an IP address (V(ip)), Tools running (V(tools))
        or a host name (V(hostname)); RV(guest) has what was found. One property wait on the server, not a poll loop.
    type: str
    choices: [ip, tools, hostname]
  wait_timeout:
    description: Seconds O(wait_for) waits before it fails.
    type: int
    default: 300
  cpu_hot_add:
    description:
      - Whether vCPUs can be added while the VM runs. Changed only on a powered-off VM (see O(force_power_off)).
    type: bool
  memory_hot_add:
    description:
      - Whether memory can be added while the VM runs. Changed only on a powered-off VM (see O(force_power_off)).
    type: bool
  cores_per_socket:
    description:
      - Cores per virtual CPU socket (vSphere C(numCoresPerSocket)); it must divide O(vcpus) (or the VM's vCPUs when
        O(vcpus) is not given). The VM's domain XML shows it as C(<cpu><topology sockets=... cores=...>), and a domain
        XML with that element sets it too.
      - Changed only on a powered-off VM (see O(force_power_off)).
    type: int
  hardware_version:
    description:
      - The virtual hardware version the VM is upgraded to (V(19) for C(vmx-19)) with C(UpgradeVM_Task) when its
        own is older. Only upward (a version older than the VM's is an error naming both). A VM that does not exist
        yet is created with the host's default version and then upgraded.
      - Upgraded only on a powered-off VM (see O(force_power_off)).
    type: int
  custom_attributes:
    description:
      - vCenter custom attributes of the VM, by name. Only the names given are managed; the VM's other attributes
        are left alone. An empty value (V('') or null) clears the attribute.
      - A name without a definition for VMs gets one (a VM attribute) when a value is set.
      - Standalone ESX hosts keep no custom attributes; giving this option there is an error.
    type: dict
    version_added: 0.3.0
  tags:
    description:
      - vCenter tags of the VM, each as C(category/tag) (the first V(/) separates them), read and written over the
        vSphere Automation API (C(/api), or C(/rest) on older vCenters) with the same credentials and TLS settings.
      - The tags and categories must exist (M(virt.esx.tag_category), M(virt.esx.tag)).
      - Standalone ESX hosts have no tags; giving this option there is an error.
    type: list
    elements: str
    version_added: 0.3.0
  tags_mode:
    description:
      - V(set) makes O(tags) the VM's complete list of tags (others are detached), V(add) attaches the ones given,
        V(remove) detaches the ones given.
    type: str
    choices: [set, add, remove]
    default: set
    version_added: 0.3.0
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.connection.tasks
attributes:
  check_mode:
    support: full
    description: Reads the VM and predicts every change; C(changed) is what a real run would report.
  diff_mode:
    support: full
    description: The VM's definition as libvirt domain XML before and after, secret extra config values masked.
notes:
  - A change the VM cannot take (a different SCSI controller model, a smaller disk, another uuid) fails and lists why.
'''

EXAMPLES = r'''
- name: Define a VM from libvirt domain XML on a standalone ESXi host
  virt.esx.vm:
    uri: esx://root@esx1.example.com/?no_verify=1
    password: "{{ vault_esx_password }}"
    xml: "{{ lookup('ansible.builtin.file', 'web1.xml') }}"

- name: The same VM from options, running, on a vCenter cluster
  virt.esx.vm:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    datacenter: DC1
    cluster: Cluster1
    name: web 1
    guest_id: rhel9_64Guest
    vcpus: 2
    memory_mb: 4096
    disks:
      - size_gb: 20
    nics:
      - network: VM Network
    state: running

- name: Grow memory, powering off if the VM cannot hot-add it
  virt.esx.vm:
    uri: esx://root@esx1.example.com/
    password: "{{ vault_esx_password }}"
    name: web 1
    memory_mb: 8192
    force_power_off: true

- name: Remove the VM and its files
  virt.esx.vm:
    uri: esx://root@esx1.example.com/
    password: "{{ vault_esx_password }}"
    name: web 1
    state: absent
    force: true
    remove_files: true
'''

RETURN = r'''
placement:
  description:
    - Where an existing VM was moved (or, in check mode, would be moved) by O(esxi_hostname), O(cluster), O(resource_pool)
      or O(datastore); absent when it stayed.
    - C(before) and C(after) have C(host), C(compute_resource), C(resource_pool) and C(datastore) names; C(after.host) is
      null when a cluster picks the host.
  returned: when the VM was moved
  type: dict
  sample: {"before": {"host": "esx1", "compute_resource": "Cluster1", "resource_pool": "Resources", "datastore": "ds1"},
           "after": {"host": "esx2", "compute_resource": "Cluster1", "resource_pool": "Resources", "datastore": "ds1"},
           "method": "MigrateVM_Task", "live": true}
vm:
  description: The VM after the run (for O(state=absent) what it was; in check mode for a new VM, the predicted definition).
  returned: when the VM exists or is created
  type: dict
  contains:
    name:
      description: Name (unescaped).
      type: str
      sample: web 1
    uuid:
      description: BIOS UUID (libvirt's domain UUID).
      type: str
      sample: 564d9bef-acd9-b4e0-c8f0-aeb5c1e7f301
    moid:
      description: Managed object id.
      type: str
      sample: vm-42
    power_state:
      description: vSphere power state (V(poweredOn), V(poweredOff), V(suspended)).
      type: str
      sample: poweredOn
    state:
      description: libvirt's state name (V(running), V(shutoff), V(paused), V(undefined) after removal).
      type: str
      sample: running
    vmx_path:
      description: Datastore path of the .vmx file.
      type: str
      sample: '[datastore1] web 1/web 1.vmx'
    autostart:
      description: Whether the host starts the VM at boot; null when the host has no autostart manager.
      type: bool
    xml:
      description:
        - The VM's libvirt domain XML, read from its .vmx file as M(virt.esx.vm_info) reads it with O(virt.esx.vm_info#module:xml=true),
          byte for byte the same text. Secrets (a VNC password) are left out.
        - In check mode for a new VM, the XML predicted from the definition (without what the host assigns, such as
          generated MAC addresses, a UUID not given, or the managed object id).
        - The diff (C(--diff)) shows this XML before and after the run; in check mode the after side is predicted
          from the .vmx with the changes applied. Extra config and scheduler settings have no libvirt element, so
          they appear in RV(vm.extra_config), RV(vm.scheduler) and RV(changes), not in the XML.
      type: str
    extra_config:
      description: The VM's extra configuration (C(config.extraConfig)); values of secret keys (password, token, ...) masked.
      type: dict
      sample: {"guestinfo.hostname": "web1", "guestinfo.password": "********"}
    scheduler:
      description: CPU and memory shares (V(low), V(normal), V(high) or a number), reservations and limits (-1 unlimited).
      type: dict
      contains:
        cpu_shares:
          description: CPU shares.
          type: raw
        cpu_reservation_mhz:
          description: CPU reservation in MHz.
          type: int
        cpu_limit_mhz:
          description: CPU limit in MHz, -1 for none.
          type: int
        memory_shares:
          description: Memory shares.
          type: raw
        memory_reservation_mb:
          description: Memory reservation in MiB.
          type: int
        memory_limit_mb:
          description: Memory limit in MiB, -1 for none.
          type: int
    nics:
      description:
        - The network adapters by slot, with their port group by name (libvirt's XML names a distributed port group
          by its key only).
      type: list
      elements: dict
      sample: [{"slot": "ethernet0", "network": "VM Network", "model": "vmxnet3", "mac": "00:50:56:3a:00:10",
                "connected": true, "start_connected": true}]
    template:
      description: Whether the VM is a template.
      type: bool
    cpu_hot_add:
      description: Whether vCPUs can be hot-added.
      type: bool
    memory_hot_add:
      description: Whether memory can be hot-added.
      type: bool
    cores_per_socket:
      description: Cores per virtual CPU socket.
      type: int
    hardware_version:
      description: The virtual hardware version, as vSphere names it.
      type: str
      sample: vmx-19
    cdroms:
      description:
        - The CD-ROM drives by slot as O(cdrom) gives them (V(iso), V(host) or V(client)); libvirt's XML shows no
          client drives.
      type: list
      elements: dict
      sample: [{"slot": "ide0:0", "type": "iso", "iso": "[datastore1] iso/boot.iso", "device": null}]
clone:
  description: How the VM was cloned (only in the run that created it).
  returned: when O(clone_from) created the VM
  type: dict
  contains:
    source:
      description: Name of the VM or template cloned.
      type: str
    source_moid:
      description: Its managed object id.
      type: str
    source_is_template:
      description: Whether the source is a template.
      type: bool
    linked:
      description: Whether the clone is linked to a snapshot of the source.
      type: bool
    snapshot:
      description: The snapshot named by O(clone_snapshot); null for the current one or a full clone.
      type: str
    disk_format:
      description: O(clone_disk_format), null for the source's format.
      type: str
    customization:
      description: The customization given (stored spec name, or the settings without passwords); null without.
      type: dict
guest:
  description: What VMware Tools reported when O(wait_for) was met.
  returned: with O(wait_for), when not in check mode
  type: dict
  contains:
    ip_address:
      description: The guest's primary usable address.
      type: str
      sample: 192.0.2.10
    ip_addresses:
      description: All usable addresses (no loopback or link-local).
      type: list
      elements: str
    hostname:
      description: Host name reported by Tools.
      type: str
    tools_running_status:
      description: C(guest.toolsRunningStatus).
      type: str
    seconds:
      description: Seconds waited.
      type: float
    custom_attributes:
      description: The VM's custom attributes by name (vCenter); null on a standalone ESX host.
      type: dict
      sample: {"owner": "team-web", "cost_center": "4711"}
    tags:
      description: The VM's tags as C(category/tag), sorted; only when O(tags) is given.
      type: list
      elements: str
      returned: when O(tags) is given
      sample: ["env/prod", "backup/daily"]
changes:
  description: What was (or in check mode would be) done, one line per change.
  returned: always
  type: list
  elements: str
  sample: ["memory_mb: set 1024 -> 2048"]
question:
  description: On failure because of a VM question, the question (id, text, choices, default).
  returned: when a VM question blocked a task
  type: dict
answered:
  description: The label of the choice given with auto_answer, null when nothing was answered.
  returned: when a VM question blocked a task
  type: str
task_started:
  description: Whether the task that was asked for was started at all.
  returned: when a VM question blocked a task
  type: bool
task_cancelled:
  description: For a started task, whether it was cancelled.
  returned: when a VM question blocked a task
  type: bool
'''

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import manage_vm

DEFINITION_OPTIONS = ['vcpus', 'memory_mb', 'firmware', 'disks', 'nics', 'cdrom']


def main():
    argument_spec = dict(
        name=dict(type='str'),
        uuid=dict(type='str'),
        xml=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent', 'running', 'shutdown', 'destroyed', 'paused', 'restarted']),
        datacenter=dict(type='str'),
        folder=dict(type='str'),
        cluster=dict(type='str'),
        esxi_hostname=dict(type='str'),
        resource_pool=dict(type='str'),
        datastore=dict(type='str'),
        vcpus=dict(type='int'),
        memory_mb=dict(type='int'),
        guest_id=dict(type='str'),
        firmware=dict(type='str', choices=['bios', 'efi']),
        disks=dict(type='list', elements='dict', options=dict(
            file=dict(type='str'),
            size_gb=dict(type='float'),
            bus=dict(type='str', choices=['scsi', 'ide', 'sata']),
            slot=dict(type='str'),
            controller_model=dict(type='str', choices=['lsilogic', 'buslogic', 'lsisas1068', 'pvscsi']),
        )),
        nics=dict(type='list', elements='dict', options=dict(
            network=dict(type='str', required=True),
            model=dict(type='str', choices=['vmxnet3', 'e1000', 'e1000e', 'vmxnet2', 'vmxnet', 'vlance'], default='vmxnet3'),
            mac=dict(type='str'),
            connected=dict(type='bool'),
            start_connected=dict(type='bool'),
        )),
        cdrom=dict(type='list', elements='dict', options=dict(
            type=dict(type='str', choices=['iso', 'host', 'client']),
            iso=dict(type='str'),
            device=dict(type='str'),
            slot=dict(type='str'),
        )),
        annotation=dict(type='str'),
        extra_config=dict(type='dict'),
        cpu_shares=dict(type='str'),
        cpu_reservation_mhz=dict(type='int'),
        cpu_limit_mhz=dict(type='int'),
        memory_shares=dict(type='str'),
        memory_reservation_mb=dict(type='int'),
        memory_limit_mb=dict(type='int'),
        autostart=dict(type='bool'),
        force=dict(type='bool', default=False),
        force_power_off=dict(type='bool', default=False),
        remove_files=dict(type='bool', default=False),
        shutdown_timeout=dict(type='int', default=300),
        # The vCenter way (resources/vm_clone.py).
        clone_from=dict(type='str'),
        linked=dict(type='bool', default=False),
        clone_snapshot=dict(type='str'),
        clone_disk_format=dict(type='str', choices=['thin', 'thick', 'eagerzeroedthick']),
        template=dict(type='bool'),
        customization=dict(type='dict', options=dict(
            spec=dict(type='str'),
            os=dict(type='str', choices=['linux', 'windows']),
            hostname=dict(type='str'),
            domain=dict(type='str'),
            time_zone=dict(type='str'),
            hw_clock_utc=dict(type='bool'),
            dns_servers=dict(type='list', elements='str'),
            dns_suffixes=dict(type='list', elements='str'),
            nics=dict(type='list', elements='dict', options=dict(
                dhcp=dict(type='bool'),
                ip=dict(type='str'),
                prefix=dict(type='int'),
                gateway=dict(type='str'),
                dns_servers=dict(type='list', elements='str'),
                dns_domain=dict(type='str'),
            )),
            windows=dict(type='dict', options=dict(
                computer_name=dict(type='str'),
                full_name=dict(type='str'),
                org_name=dict(type='str'),
                workgroup=dict(type='str'),
                join_domain=dict(type='str'),
                domain_user=dict(type='str'),
                domain_password=dict(type='str', no_log=True),
                product_key=dict(type='str', no_log=True),
                time_zone=dict(type='int'),
                admin_password=dict(type='str', no_log=True),
                auto_logon=dict(type='bool'),
                auto_logon_count=dict(type='int'),
                run_once=dict(type='list', elements='str'),
            )),
            cloud_init=dict(type='dict', options=dict(
                user_data=dict(type='str'),
                meta_data=dict(type='str'),
            )),
        )),
        wait_for=dict(type='str', choices=['ip', 'tools', 'hostname']),
        wait_timeout=dict(type='int', default=300),
        cpu_hot_add=dict(type='bool'),
        memory_hot_add=dict(type='bool'),
        cores_per_socket=dict(type='int'),
        hardware_version=dict(type='int'),
        # Custom attributes and tags (resources/vm_attributes.py, resources/tags.py).
        custom_attributes=dict(type='dict'),
        tags=dict(type='list', elements='str'),
        tags_mode=dict(type='str', choices=['set', 'add', 'remove'], default='set'),
    )
    module = EsxModule(
        argument_spec, tasks=True, supports_check_mode=True,
        mutually_exclusive=[['xml', option] for option in DEFINITION_OPTIONS] + [['cluster', 'esxi_hostname']],
    )
    module.run(lambda session: manage_vm(session, module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
