# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt.esx.vms inventory plugin: records from a recorded simulator answer, and
how the plugin turns them into hosts, variables and groups."""

from __future__ import annotations

import io
import os

import pytest

pytest.importorskip('lxml.etree')

from ansible.inventory.data import InventoryData  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.plugins.loader import inventory_loader  # noqa: E402

from ansible_collections.virt.esx.plugins.inventory import vms  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'plugin_utils', 'fixtures', 'soap_reader')


def fixture(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


class FakeResponse(io.BytesIO):
    status = 200
    reason = 'OK'

    def getheader(self, name, default=None):  # an uncompressed answer
        return default


class FakeConnection(object):
    def __init__(self, answer, sent):
        self.answer = answer
        self.sent = sent

    def request(self, method, path, body, headers):
        self.sent.append(body)

    def getresponse(self):
        return FakeResponse(self.answer)

    def close(self):
        pass


class FakeSoapStub(object):
    cookie = 'vmware_soap_session="abc"'
    versionId = '"urn:vim25/8.0.3.0"'
    path = '/sdk'

    def __init__(self, answer):
        self.answer = answer
        self.sent = []

    def GetConnection(self):  # pylint: disable=invalid-name  # pyvmomi's name
        return FakeConnection(self.answer, self.sent)

    def ReturnConnection(self, conn):  # pylint: disable=invalid-name  # pyvmomi's name
        pass


class FakeParams(object):
    hostname = 'vc.example.com'
    endpoint = 'https://vc.example.com:443'


class FakeRoot(object):
    _moId = 'group-d1'


class FakeCollector(object):
    _moId = 'propertyCollector'


class FakeContent(object):
    rootFolder = FakeRoot()
    propertyCollector = FakeCollector()


class FakeSession(object):
    def __init__(self, answer, scope=None):
        self.soap_stub = FakeSoapStub(answer)
        self.content = FakeContent()
        self.params = FakeParams()
        self.scope = scope

    def relogin(self):
        raise AssertionError('no re-login expected')


def extra_objects(*objects):
    """The recorded inventory with more <objects> elements appended."""
    answer = fixture('inventory_vpx.xml')
    cut = answer.index(b'</returnval>')
    return answer[:cut] + b''.join(objects) + answer[cut:]


def vm_object(moid, name=None, connection_state=None, missing=()):
    parts = ['<objects><obj type="VirtualMachine">%s</obj>' % moid]
    if name:
        parts.append('<propSet><name>name</name><val xsi:type="xsd:string">%s</val></propSet>' % name)
    if connection_state:
        parts.append('<propSet><name>runtime.connectionState</name><val xsi:type="VirtualMachineConnectionState">%s</val>'
                     '</propSet>' % connection_state)
    for path in missing:
        parts.append('<missingSet><path>%s</path><fault><fault xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">%s'
                     '</obj></fault><localizedMessage></localizedMessage></fault></missingSet>' % (path, moid))
    parts.append('</objects>')
    return ''.join(parts).encode()


def new_plugin():
    """The plugin as Ansible's loader sets it up, without depending on how the test run found the collection."""
    inventory_loader._load_config_defs('virt.esx.vms', vms, vms.__file__)  # pylint: disable=protected-access
    plugin = vms.InventoryModule()
    inventory_loader._update_object(obj=plugin, name='virt.esx.vms', path=vms.__file__,  # pylint: disable=protected-access
                                    resolved='virt.esx.vms')
    return plugin


def fetch(answer=None, **kwargs):
    warnings = []
    records, round_trips = vms.fetch_endpoint(FakeSession(answer or fixture('inventory_vpx.xml'), **kwargs),
                                              warn=warnings.append, **{})
    return {record['esx_name']: record for record in records}, round_trips, warnings


def test_pages_are_sized_in_vms_with_room_for_their_containers():
    session = FakeSession(fixture('inventory_vpx.xml'))
    vms.fetch_endpoint(session, page_size=1000)
    assert b'<maxObjects>1100</maxObjects>' in session.soap_stub.sent[0]
    assert [vms.objects_per_page(size) for size in (1, 2, 10, 250, 1000)] == [1, 2, 11, 275, 1100]


# -- fetch ----------------------------------------------------------------------------------

def test_one_round_trip_reads_vms_with_their_places():
    records, round_trips, warnings = fetch()
    assert round_trips == 1 and warnings == []
    assert sorted(records) == ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'DC0_H0_VM1']
    clustered = records['DC0_C0_RP0_VM0']
    assert clustered['esx_cluster'] == 'DC0_C0'
    assert clustered['esx_host'].startswith('DC0_C0_H')
    assert clustered['esx_datacenter'] == 'DC0'
    assert clustered['esx_folder'] == '/DC0/vm'
    assert clustered['esx_datastores'] == ['LocalDS_0']
    assert clustered['esx_networks'] == ['DC0_DVPG0']
    standalone = records['DC0_H0_VM0']
    assert standalone['esx_cluster'] is None and standalone['esx_host'] == 'DC0_H0'


def test_vm_variables():
    record = fetch()[0]['DC0_H0_VM1']
    assert record['esx_power_state'] == 'running'
    assert record['esx_vcpus'] == 1 and record['esx_memory_mb'] == 32
    assert record['esx_guest_ip'] == '10.0.0.11' and record['esx_guest_ips'] == ['10.0.0.11']
    assert record['esx_guest_hostname'] == 'web1.example.com'
    assert record['esx_annotation'] == 'first line\nsecond <b>&amp;'
    assert record['esx_moid'] == 'vm-60'
    assert record['esx_vmx_path'] == '[LocalDS_0] DC0_H0_VM1/DC0_H0_VM1.vmx'
    assert record['esx_template'] is False
    assert record['esx_endpoint'] == 'vc.example.com'
    assert all(name.startswith('esx_') and name.replace('_', '').isalnum() for name in record)
    assert fetch()[0]['DC0_H0_VM0']['esx_guest_ip'] is None


@pytest.mark.parametrize('vsphere, libvirt', [('poweredOff', 'shutoff'), ('suspended', 'paused'), ('poweredOn', 'running')])
def test_power_states_in_libvirt_words(vsphere, libvirt):
    answer = fixture('inventory_vpx.xml').replace(b'>poweredOn<', b'>%s<' % vsphere.encode())
    assert {record['esx_power_state'] for record in fetch(answer)[0].values()} == {libvirt}


def test_deleted_orphaned_and_inaccessible_vms_are_skipped_with_one_warning():
    answer = extra_objects(vm_object('vm-900', missing=('name', 'runtime.powerState')),
                           vm_object('vm-901', name='lost', connection_state='orphaned'),
                           vm_object('vm-902', name='[ds] x/x.vmx', connection_state='inaccessible'))
    records, _round_trips, warnings = fetch(answer)
    assert len(records) == 4
    assert len(warnings) == 1
    assert 'skipped 3 VM(s)' in warnings[0]
    assert 'vm-900 (gone during the query)' in warnings[0] and 'lost (orphaned)' in warnings[0]


def test_vpx_uri_with_a_host_path_lists_that_host_only():
    records = fetch(scope={'host': {'_moid': 'host-21'}})[0]
    assert sorted(records) == ['DC0_H0_VM0', 'DC0_H0_VM1']


def test_vm_names_are_unescaped_as_libvirt_shows_them():
    answer = fixture('inventory_vpx.xml').replace(b'>DC0_H0_VM1<', b'>web%2fone%25%5cx<')
    records = fetch(answer)[0]
    assert 'web/one%\\x' in records
    assert records['web/one%\\x']['esx_moid'] == 'vm-60'


def test_extra_properties_become_valid_variable_names():
    assert vms.property_variable('config.hardware.numCoresPerSocket') == 'esx_config_hardware_numCoresPerSocket'
    assert vms.property_variable('config.extraConfig["a.b"]') == 'esx_config_extraConfig__a_b__'


# -- the plugin ---------------------------------------------------------------------------

@pytest.fixture(name='make_plugin')
def make_plugin_fixture(tmp_path):
    def make(config, records=None, name='test.esx.yml'):
        path = tmp_path / name
        path.write_text('plugin: virt.esx.vms\nhostname: vc.example.com\nusername: u\npassword: p\n' + config)
        plugin = new_plugin()
        calls = []

        def fake_fetch():
            calls.append(1)
            return [dict(record) for record in (records if records is not None else list(fetch()[0].values()))]

        plugin._fetch_all = fake_fetch
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=True)
        # What ansible's InventoryManager does after each source (no cache plugin: AttributeError).
        try:
            plugin.update_cache_if_changed()
        except AttributeError:
            pass
        return inventory, calls, plugin

    return make


def hosts_of(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts()) if group in inventory.groups else []


def test_verify_file_takes_the_names_users_try(tmp_path):
    plugin = new_plugin()
    for name, expected in (('a.esx.yml', True), ('a.esx.yaml', True), ('esx.yml', True), ('esx.yaml', True),
                           ('vms.yml', True), ('vms.yaml', True), ('a.yml', False), ('hosts.ini', False)):
        path = tmp_path / name
        path.write_text('plugin: other.collection.plugin\n')
        assert plugin.verify_file(str(path)) is expected, name


def test_a_file_for_this_plugin_with_another_name_is_refused_with_the_names_it_takes(tmp_path):
    from ansible.errors import AnsibleParserError

    plugin = new_plugin()
    path = tmp_path / 'vcenter.yml'
    path.write_text('# inventory\nplugin: "virt.esx.vms"\nhostname: vc\n')
    assert plugin.verify_file(str(path)) is True
    with pytest.raises(AnsibleParserError) as caught:
        plugin.parse(InventoryData(), DataLoader(), str(path), cache=False)
    message = str(caught.value)
    assert 'esx.yml' in message and 'vms.yml' in message and '<name>.esx.yml' in message
    assert 'vcenter.esx.yml' in message
    (tmp_path / 'other.yml').write_text('plugin: community.vmware.vmware_vm_inventory\n')
    assert plugin.verify_file(str(tmp_path / 'other.yml')) is False


def test_default_groups_and_ansible_host(make_plugin):
    inventory, _calls, _plugin = make_plugin('')
    assert sorted(inventory.hosts) == ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'DC0_H0_VM1']
    assert hosts_of(inventory, 'power_running') == sorted(inventory.hosts)
    assert hosts_of(inventory, 'cluster_DC0_C0') == ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']
    assert hosts_of(inventory, 'host_DC0_H0') == ['DC0_H0_VM0', 'DC0_H0_VM1']
    assert hosts_of(inventory, 'datacenter_DC0') == sorted(inventory.hosts)
    assert hosts_of(inventory, 'folder_DC0_vm') == sorted(inventory.hosts)
    assert hosts_of(inventory, 'guest_linuxGuest') == sorted(inventory.hosts)
    assert inventory.get_host('DC0_H0_VM1').vars['ansible_host'] == '10.0.0.11'
    assert 'ansible_host' not in inventory.get_host('DC0_H0_VM0').vars


def test_no_default_groups_and_no_ansible_host(make_plugin):
    inventory, _calls, _plugin = make_plugin('default_groups: false\nansible_host: none\n')
    assert not [group for group in inventory.groups if group.startswith(('power_', 'cluster_'))]
    assert 'ansible_host' not in inventory.get_host('DC0_H0_VM1').vars


def test_hostnames_preferences_fall_through(make_plugin):
    inventory, _calls, _plugin = make_plugin('hostnames: [guest_hostname, moid]\n')
    assert sorted(inventory.hosts) == ['vm-57', 'vm-63', 'vm-66', 'web1.example.com']


def test_hostname_expression_and_predictable_duplicates(make_plugin):
    inventory, _calls, _plugin = make_plugin('hostnames: ["esx_datacenter ~ \'-vm\'"]\n')
    # Taken in (endpoint, name, moid) order: DC0_C0_RP0_VM0 (vm-63) keeps the plain name.
    assert inventory.get_host('DC0-vm').vars['esx_name'] == 'DC0_C0_RP0_VM0'
    assert sorted(inventory.hosts) == ['DC0-vm', 'DC0-vm_vm-57', 'DC0-vm_vm-60', 'DC0-vm_vm-66']


def test_filters_and_exclude_filters(make_plugin):
    inventory, _calls, _plugin = make_plugin(
        "filters:\n  - esx_cluster is not none\n  - esx_power_state == 'running'\n"
        "exclude_filters:\n  - esx_name.endswith('VM1')\n")
    assert sorted(inventory.hosts) == ['DC0_C0_RP0_VM0']


def test_compose_groups_and_keyed_groups(make_plugin):
    inventory, _calls, _plugin = make_plugin(
        "compose:\n  short_name: esx_name | lower\n"
        "groups:\n  with_ip: esx_guest_ip is not none\n"
        "keyed_groups:\n  - key: esx_guest_id\n    prefix: os\n")
    assert inventory.get_host('DC0_H0_VM0').vars['short_name'] == 'dc0_h0_vm0'
    assert hosts_of(inventory, 'with_ip') == ['DC0_H0_VM1']
    assert hosts_of(inventory, 'os_otherGuest') == sorted(inventory.hosts)


def test_a_fresh_cache_means_no_fetch(make_plugin, tmp_path):
    config = 'cache: true\ncache_plugin: jsonfile\ncache_connection: %s\n' % (tmp_path / 'cache')
    first, first_calls, _plugin = make_plugin(config)
    second, second_calls, _plugin = make_plugin(config)
    assert first_calls == [1] and second_calls == []
    assert sorted(second.hosts) == sorted(first.hosts)
    assert second.get_host('DC0_H0_VM1').vars['esx_guest_ips'] == ['10.0.0.11']


def test_endpoints_take_missing_options_from_the_top_level(make_plugin, monkeypatch):
    monkeypatch.setenv('VMWARE_HOST', 'from-env.example.com')
    _inventory, _calls, plugin = make_plugin(
        'endpoints:\n  - uri: "esx://root@esx1.example.com/?no_verify=1"\n  - hostname: esx2.example.com\n    port: 8443\n',
        name='endpoints.esx.yml')
    first, second = plugin._endpoint_params()
    assert (first.hostname, first.username, first.password, first.validate_certs) == ('esx1.example.com', 'root', 'p', False)
    assert (second.hostname, second.port, second.username) == ('esx2.example.com', 8443, 'u')


def test_bad_endpoint_options_are_reported(make_plugin):
    from ansible.errors import AnsibleParserError

    _inventory, _calls, plugin = make_plugin('endpoints:\n  - hostnme: typo.example.com\n', name='bad.esx.yml')
    with pytest.raises(AnsibleParserError, match='unknown option'):
        plugin._endpoint_params()
