# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's snapshot XML (``<domainsnapshot>``) of an ESX VM snapshot, out and in.

``format_snapshot_xml(snapshot, domain_uuid) -> str``
    what ``virsh snapshot-dumpxml`` prints for a snapshot of libvirt's ESX driver: ``name``,
    ``description`` (empty as ``<description/>``, as libvirt writes it), ``state`` (the VM's power state when the snapshot was
    taken, as a libvirt domain state), ``parent`` (its name), ``creationTime`` (seconds since
    the epoch) and ``domain`` with the VM's UUID. ``snapshot`` is a dict of
    ``vm_facts.snapshot_list``; a field it lacks (a snapshot predicted in check mode has no
    creation time) is left out.
``parse_snapshot_xml(text, domain_uuid=None) -> dict``
    what a ``<domainsnapshot>`` given to ``snapshot-create`` asks for: ``name``, ``description``,
    ``memory`` (``<memory snapshot='internal'>`` true, ``'no'`` false, absent None). As libvirt
    does without its redefine flag, ``state``, ``parent`` and ``creationTime`` describe an
    existing snapshot and are not read, so a dumped snapshot XML can be given back. Refused with
    ``DomainXmlError``: no ``<name>`` (libvirt would invent one from the clock, which no rerun
    finds again), disk snapshots (``<disks>`` with a disk other than ``snapshot='no'``, as
    libvirt's ESX driver refuses them), an external memory file, a ``<domain>`` UUID other than
    the VM's, and unknown elements.
"""

from __future__ import annotations

import datetime

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import XmlElement, format_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

__all__ = ["format_snapshot_xml", "parse_snapshot_xml"]

_DESCRIBING = ('state', 'parent', 'creationTime', 'active', 'cookie', 'inactiveDomain')
_KNOWN = ('name', 'description', 'memory', 'disks', 'domain') + _DESCRIBING


def _epoch_seconds(created):
    if created is None or created == '':
        return None
    if isinstance(created, datetime.datetime):
        moment = created
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(created).replace('Z', '+00:00'))
        except ValueError:
            raise DomainXmlError('snapshot creation time %r is not an ISO 8601 time' % (created,)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def format_snapshot_xml(snapshot, domain_uuid):
    root = XmlElement('domainsnapshot')
    root.add('name', text=snapshot['name'])
    # An ESX snapshot always has a description (vSphere's snapshot tree requires one), so libvirt writes an empty
    # one as <description/>; only a snapshot without the field (None) has no element.
    if snapshot.get('description') is not None:
        root.add('description', text=snapshot['description'])
    state = POWER_STATE_NAMES.get(snapshot.get('state') or '')
    if state:
        root.add('state', text=state)
    if snapshot.get('parent'):
        parent = root.add('parent')
        parent.add('name', text=snapshot['parent'])
    seconds = _epoch_seconds(snapshot.get('create_time'))
    if seconds is not None:
        root.add('creationTime', text=str(seconds))
    if domain_uuid:
        domain = root.add('domain')
        domain.add('uuid', text=domain_uuid)
    return format_xml(root)


def _text(element):
    return (element.text or '') if element is not None else None


def parse_snapshot_xml(text, domain_uuid=None):
    root = parse_xml(text, root_tag='domainsnapshot')
    unknown = sorted(set(child.tag for child in root if child.tag not in _KNOWN))
    if unknown:
        raise DomainXmlError('<domainsnapshot> has elements libvirt does not know: %s' % ', '.join('<%s>' % tag for tag in unknown))
    name = _text(root.find('name'))
    if name is None or not name.strip():
        raise DomainXmlError('<domainsnapshot> needs a <name>: a snapshot named after the clock could not be found again '
                             'by the next run')
    disks = root.find('disks')
    if disks is not None:
        taken = [disk.get('name') or '?' for disk in disks.iter('disk') if (disk.get('snapshot') or 'no') != 'no']
        if taken:
            raise DomainXmlError('<domainsnapshot> asks for disk snapshots (%s); ESX snapshots take every disk, so '
                                 'only snapshot=\'no\' disks may be listed' % ', '.join(taken))
    memory = None
    memory_element = root.find('memory')
    if memory_element is not None:
        kind = memory_element.get('snapshot')
        if kind not in ('internal', 'no') or memory_element.get('file'):
            raise DomainXmlError("<memory snapshot='%s'> is not possible on ESX: use 'internal' (the memory is kept with "
                                 "the snapshot) or 'no'" % kind)
        memory = kind == 'internal'
    domain = root.find('domain')
    if domain is not None and domain_uuid:
        given = (_text(domain.find('uuid')) or '').strip().lower()
        if given and given != domain_uuid.lower():
            raise DomainXmlError('<domainsnapshot> is of the domain %s, not of this VM (%s)' % (given, domain_uuid))
    return dict(name=name, description=_text(root.find('description')), memory=memory)
