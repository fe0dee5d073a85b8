# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of every virt.esx module and of the inventory plugin.

Two styles name the same thing, a VI endpoint plus credentials:

* Ansible style: ``hostname``, ``username``, ``password``, ``port``,
  ``validate_certs``, ``ca_file``, ``transport``, ``proxy``, with the
  ``VMWARE_*`` environment variables as fallbacks;
* libvirt style: ``uri`` such as ``esx://root@host/?no_verify=1``,
  ``vpx://admin@vcenter/dc1/cluster1/esx1`` or ``gsx://host``, with libvirt's
  query parameters ``transport``, ``vcenter``, ``no_verify``, ``auto_answer``
  and ``proxy``.

Both end up as one :class:`ConnectionParams`, which :mod:`session` turns into a
logged-in VI session.  Nothing here talks to the network.
"""

from __future__ import annotations

import os
import re

try:  # Python 3
    from urllib.parse import urlsplit, parse_qsl, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported
    raise

from ansible_collections.virt.esx.plugins.module_utils.errors import ConnectionOptionsError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transport import check_limits
from ansible_collections.virt.esx.plugins.module_utils.vsphere.answers import ANSWERS_ARGUMENT_SPEC

SCHEMES = ('esx', 'vpx', 'gsx')
TRANSPORTS = ('https', 'http')
PROXY_TYPES = ('http', 'socks', 'socks4', 'socks4a', 'socks5')
DEFAULT_PORTS = {'https': 443, 'http': 80}

# Environment fallbacks of the Ansible style, shared with the VMware collections.
ENV_FALLBACKS = {
    'hostname': 'VMWARE_HOST',
    'username': 'VMWARE_USER',
    'password': 'VMWARE_PASSWORD',
    'port': 'VMWARE_PORT',
    'validate_certs': 'VMWARE_VALIDATE_CERTS',
    'ca_file': 'VMWARE_CA_FILE',
    'proxy': 'VMWARE_PROXY',
}

# The env fallbacks are resolved in resolve_connection_params() rather than with
# env_fallback in the spec, so that a VMWARE_HOST in the environment never clashes
# with an explicit ``uri``.
CONNECTION_ARGUMENT_SPEC = dict(
    uri=dict(type='str'),
    hostname=dict(type='str', aliases=['host']),
    username=dict(type='str', aliases=['user']),
    password=dict(type='str', aliases=['pass'], no_log=True),
    port=dict(type='int'),
    validate_certs=dict(type='bool'),
    ca_file=dict(type='path'),
    transport=dict(type='str', choices=list(TRANSPORTS)),
    proxy=dict(type='str'),
    timeout=dict(type='int', default=60),
    max_answer_mb=dict(type='int', default=64),
)

# Options of modules that start tasks on VMs (the poller's auto_answer and answers rules).
TASK_ARGUMENT_SPEC = dict(
    auto_answer=dict(type='bool'),
    task_timeout=dict(type='int', default=3600),
    answers=ANSWERS_ARGUMENT_SPEC,
)

_TRUE_WORDS = ('1', 'true', 'yes', 'on', 'y', 't')
_FALSE_WORDS = ('0', 'false', 'no', 'off', 'n', 'f')


def connection_argument_spec(tasks=False):
    """A fresh copy of the connection argument spec (plus the task options)."""
    spec = {name: dict(option) for name, option in CONNECTION_ARGUMENT_SPEC.items()}
    if tasks:
        spec.update({name: dict(option) for name, option in TASK_ARGUMENT_SPEC.items()})
    return spec


class ConnectionParams(object):
    """Everything needed to log in to one VI endpoint."""

    def __init__(self, hostname, username, password, port, transport='https',
                 validate_certs=True, ca_file=None, proxy=None, scheme=None,
                 path_items=(), vcenter=None, auto_answer=None, timeout=60, max_answer_mb=64):
        self.hostname = hostname
        self.username = username
        self.password = password
        self.port = port
        self.transport = transport
        self.validate_certs = validate_certs
        self.ca_file = ca_file
        self.proxy = proxy  # dict(type=..., host=..., port=...) or None
        self.scheme = scheme  # esx, vpx, gsx or None (auto-detect)
        self.path_items = tuple(path_items)  # vpx://: datacenter path, compute resource, host
        self.vcenter = vcenter
        self.auto_answer = auto_answer
        self.timeout = timeout
        self.max_answer_mb = max_answer_mb

    @property
    def endpoint(self):
        """The endpoint for messages: never carries the password."""
        host = '[%s]' % self.hostname if ':' in self.hostname else self.hostname
        return '%s://%s:%d' % (self.transport, host, self.port)

    def __repr__(self):
        return 'ConnectionParams(%s, user=%r, scheme=%r, path=%r)' % (
            self.endpoint, self.username, self.scheme, '/'.join(self.path_items))


def _parse_bool_01(name, value):
    """libvirt's 0|1 query flags; the message mirrors libvirt's wording."""
    if value.strip() in ('0', '1'):
        return value.strip() == '1'
    raise ConnectionOptionsError(
        "Query parameter '%s' has unexpected value '%s' (should be 0 or 1)" % (name, value))


def parse_proxy(value):
    """Parse ``[type://]host[:port]`` as libvirt's esx driver accepts it."""
    if value is None or value == '':
        return None
    text = value.strip()
    proxy_type = 'http'
    if '://' in text:
        proxy_type, text = text.split('://', 1)
        proxy_type = proxy_type.lower()
        if proxy_type not in PROXY_TYPES:
            raise ConnectionOptionsError(
                "Query parameter 'proxy' contains unexpected type '%s' (should be (http|socks(|4|4a|5))" % proxy_type)
    if not text or '/' in text or '@' in text:
        raise ConnectionOptionsError(
            "Query parameter 'proxy' must be [type://]hostname[:port], got '%s'" % _strip_userinfo(value))
    host, port = text, 1080
    match = re.match(r'^\[([0-9a-fA-F:.]+)\](?::(.*))?$', text) or re.match(r'^([^:]+)(?::(.*))?$', text)
    if not match:
        raise ConnectionOptionsError("Query parameter 'proxy' has an unexpected host '%s'" % text)
    host, port_text = match.group(1), match.group(2)
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConnectionOptionsError(
                "Query parameter 'proxy' has unexpected port value '%s' (should be [1..65535])" % port_text)
        port = int(port_text)
    return dict(type=proxy_type, host=host, port=port)


def _strip_userinfo(text):
    return re.sub(r'//[^/@]*@', '//', text)


def parse_uri(uri):
    """Parse a libvirt ESX URI into a dict of connection settings.

    Returns keys: scheme, hostname, username, port (None = default of the
    transport), transport, no_verify, auto_answer, vcenter, proxy, path_items.
    Raises ConnectionOptionsError with libvirt-like messages.
    """
    if not uri or not isinstance(uri, str):
        raise ConnectionOptionsError('uri must be a non-empty string such as esx://root@esx1.example.com/')
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError as exc:
        raise ConnectionOptionsError("uri '%s' is malformed: %s" % (_strip_userinfo(uri), exc))
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ConnectionOptionsError(
            "uri scheme '%s' is not supported (should be esx, vpx or gsx): '%s'" % (parts.scheme, _strip_userinfo(uri)))
    if parts.password is not None:
        raise ConnectionOptionsError(
            'uri must not carry a password (it would end up in logs); give it with the password option '
            'or the VMWARE_PASSWORD environment variable')
    if not parts.hostname:
        raise ConnectionOptionsError("uri '%s' has no host name" % _strip_userinfo(uri))
    if parts.fragment:
        raise ConnectionOptionsError("uri '%s' must not have a fragment" % _strip_userinfo(uri))

    result = dict(scheme=scheme, hostname=parts.hostname, port=port,
                  username=unquote(parts.username) if parts.username else None,
                  transport='https', no_verify=False, auto_answer=False, vcenter=None, proxy=None,
                  path_items=[unquote(item) for item in parts.path.split('/') if item])
    ignored = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        key = name.lower()
        if key == 'transport':
            if value not in TRANSPORTS:
                raise ConnectionOptionsError(
                    "Query parameter 'transport' has unexpected value '%s' (should be http|https)" % value)
            result['transport'] = value
        elif key == 'vcenter':
            if scheme != 'esx':
                raise ConnectionOptionsError(
                    "Query parameter 'vcenter' is only valid with esx:// URIs, not %s://" % scheme)
            if not value:
                raise ConnectionOptionsError("Query parameter 'vcenter' needs a host name or '*'")
            result['vcenter'] = value
        elif key == 'no_verify':
            result['no_verify'] = _parse_bool_01('no_verify', value)
        elif key == 'auto_answer':
            result['auto_answer'] = _parse_bool_01('auto_answer', value)
        elif key == 'proxy':
            result['proxy'] = parse_proxy(value)
        else:
            ignored.append(name)
    result['ignored_parameters'] = ignored
    if scheme == 'vpx' and not result['path_items']:
        raise ConnectionOptionsError(
            "Path has to specify the datacenter and compute resource: vpx://%s/<datacenter>[/<cluster>[/<host>]]"
            % parts.hostname)
    return result


def _as_bool(name, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise ConnectionOptionsError('%s must be a boolean, got %r' % (name, value))


def _as_port(name, value):
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ConnectionOptionsError('%s must be a port number, got %r' % (name, value))
    if not 0 < port < 65536:
        raise ConnectionOptionsError('%s must be between 1 and 65535, got %d' % (name, port))
    return port


def resolve_connection_params(params, environ=None, warn=None):
    """Turn module or plugin options into ConnectionParams.

    ``params`` holds the options of CONNECTION_ARGUMENT_SPEC (missing keys count
    as unset).  ``environ`` defaults to os.environ.  ``warn`` receives warnings
    (for example options that the uri overrides).
    """
    env = os.environ if environ is None else environ
    warn = warn or (lambda message: None)

    def option(name):
        value = params.get(name)
        if value is None and name in ENV_FALLBACKS and not params.get('uri'):
            value = env.get(ENV_FALLBACKS[name]) or None
        return value

    password = params.get('password')
    if password is None:
        password = env.get(ENV_FALLBACKS['password']) or None
    validate_certs = params.get('validate_certs')
    if validate_certs is None:
        env_value = env.get(ENV_FALLBACKS['validate_certs'])
        validate_certs = True if env_value in (None, '') else _as_bool('VMWARE_VALIDATE_CERTS', env_value)
    ca_file = params.get('ca_file') or env.get(ENV_FALLBACKS['ca_file']) or None
    timeout, max_answer_mb = check_limits(params)
    auto_answer = params.get('auto_answer')

    uri = params.get('uri')
    if uri:
        parsed = parse_uri(uri)
        overridden = [name for name in ('hostname', 'port', 'transport', 'proxy') if params.get(name) not in (None, '')]
        if overridden:
            warn('uri is given, so %s %s ignored' % (', '.join(overridden), 'is' if len(overridden) == 1 else 'are'))
        if parsed['ignored_parameters']:
            warn("Ignoring unexpected query parameter(s) of uri: %s" % ', '.join(parsed['ignored_parameters']))
        username = parsed['username'] or params.get('username') or env.get(ENV_FALLBACKS['username']) or None
        transport = parsed['transport']
        port = parsed['port'] or DEFAULT_PORTS[transport]
        conn = ConnectionParams(
            hostname=parsed['hostname'], username=username, password=password, port=port,
            transport=transport, validate_certs=bool(validate_certs) and not parsed['no_verify'],
            ca_file=ca_file, proxy=parsed['proxy'], scheme=parsed['scheme'], path_items=parsed['path_items'],
            vcenter=parsed['vcenter'], auto_answer=parsed['auto_answer'] if auto_answer is None else auto_answer,
            timeout=timeout, max_answer_mb=max_answer_mb)
    else:
        hostname = option('hostname')
        if not hostname:
            raise ConnectionOptionsError(
                'Give the endpoint with hostname (or VMWARE_HOST) or with uri, e.g. uri: esx://root@esx1.example.com/')
        transport = params.get('transport') or 'https'
        if transport not in TRANSPORTS:
            raise ConnectionOptionsError("transport has unexpected value '%s' (should be http|https)" % transport)
        port_value = option('port')
        port = _as_port('port', port_value) if port_value not in (None, '') else DEFAULT_PORTS[transport]
        conn = ConnectionParams(
            hostname=hostname, username=option('username'), password=password, port=port,
            transport=transport, validate_certs=bool(validate_certs), ca_file=ca_file,
            proxy=parse_proxy(option('proxy')), auto_answer=bool(auto_answer), timeout=timeout,
            max_answer_mb=max_answer_mb)

    if not conn.username:
        raise ConnectionOptionsError('A user name is needed: username (or VMWARE_USER), or user@ in the uri')
    if not conn.password:
        raise ConnectionOptionsError('A password is needed: the password option or the VMWARE_PASSWORD environment variable')
    if conn.ca_file and not os.path.isfile(conn.ca_file):
        raise ConnectionOptionsError('ca_file %s does not exist or is not a file' % conn.ca_file)
    return conn


def connection_params_from_module(module):
    """ConnectionParams from an AnsibleModule; env-derived passwords join no_log."""
    try:
        conn = resolve_connection_params(module.params, warn=module.warn)
    except ConnectionOptionsError as exc:
        module.fail_json(msg=str(exc))
    if conn.password:
        module.no_log_values.add(conn.password)
    return conn
