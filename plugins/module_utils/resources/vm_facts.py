# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VM facts as libvirt reports them, read in one paged property query.

``list_vms(session, name=None, uuid=None, moid=None) -> list of dict``
    every VM (or the ones matching a filter), with libvirt's view of each:
    state and reason, id, vcpus, memory, persistent, autostart, vmx path,
    guest IP addresses and snapshot names.  One property query reads the VMs
    and the hosts' autostart managers (two more read the managers' configuration).
``domain_xml(session, facts, secure=False, files=None) -> str``
    the domain XML of a VM from its .vmx, downloaded from the datastore, as
    libvirt's ``dumpxml`` does: ``read_vmx`` (the download) then
    ``vmx_domain_xml`` (the conversion), which virt.esx.vm uses too, so that
    both modules give the same XML for the same file.
``find_vm(session, name=None, uuid=None, moid=None) -> (vim.VirtualMachine, dict)``
    exactly one VM, or ``VmNotFound``/``VirtEsxError`` for none or several.

Pure helpers (unit tested): ``libvirt_state``, ``snapshot_list``,
``guest_addresses``, ``autostart_of``, ``matches``.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.vsphere import lookup, properties
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreFiles
from ansible_collections.virt.esx.plugins.module_utils.formats.domain import make_resolve_file, vmx_to_domain_xml
from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath, escape_vm_name, unescape_vm_name
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES as LIBVIRT_STATES
from ansible_collections.virt.esx.plugins.module_utils.vsphere.custom_fields import attribute_values, vm_fields

# libvirt's ESX driver reports no reason for a state (0, "unknown").
STATE_REASON = 'unknown'

VM_PROPERTIES = [
    'name', 'config.uuid', 'config.instanceUuid', 'config.template', 'config.hardware.numCPU',
    'config.hardware.memoryMB', 'config.files.vmPathName', 'config.guestId', 'config.annotation',
    'runtime.powerState', 'runtime.host', 'guest.ipAddress', 'guest.net', 'snapshot', 'customValue',
    'guest.hostName',
]
HOST_PROPERTIES = ['configManager.autoStartManager', 'capability.maxSupportedVcpus']


class VmNotFound(VirtEsxError):
    """No VM matches the name, UUID or managed object id."""


def libvirt_state(power_state):
    """(state, reason) of a vSphere power state; unknown power states give 'nostate'."""
    return LIBVIRT_STATES.get(str(power_state), 'nostate'), STATE_REASON


def libvirt_id(moid, power_state):
    """libvirt's domain id: the number of the moid for an active VM, -1 otherwise."""
    if str(power_state) == 'poweredOff':
        return -1
    digits = ''.join(ch for ch in (moid or '').rsplit('-', 1)[-1] if ch.isdigit())
    return int(digits) if digits else -1


def display_name(api_name):
    """The VM's name as libvirt shows it: the API's %XX escapes undone."""
    try:
        return unescape_vm_name(api_name)
    except EscapingError:
        return api_name


def snapshot_list(snapshot_info):
    """Flatten VirtualMachineSnapshotInfo into dicts, parents before children.

    Each: name, description, id, moid, create_time (ISO 8601), state (power state
    at the time of the snapshot), quiesced, parent (name or None), current.
    """
    if snapshot_info is None:
        return []
    current = getattr(getattr(snapshot_info, 'currentSnapshot', None), '_moId', None)
    out = []

    def walk(trees, parent):
        for tree in trees or ():
            moid = getattr(getattr(tree, 'snapshot', None), '_moId', None)
            created = getattr(tree, 'createTime', None)
            out.append(dict(
                name=tree.name,
                description=getattr(tree, 'description', '') or '',
                id=getattr(tree, 'id', None),
                moid=moid,
                create_time=created.isoformat() if hasattr(created, 'isoformat') else created,
                state=str(getattr(tree, 'state', '') or ''),
                quiesced=bool(getattr(tree, 'quiesced', False)),
                parent=parent,
                current=moid is not None and moid == current,
            ))
            walk(getattr(tree, 'childSnapshotList', None), tree.name)

    walk(getattr(snapshot_info, 'rootSnapshotList', None), None)
    return out


def guest_addresses(guest_net, guest_ip=None):
    """The guest's IP addresses (from guest.net, else guest.ipAddress), without duplicates."""
    addresses = []
    for nic in guest_net or ():
        found = []
        ip_config = getattr(nic, 'ipConfig', None)
        for entry in getattr(ip_config, 'ipAddress', None) or ():
            found.append(getattr(entry, 'ipAddress', None))
        if not found:
            found = list(getattr(nic, 'ipAddress', None) or ())
        for address in found:
            if address and address not in addresses:
                addresses.append(address)
    if not addresses and guest_ip:
        addresses.append(guest_ip)
    return addresses


def interface_addresses(guest_net):
    """libvirt's domainInterfaceAddresses from VMware Tools' guest.net: per NIC its MAC and addresses with prefix.

    An address Tools lists without ``ipConfig`` (older Tools) has no prefix (None).
    """
    interfaces = []
    for nic in guest_net or ():
        configured = getattr(getattr(nic, 'ipConfig', None), 'ipAddress', None) or ()
        pairs = [(getattr(entry, 'ipAddress', None), getattr(entry, 'prefixLength', None)) for entry in configured]
        if not pairs:
            pairs = [(address, None) for address in getattr(nic, 'ipAddress', None) or ()]
        addresses = [dict(type='ipv6' if ':' in address else 'ipv4', address=address,
                          prefix=int(prefix) if prefix is not None else None)
                     for address, prefix in pairs if address]
        interfaces.append(dict(mac=(getattr(nic, 'macAddress', None) or '').lower() or None,
                               network=getattr(nic, 'network', None) or None,
                               connected=bool(getattr(nic, 'connected', False)), addresses=addresses))
    return interfaces


def autostart_of(manager_config, vm_moid):
    """libvirt's autostart: the host's autostart is enabled and the VM's start action is powerOn."""
    if manager_config is None:
        return False
    defaults = getattr(manager_config, 'defaults', None)
    if not getattr(defaults, 'enabled', False):
        return False
    for info in getattr(manager_config, 'powerInfo', None) or ():
        if getattr(getattr(info, 'key', None), '_moId', None) == vm_moid:
            return str(getattr(info, 'startAction', '')).lower() == 'poweron'
    return False


def matches(facts, name=None, uuid=None, moid=None):
    """Whether a VM's facts match the filter (no filter matches every VM).

    ``name`` matches the libvirt name or the API name; ``uuid`` the BIOS or the
    instance UUID, case-insensitively.
    """
    if name is not None and name not in (facts['name'], facts['api_name']):
        return False
    if uuid is not None:
        wanted = uuid.lower()
        if wanted not in ((facts.get('uuid') or '').lower(), (facts.get('instance_uuid') or '').lower()):
            return False
    if moid is not None and facts['moid'] != moid:
        return False
    return True


def _facts(item, autostart_configs, attribute_names=None):
    moid = item['_moid']
    power_state = str(item.get('runtime.powerState') or '')
    state, reason = libvirt_state(power_state)
    host = getattr(item.get('runtime.host'), '_moId', None)
    snapshots = snapshot_list(item.get('snapshot'))
    memory_mb = item.get('config.hardware.memoryMB')
    return dict(
        name=display_name(item.get('name') or ''),
        api_name=item.get('name'),
        uuid=item.get('config.uuid'),
        instance_uuid=item.get('config.instanceUuid'),
        moid=moid,
        id=libvirt_id(moid, power_state),
        state=state,
        state_reason=reason,
        power_state=power_state,
        active=power_state not in ('', 'poweredOff'),
        persistent=True,
        template=bool(item.get('config.template')),
        vcpus=item.get('config.hardware.numCPU'),
        memory_mb=memory_mb,
        memory_kib=memory_mb * 1024 if isinstance(memory_mb, int) else None,
        guest_id=item.get('config.guestId'),
        annotation=item.get('config.annotation') or '',
        autostart=autostart_of(autostart_configs.get(host), moid),
        vmx_path=item.get('config.files.vmPathName'),
        host_moid=host,
        ip_addresses=guest_addresses(item.get('guest.net'), item.get('guest.ipAddress')),
        interfaces=interface_addresses(item.get('guest.net')),
        guest_hostname=item.get('guest.hostName') or None,
        snapshots=[snapshot['name'] for snapshot in snapshots],
        current_snapshot=next((snapshot['name'] for snapshot in snapshots if snapshot['current']), None),
        custom_attributes=None if attribute_names is None else attribute_values(item.get('customValue'), attribute_names),
    )


def _autostart_configs(session, hosts):
    managers = {}
    for host in hosts:
        ref = host.get('configManager.autoStartManager')
        if ref is not None:
            managers[ref._moId] = (host['_moid'], ref)
    if not managers:
        return {}
    try:
        found = properties.retrieve_objects(session.content, [ref for _host, ref in managers.values()], ['config'])
    except Exception:  # pylint: disable=broad-except
        # A host without an autostart manager (or a server that lacks it) means no autostart.
        return {}
    return {managers[item['_moid']][0]: item.get('config') for item in found if item['_moid'] in managers}


def _candidates(session, name=None, uuid=None, moid=None):
    """The VMs the server's SearchIndex names for the filter, or None when only reading every VM can tell.

    A moid or a UUID is looked up exactly (FindAllByUuid covers every VM: the
    BIOS UUID first, then the instance UUID); a name directly in a datacenter's
    VM folder, as libvirt or as the API writes it; a name not found there may
    be in a subfolder, so the caller reads every VM.
    """
    content = session.content
    if moid is not None:
        return [lookup.vm_by_moid(content, moid)]
    if uuid is not None:
        return lookup.vms_by_uuid(content, uuid) or lookup.vms_by_uuid(content, uuid, instance=True)
    if name is None:
        return None
    names = [escape_vm_name(name)] + ([name] if escape_vm_name(name) != name else [])
    found = []
    for datacenter in lookup.datacenters(content):
        for api_name in names:
            vm = lookup.vm_in_folder(content, datacenter['vmFolder'], api_name)
            if vm is not None and vm._moId not in [known._moId for known in found]:
                found.append(vm)
    return found or None


def _read_candidates(session, candidates, autostart=True):
    """[(VM property dict, facts dict)] of the given VMs, one property read each (plus one for autostart)."""
    items = [item for item in (lookup.read_vm(session.content, vm, VM_PROPERTIES) for vm in candidates) if item is not None]
    configs = {}
    if autostart:
        hosts = []
        for item in items:
            host = getattr(item.get('runtime.host'), '_moId', None)
            manager = (item.get('_autostart_managers') or {}).get(host)
            if manager is not None:
                hosts.append({'_moid': host, 'configManager.autoStartManager': manager})
        configs = _autostart_configs(session, hosts)
    return [(item, _facts(item, configs)) for item in items]


def located_vms(session, name=None, uuid=None, moid=None, autostart=True):
    """[(VM property dict, facts dict)] matching the filter: the SearchIndex's candidates, else every VM."""
    candidates = _candidates(session, name, uuid, moid)
    if candidates is not None:
        found = [(item, facts) for item, facts in _read_candidates(session, candidates, autostart)
                 if matches(facts, name, uuid, moid)]
        if found or moid is not None or uuid is not None:
            return found
    return [(item, facts) for item, facts in read_vms(session) if matches(facts, name, uuid, moid)]


def read_vms(session):
    """[(VM property dict, facts dict)] for every VM of the endpoint (one paged query + autostart)."""
    items = properties.retrieve(session.content, {'VirtualMachine': VM_PROPERTIES, 'HostSystem': HOST_PROPERTIES})
    vms = [item for item in items if item['_type'] == 'VirtualMachine']
    hosts = [item for item in items if item['_type'] == 'HostSystem']
    configs = _autostart_configs(session, hosts)
    max_vcpus = {host['_moid']: host.get('capability.maxSupportedVcpus') for host in hosts}
    names = _attribute_names(session)
    found = [(item, _facts(item, configs, names)) for item in vms]
    for _item, facts in found:
        facts['max_vcpus'] = max_vcpus.get(facts['host_moid'])
    return found


def _attribute_names(session):
    """{key: name} of the VM custom attribute definitions, read once; None where there are none (standalone ESX)."""
    manager = getattr(session.content, 'customFieldsManager', None)
    if manager is None:
        return None
    return vm_fields(properties.retrieve_one(session.content, manager, ['field']).get('field'))


def _with_listing_facts(session, found):
    """The located VMs' facts completed with what read_vms reads beside the VMs: the host's vCPU maximum and the
    custom attribute names (one read of their hosts, one of the attribute definitions)."""
    hosts = {}
    for item, facts in found:
        if 'max_vcpus' not in facts and item.get('runtime.host') is not None:
            hosts[facts['host_moid']] = item['runtime.host']
    limits = {}
    if hosts:
        limits = {host['_moid']: host.get('capability.maxSupportedVcpus')
                  for host in properties.retrieve_objects(session.content, list(hosts.values()), ['capability.maxSupportedVcpus'])}
    names = _attribute_names(session) if found else None
    for item, facts in found:
        facts.setdefault('max_vcpus', limits.get(facts['host_moid']))
        if names is not None and facts.get('custom_attributes') is None:
            facts['custom_attributes'] = attribute_values(item.get('customValue'), names)
    return found


def list_vms(session, name=None, uuid=None, moid=None):
    """Facts of every VM matching the filter, sorted by name."""
    if name is None and uuid is None and moid is None:
        found = [facts for _item, facts in read_vms(session)]
    else:
        found = [facts for _item, facts in _with_listing_facts(session, located_vms(session, name, uuid, moid))]
    return sorted(found, key=lambda facts: (facts['name'], facts['moid']))


def describe_filter(name=None, uuid=None, moid=None):
    if name is not None:
        return "named '%s'" % name
    if uuid is not None:
        return "with UUID %s" % uuid
    return "with managed object id %s" % moid


def find_vm_item(session, name=None, uuid=None, moid=None, autostart=True):
    """(VM property dict of VM_PROPERTIES, facts) of the one VM matching the filter (``autostart=False``: facts without it)."""
    found = located_vms(session, name, uuid, moid, autostart=autostart)
    if not found:
        raise VmNotFound('No virtual machine %s on %s' % (describe_filter(name, uuid, moid), session.params.endpoint))
    if len(found) > 1:
        raise VirtEsxError('Several virtual machines are %s (%s); select one by uuid or moid'
                           % (describe_filter(name, uuid, moid), ', '.join(facts['moid'] for _item, facts in found)))
    return found[0]


def find_vm(session, name=None, uuid=None, moid=None, autostart=True):
    """(vim.VirtualMachine, facts) of the one VM matching the filter (``autostart=False``: facts without it)."""
    item, facts = find_vm_item(session, name, uuid, moid, autostart=autostart)
    return item['_obj'], facts


def read_vmx(session, facts, files=None):
    """The bytes of a VM's .vmx file (one /folder download)."""
    vmx_path = facts.get('vmx_path')
    if not vmx_path:
        raise VirtEsxError("Virtual machine '%s' has no configuration file path" % facts['name'])
    files = files or DatastoreFiles(session)
    checked = CheckedDatastorePath.parse(vmx_path, option="the VM's configuration file path (config.files.vmPathName)")
    return files.download(checked)


def vmx_domain_xml(session, facts, vmx_data, secure=False, files=None, domain_id=None):
    """The domain XML of a VM from its .vmx bytes, with the VM's datacenter path and moid, as libvirt's ``dumpxml``.

    ``domain_id``: libvirt's id of a running VM (``<domain id=...>``); predictions and diffs leave it out.
    """
    files = files or DatastoreFiles(session)
    vmx_path = facts['vmx_path']
    datastore = CheckedDatastorePath.parse(vmx_path, option="the VM's configuration file path (config.files.vmPathName)").datastore
    return vmx_to_domain_xml(vmx_data, resolve_file=make_resolve_file(vmx_path), datacenter_path=files.datacenter_of(datastore),
                             moref=facts.get('moid'), secure=secure, domain_id=domain_id)


def domain_xml(session, facts, secure=False, files=None):
    """The domain XML of a VM from its .vmx file (downloaded over /folder)."""
    files = files or DatastoreFiles(session)
    active_id = facts.get('id')
    return vmx_domain_xml(session, facts, read_vmx(session, facts, files), secure=secure, files=files,
                          domain_id=active_id if isinstance(active_id, int) and active_id >= 0 else None)
