# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest customization of a clone: the module's ``customization`` option -> ``vim.vm.customization.Specification``.

``build_customization(options, nic_count) -> Customization``
    checks the option and builds what the clone spec needs: ``spec`` (a
    Specification, or None when only cloud-init data is given), ``stored_name``
    (the name of a stored spec to fetch instead, or None), ``extra_config``
    (guestinfo keys for cloud-init) and ``summary`` (what the module reports,
    without any password).

A stored specification is read from the vCenter's CustomizationSpecManager by
``stored_specification(session, name)``. The customization is given once, in
the CloneVM_Task spec, so that it runs at the clone's first power-on; an
existing VM is never customized again.
"""

from __future__ import annotations

import base64
import ipaddress

from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call

# What a user may give; everything else in the option is refused by the argument spec.
LINUX_KEYS = ('hostname', 'domain', 'time_zone', 'hw_clock_utc')
WINDOWS_KEYS = ('computer_name', 'full_name', 'org_name', 'workgroup', 'join_domain', 'domain_user', 'domain_password',
                'product_key', 'time_zone', 'admin_password', 'auto_logon', 'auto_logon_count', 'run_once')


class CustomizationError(VirtEsxError):
    """The customization option cannot be honoured as given."""


class Customization(object):
    def __init__(self, spec=None, stored_name=None, extra_config=None, summary=None):
        self.spec = spec
        self.stored_name = stored_name
        self.extra_config = extra_config or {}
        self.summary = summary or {}


def _prefix_to_netmask(prefix, where):
    try:
        return str(ipaddress.IPv4Network('0.0.0.0/%d' % int(prefix)).netmask)
    except (ValueError, TypeError):
        raise CustomizationError('%s.prefix must be a number from 0 to 32, got %r' % (where, prefix))


def _checked_address(value, where, option):
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise CustomizationError('%s.%s is not an IP address: %r' % (where, option, value))


def _nic_setting(nic, index):
    where = 'customization.nics[%d]' % index
    adapter = vim.vm.customization.IPSettings()
    summary = {}
    if nic.get('ip'):
        address, _sep, prefix = str(nic['ip']).partition('/')
        address = _checked_address(address, where, 'ip')
        if ipaddress.ip_address(address).version != 4:
            raise CustomizationError('%s.ip: only IPv4 addresses can be customized here, got %s' % (where, address))
        prefix = nic.get('prefix') if nic.get('prefix') is not None else (prefix or None)
        if prefix is None:
            raise CustomizationError('%s: a static ip needs prefix (for example 24), or ip as address/prefix' % where)
        adapter.ip = vim.vm.customization.FixedIp(ipAddress=address)
        adapter.subnetMask = _prefix_to_netmask(prefix, where)
        summary.update(ip=address, prefix=int(prefix))
    elif nic.get('dhcp') is False:
        raise CustomizationError('%s: dhcp is false but no ip is given' % where)
    else:
        adapter.ip = vim.vm.customization.DhcpIpGenerator()
        summary['dhcp'] = True
    if nic.get('gateway'):
        adapter.gateway = [_checked_address(nic['gateway'], where, 'gateway')]
        summary['gateway'] = adapter.gateway[0]
    if nic.get('dns_servers'):
        adapter.dnsServerList = [_checked_address(server, where, 'dns_servers') for server in nic['dns_servers']]
        summary['dns_servers'] = list(adapter.dnsServerList)
    if nic.get('dns_domain'):
        adapter.dnsDomain = nic['dns_domain']
        summary['dns_domain'] = nic['dns_domain']
    return vim.vm.customization.AdapterMapping(adapter=adapter), summary


def _host_name(name, option):
    # vSphere takes a host name as a DNS label: letters, digits and hyphens, 1-63 characters.
    text = str(name)
    if not text or len(text) > 63 or not all(ch.isalnum() or ch == '-' for ch in text) or text.startswith('-'):
        raise CustomizationError('%s must be a host name (letters, digits, hyphens; at most 63 characters), got %r'
                                 % (option, name))
    return vim.vm.customization.FixedName(name=text)


def _password(value):
    return vim.vm.customization.Password(value=value, plainText=True)


def _linux_identity(options):
    if not options.get('hostname'):
        raise CustomizationError('customization.hostname is required for a Linux guest (customization.os: linux)')
    identity = vim.vm.customization.LinuxPrep(hostName=_host_name(options['hostname'], 'customization.hostname'),
                                              domain=options.get('domain') or '')
    if options.get('time_zone'):
        identity.timeZone = str(options['time_zone'])
    if options.get('hw_clock_utc') is not None:
        identity.hwClockUTC = bool(options['hw_clock_utc'])
    return identity, dict(os='linux', hostname=options['hostname'], domain=options.get('domain') or '',
                          time_zone=options.get('time_zone'))


def _windows_identity(options):
    windows = options.get('windows') or {}
    computer = windows.get('computer_name') or options.get('hostname')
    if not computer:
        raise CustomizationError('customization.windows.computer_name (or customization.hostname) is required for a Windows guest')
    if windows.get('workgroup') and windows.get('join_domain'):
        raise CustomizationError('customization.windows: give workgroup or join_domain, not both')
    if windows.get('join_domain') and not (windows.get('domain_user') and windows.get('domain_password')):
        raise CustomizationError('customization.windows.join_domain needs domain_user and domain_password')
    time_zone = windows.get('time_zone', options.get('time_zone'))
    if time_zone is not None:
        try:
            time_zone = int(time_zone)
        except (TypeError, ValueError):
            raise CustomizationError('customization.windows.time_zone is a Windows time zone index (for example 85 for GMT), '
                                     'got %r' % (time_zone,))
    gui = vim.vm.customization.GuiUnattended(autoLogon=bool(windows.get('auto_logon')),
                                             autoLogonCount=int(windows.get('auto_logon_count') or 1),
                                             timeZone=time_zone if time_zone is not None else 85)
    if windows.get('admin_password'):
        gui.password = _password(windows['admin_password'])
    user_data = vim.vm.customization.UserData(computerName=_host_name(computer, 'customization.windows.computer_name'),
                                              fullName=windows.get('full_name') or 'Administrator',
                                              orgName=windows.get('org_name') or 'Organization',
                                              productId=windows.get('product_key') or '')
    if windows.get('join_domain'):
        identification = vim.vm.customization.Identification(joinDomain=windows['join_domain'],
                                                             domainAdmin=windows['domain_user'],
                                                             domainAdminPassword=_password(windows['domain_password']))
    else:
        identification = vim.vm.customization.Identification(joinWorkgroup=windows.get('workgroup') or 'WORKGROUP')
    identity = vim.vm.customization.Sysprep(guiUnattended=gui, userData=user_data, identification=identification)
    if windows.get('run_once'):
        identity.guiRunOnce = vim.vm.customization.GuiRunOnce(commandList=[str(command) for command in windows['run_once']])
    summary = dict(os='windows', computer_name=computer, time_zone=time_zone,
                   workgroup=None if windows.get('join_domain') else (windows.get('workgroup') or 'WORKGROUP'),
                   join_domain=windows.get('join_domain'), product_key_given=bool(windows.get('product_key')),
                   admin_password_given=bool(windows.get('admin_password')), run_once=len(windows.get('run_once') or []))
    return identity, summary


def _cloud_init(options):
    """guestinfo keys as cloud-init's VMware datasource reads them (base64 with an encoding key)."""
    cloud = options.get('cloud_init') or {}
    extra = {}
    for option, key in (('user_data', 'guestinfo.userdata'), ('meta_data', 'guestinfo.metadata')):
        text = cloud.get(option)
        if text is None:
            continue
        extra[key] = base64.b64encode(str(text).encode('utf-8')).decode('ascii')
        extra[key + '.encoding'] = 'base64'
    return extra


def build_customization(options, nic_count):
    """Check ``options`` (the module's ``customization``) and build a Customization, or None when empty."""
    if not options:
        return None
    options = dict((key, value) for key, value in options.items() if value is not None)
    extra = _cloud_init(options)
    summary = dict(cloud_init=sorted(extra)) if extra else {}
    identity_given = any(options.get(key) is not None for key in LINUX_KEYS + ('windows', 'nics', 'dns_servers', 'dns_suffixes'))
    if options.get('spec'):
        if identity_given:
            raise CustomizationError('customization.spec (a stored specification) cannot be combined with inline settings '
                                     '(hostname, domain, windows, nics, dns_servers ...): the stored spec is used as it is')
        summary.update(spec=options['spec'])
        return Customization(stored_name=options['spec'], extra_config=extra, summary=summary)
    if not identity_given:
        if not extra:
            raise CustomizationError('customization is empty: give spec, the guest settings, or cloud_init')
        return Customization(extra_config=extra, summary=summary)
    os_kind = options.get('os') or ('windows' if options.get('windows') is not None else 'linux')
    if os_kind == 'windows':
        identity, identity_summary = _windows_identity(options)
    else:
        if options.get('windows') is not None:
            raise CustomizationError('customization.windows is given but customization.os is linux')
        identity, identity_summary = _linux_identity(options)
    summary.update(identity_summary)
    nics = options.get('nics') or []
    if len(nics) > nic_count:
        raise CustomizationError('customization.nics has %d entries but the VM has %d network adapter(s)' % (len(nics), nic_count))
    mappings = []
    nic_summary = []
    for index in range(nic_count):
        mapping, described = _nic_setting(nics[index] if index < len(nics) else {}, index)
        mappings.append(mapping)
        nic_summary.append(described)
    summary['nics'] = nic_summary
    global_ip = vim.vm.customization.GlobalIPSettings()
    if options.get('dns_servers'):
        global_ip.dnsServerList = [_checked_address(server, 'customization', 'dns_servers') for server in options['dns_servers']]
        summary['dns_servers'] = list(global_ip.dnsServerList)
    if options.get('dns_suffixes'):
        global_ip.dnsSuffixList = [str(suffix) for suffix in options['dns_suffixes']]
        summary['dns_suffixes'] = list(global_ip.dnsSuffixList)
    spec = vim.vm.customization.Specification(identity=identity, globalIPSettings=global_ip, nicSettingMap=mappings)
    return Customization(spec=spec, extra_config=extra, summary=summary)


def stored_specification(session, name):
    """The Specification of the stored customization spec ``name`` (vCenter only)."""
    manager = session.content.customizationSpecManager
    if manager is None:
        raise CustomizationError('This endpoint has no customization specification manager: customization.spec needs a vCenter')
    with vsphere_call('Reading customization specification %s' % name, CustomizationError):
        try:
            return manager.GetCustomizationSpec(name=name).spec
        except vim.fault.NotFound:
            names = sorted(info.name for info in (manager.info or []))
            raise CustomizationError('No customization specification named %s (stored: %s)' % (name, ', '.join(names) or 'none'))
        except vmodl.fault.ManagedObjectNotFound:
            raise CustomizationError('The customization specification manager is not available')
