# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: vms
short_description: VMs of ESX hosts and vCenter servers, in a handful of round trips
version_added: 0.1.0
author: virt.esx contributors (@virt-esx)
description:
  - Lists every virtual machine of one or more ESX hosts or vCenter servers as inventory hosts.
  - One paged property retrieval per endpoint reads the VMs together with the names of their folders, hosts,
    clusters, datacenters, datastores and networks; paths and groups are computed locally, with no call per VM.
    The answer is parsed with lxml rather than pyvmomi's deserializer.
  - 'Configuration files are named C(esx.yml), C(vms.yml) (ansible-core''s C(<plugin>.yml) convention) or
    C(<anything>.esx.yml), each also with C(.yaml). A file with another name that says C(plugin: virt.esx.vms) is
    refused with a message that lists these names.'
  - Host variables are prefixed C(esx_) and are valid variable names. C(esx_name) is the VM name as libvirt shows it
    (the API's C(%XX) escapes of C(%), C(/) and C(\) undone); C(esx_folder) keeps them, so that C(/) only separates.
  - VMs that disappear during the query, orphaned and inaccessible VMs are skipped with a warning.
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - pyvmomi >= 8.0.1
  - lxml
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    required: true
    type: str
    choices: [ virt.esx.vms ]
  uri:
    description:
      - libvirt-style connection URI such as V(esx://root@esx1.example.com/?no_verify=1) or
        V(vpx://admin@vcenter/dc1/cluster1/esx1), an alternative to O(hostname), O(port), O(transport) and O(proxy).
      - A V(vpx://) URI with a host path lists the VMs of that host only.
    type: str
  hostname:
    description: Name or address of the ESX host or vCenter server.
    type: str
    aliases: [ host ]
    env:
      - name: VMWARE_HOST
  username:
    description: User name to log in with (also the C(user@) part of O(uri)).
    type: str
    aliases: [ user ]
    env:
      - name: VMWARE_USER
  password:
    description: Password of O(username). Never logged nor cached.
    type: str
    aliases: [ pass ]
    env:
      - name: VMWARE_PASSWORD
  port:
    description: TCP port of the server; 443 for https and 80 for http when not set.
    type: int
    env:
      - name: VMWARE_PORT
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. On unless set to V(false) (or C(no_verify=1) in O(uri)).
    type: bool
    env:
      - name: VMWARE_VALIDATE_CERTS
  ca_file:
    description: PEM file of the certificate authorities to trust instead of the system's.
    type: path
    env:
      - name: VMWARE_CA_FILE
  transport:
    description: V(https) (default) or V(http).
    type: str
    choices: [ https, http ]
  proxy:
    description: HTTP proxy as C([http://]host[:port]).
    type: str
    env:
      - name: VMWARE_PROXY
  timeout:
    description:
      - Seconds one HTTP request may take as a whole (connecting, sending, the whole answer), from 1 to 86400.
    type: int
    default: 60
  max_answer_mb:
    description:
      - The largest answer, in MiB, read from the server for one request (1 to 4096); a larger one is refused.
      - Raise it only for a legitimately huge answer, such as a very large O(page_size) over VMs with many devices.
    type: int
    default: 64
  endpoints:
    description:
      - Several endpoints in one source. Each item takes the connection options above (O(uri), O(hostname),
        O(username), O(password), O(port), O(validate_certs), O(ca_file), O(transport), O(proxy), O(timeout),
        O(max_answer_mb));
        what an item leaves out comes from the top-level options.
      - When not set, the top-level options name the one endpoint.
    type: list
    elements: dict
  hostnames:
    description:
      - How to name each VM's inventory host, as an ordered list of preferences; the first that gives a non-empty
        value wins, and V(name) is the last resort.
      - V(name) (the VM's name), V(uuid) (BIOS UUID), V(instance_uuid), V(moid), V(guest_hostname),
        V(guest_ip) (the guest's primary IP address), or any other string is a Jinja expression evaluated with the
        VM's host variables, for example V(esx_name ~ '.' ~ esx_datacenter).
      - Duplicates are made unique predictably. VMs are taken in the order (endpoint, name, moid); the first keeps
        the name, each later one gets C(_<moid>) appended (and C(_2), C(_3)... if that is still taken).
    type: list
    elements: str
    default: [ name ]
  ansible_host:
    description:
      - Where C(ansible_host) comes from. V(guest_ip) (the guest's primary IP, else its first IP),
        V(guest_hostname), V(name), or V(none) to leave it unset. VMs without that value get no C(ansible_host).
    type: str
    choices: [ guest_ip, guest_hostname, name, none ]
    default: guest_ip
  properties:
    description:
      - More vSphere property paths of the VirtualMachine object to read, for example V(config.hardware.numCoresPerSocket)
        or V(summary.quickStats). Each becomes the host variable C(esx_) followed by the path with every character
        that is not a letter, a digit or C(_) replaced by C(_) (V(esx_config_hardware_numCoresPerSocket)).
      - Values are plain data (strings, numbers, booleans, lists, dicts); object references are their moid.
    type: list
    elements: str
    default: []
  default_groups:
    description:
      - Add each VM to the groups C(power_<state>) (V(running), V(shutoff), V(paused)), C(guest_<family>),
        C(datacenter_<name>), C(cluster_<name>), C(host_<name>) and C(folder_<path>), names made safe for Ansible.
    type: bool
    default: true
  filters:
    description:
      - Jinja conditionals over the host variables; a VM is kept only when every one is true.
    type: list
    elements: str
    default: []
  exclude_filters:
    description:
      - Jinja conditionals over the host variables; a VM is dropped when any one is true (applied after O(filters)).
    type: list
    elements: str
    default: []
  gather_tags:
    description:
      - Read the vCenter tags of the VMs into C(esx_tags) (sorted C(category/tag) labels) and
        C(esx_tag_categories) (category name to its tag names), for O(keyed_groups) keyed on C(esx_tags).
      - Read over the vSphere Automation API with the endpoint's credentials, in a handful of calls per tag
        and one bulk association call per 500 tags, none per VM. Fails on a standalone ESX host.
      - Custom attributes are always read, into C(esx_custom_attributes) (name to value), in the same paged query.
    type: bool
    default: false
    version_added: 0.3.0
  page_size:
    description:
      - VMs per page of the property retrieval (one round trip per page).
      - The folders, hosts, clusters, datacenters, datastores and networks come in the same pages, so each
        page also has room for one of them per ten VMs (vSphere's C(maxObjects) is O(page_size) plus a tenth).
    type: int
    default: 1000
'''

EXAMPLES = r'''
# vcenter.esx.yml
plugin: virt.esx.vms
hostname: vcenter.example.com
username: inventory@vsphere.local
password: "{{ lookup('env', 'VCENTER_PASSWORD') }}"
hostnames:
  - guest_hostname
  - name
keyed_groups:
  - key: esx_guest_id
    prefix: os
filters:
  - esx_power_state == 'running'

# esx.yml: two standalone hosts in libvirt's URI style, cached for an hour (a second file, shown commented
# out so that these examples stay one YAML document):
# plugin: virt.esx.vms
# password: secret
# endpoints:
#   - uri: esx://root@esx1.example.com/?no_verify=1
#   - uri: esx://root@esx2.example.com/?no_verify=1
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/virt-esx-inventory
# cache_timeout: 3600
'''

import os
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
from ansible_collections.virt.esx.plugins.module_utils.vsphere.secrets import mask, option_secrets
from ansible_collections.virt.esx.plugins.plugin_utils.endpoints import fetch_all as fetch_endpoints_concurrently
from ansible_collections.virt.esx.plugins.plugin_utils.inventory_cache import pack as pack_records, unpack as unpack_records
from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import unescape_vm_name
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES as POWER_STATES

ACCEPTED_FILE_NAMES = ('esx.yml', 'esx.yaml', 'vms.yml', 'vms.yaml', '<name>.esx.yml', '<name>.esx.yaml')
_DECLARES_PLUGIN_RE = re.compile(r"""^plugin:\s*['"]?virt\.esx\.vms['"]?\s*(#.*)?$""", re.M)


def accepted_file_name(path):
    name = os.path.basename(path)
    return name in ('esx.yml', 'esx.yaml', 'vms.yml', 'vms.yaml') or name.endswith(('.esx.yml', '.esx.yaml'))


def declares_this_plugin(path):
    """Whether a YAML file says ``plugin: virt.esx.vms`` (read only when its name is not one this plugin takes)."""
    if not path.endswith(('.yml', '.yaml')):
        return False
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return bool(_DECLARES_PLUGIN_RE.search(handle.read(65536)))
    except OSError:
        return False


def suggested_file_name(path):
    stem, _dot, extension = os.path.basename(path).rpartition('.')
    return '%s.esx.%s' % (stem, extension)


CONNECTION_OPTIONS = ('uri', 'hostname', 'username', 'password', 'port', 'validate_certs', 'ca_file', 'transport',
                      'proxy', 'timeout', 'max_answer_mb')

VM_PROPERTIES = (
    'name', 'config.uuid', 'config.instanceUuid', 'runtime.powerState', 'runtime.connectionState',
    'config.hardware.numCPU', 'config.hardware.memoryMB', 'config.guestId', 'config.guestFullName',
    'guest.guestFamily', 'config.files.vmPathName', 'datastore', 'network', 'guest.ipAddress', 'guest.hostName',
    'guest.net', 'config.annotation', 'runtime.host', 'parent', 'config.template',
)
CONTAINER_PROPERTIES = {
    'Folder': ['name', 'parent'],
    'Datacenter': ['name', 'parent'],
    'ComputeResource': ['name', 'parent'],
    'HostSystem': ['name', 'parent'],
    'Datastore': ['name'],
    'Network': ['name'],
}
# VMs in these connection states have no usable configuration.
UNUSABLE_CONNECTION_STATES = ('orphaned', 'inaccessible', 'invalid')

BUILTIN_HOSTNAMES = {
    'name': 'esx_name', 'uuid': 'esx_uuid', 'instance_uuid': 'esx_instance_uuid', 'moid': 'esx_moid',
    'guest_hostname': 'esx_guest_hostname', 'guest_ip': 'esx_guest_ip',
}

ALIASES = {'hostname': 'host', 'username': 'user', 'password': 'pass'}

_UNSAFE_VARIABLE_CHARS = re.compile(r'[^A-Za-z0-9_]')


def property_variable(path):
    """The host variable of an extra vSphere property path."""
    return 'esx_' + _UNSAFE_VARIABLE_CHARS.sub('_', path)


def _vm_name(api_name):
    """The name as libvirt shows it: the API's %XX escapes of '%', '/' and '\\' undone."""
    try:
        return unescape_vm_name(api_name)
    except EscapingError:
        return api_name


def _guest_ips(props):
    ips = []
    primary = props.get('guest.ipAddress')
    if primary:
        ips.append(primary)
    for nic in props.get('guest.net') or ():
        if not isinstance(nic, dict):
            continue
        addresses = nic.get('ipAddress') or ()
        if isinstance(addresses, str):
            addresses = [addresses]
        for address in addresses:
            if address and address not in ips:
                ips.append(address)
    return ips


class _Containers(object):
    """Names and parents of the folders, datacenters, compute resources and hosts of one endpoint."""

    def __init__(self):
        self.objects = {}
        self.names = {}
        self._paths = {}
        self._datacenters = {}
        self._hosts = {}

    def add(self, obj):
        self.objects[obj.moid] = obj
        self.names[obj.moid] = obj.props.get('name')

    def host(self, moid):
        """(host name, cluster name) of a host's moid; (None, None) for an unknown host."""
        found = self._hosts.get(moid)
        if found is None:
            host_obj = self.objects.get(moid) if moid else None
            cluster = None
            if host_obj is not None:
                compute = self.objects.get(host_obj.props.get('parent'))
                if compute is not None and compute.type == 'ClusterComputeResource':
                    cluster = compute.props.get('name')
            found = self._hosts[moid] = (host_obj.props.get('name') if host_obj is not None else None, cluster)
        return found

    def path(self, moid):
        """Inventory path of a folder ('/DC0/vm/web'); the root folder is not part of it."""
        if moid in self._paths:
            return self._paths[moid]
        chain = []
        current = moid
        while current is not None and current not in self._paths and len(chain) < 256:
            obj = self.objects.get(current)
            if obj is None:
                break
            chain.append(current)
            current = obj.props.get('parent')
        prefix = self._paths.get(current, '') if current is not None else ''
        for item in reversed(chain):
            obj = self.objects[item]
            if obj.props.get('parent') is None and obj.type == 'Folder':
                prefix = ''
            else:
                prefix = prefix + '/' + (obj.props.get('name') or '')
            self._paths[item] = prefix
        return self._paths.get(moid, '')

    def datacenter(self, moid):
        if moid in self._datacenters:
            return self._datacenters[moid]
        seen = []
        current = moid
        found = None
        while current is not None and len(seen) < 256:
            if current in self._datacenters:
                found = self._datacenters[current]
                break
            obj = self.objects.get(current)
            if obj is None:
                break
            seen.append(current)
            if obj.type == 'Datacenter':
                found = obj.props.get('name')
                break
            current = obj.props.get('parent')
        for item in seen:
            self._datacenters[item] = found
        return found


def objects_per_page(vms_per_page):
    """maxObjects for pages sized in VMs, with room for the containers that share them (one per ten VMs)."""
    return vms_per_page + vms_per_page // 10


def fetch_endpoint(session, extra_properties=(), page_size=1000, warn=None, gather_tags=False):
    """Read every VM of a logged-in ViSession and return host records (JSON-able dicts of esx_ variables)."""
    from ansible_collections.virt.esx.plugins.plugin_utils.soap_reader import SoapReader, gc_paused
    from ansible_collections.virt.esx.plugins.plugin_utils.inventory_metadata import VM_PATHS, VmMetadata

    warn = warn or (lambda message: None)
    vm_paths = list(VM_PROPERTIES) + list(VM_PATHS) + [path for path in extra_properties if path not in VM_PROPERTIES]
    wanted = dict(CONTAINER_PROPERTIES)
    wanted['VirtualMachine'] = vm_paths
    reader = SoapReader(session, page_size=objects_per_page(page_size))
    metadata = VmMetadata(session, gather_tags)  # custom attributes and tags: inventory_metadata.py
    wanted.update(metadata.wanted())
    objects = reader.retrieve(wanted, extra_objects=metadata.extra_objects())
    metadata.take(objects)

    containers = _Containers()
    vms = []
    for obj in objects:
        if obj.type == 'VirtualMachine':
            vms.append(obj)
        else:
            containers.add(obj)

    scope_host = None
    scope = getattr(session, 'scope', None)
    if scope and scope.get('host'):
        scope_host = scope['host']['_moid']

    endpoint = session.params.hostname
    records = []
    skipped = []
    with gc_paused():
        for vm in vms:
            props = vm.props
            name = props.get('name')
            state = props.get('runtime.connectionState')
            if not name or state in UNUSABLE_CONNECTION_STATES:
                skipped.append('%s (%s)' % (name or vm.moid, 'gone during the query' if not name else state))
                continue
            host_moid = props.get('runtime.host')
            if scope_host is not None and host_moid != scope_host:
                continue
            records.append(metadata.annotate(_record(vm, props, containers, endpoint, extra_properties), props))
    if skipped:
        shown = ', '.join(sorted(skipped)[:10])
        more = ' and %d more' % (len(skipped) - 10) if len(skipped) > 10 else ''
        warn('%s: skipped %d VM(s) without a usable configuration: %s%s' % (endpoint, len(skipped), shown, more))
    return records, reader.round_trips


def _record(vm, props, containers, endpoint, extra_properties):
    host_name, cluster = containers.host(props.get('runtime.host'))
    names = containers.names
    parent = props.get('parent')
    ips = _guest_ips(props)
    power = props.get('runtime.powerState')
    record = {
        'esx_name': _vm_name(props.get('name')),
        'esx_uuid': props.get('config.uuid'),
        'esx_instance_uuid': props.get('config.instanceUuid'),
        'esx_moid': vm.moid,
        'esx_power_state': POWER_STATES.get(power, 'nostate'),
        'esx_vcpus': props.get('config.hardware.numCPU'),
        'esx_memory_mb': props.get('config.hardware.memoryMB'),
        'esx_guest_id': props.get('config.guestId'),
        'esx_guest_full_name': props.get('config.guestFullName'),
        'esx_guest_family': props.get('guest.guestFamily'),
        'esx_vmx_path': props.get('config.files.vmPathName'),
        'esx_datastores': [names.get(moid) or moid for moid in props.get('datastore') or ()],
        'esx_networks': [names.get(moid) or moid for moid in props.get('network') or ()],
        'esx_guest_ip': props.get('guest.ipAddress') or (ips[0] if ips else None),
        'esx_guest_ips': ips,
        'esx_guest_hostname': props.get('guest.hostName'),
        'esx_annotation': props.get('config.annotation') or '',
        'esx_template': bool(props.get('config.template')),
        'esx_host': host_name,
        'esx_cluster': cluster,
        'esx_datacenter': containers.datacenter(parent) if parent else None,
        'esx_folder': containers.path(parent) if parent else None,
        'esx_endpoint': endpoint,
    }
    for path in extra_properties:
        record[property_variable(path)] = props.get(path)
    if vm.missing:
        record['esx_unreadable_properties'] = sorted(vm.missing)
    return record


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'virt.esx.vms'

    def verify_file(self, path):
        # A file that names this plugin under another name is taken too, so that parse() can say which names
        # work instead of ansible-core's generic "not parsable by any plugin".
        return super(InventoryModule, self).verify_file(path) and (
            accepted_file_name(path) or declares_this_plugin(path))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        if not accepted_file_name(path):
            raise AnsibleParserError(
                'virt.esx.vms reads inventory files named %s; rename %s (for example to %s)'
                % (', '.join(ACCEPTED_FILE_NAMES), os.path.basename(path), suggested_file_name(path)))
        self._file_options = set(self._read_config_data(path) or ())

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        records = None
        if use_cache and cache:
            try:
                records = unpack_records(self._cache[cache_key])
            except KeyError:
                records = None
        if records is None:
            records = self._fetch_all()
            if use_cache:
                self._cache[cache_key] = pack_records(records)
        self._populate(records)

    # -- fetch ------------------------------------------------------------------------

    def _connection_options(self):
        """Top-level connection options; env-derived ones do not compete with an explicit uri."""
        options = {}
        file_options = getattr(self, '_file_options', set())
        for name in CONNECTION_OPTIONS:
            options[name] = self.get_option(name)
            if name in file_options or ALIASES.get(name) in file_options:
                # ansible-core 2.16's get_option_and_origin knows only configuration and environment, not the file.
                options[name + ':origin'] = 'direct'
            else:
                options[name + ':origin'] = self.get_option_and_origin(name)[1]
        return options

    def _endpoint_params(self):
        # Every secret of the options, masked in this plugin's errors (Ansible's no_log is the modules').
        self._secrets = set()
        top = self._connection_options()
        items = self.get_option('endpoints') or [{}]
        params = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise AnsibleParserError('endpoints[%d] must be a dictionary of connection options' % index)
            unknown = sorted(set(item) - set(CONNECTION_OPTIONS) - {'host', 'user', 'pass'})
            if unknown:
                raise AnsibleParserError('endpoints[%d] has unknown option(s): %s' % (index, ', '.join(unknown)))
            merged = {}
            uri = item.get('uri') if 'uri' in item else top['uri']
            for name in CONNECTION_OPTIONS:
                key = name if name in item else ALIASES.get(name)
                present = key in item
                value = item.get(key) if present else None
                if not present:
                    value = top[name]
                    if uri and name in ('hostname', 'port', 'proxy') and str(top[name + ':origin']).startswith('env'):
                        value = None
                merged[name] = value
            self._secrets.update(option_secrets(merged, environ={}))
            try:
                params.append(resolve_connection_params(merged, environ={}, warn=self.display.warning))
            except VirtEsxError as exc:
                raise AnsibleParserError(mask('virt.esx.vms endpoint %d: %s' % (index + 1, exc), self._secrets))
        return params

    def _fetch_all(self):
        from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession

        properties, page_size = self.get_option('properties'), self.get_option('page_size')

        def fetch_one(params):
            try:
                with ViSession(params) as session:
                    return fetch_endpoint(session, properties, page_size, warn=self.display.warning,
                                          gather_tags=self.get_option('gather_tags'))[0]
            except VirtEsxError as exc:
                raise AnsibleError(mask('virt.esx.vms: %s: %s' % (params.endpoint, exc), self._secrets))

        records = []
        for found in fetch_endpoints_concurrently(self._endpoint_params(), fetch_one):  # plugin_utils/endpoints.py
            records.extend(found)
        return records

    # -- populate ---------------------------------------------------------------------

    def _hostname(self, record, preferences):
        for preference in preferences:
            variable = BUILTIN_HOSTNAMES.get(preference)
            if variable is not None:
                value = record.get(variable)
            else:
                try:
                    value = self._compose(preference, record)
                except Exception as exc:  # pylint: disable=broad-except
                    if self.get_option('strict'):
                        raise AnsibleError('hostnames expression %r failed for VM %s: %s' % (preference, record.get('esx_name'), exc))
                    value = None
            if value not in (None, '') and not isinstance(value, (list, dict)):
                return str(value)
        return record.get('esx_name')

    def _condition(self, expression):
        """A Jinja conditional over the templar's variables, on every ansible-core the collection supports."""
        evaluate = getattr(self.templar, 'evaluate_conditional', None)
        if evaluate is not None:
            return evaluate(expression)
        # ansible-core before 2.19 has no evaluate_conditional: the idiom its own Constructable uses.
        return boolean(self.templar.template('{%% if %s %%} True {%% else %%} False {%% endif %%}' % expression))

    def _passes(self, record):
        templar = self.templar
        filters = self.get_option('filters')
        excludes = self.get_option('exclude_filters')
        if not filters and not excludes:
            return True
        templar.available_variables = record
        try:
            for expression in filters:
                if not self._condition(expression):
                    return False
            for expression in excludes:
                if self._condition(expression):
                    return False
        except Exception as exc:  # pylint: disable=broad-except
            if self.get_option('strict'):
                raise AnsibleError('filter failed for VM %s: %s' % (record.get('esx_name'), exc))
            return False
        return True

    def _populate(self, records):
        inventory = self.inventory
        preferences = self.get_option('hostnames') or ['name']
        host_source = self.get_option('ansible_host')
        host_variable = None if host_source == 'none' else BUILTIN_HOSTNAMES[host_source]
        default_groups = self.get_option('default_groups')
        compose = self.get_option('compose')
        groups = self.get_option('groups')
        keyed_groups = self.get_option('keyed_groups')
        strict = self.get_option('strict')
        sanitize = self._sanitize_group_name
        group_cache = {}

        def group(name):
            safe = group_cache.get(name)
            if safe is None:
                safe = group_cache[name] = inventory.add_group(sanitize(name))
            return safe

        endpoint_order = {}
        for record in records:
            endpoint_order.setdefault(record.get('esx_endpoint'), len(endpoint_order))
        ordered = sorted(records, key=lambda rec: (endpoint_order[rec.get('esx_endpoint')], rec.get('esx_name') or '',
                                                   _natural(rec.get('esx_moid'))))
        taken = set(inventory.hosts)
        for record in ordered:
            if not self._passes(record):
                continue
            hostname = self._unique(self._hostname(record, preferences), record, taken)
            taken.add(hostname)
            inventory.add_host(hostname)
            host = inventory.get_host(hostname)
            for key, value in record.items():
                host.set_variable(key, value)
            if host_variable is not None and record.get(host_variable):
                host.set_variable('ansible_host', record[host_variable])
            if default_groups:
                for prefix, value in (('power_', record.get('esx_power_state')), ('guest_', record.get('esx_guest_family')),
                                      ('datacenter_', record.get('esx_datacenter')), ('cluster_', record.get('esx_cluster')),
                                      ('host_', record.get('esx_host')),
                                      ('folder_', (record.get('esx_folder') or '').strip('/'))):
                    if value:
                        inventory.add_child(group(prefix + value), hostname)
            if compose:
                self._set_composite_vars(compose, record, hostname, strict=strict)
            if groups:
                self._add_host_to_composed_groups(groups, record, hostname, strict=strict)
            if keyed_groups:
                self._add_host_to_keyed_groups(keyed_groups, record, hostname, strict=strict)

    @staticmethod
    def _unique(hostname, record, taken):
        if hostname not in taken:
            return hostname
        candidate = '%s_%s' % (hostname, record.get('esx_moid'))
        counter = 2
        unique = candidate
        while unique in taken:
            unique = '%s_%d' % (candidate, counter)
            counter += 1
        return unique


def _natural(moid):
    """'vm-9' before 'vm-10'."""
    text = moid or ''
    head, _sep, tail = text.rpartition('-')
    return (head, int(tail)) if tail.isdigit() else (text, -1)
