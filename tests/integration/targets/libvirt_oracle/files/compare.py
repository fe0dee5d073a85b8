# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's facts against libvirt's virsh on the same simulated host.

    compare.py COLLECTION.json URI AUTH_FILE

COLLECTION.json holds what vm_info, host_info, pool_info, volume_info, network_info, interface_info and
vm_snapshot (the snapshots of one VM, with their XML) returned (see tasks/checks.yml). One virsh process runs
every command (virsh.py beside this file, which tests/oracle uses as well). Prints one line per command, e.g.
``libvirt oracle esx: dumpxml 2/2 identical``, then the differences; exits 1 when one is not a documented
departure (docs/vmx-mapping.md), 2 when virsh cannot connect.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from collections import OrderedDict

from lxml import etree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import virsh  # noqa: E402  pylint: disable=wrong-import-position,import-error

_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)


def canonical(text):
    root = etree.fromstring(text.encode('utf-8'), parser=_PARSER)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return root


def canonical_text(root):
    return etree.tostring(root, method='c14n').decode('utf-8')


def pretty(root):
    copy = etree.fromstring(canonical_text(root).encode('utf-8'))
    etree.indent(copy)
    return etree.tostring(copy, encoding='unicode').splitlines()


def without_mtu(root):
    """The departure `network-mtu`: the collection writes a switch's MTU, libvirt's ESX network driver does not."""
    for element in root.findall('mtu'):
        root.remove(element)
    return root


def without_link(root):
    """The departure `interface-link`: the collection writes a NIC's link speed and state, libvirt's ESX
    interface driver does not."""
    for element in root.findall('link'):
        root.remove(element)
    return root


def key_of_path(root):
    """The departure `volume-key-on-vcenter`: on vCenter libvirt keys a disk by its datastore path (it asks for
    disk UUIDs on ESX only); the collection keys it by the disk UUID on either, so a key does not depend on the
    connection."""
    key, path = root.find('key'), root.find('target/path')
    if key is not None and path is not None:
        key.text = path.text
    return root


XML_DEPARTURES = {'net-dumpxml': ('network-mtu', without_mtu), 'iface-dumpxml': ('interface-link', without_link)}
VPX_DEPARTURES = {'vol-dumpxml': ('volume-key-on-vcenter', key_of_path)}


def compare_xml(command, theirs, ours, vcenter):
    """(outcome, departure, diff)"""
    if not theirs.strip():
        return 'different', None, ['virsh %s gave nothing' % command]
    if ours is None:
        return 'different', None, ['the collection gave no XML']
    their_root, our_root = canonical(theirs), canonical(ours)
    if canonical_text(their_root) == canonical_text(our_root):
        return 'identical', None, []
    verb = command.split()[0]
    departures = dict(XML_DEPARTURES, **VPX_DEPARTURES) if vcenter else XML_DEPARTURES
    if verb in departures:
        name, rule = departures[verb]
        if canonical_text(rule(our_root)) == canonical_text(their_root):
            return 'departure', name, []
    diff = difflib.unified_diff(pretty(their_root), pretty(our_root), 'virsh ' + command, 'collection', lineterm='')
    return 'different', None, list(diff)


NODEINFO = (('CPU model', 'cpu_model', str), ('CPU(s)', 'cpus', int), ('CPU frequency', 'mhz', int),
            ('CPU socket(s)', 'sockets', int), ('Core(s) per socket', 'cores', int),
            ('Thread(s) per core', 'threads', int), ('NUMA cell(s)', 'nodes', int), ('Memory size', 'memory_kib', int))


def compare_nodeinfo(theirs, ours):
    fields = dict(line.split(':', 1) for line in theirs.splitlines() if ':' in line)
    differences = []
    for label, key, kind in NODEINFO:
        value = fields.get(label, '').strip()
        value = kind(re.sub(r' (MHz|KiB)$', '', value)) if value and kind is int else value
        if value != ours.get(key):
            differences.append('nodeinfo %s: virsh %r, collection %s %r' % (label, value, key, ours.get(key)))
    return ('identical' if not differences else 'different'), None, differences


def compare_names(command, theirs, ours):
    """virsh lists snapshot names one a line, sorted by name (snapshot-list without --topological)."""
    their_names = sorted(line.strip() for line in theirs.splitlines() if line.strip())
    if their_names == sorted(ours):
        return 'identical', None, []
    return 'different', None, ['%s: virsh %r, collection %r' % (command, their_names, sorted(ours))]


def main(argv):
    collection_file, uri, auth_file = argv[1:4]
    with open(collection_file, encoding='utf-8') as handle:
        ours = json.load(handle)
    batch = virsh.VirshBatch(uri, auth_file)
    names = batch.run([['list', '--all', '--name'], ['pool-list', '--all', '--name']])
    if not names[0].output.strip():
        print('virsh cannot list the domains of %s: %s' % (uri, virsh.errors(batch.stderr)[-3:]))
        return 2
    domains = [name.strip() for name in names[0].output.splitlines() if name.strip()]
    vms = {vm['name']: vm for vm in ours['vms']}
    checks = []  # (command, kind, ours)
    for name in domains:
        checks.append((['dumpxml', name], 'xml', vms.get(name, {}).get('xml')))
    checks.append((['capabilities'], 'xml', ours['host']['capabilities']))
    checks.append((['nodeinfo'], 'nodeinfo', ours['host']['node_info']))
    pool_names = {line.strip() for line in names[1].output.splitlines() if line.strip()}
    for pool in ours['pools']:
        checks.append((['pool-dumpxml', pool['name']], 'xml', pool['xml']))
    for volume in ours['volumes']:
        if volume['pool'] in pool_names:
            checks.append((['vol-dumpxml', '--pool', volume['pool'], volume['name']], 'xml', volume['xml']))
    for network in ours['networks']:
        checks.append((['net-dumpxml', network['name']], 'xml', network['xml']))
    for interface in ours['interfaces']:
        # By MAC: libvirt 9.0.0's ESX driver looks a name up as a MAC address, so no name is ever found
        # (and iface-list, which looks up each name it lists, shows nothing).
        checks.append((['iface-dumpxml', interface['mac']], 'xml', interface['xml']))

    snapshots = ours.get('snapshots')
    if snapshots:
        domain = snapshots['domain']
        for snapshot in snapshots['list']:
            checks.append((['snapshot-dumpxml', domain, snapshot['name']], 'xml', snapshot['xml']))
        checks.append((['snapshot-list', domain, '--name'], 'names', [snapshot['name'] for snapshot in snapshots['list']]))
        checks.append((['snapshot-current', domain, '--name'], 'names', [snapshots['current']] if snapshots['current'] else []))

    answers = batch.run([command for command, _kind, _ours in checks])
    figures = OrderedDict()
    report = []
    for (command, kind, mine), answer in zip(checks, answers):
        text = ' '.join(command)
        if kind == 'nodeinfo':
            outcome, departure, diff = compare_nodeinfo(answer.output, mine)
        elif kind == 'names':
            outcome, departure, diff = compare_names(text, answer.output, mine)
        else:
            outcome, departure, diff = compare_xml(text, answer.output, mine, uri.startswith('vpx:'))
        counts = figures.setdefault(command[0], OrderedDict(total=0, identical=0, departure=0, different=0, names=set()))
        counts['total'] += 1
        counts[outcome] += 1
        if departure:
            counts['names'].add(departure)
        if diff:
            report.append('%s:\n%s' % (text, '\n'.join(diff)))
    scheme = uri.split(':', 1)[0]
    for verb, counts in figures.items():
        line = 'libvirt oracle %s: %s %d/%d identical' % (scheme, verb, counts['identical'], counts['total'])
        if counts['departure']:
            line += ', %d documented departures (%s)' % (counts['departure'], ', '.join(sorted(counts['names'])))
        if counts['different']:
            line += ', %d DIFFERENT' % counts['different']
        print(line)
    for entry in report:
        print(entry)
    return 1 if any(counts['different'] for counts in figures.values()) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
