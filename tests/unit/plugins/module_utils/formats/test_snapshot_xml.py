# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's <domainsnapshot> of an ESX snapshot, written and read."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError
from ansible_collections.virt.esx.plugins.module_utils.formats.snapshot_xml import format_snapshot_xml, parse_snapshot_xml

UUID = '564d9bfc-d4a7-8b0c-2bfa-7e5c1e4c5b11'


def test_a_child_snapshot_as_virsh_snapshot_dumpxml_prints_it():
    snapshot = dict(name='after <upgrade>', description='kernel & libc', state='poweredOn', parent='before',
                    create_time='2026-01-02T03:04:05+00:00')
    assert format_snapshot_xml(snapshot, UUID) == (
        "<domainsnapshot>\n"
        "  <name>after &lt;upgrade&gt;</name>\n"
        "  <description>kernel &amp; libc</description>\n"
        "  <state>running</state>\n"
        "  <parent>\n"
        "    <name>before</name>\n"
        "  </parent>\n"
        "  <creationTime>1767323045</creationTime>\n"
        "  <domain>\n"
        "    <uuid>%s</uuid>\n"
        "  </domain>\n"
        "</domainsnapshot>\n" % UUID)


def test_a_root_snapshot_without_description_or_time():
    text = format_snapshot_xml(dict(name='s1', description=None, state='poweredOff', parent=None, create_time=None), UUID)
    assert '<description' not in text and '<parent>' not in text and '<creationTime>' not in text
    assert '<state>shutoff</state>' in text


def test_an_empty_description_is_written_as_libvirt_does():
    # vSphere's snapshot tree always has a description; libvirt's ESX driver writes an empty one (virsh
    # snapshot-dumpxml, compared by the libvirt_oracle integration target).
    text = format_snapshot_xml(dict(name='s1', description='', state='poweredOn', parent=None, create_time=None), UUID)
    assert '<description/>' in text or '<description></description>' in text
    assert parse_snapshot_xml(text, UUID) == dict(name='s1', description='', memory=None)


def test_the_dumped_xml_is_accepted_back():
    snapshot = dict(name='s1', description='first', state='suspended', parent='root', create_time='2026-01-02T03:04:05')
    assert parse_snapshot_xml(format_snapshot_xml(snapshot, UUID), UUID) == dict(name='s1', description='first', memory=None)


@pytest.mark.parametrize('memory, expected', [("<memory snapshot='internal'/>", True), ("<memory snapshot='no'/>", False)])
def test_memory(memory, expected):
    assert parse_snapshot_xml('<domainsnapshot><name>m</name>%s</domainsnapshot>' % memory)['memory'] is expected


@pytest.mark.parametrize('xml, message', [
    ('<domainsnapshot><description>x</description></domainsnapshot>', 'needs a <name>'),
    ("<domainsnapshot><name>d</name><disks><disk name='sda' snapshot='external'/></disks></domainsnapshot>",
     r'asks for disk snapshots \(sda\)'),
    ("<domainsnapshot><name>d</name><memory snapshot='external' file='/m'/></domainsnapshot>",
     "<memory snapshot='external'> is not possible on ESX"),
    ("<domainsnapshot><name>d</name><domain><uuid>00000000-0000-0000-0000-000000000001</uuid></domain></domainsnapshot>",
     'is of the domain 00000000-0000-0000-0000-000000000001, not of this VM'),
    ('<domainsnapshot><name>d</name><bogus/></domainsnapshot>', 'elements libvirt does not know: <bogus>'),
    ('<domain><name>d</name></domain>', 'expected a <domainsnapshot> root element'),
])
def test_refusals_say_why(xml, message):
    with pytest.raises(DomainXmlError, match=message):
        parse_snapshot_xml(xml, UUID)


def test_disks_that_are_not_snapshotted_are_fine():
    xml = "<domainsnapshot><name>d</name><disks><disk name='sda' snapshot='no'/></disks></domainsnapshot>"
    assert parse_snapshot_xml(xml, UUID)['name'] == 'd'
