# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VI session: login, product detection, re-login, vpx:// path, logout.

    params = resolve_connection_params(module.params)
    with ViSession(params) as session:
        session.product      # dict: kind esx|vpx|gsx, name, version, build, api_version, ...
        session.content      # vim.ServiceInstanceContent
        session.scope        # vpx://: resolved datacenter / compute resource / host

The SOAP stub is pyvmomi's session-oriented stub: when the server answers
NotAuthenticated (an expired or dropped session) it logs in again with the same
credentials and repeats the call, so long-running modules and the inventory
plugin survive an idle timeout.  The password is kept only inside that login
closure and never appears in an error message.

Readers that learn of an expired session some other way - a property read
answered with NotAuthenticated in every missingSet, a /folder request refused
with 401, a raw SOAP answer - call ``session.relogin()``, the one way back in;
``properties`` (which is given only the service content) finds the session
through the stub the content is bound to.
"""

from __future__ import annotations

import http.client
import socket
import ssl

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import (
    HAS_PYVMOMI, PYVMOMI_IMPORT_ERROR, SoapStubAdapter, VimSessionOrientedStub, VmomiSupport, vim)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import fault_text, vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transport import guard_soap_stub

# libvirt's product kinds, from ServiceContent.about (apiType, productLineId).
PRODUCT_KINDS = {
    ('HostAgent', 'esx'): 'esx',
    ('HostAgent', 'embeddedEsx'): 'esx',
    ('HostAgent', 'gsx'): 'gsx',
    ('VirtualCenter', 'vpx'): 'vpx',
}
KIND_NAMES = {'esx': 'an ESX host', 'gsx': 'a VMware GSX/Server host', 'vpx': 'a vCenter server'}

# The API version of the first call, RetrieveServiceContent: vSphere 5.5, which
# every server this collection supports accepts.  The service content's
# about.apiVersion then names the version for the rest of the session, the way
# libvirt reads it; pyvmomi's own way is one more HTTP request (and TLS
# handshake) for /sdk/vimServiceVersions.xml before the first call.
BASELINE_API_VERSION = 'vim.version.version9'


def require_pyvmomi():
    if not HAS_PYVMOMI:
        raise SessionError('The pyvmomi Python library is required (pip install pyvmomi): %s' % PYVMOMI_IMPORT_ERROR)


def parse_version(version):
    """'7.0.3' -> (7, 0, 3); unparsable parts count as 0."""
    numbers = []
    for part in (version or '').split('.')[:3]:
        digits = ''.join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits) if digits else 0)
    while len(numbers) < 3:
        numbers.append(0)
    return tuple(numbers)


def _api_version_key(version_id):
    """'8.0.3.0' -> (8, 0, 3, 0); None for ids that are not dotted numbers ('2.5u2server')."""
    parts = (version_id or '').split('.')
    if not all(part.isdigit() for part in parts):
        return None
    numbers = [int(part) for part in parts]
    return tuple(numbers + [0] * (4 - len(numbers)))


def api_version_for(server_api_version):
    """pyvmomi's newest vim25 version that is not newer than the server's about.apiVersion."""
    server = _api_version_key(server_api_version)
    if server is None:
        return BASELINE_API_VERSION
    for version in VmomiSupport.GetServiceVersions('vim25'):  # newest first
        key = _api_version_key(VmomiSupport.versionIdMap.get(version))
        if key is not None and key <= server:
            return version
    return BASELINE_API_VERSION


def ssl_context_for(params):
    """TLS context: verification on unless validate_certs is false (or no_verify=1)."""
    if params.transport != 'https':
        return None
    if not params.validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context(cafile=params.ca_file) if params.ca_file else ssl.create_default_context()
    return context


def _login_method(username, password, session_manager_moid):
    """The stub calls this to log in, first and after NotAuthenticated.

    It logs in straight away on the session manager named in the service content:
    no property read first (pyvmomi's own login method reads currentSession, one
    more round trip, and some servers refuse that read without a session).
    """
    def login(soap_stub):
        vim.SessionManager(session_manager_moid, soap_stub).Login(username, password)
    return login


def _bind_to(data_object, stub):
    """The same data object with its managed object references bound to ``stub``."""
    for prop in data_object._GetPropertyList():  # pylint: disable=protected-access
        value = getattr(data_object, prop.name)
        if isinstance(value, VmomiSupport.ManagedObject):
            setattr(data_object, prop.name, type(value)(value._moId, stub))  # pylint: disable=protected-access
    return data_object


class ViSession(object):
    """One logged-in VI session; use as a context manager to log out."""

    def __init__(self, params, session_store=None):
        require_pyvmomi()
        self.params = params
        # session_store.SessionStore: reuse the session of an earlier task, keep this one for the next.
        self.session_store = session_store
        self.content = None
        self.product = None
        self.scope = None
        self._stub = None

    # -- login ---------------------------------------------------------------

    def connect(self):
        params = self.params
        where = params.endpoint
        port = params.port if params.transport == 'https' else -params.port
        proxy_host = proxy_port = None
        if params.proxy:
            if params.proxy['type'] != 'http':
                raise SessionError("Proxy type '%s' is not supported by pyvmomi; use an http proxy" % params.proxy['type'])
            proxy_host, proxy_port = params.proxy['host'], params.proxy['port']
        try:
            with vsphere_call('Login to %s' % where, SessionError):
                try:
                    self._log_in(port, proxy_host, proxy_port)
                except vim.fault.InvalidLogin:
                    raise SessionError('Login to %s as %s failed: wrong user name or password' % (where, params.username))
                except vim.fault.NoPermission as exc:
                    raise SessionError('User %s may not log in to %s: %s' % (params.username, where, fault_text(exc)))
        except SessionError:
            # Already worded above; the handlers below are for what is not a vSphere fault.
            raise
        except ssl.SSLCertVerificationError as exc:
            raise SessionError(
                'TLS certificate verification failed for %s: %s. Give the CA with ca_file, '
                'or set validate_certs: false (uri: no_verify=1) for a host you trust' % (where, exc.verify_message or exc))
        except ssl.SSLError as exc:
            raise SessionError('TLS error talking to %s: %s' % (where, exc))
        except socket.timeout:
            raise SessionError('Timed out after %ss connecting to %s' % (params.timeout, where))
        except OSError as exc:
            raise SessionError('Cannot reach %s: %s' % (where, exc))
        except http.client.HTTPException as exc:
            # pyvmomi raises it with the HTTP status of an answer that is not SOAP (404 Not Found, ...).
            raise SessionError('Cannot talk to a VI server at %s: HTTP %s' % (where, exc))
        except Exception:  # pylint: disable=broad-except
            # A SOAP envelope pyvmomi cannot read as vSphere's: its exception text would be Python's, not ours.
            raise SessionError('Cannot talk to a VI server at %s: its answer to RetrieveServiceContent is a SOAP envelope '
                               'but not a vSphere one; check hostname, port and that this is an ESX host or vCenter' % where)
        self.product = self._detect_product()
        self._check_scheme()
        if params.scheme == 'vpx':
            self.scope = self.resolve_vpx_path(params.path_items)
        return self

    def _log_in(self, port, proxy_host, proxy_port):
        params = self.params
        soap_stub = SoapStubAdapter(
            host=params.hostname, port=port, version=BASELINE_API_VERSION, sslContext=ssl_context_for(params),
            httpProxyHost=proxy_host, httpProxyPort=proxy_port or 80,
            httpConnectionTimeout=params.timeout, connectionPoolTimeout=-1)
        guard_soap_stub(soap_stub, params)
        # The service content needs no session; read it once, before logging in.
        content = vim.ServiceInstance('ServiceInstance', soap_stub).RetrieveContent()
        if not isinstance(content, vim.ServiceInstanceContent):
            raise SessionError('%s answered RetrieveServiceContent with a SOAP answer that holds no vSphere service '
                               'content: it is not an ESX host or vCenter (check hostname and port)' % params.endpoint)
        soap_stub.ComputeVersionInfo(api_version_for(content.about.apiVersion))
        login = _login_method(params.username, params.password, content.sessionManager._moId)
        if self.session_store is not None:
            login = self.session_store.login_method(login)
        self._stub = self._new_stub(soap_stub, login)
        self.content = _bind_to(content, self._stub)
        if self.session_store is not None:
            if self.session_store.open(soap_stub, self._stub._CallLoginMethod):  # pylint: disable=protected-access
                self._stub.state = self._stub.STATE_AUTHENTICATED  # the stored session; its first call checks it
            return
        # Log in now so that login errors surface here, not at the first real call.
        self._stub._CallLoginMethod()  # pylint: disable=protected-access

    def _new_stub(self, soap_stub, login):
        # pyvmomi's retries (a pooled connection the server closed) nest for property reads (12 tries):
        # short delays keep a lost server's answer within a second or two; the task poller reconnects itself.
        stub = VimSessionOrientedStub(soap_stub, login, retryDelay=0.1, retryCount=3)
        # The way back from a managed object (and so from the service content) to this session.
        stub.virt_esx_session = self
        return stub

    def _detect_product(self):
        about = self.content.about
        kind = PRODUCT_KINDS.get((about.apiType, about.productLineId))
        if kind is None:
            kind = 'vpx' if about.apiType == 'VirtualCenter' else 'esx' if about.apiType == 'HostAgent' else None
        if kind is None:
            raise SessionError('%s is neither an ESX host nor a vCenter (apiType %s, product line %s)'
                               % (self.params.endpoint, about.apiType, about.productLineId))
        return dict(kind=kind, name=about.name, full_name=about.fullName, vendor=about.vendor,
                    version=about.version, version_tuple=parse_version(about.version), build=about.build,
                    api_type=about.apiType, api_version=about.apiVersion, product_line=about.productLineId,
                    instance_uuid=about.instanceUuid, os_type=about.osType)

    def _check_scheme(self):
        wanted = self.params.scheme
        actual = self.product['kind']
        if wanted is None or wanted == actual:
            return
        hint = ''
        if actual == 'vpx':
            hint = '; use vpx://%s/<datacenter>/<cluster>/<host>' % self.params.hostname
        elif actual == 'esx':
            hint = '; use esx://%s/' % self.params.hostname
        raise SessionError('%s://%s is %s (%s), not %s%s' % (
            wanted, self.params.hostname, KIND_NAMES[actual], self.product['full_name'], KIND_NAMES[wanted], hint))

    # -- what we are connected to ----------------------------------------------

    @property
    def is_vcenter(self):
        return self.product['kind'] == 'vpx'

    def resolve_vpx_path(self, path_items):
        """Resolve '<datacenter path>/<compute resource>[/<host>]' as libvirt does.

        Folders may precede the datacenter; the compute resource is looked up
        below the datacenter's host folder (folders allowed); a cluster needs
        the host item, a standalone compute resource has exactly one host.
        """
        items = properties.retrieve(self.content, {
            'Folder': ['name', 'parent'], 'Datacenter': ['name', 'parent', 'hostFolder'],
            'ComputeResource': ['name', 'parent', 'host'], 'HostSystem': ['name', 'parent'],
        })
        by_moid = {item['_moid']: item for item in items}
        children = {}
        for item in items:
            parent = getattr(item.get('parent'), '_moId', None)
            children.setdefault(parent, []).append(item)
        shown = '/'.join(path_items)

        def child_named(parent_moid, name, types):
            for item in children.get(parent_moid, ()):
                if item.get('name') == name and item['_type'] in types:
                    return item
            return None

        root_moid = self.content.rootFolder._moId
        remaining = list(path_items)
        current, datacenter = root_moid, None
        while remaining:
            found = child_named(current, remaining.pop(0), ('Folder', 'Datacenter'))
            if found is None:
                break
            if found['_type'] == 'Datacenter':
                datacenter = found
                break
            current = found['_moid']
        if datacenter is None:
            raise SessionError("Could not find datacenter specified in '%s'" % shown)

        current = datacenter['hostFolder']._moId
        compute = None
        while remaining:
            found = child_named(current, remaining.pop(0), ('Folder', 'ComputeResource', 'ClusterComputeResource'))
            if found is None:
                break
            if found['_type'] != 'Folder':
                compute = found
                break
            current = found['_moid']
        if compute is None:
            raise SessionError("Could not find compute resource specified in '%s'" % shown)

        host = None
        host_moids = [ref._moId for ref in compute.get('host') or ()]
        if remaining:
            name = remaining.pop(0)
            host = next((by_moid[moid] for moid in host_moids if by_moid.get(moid, {}).get('name') == name), None)
            if host is None:
                raise SessionError("Could not find host system specified in '%s'" % shown)
        elif compute['_type'] == 'ClusterComputeResource':
            raise SessionError("Path has to specify the host system: '%s' names the cluster %s"
                               % (shown, compute.get('name')))
        elif host_moids:
            host = by_moid.get(host_moids[0])
        if remaining:
            raise SessionError("Path '%s' has unexpected items after the host system: %s" % (shown, '/'.join(remaining)))
        return dict(datacenter=datacenter, compute_resource=compute, host=host)

    # -- helpers ----------------------------------------------------------------

    def retrieve(self, properties_by_type, root=None, recursive=True):
        return properties.retrieve(self.content, properties_by_type, root=root, recursive=recursive)

    @property
    def soap_stub(self):
        """pyvmomi's HTTP SOAP adapter of this session (cookie, TLS settings, proxy,
        connection pool), for readers that send their own SOAP requests."""
        return getattr(self._stub, 'soapStub', None)

    def relogin(self):
        """Log in again now: the server no longer knows this session (it expired or was dropped)."""
        self._stub._SetStateUnauthenticated()  # pylint: disable=protected-access
        with vsphere_call('Logging in again to %s' % self.params.endpoint, SessionError):
            self._stub._CallLoginMethod()  # pylint: disable=protected-access

    def close(self):
        if self.content is None:
            return
        try:
            if self.session_store is None:  # a stored session stays logged in for the next task
                self.content.sessionManager.Logout()
        except Exception:  # pylint: disable=broad-except
            # Logging out of an already expired session is not an error worth reporting.
            pass
        finally:
            self.content = None
            if self._stub is not None:
                try:
                    self._stub.DropConnections()
                except Exception:  # pylint: disable=broad-except
                    pass

    def __enter__(self):
        if self.content is None:
            self.connect()
        return self

    def __exit__(self, *exc_info):
        self.close()
