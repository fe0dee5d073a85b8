# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-core's own floor for the virt.esx.vms inventory: the same hosts, variables and groups, no vSphere.

A trivial inventory plugin for benchmarks/inventory_cache.py. Its source file
(``plugin: virt_esx_floor`` and ``records: PATH``) names a marshal file of the
records virt.esx.vms built (benchmarks/inventory_cache.py writes it); the plugin
loads it (the one I/O, a few tens of milliseconds for 10,000 records, timed on
its own by the benchmark) and adds each record as virt.esx.vms does with its
defaults: one host per record (named by esx_name), every record key as a host
variable, ansible_host from esx_guest_ip, the default groups (power_, guest_,
datacenter_, cluster_, host_, folder_).
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: virt_esx_floor
short_description: Benchmark floor for virt.esx.vms (no vSphere)
description:
  - Adds prebuilt host records as virt.esx.vms does; for benchmarks only.
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [virt_esx_floor]
  records:
    description: A marshal file of a list of host records.
    required: true
    type: path
'''

import marshal

from ansible.plugins.inventory import BaseInventoryPlugin

GROUP_PREFIXES = (('power_', 'esx_power_state'), ('guest_', 'esx_guest_family'), ('datacenter_', 'esx_datacenter'),
                  ('cluster_', 'esx_cluster'), ('host_', 'esx_host'), ('folder_', 'esx_folder'))


class InventoryModule(BaseInventoryPlugin):

    NAME = 'virt_esx_floor'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith('.floor.yml')

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        with open(self.get_option('records'), 'rb') as handle:
            records = marshal.load(handle)
        groups = {}
        for record in records:
            hostname = record['esx_name']
            inventory.add_host(hostname)
            host = inventory.get_host(hostname)
            for key, value in record.items():
                host.set_variable(key, value)
            if record.get('esx_guest_ip'):
                host.set_variable('ansible_host', record['esx_guest_ip'])
            for prefix, key in GROUP_PREFIXES:
                value = (record.get(key) or '').strip('/') if key == 'esx_folder' else record.get(key)
                if value:
                    name = groups.get(prefix + value)
                    if name is None:
                        name = groups[prefix + value] = inventory.add_group(self._sanitize_group_name(prefix + value))
                    inventory.add_child(name, hostname)
