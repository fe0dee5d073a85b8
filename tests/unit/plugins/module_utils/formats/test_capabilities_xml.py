# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt capabilities XML of an ESX host."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.capabilities_xml import format_capabilities_xml

etree = pytest.importorskip('lxml.etree')

UUID = '4c4c4544-0038-4410-8051-b7c04f4e3432'


def test_x86_64_host_is_written_as_virsh_capabilities_prints_it():
    assert format_capabilities_xml(dict(uuid=UUID, arch='x86_64', sockets=2, cores=8, threads=2)) == (
        "<capabilities>\n"
        "  <host>\n"
        "    <uuid>%s</uuid>\n"
        "    <cpu>\n"
        "      <arch>x86_64</arch>\n"
        "    </cpu>\n"
        "    <power_management/>\n"
        "    <iommu support='no'/>\n"
        "    <migration_features>\n"
        "      <live/>\n"
        "      <uri_transports>\n"
        "        <uri_transport>vpxmigr</uri_transport>\n"
        "      </uri_transports>\n"
        "    </migration_features>\n"
        "  </host>\n"
        "  <guest>\n"
        "    <os_type>hvm</os_type>\n"
        "    <arch name='i686'>\n"
        "      <wordsize>32</wordsize>\n"
        "      <domain type='vmware'/>\n"
        "    </arch>\n"
        "  </guest>\n"
        "  <guest>\n"
        "    <os_type>hvm</os_type>\n"
        "    <arch name='x86_64'>\n"
        "      <wordsize>64</wordsize>\n"
        "      <domain type='vmware'/>\n"
        "    </arch>\n"
        "  </guest>\n"
        "</capabilities>\n" % UUID)


def test_i686_host_offers_only_i686_guests_and_unknown_parts_are_left_out():
    root = etree.fromstring(format_capabilities_xml(dict(uuid=None, arch='i686', sockets=0, cores=0, threads=0)))
    assert root.find('host/uuid') is None
    assert root.find('host/cpu/topology') is None
    assert root.findtext('host/cpu/arch') == 'i686'
    assert [arch.get('name') for arch in root.iterfind('guest/arch')] == ['i686']


def test_capabilities_parse_back_to_the_same_values():
    root = etree.fromstring(format_capabilities_xml(dict(uuid=UUID, arch='x86_64', sockets=1, cores=4, threads=1)))
    assert root.findtext('host/uuid') == UUID
    assert root.find('host/cpu/topology') is None
    assert root.find('host/iommu').get('support') == 'no'
    guests = [(guest.findtext('os_type'), guest.find('arch').get('name'), guest.findtext('arch/wordsize'),
               guest.find('arch/domain').get('type')) for guest in root.iterfind('guest')]
    assert guests == [('hvm', 'i686', '32', 'vmware'), ('hvm', 'x86_64', '64', 'vmware')]


def test_unknown_host_architecture_is_refused():
    with pytest.raises(ValueError, match='aarch64'):
        format_capabilities_xml(dict(uuid=None, arch='aarch64', sockets=1, cores=1, threads=1))
