# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datastore files over the host's (or vCenter's) ``/folder`` HTTP endpoint.

libvirt's ESX driver reads and writes .vmx files this way: an HTTP request to
``https://<server>/folder/<path in the datastore>?dcPath=<datacenter>&dsName=<datastore>``
carrying the VI session's cookie.  This module does the same for a
``[datastore] directory/file`` path:

    files = DatastoreFiles(session)              # a connected ViSession
    files.exists('[LocalDS_0] web01/web01.vmx')  # True / False
    text = files.download('[LocalDS_0] web01/web01.vmx')          # bytes
    files.upload('[LocalDS_0] web01/web01.vmx', data)             # creates directories as needed
    files.delete('[LocalDS_0] web01/web01.vmx')  # True if it was there

``dcPath`` is the inventory path of the datacenter that holds the datastore
(``ha-datacenter`` on a standalone host, ``DC0`` or ``folder/DC0`` on a vCenter);
DatastoreFiles finds it from the datastore name unless ``datacenter_path`` is
given.  The connection reuses the session's TLS settings
(``session.ssl_context_for(params)``: ``validate_certs``, ``ca_file``), its
``timeout`` and its HTTP proxy.  An expired session cookie (401/403) makes the
session log in again once and the request is repeated.

Errors are ``DatastoreError`` (``DatastoreFileNotFound`` for a missing file or
datastore), with the HTTP status in ``.status``; messages never contain the
cookie.  The caller escapes datastore item names (``escaping.escape_datastore_item``)
when it makes up new file names.

Every path this module sends, over ``/folder`` or to the FileManager, the
VirtualDiskManager, a datastore browser or RegisterVM (``DatastoreCalls``), must be an
``escaping.CheckedDatastorePath``: a plain string is a ``TypeError``, so no path reaches
vSphere without the check that it stays inside its datastore. ``wire(path)`` gives the
text of a checked path for the places that put one into a spec (a disk's ``fileName``).
A unit test keeps the manager calls in this module.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from http.cookies import SimpleCookie
from urllib.parse import quote

from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties
from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ssl_context_for

SESSION_COOKIE_NAME = 'vmware_soap_session'
DEFAULT_CHUNK_SIZE = 1024 * 1024


class DatastoreFileNotFound(DatastoreError):
    """The file (or its datastore or datacenter) does not exist."""


def folder_url_path(datastore, path, datacenter_path):
    """The request target of ``path`` in ``datastore``: '/folder/<path>?dcPath=..&dsName=..'."""
    return '/folder/%s?dcPath=%s&dsName=%s' % (
        quote(path.lstrip('/'), safe='/'), quote(datacenter_path, safe=''), quote(datastore, safe=''))


def session_cookie(session):
    """'vmware_soap_session="..."' of a connected ViSession (or '' when there is none)."""
    raw = getattr(session.soap_stub, 'cookie', '') or ''
    if not raw:
        return ''
    cookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:  # pylint: disable=broad-except  # an unparsable header is sent as the server gave it
        return raw.split(';', 1)[0]
    morsel = cookie.get(SESSION_COOKIE_NAME)
    if morsel is None:
        return raw.split(';', 1)[0]
    return '%s=%s' % (SESSION_COOKIE_NAME, morsel.coded_value)


def datacenter_paths(session):
    """{datastore name: [datacenter inventory path, ...]}: one property query walks the inventory."""
    items = properties.retrieve(session.content, {
        'Folder': ['name', 'parent'], 'Datacenter': ['name', 'parent'], 'Datastore': ['name', 'parent'],
    })
    by_moid = {item['_moid']: item for item in items}
    paths = properties.inventory_paths([item for item in items if item['_type'] != 'Datastore'])
    result = {}
    for item in items:
        if item['_type'] != 'Datastore':
            continue
        parent = getattr(item.get('parent'), '_moId', None)
        holder = None
        for _depth in range(64):
            holder = by_moid.get(parent)
            if holder is None or holder['_type'] == 'Datacenter':
                break
            parent = getattr(holder.get('parent'), '_moId', None)
        if holder is not None and holder['_type'] == 'Datacenter':
            dc_path = (paths.get(holder['_moid']) or '').lstrip('/') or holder.get('name')
            found = result.setdefault(item.get('name'), [])
            if dc_path not in found:
                found.append(dc_path)
    return result


class DatastoreFiles(object):
    """File transfer for one connected ViSession (see the module docstring)."""

    def __init__(self, session, datacenter_path=None, chunk_size=DEFAULT_CHUNK_SIZE):
        self.session = session
        self.params = session.params
        self.datacenter_path = datacenter_path
        self.chunk_size = chunk_size
        self._datacenters = None

    # -- where ---------------------------------------------------------------------

    def datacenter_of(self, datastore):
        """The dcPath for a datastore name (the one given to the constructor, if any)."""
        if self.datacenter_path:
            return self.datacenter_path
        if self._datacenters is None:
            self._datacenters = datacenter_paths(self.session)
        found = self._datacenters.get(datastore)
        if not found:
            raise DatastoreFileNotFound("Datastore '%s' not found on %s" % (datastore, self.params.endpoint), status=404)
        if len(found) > 1:
            raise DatastoreError("Datastore '%s' is in several datacenters (%s); name the datacenter"
                                 % (datastore, ', '.join(sorted(found))))
        return found[0]

    def _target(self, ds_path):
        path = _checked(ds_path, 'a /folder request')
        return folder_url_path(path.datastore, path.relative, self.datacenter_of(path.datastore))

    # The streaming transfers of vsphere/transfer.py send their own requests on these.
    def request_target(self, ds_path):
        """'/folder/...' of a checked path (the proxy prefix included): what a request line names."""
        conn, prefix = self._connection()
        conn.close()
        return prefix + self._target(ds_path)

    def open_connection(self):
        """A new (not yet connected) HTTP connection with the session's TLS, proxy and timeout settings."""
        return self._connection()[0]

    def cookie(self):
        return session_cookie(self.session)

    def fail(self, what, ds_path, status, data=b''):
        """Raise the DatastoreError (DatastoreFileNotFound for 404) of a refused request."""
        self._fail(what, ds_path, status, data)

    # -- HTTP ----------------------------------------------------------------------

    def _connection(self):
        params = self.params
        proxy = params.proxy
        timeout = params.timeout
        if params.transport == 'https':
            context = ssl_context_for(params)
            if proxy:
                conn = http.client.HTTPSConnection(proxy['host'], proxy['port'], timeout=timeout, context=context)
                conn.set_tunnel(params.hostname, params.port)
            else:
                conn = http.client.HTTPSConnection(params.hostname, params.port, timeout=timeout, context=context)
            return conn, ''
        if proxy:
            return http.client.HTTPConnection(proxy['host'], proxy['port'], timeout=timeout), \
                'http://%s:%d' % (params.hostname, params.port)
        return http.client.HTTPConnection(params.hostname, params.port, timeout=timeout), ''

    def _request(self, method, ds_path, body=None, headers=None, read=True):
        """(status, body bytes) of one request; logs in again once on 401/403."""
        target = self._target(ds_path)
        for attempt in (1, 2):
            status, data = self._send(method, target, body, headers, read)
            if status in (401, 403) and attempt == 1:
                self.session.relogin()
                continue
            return status, data
        return status, data  # pragma: no cover - the loop always returns

    def _send(self, method, target, body, headers, read):
        conn, prefix = self._connection()
        all_headers = {'Cookie': session_cookie(self.session)}
        all_headers.update(headers or {})
        try:
            conn.request(method, prefix + target, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read() if read else b''
            if not read:
                response.close()
            return response.status, data
        except ssl.SSLCertVerificationError as exc:
            raise DatastoreError('TLS certificate verification failed for %s: %s'
                                 % (self.params.endpoint, exc.verify_message or exc))
        except socket.timeout:
            raise DatastoreError('Timed out after %ss talking to %s for a datastore file'
                                 % (self.params.timeout, self.params.endpoint))
        except (OSError, http.client.HTTPException) as exc:
            raise DatastoreError('Cannot reach %s for a datastore file: %s' % (self.params.endpoint, exc))
        finally:
            conn.close()

    def _fail(self, what, ds_path, status, data):
        detail = (data or b'')[:200].decode('utf-8', 'replace').strip()
        message = "Cannot %s '%s' on %s: HTTP %d%s" % (what, ds_path, self.params.endpoint, status,
                                                       (' (%s)' % detail) if detail else '')
        if status == 404:
            raise DatastoreFileNotFound("Cannot %s '%s': no such file on %s" % (what, ds_path, self.params.endpoint),
                                        status=404)
        raise DatastoreError(message, status=status)

    # -- operations ------------------------------------------------------------------

    def download(self, ds_path):
        """The file's bytes."""
        status, data = self._request('GET', ds_path)
        if status != 200:
            self._fail('download', ds_path, status, data)
        return data

    def upload(self, ds_path, data):
        """Create or replace the file (the server creates missing directories)."""
        if isinstance(data, str):
            data = data.encode('utf-8')
        headers = {'Content-Type': 'application/octet-stream', 'Content-Length': str(len(data))}
        status, answer = self._request('PUT', ds_path, body=data, headers=headers)
        if status not in (200, 201, 204):
            self._fail('upload', ds_path, status, answer)

    def exists(self, ds_path):
        """Whether the file exists (HEAD; a directory counts as existing)."""
        status, data = self._request('HEAD', ds_path, read=False)
        if status == 200 or status in (301, 302):
            # A directory answers with a redirect to its listing.
            return True
        if status == 404:
            return False
        if status == 405:
            # A server without HEAD: a GET that is closed after the headers.
            status, data = self._request('GET', ds_path, headers={'Range': 'bytes=0-0'}, read=False)
            if status in (200, 206):
                return True
            if status in (404, 416):
                return status == 416
        self._fail('look up', ds_path, status, data)
        return False  # pragma: no cover - _fail raises

    def delete(self, ds_path):
        """Delete the file; True if it existed, False if there was nothing to delete."""
        status, data = self._request('DELETE', ds_path)
        if status in (200, 204):
            return True
        if status == 404:
            return False
        self._fail('delete', ds_path, status, data)
        return False  # pragma: no cover - _fail raises


# The vSphere calls that name datastore paths -------------------------------------------------------

def _checked(path, what):
    if not isinstance(path, CheckedDatastorePath):
        raise TypeError('%s takes an escaping.CheckedDatastorePath, not %s: parse or build the path with it first'
                        % (what, type(path).__name__))
    return path


def wire(path):
    """The ``[datastore] path`` text of a checked path, for a spec field that vSphere reads as a path."""
    return str(_checked(path, 'a datastore path in a spec'))


class DatastoreCalls(object):
    """FileManager, VirtualDiskManager, datastore browser and RegisterVM calls; every path a CheckedDatastorePath.

    ``datacenter`` is the Datacenter managed object the paths are relative to (None on a host).
    Task methods return the task; the caller waits for it.
    """

    def __init__(self, session, datacenter=None):
        self.content = session.content
        self.datacenter = datacenter

    def make_directory(self, path, parents=False):
        self.content.fileManager.MakeDirectory(name=wire(path), datacenter=self.datacenter,
                                               createParentDirectories=parents)

    def delete_file(self, path):
        return self.content.fileManager.DeleteDatastoreFile_Task(name=wire(path), datacenter=self.datacenter)

    def create_disk(self, path, spec):
        return self.content.virtualDiskManager.CreateVirtualDisk_Task(name=wire(path), datacenter=self.datacenter,
                                                                      spec=spec)

    def copy_disk(self, source, source_datacenter, dest, spec=None):
        return self.content.virtualDiskManager.CopyVirtualDisk_Task(
            sourceName=wire(source), sourceDatacenter=source_datacenter, destName=wire(dest),
            destDatacenter=self.datacenter, destSpec=spec, force=False)

    def extend_disk(self, path, capacity_kb, eager_zero=False):
        return self.content.virtualDiskManager.ExtendVirtualDisk_Task(
            name=wire(path), datacenter=self.datacenter, newCapacityKb=capacity_kb, eagerZero=eager_zero)

    def zero_fill_disk(self, path):
        return self.content.virtualDiskManager.ZeroFillVirtualDisk_Task(name=wire(path), datacenter=self.datacenter)

    def delete_disk(self, path):
        return self.content.virtualDiskManager.DeleteVirtualDisk_Task(name=wire(path), datacenter=self.datacenter)

    def query_disk_uuid(self, path):
        return self.content.virtualDiskManager.QueryVirtualDiskUuid(name=wire(path), datacenter=self.datacenter)

    @staticmethod
    def search(browser, path, spec, recursive=True):
        if recursive:
            return browser.SearchDatastoreSubFolders_Task(datastorePath=wire(path), searchSpec=spec)
        return browser.SearchDatastore_Task(datastorePath=wire(path), searchSpec=spec)

    @staticmethod
    def register_vm(folder, vmx_path, name, pool, host=None):
        return folder.RegisterVM_Task(path=wire(vmx_path), name=name, asTemplate=False, pool=pool, host=host)
