# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the Sphinx inventory of the docs.ansible.com targets the generated plugin pages link to.

The docs site is built offline (make docs), so Sphinx cannot fetch docs.ansible.com's own objects.inv; this
small inventory names each target antsibull-docs' pages refer to, so that the links resolve to the right
docs.ansible.com pages and an unknown reference still fails the build (sphinx-build -W).

    python tests/docsite_inventory.py OUT.inv
"""

import sys
import zlib

# (name, domain:role, path on https://docs.ansible.com/projects/ansible/devel/, title)
TARGETS = [
    ('common_return_values', 'std:label', 'reference_appendices/common_return_values.html#common-return-values',
     'Return Values'),
    ('ansible_configuration_settings', 'std:label', 'reference_appendices/config.html#ansible-configuration-settings',
     'Ansible Configuration Settings'),
] + [
    (variable, 'std:envvar', 'reference_appendices/config.html#envvar-%s' % variable, '-')
    for variable in ('ANSIBLE_CACHE_PLUGIN', 'ANSIBLE_CACHE_PLUGIN_CONNECTION', 'ANSIBLE_CACHE_PLUGIN_PREFIX',
                     'ANSIBLE_CACHE_PLUGIN_TIMEOUT', 'ANSIBLE_INVENTORY_CACHE', 'ANSIBLE_INVENTORY_CACHE_PLUGIN',
                     'ANSIBLE_INVENTORY_CACHE_CONNECTION', 'ANSIBLE_INVENTORY_CACHE_PLUGIN_PREFIX',
                     'ANSIBLE_INVENTORY_CACHE_TIMEOUT')
]


def main(out):
    header = b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n'
    body = ''.join('%s %s 1 %s %s\n' % target for target in TARGETS).encode('utf-8')
    with open(out, 'wb') as handle:
        handle.write(header + zlib.compress(body))


if __name__ == '__main__':
    main(sys.argv[1])
