# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt network and interface XML for ESX standard switches and physical NICs.

Pure data <-> XML; nothing here talks to a server.

A network is a plain dict::

    {'name': 'vSwitch1', 'key': 'key-vim.host.VirtualSwitch-vSwitch1',
     'uplinks': ['vmnic1'], 'mtu': 9000,
     'bandwidth': None or {'average': kB/s, 'peak': kB/s, 'burst': KiB},
     'portgroups': [{'name': 'web', 'vlan_id': 10, 'bandwidth': None, 'vm_network': True}, ...]}

As in libvirt's ESX driver, the UUID is the MD5 digest of the switch's key, the
forward mode is ``bridge`` with the uplinks as ``<interface dev=.../>`` (no
``<forward>`` without uplinks), and only port groups that VMs can use (those
with a network object, ``vm_network``) appear as ``<portgroup>``. Beyond
libvirt: the MTU as ``<mtu size=.../>`` and the VLAN as ``<vlan><tag/></vlan>``.
"""

from __future__ import annotations

import uuid

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import digest_uuid
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import XmlElement, format_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml, require_lxml


class NetworkXmlError(VirtEsxError):
    """Network XML that is malformed or asks for what an ESX standard switch cannot do."""


SWITCH_KEY_PREFIX = 'key-vim.host.VirtualSwitch-'
MAX_VLAN_ID = 4095
# Elements of libvirt's network XML that a standard switch has no place for.
_UNSUPPORTED_NETWORK_ELEMENTS = {
    'bridge': 'a standard switch has no Linux bridge',
    'mac': 'a standard switch has no MAC address',
    'domain': 'ESX does not serve DNS for a switch',
    'dns': 'ESX does not serve DNS for a switch',
    'ip': 'ESX does not serve addresses (DHCP, routes) on a switch',
    'route': 'ESX does not route between switches',
    'vlan': 'a switch has no VLAN of its own; put <vlan> in a <portgroup>',
    'virtualport': 'a standard switch has no virtual port profile',
    'port': 'a standard switch has no isolated port mode',
}


def switch_key(name):
    """The key ESX gives a standard switch of that name."""
    return SWITCH_KEY_PREFIX + name


def network_uuid(key):
    """libvirt's UUID of a switch: the MD5 digest of its key, as a UUID string."""
    return digest_uuid(key)


# -- bandwidth <-> traffic shaping ---------------------------------------------

def shaping_to_bandwidth(enabled, average_bps=None, peak_bps=None, burst_bytes=None):
    """A traffic shaping policy as libvirt bandwidth (kB/s, kB/s, KiB); None when shaping is off."""
    if not enabled:
        return None
    return dict(
        average=int(average_bps or 0) // 8 // 1000,
        peak=int(peak_bps or 0) // 8 // 1000,
        burst=int(burst_bytes or 0) // 1024,
    )


def bandwidth_to_shaping(bandwidth):
    """libvirt bandwidth as shaping values: (enabled, average bit/s, peak bit/s, burst bytes)."""
    if not bandwidth or not any(bandwidth.get(k) for k in ('average', 'peak', 'burst')):
        return False, None, None, None
    return (True, int(bandwidth.get('average') or 0) * 8 * 1000, int(bandwidth.get('peak') or 0) * 8 * 1000,
            int(bandwidth.get('burst') or 0) * 1024)


# -- formatting -----------------------------------------------------------------

def _add_bandwidth(parent, bandwidth):
    if not bandwidth:
        return
    element = parent.add('bandwidth')
    rates = [(name, str(bandwidth[name]) if bandwidth.get(name) else None) for name in ('average', 'peak', 'burst')]
    for direction in ('inbound', 'outbound'):
        element.add(direction, rates)


def format_network_xml(network):
    """libvirt network XML of a switch dict (see the module docstring)."""
    root = XmlElement('network')
    root.add('name', text=network['name'])
    root.add('uuid', text=network_uuid(network.get('key') or switch_key(network['name'])))
    uplinks = network.get('uplinks') or []
    if uplinks:
        forward = root.add('forward', [('dev', uplinks[0]), ('mode', 'bridge')])
        for device in uplinks:
            forward.add('interface', [('dev', device)])
    if network.get('mtu'):
        root.add('mtu', [('size', str(network['mtu']))])
    _add_bandwidth(root, network.get('bandwidth'))
    for portgroup in network.get('portgroups') or []:
        if not portgroup.get('vm_network', True):
            continue
        element = root.add('portgroup', [('name', portgroup['name'])])
        if portgroup.get('vlan_id'):
            element.add('vlan').add('tag', [('id', str(portgroup['vlan_id']))])
        _add_bandwidth(element, portgroup.get('bandwidth'))
    return format_xml(root)


def format_interface_xml(nic):
    """libvirt interface XML of a physical NIC dict.

    ``nic``: name, mac, link_state ('up'/'down'), speed_mbps, and optionally
    ipv4 = {'dhcp': bool, 'address': str, 'prefix': int}.
    """
    root = XmlElement('interface', [('type', 'ethernet'), ('name', nic['name'])])
    root.add('start', [('mode', 'onboot')])
    ipv4 = nic.get('ipv4') or {}
    if ipv4.get('dhcp') or ipv4.get('address'):
        protocol = root.add('protocol', [('family', 'ipv4')])
        if ipv4.get('dhcp'):
            protocol.add('dhcp')
        if ipv4.get('address'):
            protocol.add('ip', [('address', ipv4['address']), ('prefix', str(ipv4['prefix']))])
    link = [('speed', str(nic['speed_mbps']) if nic.get('speed_mbps') else None), ('state', nic.get('link_state') or None)]
    if any(value is not None for _name, value in link):
        root.add('link', link)
    if nic.get('mac'):
        root.add('mac', [('address', nic['mac'])])
    return format_xml(root)


def netmask_prefix(netmask):
    """'255.255.255.0' -> 24; None for a mask that is not contiguous."""
    try:
        parts = [int(part) for part in netmask.split('.')]
    except (AttributeError, ValueError):
        return None
    if len(parts) != 4 or any(part < 0 or part > 255 for part in parts):
        return None
    bits = ''.join('{0:08b}'.format(part) for part in parts)
    if '01' in bits:
        return None
    return bits.count('1')


# -- parsing --------------------------------------------------------------------

def _int_attr(element, name, what, minimum=0, maximum=None):
    text = element.get(name)
    if text is None:
        return None
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise NetworkXmlError("%s: '%s' is not an integer" % (what, text))
    if value < minimum or (maximum is not None and value > maximum):
        raise NetworkXmlError('%s: %s is out of range (%s..%s)' % (what, value, minimum, maximum if maximum is not None else 'any'))
    return value


def _parse_bandwidth(element, where):
    """<bandwidth> -> dict or None; inbound and outbound must agree (one ESX shaping policy)."""
    if element is None:
        return None
    rates = {}
    for child in element:
        if child.tag not in ('inbound', 'outbound'):
            raise NetworkXmlError('%s: unknown <bandwidth> element <%s>' % (where, child.tag))
        if child.get('floor') is not None:
            raise NetworkXmlError('%s: <%s floor=...> is not supported by ESX traffic shaping' % (where, child.tag))
        rates[child.tag] = dict(
            (name, _int_attr(child, name, '%s <%s %s>' % (where, child.tag, name)) or 0)
            for name in ('average', 'peak', 'burst'))
    if not rates:
        return None
    if rates.get('inbound') != rates.get('outbound'):
        raise NetworkXmlError('%s: different inbound and outbound bandwidth is unsupported: '
                              'ESX shapes both directions of a standard switch alike' % where)
    rate = rates['inbound']
    if not any(rate.values()):
        return None
    return rate


def _parse_vlan(element, where):
    if element is None:
        return 0
    if element.get('trunk') == 'yes':
        raise NetworkXmlError('%s: <vlan trunk="yes"> is not supported; use <tag id="4095"/> for guest VLAN tagging' % where)
    tags = element.findall('tag')
    if len(tags) != 1:
        raise NetworkXmlError('%s: <vlan> needs exactly one <tag id=.../> (a port group has one VLAN ID)' % where)
    if tags[0].get('nativeMode') is not None:
        raise NetworkXmlError('%s: <tag nativeMode=...> is not supported by ESX port groups' % where)
    vlan_id = _int_attr(tags[0], 'id', '%s <tag id>' % where, 0, MAX_VLAN_ID)
    if vlan_id is None:
        raise NetworkXmlError('%s: <tag> needs an id' % where)
    return vlan_id


def _parse_forward(element, name):
    if element is None:
        return []
    mode = element.get('mode')
    if mode is None:
        raise NetworkXmlError("Unsupported forward mode 'nat' (a <forward> without mode is NAT): "
                              "a standard switch only bridges to its uplinks, use mode='bridge'")
    if mode != 'bridge':
        raise NetworkXmlError("Unsupported forward mode '%s': a standard switch only bridges to its uplinks "
                              "(mode='bridge')" % mode)
    uplinks = []
    for child in element:
        if child.tag == 'interface':
            dev = (child.get('dev') or '').strip()
            if not dev:
                raise NetworkXmlError('network %s: <forward><interface> needs a dev attribute' % name)
            if dev in uplinks:
                raise NetworkXmlError("network %s: uplink '%s' is listed twice" % (name, dev))
            uplinks.append(dev)
        else:
            raise NetworkXmlError('network %s: unsupported device type <%s> in the forward interface pool; '
                                  'only <interface dev=.../> (a physical NIC)' % (name, child.tag))
    dev = element.get('dev')
    if dev:
        if not uplinks:
            uplinks = [dev]
        elif uplinks[0] != dev:
            raise NetworkXmlError("network %s: forward dev '%s' must match first interface element dev '%s'"
                                  % (name, dev, uplinks[0]))
    return uplinks


def parse_network_xml(text):
    """libvirt network XML -> the desired switch.

    Returns a dict: name, uuid (str or None), uplinks (list), mtu (int or
    None), bandwidth (dict or None), portgroups (list of {name, vlan_id,
    bandwidth}). Raises NetworkXmlError for anything a standard switch cannot
    represent.
    """
    require_lxml()
    try:
        root = parse_xml(text, root_tag='network')
    except VirtEsxError as exc:
        raise NetworkXmlError('Invalid network XML: %s' % exc)
    name_element = root.find('name')
    name = (name_element.text or '').strip() if name_element is not None else ''
    if not name:
        raise NetworkXmlError('Network XML needs a <name> (the switch name)')
    result = dict(name=name, uuid=None, uplinks=[], mtu=None, bandwidth=None, portgroups=[])
    seen = set()
    for child in root:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in seen and tag not in ('portgroup',):
            raise NetworkXmlError('network %s: <%s> appears more than once' % (name, tag))
        seen.add(tag)
        if tag in ('name', 'metadata', 'title', 'description'):
            continue
        if tag == 'uuid':
            try:
                result['uuid'] = str(uuid.UUID((child.text or '').strip()))
            except ValueError:
                raise NetworkXmlError("network %s: malformed uuid '%s'" % (name, child.text))
        elif tag == 'forward':
            result['uplinks'] = _parse_forward(child, name)
        elif tag == 'mtu':
            result['mtu'] = _int_attr(child, 'size', 'network %s <mtu size>' % name, 1280, 9000)
        elif tag == 'bandwidth':
            result['bandwidth'] = _parse_bandwidth(child, 'network %s' % name)
        elif tag == 'portgroup':
            result['portgroups'].append(_parse_portgroup(child, name))
        elif tag in _UNSUPPORTED_NETWORK_ELEMENTS:
            raise NetworkXmlError('network %s: <%s> is not supported: %s' % (name, tag, _UNSUPPORTED_NETWORK_ELEMENTS[tag]))
        else:
            raise NetworkXmlError('network %s: unknown element <%s>' % (name, tag))
    names = [portgroup['name'] for portgroup in result['portgroups']]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise NetworkXmlError('network %s: port group %s appears more than once' % (name, ', '.join(duplicates)))
    return result


def _parse_portgroup(element, network_name):
    name = (element.get('name') or '').strip()
    if not name:
        raise NetworkXmlError('network %s: <portgroup> needs a name' % network_name)
    where = 'network %s port group %s' % (network_name, name)
    portgroup = dict(name=name, vlan_id=0, bandwidth=None)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == 'vlan':
            portgroup['vlan_id'] = _parse_vlan(child, where)
        elif child.tag == 'bandwidth':
            portgroup['bandwidth'] = _parse_bandwidth(child, where)
        elif child.tag == 'virtualport':
            raise NetworkXmlError('%s: <virtualport> is not supported by ESX standard switches' % where)
        else:
            raise NetworkXmlError('%s: unknown element <%s>' % (where, child.tag))
    return portgroup
