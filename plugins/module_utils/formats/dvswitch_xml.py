# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt network XML of a distributed switch, as far as the format can say it.

Pure data -> XML, for the diff and the result of virt.esx.dvswitch (the switch
dict of vsphere/dvswitch.py). The name, the switch's own UUID (when it is one;
else the MD5 digest of the name, as network_xml does for standard switches),
``<forward mode='bridge'/>``, ``<mtu size=.../>`` and one ``<portgroup>`` per
port group: a VLAN id as ``<vlan><tag id=.../></vlan>``, a trunk as
``<vlan trunk='yes'>`` with one ``<tag>`` per id. A trunk of more than
MAX_TRUNK_TAGS ids (0-4094 is common) is left out of the XML: listing thousands
of tags says nothing a reader can use. Security, teaming, binding, ports and host
members have no place in libvirt's network XML; they are in the switch dict.
"""

from __future__ import annotations

import re
import uuid

from ansible_collections.virt.esx.plugins.module_utils.formats.tables import digest_uuid
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import XmlElement, format_xml

MAX_TRUNK_TAGS = 64


def switch_uuid(value, name):
    """The DVS UUID ('50 2b 9c ... 4e-8a 11 ...') as a libvirt UUID, else the digest of the name."""
    digits = re.sub(r'[\s-]', '', value or '')
    if re.match(r'^[0-9a-fA-F]{32}$', digits):
        return str(uuid.UUID(digits))
    return digest_uuid('dvs:' + name)


def trunk_ids(trunk):
    """Every VLAN id of trunk ranges ('100-110', '200'), or None when there are more than MAX_TRUNK_TAGS."""
    ids = []
    for text in trunk or ():
        start, _sep, end = text.partition('-')
        first, last = int(start), int(end or start)
        if len(ids) + last - first + 1 > MAX_TRUNK_TAGS:
            return None
        ids.extend(range(first, last + 1))
    return sorted(set(ids))


def format_dvswitch_xml(switch):
    root = XmlElement('network')
    root.add('name', text=switch['name'])
    root.add('uuid', text=switch_uuid(switch.get('uuid'), switch['name']))
    root.add('forward', [('mode', 'bridge')])
    if switch.get('mtu'):
        root.add('mtu', [('size', str(switch['mtu']))])
    for portgroup in switch.get('portgroups') or ():
        element = root.add('portgroup', [('name', portgroup['name'])])
        if portgroup.get('trunk'):
            ids = trunk_ids(portgroup['trunk'])
            if ids:
                vlan = element.add('vlan', [('trunk', 'yes')])
                for vlan_id in ids:
                    vlan.add('tag', [('id', str(vlan_id))])
        elif portgroup.get('vlan_id'):
            element.add('vlan').add('tag', [('id', str(portgroup['vlan_id']))])
    return format_xml(root)
