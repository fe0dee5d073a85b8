# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming transfers of large files: datastore files over ``/folder``, disks over an HttpNfcLease.

``datastore.DatastoreFiles`` moves small files (a .vmx) as one ``bytes``; this module moves ISO
images and disks of any size in chunks, so that memory stays flat (one chunk, 1 MiB by default):

    stream = DatastoreStream(DatastoreFiles(session))
    progress = stream.upload_file(CheckedDatastorePath.parse('[ds1] iso/a.iso'), '/tmp/a.iso')
    progress.as_dict()   # {'bytes': .., 'seconds': .., 'mb_per_second': ..}
    stream.download_to_file(path, '/tmp/b.iso')      # written to a temporary name, then renamed
    stream.read_range(path, start, length)           # bytes, or None when the server ignores Range

    lease_transfer = LeaseTransfer(session, total_bytes, report=lambda percent: lease.HttpNfcLeaseProgress(percent=percent))
    lease_transfer.upload(device_url, '/tmp/a.ova', offset, size, method='PUT', digest=hashlib.sha256())
    lease_transfer.download(device_url, '/tmp/disk1.vmdk')   # the disks of an OVF import or export

How an upload is found unnecessary without downloading the file (``compare``)
------------------------------------------------------------------------------
The ``/folder`` endpoint offers no checksum of a file, so one is taken from the file's bytes.
``sampled`` (the default) reads ``SAMPLE_BLOCKS`` blocks of ``SAMPLE_BLOCK_SIZE`` bytes with HTTP
``Range`` requests, always the first and the last block and the others evenly spaced between them,
and compares their SHA-256 with the same blocks of the local file: 1 MiB read for a file of any
size. Files up to ``SAMPLE_BLOCKS * SAMPLE_BLOCK_SIZE`` bytes are read whole, so the comparison of
small files is exact. For larger files a change that touches none of the sampled blocks and keeps
the size (an edit in place) is not seen: ``full`` streams the whole remote file through SHA-256
(memory flat, but the whole file crosses the network once), and ``force`` uploads regardless.
A server that answers a ranged request with the whole file (no Range support) gets the ``full``
comparison instead, since each block would cost a download.

Relogin: a 401/403 answer makes the session log in again once and the request is repeated (an
upload re-reads its file from the start).
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import tempfile
import time
import http.client
from urllib.parse import urlsplit

from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DEFAULT_CHUNK_SIZE, session_cookie
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ssl_context_for

SAMPLE_BLOCK_SIZE = 64 * 1024
SAMPLE_BLOCKS = 16
COMPARE_MODES = ('sampled', 'full')


class Progress(object):
    """Bytes moved and the seconds it took."""

    def __init__(self, moved=0, seconds=0.0):
        self.bytes = moved
        self.seconds = seconds

    @property
    def mb_per_second(self):
        if self.seconds <= 0:
            return None
        return round(self.bytes / 1000000.0 / self.seconds, 2)

    def as_dict(self):
        return {'bytes': self.bytes, 'seconds': round(self.seconds, 3), 'mb_per_second': self.mb_per_second}


# What to compare -----------------------------------------------------------------------------------

def sample_ranges(size, block_size=SAMPLE_BLOCK_SIZE, blocks=SAMPLE_BLOCKS):
    """The (start, length) ranges a sampled comparison reads of a file of ``size`` bytes.

    One range covering the file when it is no larger than ``blocks * block_size``; else ``blocks``
    non-overlapping blocks: the first, the last, and the others evenly spaced between them.
    """
    if size < 0 or block_size <= 0 or blocks < 2:
        raise ValueError('size >= 0, block_size > 0 and blocks >= 2 are expected')
    if size <= blocks * block_size:
        return [(0, size)] if size else []
    last_start = size - block_size
    ranges = []
    for index in range(blocks):
        start = (last_start * index) // (blocks - 1)
        ranges.append((start, block_size))
    return ranges


def covers_whole_file(ranges, size):
    return ranges == [(0, size)] or size == 0


def local_digest(local_path, ranges=None, chunk_size=DEFAULT_CHUNK_SIZE):
    """SHA-256 (hex) of a local file's bytes, or of the given ranges of it in order."""
    digest = hashlib.sha256()
    with open(local_path, 'rb') as handle:
        if ranges is None:
            for chunk in iter(lambda: handle.read(chunk_size), b''):
                digest.update(chunk)
        else:
            for start, length in ranges:
                handle.seek(start)
                digest.update(handle.read(length))
    return digest.hexdigest()


# Streams over /folder ------------------------------------------------------------------------------

class DatastoreStream(object):
    """Chunked ``/folder`` transfers on top of a ``datastore.DatastoreFiles`` (its session, TLS, proxy)."""

    def __init__(self, files, chunk_size=DEFAULT_CHUNK_SIZE, clock=time.monotonic):
        self.files = files
        self.chunk_size = chunk_size
        self.clock = clock

    @property
    def endpoint(self):
        return self.files.params.endpoint

    def _exchange(self, method, ds_path, headers=None, body_path=None, size=None):
        """(connection, response) of one request; the caller reads the body and closes the connection."""
        target = self.files.request_target(ds_path)
        for attempt in (1, 2):
            conn = self.files.open_connection()
            try:
                conn.putrequest(method, target, skip_accept_encoding=True)
                conn.putheader('Cookie', self.files.cookie())
                for name, value in (headers or {}).items():
                    conn.putheader(name, value)
                if body_path is not None:
                    conn.putheader('Content-Length', str(size))
                conn.endheaders()
                if body_path is not None:
                    self._send_file(conn, body_path)
                response = conn.getresponse()
            except ssl.SSLCertVerificationError as exc:
                conn.close()
                raise DatastoreError('TLS certificate verification failed for %s: %s'
                                     % (self.endpoint, exc.verify_message or exc))
            except socket.timeout:
                conn.close()
                raise DatastoreError('Timed out after %ss talking to %s for a datastore file'
                                     % (self.files.params.timeout, self.endpoint))
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise DatastoreError('Cannot reach %s for a datastore file: %s' % (self.endpoint, exc))
            if response.status in (401, 403) and attempt == 1:
                response.read()
                conn.close()
                self.files.session.relogin()
                continue
            return conn, response
        return conn, response  # pragma: no cover - the loop always returns

    def _send_file(self, conn, local_path):
        with open(local_path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(self.chunk_size), b''):
                conn.send(chunk)

    def _read_error(self, response):
        try:
            return response.read(200)
        except (OSError, http.client.HTTPException):
            return b''

    def upload_file(self, ds_path, local_path):
        """PUT a local file in chunks (the server creates missing folders); the Progress."""
        size = os.path.getsize(local_path)
        started = self.clock()
        conn, response = self._exchange('PUT', ds_path, {'Content-Type': 'application/octet-stream'},
                                        body_path=local_path, size=size)
        try:
            if response.status not in (200, 201, 204):
                self.files.fail('upload', ds_path, response.status, self._read_error(response))
            response.read()
        finally:
            conn.close()
        return Progress(size, self.clock() - started)

    def _copy_body(self, response, write):
        moved = 0
        while True:
            try:
                chunk = response.read(self.chunk_size)
            except socket.timeout:
                raise DatastoreError('Timed out after %ss reading a datastore file from %s'
                                     % (self.files.params.timeout, self.endpoint))
            except (OSError, http.client.HTTPException) as exc:
                raise DatastoreError('Reading a datastore file from %s failed: %s' % (self.endpoint, exc))
            if not chunk:
                return moved
            write(chunk)
            moved += len(chunk)

    def download_to_file(self, ds_path, local_path, mode=0o644):
        """GET into a temporary file beside ``local_path``, renamed over it once complete; the Progress."""
        folder = os.path.dirname(os.path.abspath(local_path))
        started = self.clock()
        conn, response = self._exchange('GET', ds_path)
        try:
            if response.status != 200:
                self.files.fail('download', ds_path, response.status, self._read_error(response))
            expected = response.getheader('Content-Length')
            handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(local_path), dir=folder)
            try:
                with os.fdopen(handle, 'wb') as out:
                    moved = self._copy_body(response, out.write)
                if expected is not None and expected.isdigit() and int(expected) != moved:
                    raise DatastoreError("Download of '%s' from %s ended after %d of %s bytes"
                                         % (ds_path, self.endpoint, moved, expected))
                os.chmod(temporary, mode)
                os.replace(temporary, local_path)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise
        finally:
            conn.close()
        return Progress(moved, self.clock() - started)

    def remote_digest(self, ds_path):
        """(SHA-256 hex, size) of the whole remote file, streamed."""
        conn, response = self._exchange('GET', ds_path)
        try:
            if response.status != 200:
                self.files.fail('read', ds_path, response.status, self._read_error(response))
            digest = hashlib.sha256()
            moved = self._copy_body(response, digest.update)
        finally:
            conn.close()
        return digest.hexdigest(), moved

    def read_range(self, ds_path, start, length):
        """``length`` bytes from ``start``, or None when the server answers with the whole file (no Range)."""
        conn, response = self._exchange('GET', ds_path, {'Range': 'bytes=%d-%d' % (start, start + length - 1)})
        try:
            if response.status == 200:
                return None
            if response.status != 206:
                self.files.fail('read', ds_path, response.status, self._read_error(response))
            data = bytearray()
            self._copy_body(response, data.extend)
        finally:
            conn.close()
        if len(data) != length:
            raise DatastoreError("A ranged read of '%s' on %s gave %d bytes instead of %d"
                                 % (ds_path, self.endpoint, len(data), length))
        return bytes(data)

    def sampled_digest(self, ds_path, ranges):
        """SHA-256 hex of the given ranges of the remote file in order, or None without Range support."""
        digest = hashlib.sha256()
        for start, length in ranges:
            data = self.read_range(ds_path, start, length)
            if data is None:
                return None
            digest.update(data)
        return digest.hexdigest()


def same_content(stream, ds_path, remote_size, local_path, compare='sampled'):
    """(same, how): whether the remote file holds the local file's bytes, and how that was decided.

    ``how`` is 'size' (sizes differ), 'sampled' (blocks compared), 'full' (whole file hashed).
    """
    if compare not in COMPARE_MODES:
        raise ValueError('compare must be one of %s' % ', '.join(COMPARE_MODES))
    local_size = os.path.getsize(local_path)
    if remote_size != local_size:
        return False, 'size'
    if compare == 'sampled':
        ranges = sample_ranges(local_size)
        if not ranges:
            return True, 'full'
        remote = stream.sampled_digest(ds_path, ranges)
        if remote is not None:
            return remote == local_digest(local_path, ranges), \
                'full' if covers_whole_file(ranges, local_size) else 'sampled'
    remote, moved = stream.remote_digest(ds_path)
    return moved == local_size and remote == local_digest(local_path), 'full'


# Disks over an HttpNfcLease (OVF import and export) ------------------------------------------------

LEASE_PROGRESS_INTERVAL = 5.0
STREAM_VMDK_TYPE = 'application/x-vnd.vmware-streamVmdk'


def lease_url(params, url):
    """(transport, host, port, request target) of a lease device URL; '*' is the server the session talks to."""
    parsed = urlsplit(url)
    target = parsed.path + ('?' + parsed.query if parsed.query else '')
    if parsed.hostname in (None, '', '*'):
        return params.transport, params.hostname, params.port, target
    transport = parsed.scheme or 'https'
    return transport, parsed.hostname, parsed.port or (443 if transport == 'https' else 80), target


def http_connection(params, transport, host, port):
    """An HTTP(S) connection to host:port with the session's TLS settings, proxy and timeout."""
    proxy = params.proxy
    if transport == 'https':
        context = ssl_context_for(params) if params.transport == 'https' else None
        if proxy:
            conn = http.client.HTTPSConnection(proxy['host'], proxy['port'], timeout=params.timeout, context=context)
            conn.set_tunnel(host, port)
            return conn
        return http.client.HTTPSConnection(host, port, timeout=params.timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=params.timeout)


class LeaseTransfer(object):
    """Uploads to and downloads from the device URLs of a ready HttpNfcLease, keeping the lease alive.

    ``report(percent)`` is called with the overall percentage at most every ``interval`` seconds
    (and at the end): the caller passes the lease's HttpNfcLeaseProgress, which also keeps a lease
    from timing out during a long transfer.
    """

    def __init__(self, session, total_bytes, report, chunk_size=DEFAULT_CHUNK_SIZE, interval=LEASE_PROGRESS_INTERVAL,
                 clock=time.monotonic):
        self.session = session
        self.params = session.params
        self.total = max(int(total_bytes or 0), 1)
        self.report = report
        self.chunk_size = chunk_size
        self.interval = interval
        self.clock = clock
        self.moved = 0
        self.started = clock()
        self._last_report = self.started

    def _tick(self, count):
        self.moved += count
        now = self.clock()
        if now - self._last_report >= self.interval:
            self._last_report = now
            self.report(min(99, int(self.moved * 100 // self.total)))

    def progress(self):
        return Progress(self.moved, self.clock() - self.started)

    def _open(self, method, url, headers):
        transport, host, port, target = lease_url(self.params, url)
        conn = http_connection(self.params, transport, host, port)
        conn.putrequest(method, target, skip_accept_encoding=True)
        cookie = session_cookie(self.session)
        if cookie:
            conn.putheader('Cookie', cookie)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        return conn, host

    def _error(self, what, host, exc):
        if isinstance(exc, ssl.SSLCertVerificationError):
            return DatastoreError('TLS certificate verification failed for %s: %s' % (host, exc.verify_message or exc))
        if isinstance(exc, socket.timeout):
            return DatastoreError('Timed out after %ss %s %s' % (self.params.timeout, what, host))
        return DatastoreError('%s %s failed: %s' % (what[0].upper() + what[1:], host, exc))

    def upload(self, url, local_path, offset, size, method='PUT', digest=None):
        """Send ``size`` bytes of ``local_path`` from ``offset`` (a member of an OVA, or a whole file)."""
        headers = {'Content-Type': STREAM_VMDK_TYPE, 'Content-Length': str(size), 'Overwrite': 't'}
        host = url
        try:
            conn, host = self._open(method, url, headers)
            try:
                with open(local_path, 'rb') as handle:
                    handle.seek(offset)
                    left = size
                    while left > 0:
                        chunk = handle.read(min(self.chunk_size, left))
                        if not chunk:
                            raise DatastoreError('%s ended %d bytes early' % (local_path, left))
                        conn.send(chunk)
                        if digest is not None:
                            digest.update(chunk)
                        left -= len(chunk)
                        self._tick(len(chunk))
                response = conn.getresponse()
                answer = response.read(200)
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            raise self._error('uploading a disk to', host, exc)
        if response.status not in (200, 201, 204):
            raise DatastoreError('Uploading a disk to %s failed: HTTP %d (%s)'
                                 % (host, response.status, answer.decode('utf-8', 'replace').strip()))

    def download(self, url, local_path, digest=None):
        """GET a device URL into ``local_path`` (temporary name, renamed when complete); the bytes written."""
        host = url
        folder = os.path.dirname(os.path.abspath(local_path))
        handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(local_path), dir=folder)
        try:
            with os.fdopen(handle, 'wb') as out:
                conn, host = self._open('GET', url, {})
                try:
                    response = conn.getresponse()
                    if response.status != 200:
                        raise DatastoreError('Downloading a disk from %s failed: HTTP %d' % (host, response.status))
                    written = 0
                    for chunk in iter(lambda: response.read(self.chunk_size), b''):
                        out.write(chunk)
                        if digest is not None:
                            digest.update(chunk)
                        written += len(chunk)
                        self._tick(len(chunk))
                finally:
                    conn.close()
            os.chmod(temporary, 0o644)
            os.replace(temporary, local_path)
        except (OSError, http.client.HTTPException) as exc:
            raise self._error('downloading a disk from', host, exc)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return written
