# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP connections under pyvmomi's SOAP stub: one deadline per request, a size limit, clear losses.

pyvmomi's ``SoapStubAdapter`` opens its connections with ``stub.scheme(host, port, timeout=..., context=...)``
(http.client's ``HTTPConnection``/``HTTPSConnection``, or its own CONNECT-tunnel class), and ``timeout``
is a per-read socket timeout only: a server that drips a byte every few seconds is never timed out, and
an answer of any size is read to its end.  :func:`guard_soap_stub` swaps that class for a subclass that

* gives every request (sending it, the status line, the headers and the whole body) one deadline of
  ``timeout`` seconds: :class:`AnswerTimeout` when it passes;
* stops reading an answer after ``max_answer_mb`` MiB: :class:`AnswerTooLarge`;
* refuses, before pyvmomi parses anything, an answer to a SOAP call that is not a SOAP envelope (a web
  server that is not vSphere, a proxy's error page): :class:`NotSoapAnswer`, naming the HTTP status, the
  content type and the first bytes;
* names what was lost when the connection drops: the proxy or the target, before or after the request
  (:class:`ConnectionLost`, :class:`ServerUnreachable`, :class:`ProxyFailure`).

``ConnectionLost`` and ``ServerUnreachable`` are also ``HTTPException``/``OSError``, so pyvmomi's own
retries (a pooled connection the server closed while idle) still happen; the other errors are final,
so a module never outlives its ``timeout`` by pyvmomi's retries.  All are SessionErrors: a module's one
failure path reports them as they are worded here.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import time

from ansible_collections.virt.esx.plugins.module_utils.errors import ConnectionOptionsError, SessionError

DEFAULT_MAX_ANSWER_MB = 64
MAX_TIMEOUT = 86400
_HEAD_BYTES = 120
_SOAP_METHOD = re.compile(rb'<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z_][\w]*)')


class TransportError(SessionError):
    """An HTTP exchange with the server (or its proxy) did not give a usable answer."""


class AnswerTimeout(TransportError):
    """The whole request took longer than its deadline."""


class AnswerTooLarge(TransportError):
    """The answer grew beyond the size limit."""


class NotSoapAnswer(TransportError):
    """The answer to a SOAP call is not a SOAP envelope."""


class ProxyFailure(TransportError):
    """The HTTP proxy could not be reached, or refused to open the tunnel to the target."""


class ConnectionLost(TransportError, http.client.HTTPException):
    """The server closed or reset the connection before its answer was complete."""


class ServerUnreachable(TransportError, OSError):
    """No connection to the server could be opened."""


def describe_head(data):
    """The first bytes of an answer, for a message: printable, one line, cut."""
    text = data[:_HEAD_BYTES].decode('utf-8', 'replace')
    text = ' '.join(text.split())
    return repr(text + ('...' if len(data) > _HEAD_BYTES else ''))


def _mib(size):
    return '%g MiB' % (size / 1048576.0)


class _Guard(object):
    """The deadline and size limit of one request."""

    def __init__(self, owner, what):
        self.owner = owner
        self.what = what
        self.deadline = time.monotonic() + owner.virt_esx_timeout
        self.received = 0

    def remaining(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.timed_out()
        return remaining

    def timed_out(self):
        owner = self.owner
        got = ('after %d bytes of its answer' % self.received) if self.received else 'before it answered'
        return AnswerTimeout(
            '%s did not complete %s within the timeout of %s seconds (%s); the server or the network is too slow or '
            'stalled. Raise timeout if the server is known to be that slow.'
            % (owner.virt_esx_target(), self.what, owner.virt_esx_timeout, got))

    def count(self, size):
        self.received += size
        limit = self.owner.virt_esx_max_bytes
        if self.received > limit:
            raise AnswerTooLarge(
                '%s sent more than %s in answer to %s; reading stopped there. An answer that large is not expected: '
                'if it is legitimate (a very large inventory page), raise max_answer_mb (now %s)'
                % (self.owner.virt_esx_target(), _mib(limit), self.what, limit // 1048576))


class _GuardedRaw(io.RawIOBase):
    """The socket as http.client reads it, each read within the request's deadline and size limit."""

    def __init__(self, sock, guard):
        super(_GuardedRaw, self).__init__()
        self._sock = sock
        # The socket's own raw reader keeps the socket open after http.client closes the connection
        # (a Connection: close answer is read to its end after that), as makefile() does.
        self._raw = sock.makefile('rb', buffering=0)
        self._guard = guard

    def readable(self):
        return True

    def readinto(self, buffer):
        guard = self._guard
        self._sock.settimeout(guard.remaining())
        try:
            size = self._raw.readinto(buffer)
        except socket.timeout:
            raise guard.timed_out() from None
        guard.count(size or 0)
        return size

    def close(self):
        self._raw.close()
        super(_GuardedRaw, self).close()


class _GuardedSocket(object):
    """What http.client's HTTPResponse needs of a socket: makefile()."""

    def __init__(self, sock, guard):
        self._sock = sock
        self._guard = guard

    def makefile(self, mode='rb', *args, **kwargs):
        return io.BufferedReader(_GuardedRaw(self._sock, self._guard))


class GuardedConnectionMixin(object):
    """Mixed into pyvmomi's connection class by :func:`guard_soap_stub`; see the module documentation."""

    virt_esx_timeout = 60
    virt_esx_max_bytes = DEFAULT_MAX_ANSWER_MB * 1048576
    virt_esx_endpoint = 'the server'
    virt_esx_proxy = None
    virt_esx_soap_path = '/sdk'
    _virt_esx_guard = None

    @classmethod
    def virt_esx_target(cls):
        if cls.virt_esx_proxy:
            return '%s (through the proxy %s)' % (cls.virt_esx_endpoint, cls.virt_esx_proxy)
        return cls.virt_esx_endpoint

    def _virt_esx_response(self, sock, *args, **kwargs):
        guard = self._virt_esx_guard or _Guard(self, 'the request')
        return http.client.HTTPResponse(_GuardedSocket(sock, guard), *args, **kwargs)

    # The instance's response_class: http.client builds every response (also the proxy's answer to
    # CONNECT) with self.response_class(self.sock, method=...).
    @property
    def response_class(self):
        return self._virt_esx_response

    def connect(self):
        if self._virt_esx_guard is None or self._virt_esx_guard.what == 'the request':
            self._virt_esx_guard = _Guard(self, 'the connection')
        try:
            super(GuardedConnectionMixin, self).connect()
        except TransportError:
            raise
        except (OSError, http.client.HTTPException) as exc:
            proxy = self.virt_esx_proxy
            text = str(exc)
            if proxy and 'Tunnel connection failed' in text:
                raise ProxyFailure('The proxy %s refused to open a connection to %s: it answered %s. Check the proxy '
                                   'settings and that the proxy may reach that host and port'
                                   % (proxy, self.virt_esx_endpoint, text.split(':', 1)[-1].strip())) from None
            if proxy and getattr(self, 'sock', None) is None and not isinstance(exc, ssl_error_types()):
                raise ProxyFailure('Cannot reach the proxy %s: %s. %s was not tried; check the proxy option'
                                   % (proxy, _os_text(exc), self.virt_esx_endpoint)) from None
            if isinstance(exc, ssl_error_types()):
                raise
            if isinstance(exc, socket.timeout):
                raise ServerUnreachable('Cannot connect to %s: no answer within the timeout of %s seconds'
                                        % (self.virt_esx_target(), self.virt_esx_timeout)) from None
            raise ServerUnreachable('Cannot connect to %s: %s' % (self.virt_esx_target(), _os_text(exc))) from None

    def request(self, method, url, body=None, headers=None, **kwargs):
        what = '%s %s' % (method, url)
        if method == 'POST' and isinstance(body, (bytes, bytearray)):
            found = _SOAP_METHOD.search(bytes(body[:4096]))
            if found:
                what = 'the SOAP call %s' % found.group(1).decode('ascii')
        self._virt_esx_guard = _Guard(self, what)
        self._virt_esx_soap = method == 'POST' and url == self.virt_esx_soap_path
        if getattr(self, 'sock', None) is not None:
            self.sock.settimeout(self._virt_esx_guard.remaining())
        try:
            return super(GuardedConnectionMixin, self).request(method, url, body=body, headers=headers or {}, **kwargs)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ConnectionLost('%s closed the connection while %s was being sent: %s'
                                 % (self.virt_esx_target(), what, _os_text(exc))) from None

    def getresponse(self):
        guard = self._virt_esx_guard or _Guard(self, 'the request')
        try:
            response = super(GuardedConnectionMixin, self).getresponse()
        except TransportError:
            self.close()
            raise
        except (http.client.RemoteDisconnected, ConnectionResetError, http.client.IncompleteRead) as exc:
            self.close()
            raise ConnectionLost(
                '%s closed the connection without answering %s (%s): the server may have restarted or crashed, or '
                'something between (a proxy, a load balancer) cut the connection; whether the call took effect is unknown'
                % (self.virt_esx_target(), guard.what, _os_text(exc))) from None
        except http.client.HTTPException as exc:
            self.close()
            raise NotSoapAnswer('%s did not answer %s in HTTP: %s' % (self.virt_esx_target(), guard.what, exc)) from None
        if getattr(self, '_virt_esx_soap', False):
            self._virt_esx_check_soap(response, guard)
        return response

    def _virt_esx_check_soap(self, response, guard):
        content_type = response.getheader('Content-Type') or ''
        status = response.status
        try:
            if status in (200, 500) and 'xml' in content_type.lower():
                head = _take_head(response)
                if b'Envelope' in head:
                    return
            else:
                head = response.read(_HEAD_BYTES + 1)
        except TransportError:
            self.close()
            raise
        self.close()
        raise NotSoapAnswer(
            '%s is not answering as a vSphere server: to %s it answered HTTP %s %s, content type %s, starting with %s, '
            'where a SOAP answer (HTTP 200 or 500, text/xml) was expected. Check hostname, port and transport%s'
            % (self.virt_esx_target(), guard.what, status, response.reason, content_type or '(none)',
               describe_head(_body_start(head, response)), ' and the proxy' if self.virt_esx_proxy else ''))


class _Prepended(io.RawIOBase):
    """Bytes already read, then the rest of the stream: the answer as http.client would have read it."""

    def __init__(self, head, rest):
        super(_Prepended, self).__init__()
        self._head = head
        self._rest = rest

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        # One read of the socket at most: a full buffer's worth may never come on a kept-alive connection.
        return self._rest.readinto1(buffer)

    def close(self):
        self._rest.close()
        super(_Prepended, self).close()


def _take_head(response, size=512):
    """The first bytes of the body as sent (a chunk size line included), put back for http.client to read."""
    limit = size if response.length is None else min(size, response.length)
    head = b''
    while len(head) < limit and b'Envelope' not in head and not head.endswith(b'0\r\n\r\n'):
        chunk = response.fp.read1(limit - len(head))
        if not chunk:
            break
        head += chunk
    response.fp = io.BufferedReader(_Prepended(head, response.fp))
    return head


def _body_start(head, response):
    if response.chunked and b'\r\n' in head[:12]:
        return head.split(b'\r\n', 1)[1]
    return head


def ssl_error_types():
    import ssl
    return (ssl.SSLError, ssl.CertificateError)


def _os_text(exc):
    """An OSError in words: 'connection refused', not '[Errno 111] Connection refused'."""
    if isinstance(exc, socket.gaierror):
        return 'the host name does not resolve (%s)' % (exc.strerror or exc)
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused (nothing listens on that port, or a firewall refuses)'
    if isinstance(exc, ConnectionResetError):
        return 'connection reset'
    if isinstance(exc, http.client.RemoteDisconnected):
        return 'the connection was closed'
    if isinstance(exc, http.client.IncompleteRead):
        return 'the answer stopped after %d bytes' % len(exc.partial)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or exc.__class__.__name__


def connection_error_text(exc):
    """An OSError or HTTPException in words, for a message that names the endpoint itself."""
    return _os_text(exc)


def guarded_class(base, timeout, max_bytes, endpoint, proxy=None, soap_path='/sdk'):
    """A subclass of the connection class ``base`` with the guards and the settings of one session."""
    return type('Guarded' + base.__name__, (GuardedConnectionMixin, base), dict(
        virt_esx_timeout=timeout, virt_esx_max_bytes=max_bytes, virt_esx_endpoint=endpoint,
        virt_esx_proxy=proxy, virt_esx_soap_path=soap_path))


def guard_soap_stub(soap_stub, params):
    """Make pyvmomi's ``SoapStubAdapter`` open guarded connections, with the session's settings."""
    proxy = None
    if params.proxy:
        proxy = 'http://%s:%s' % (params.proxy['host'], params.proxy['port'])
    max_mb = getattr(params, 'max_answer_mb', None) or DEFAULT_MAX_ANSWER_MB
    soap_stub.scheme = guarded_class(soap_stub.scheme, params.timeout, max_mb * 1048576, params.endpoint, proxy,
                                     soap_stub.path)
    return soap_stub


# -- the limits as options -------------------------------------------------------------

MAX_ANSWER_MB_RANGE = (1, 4096)
MAX_TASK_TIMEOUT = 30 * 86400


def _whole_number(name, value, low, high, unit):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise ConnectionOptionsError('%s must be a whole number of %s, got %r' % (name, unit, value)) from None
    if not low <= value <= high:
        raise ConnectionOptionsError('%s must be between %d and %d %s, got %d' % (name, low, high, unit, value))
    return value


def check_limits(params):
    """``(timeout, max_answer_mb)`` of module or plugin options, checked; task_timeout too when present.

    Checked before anything talks to the server, so that a bad value never reaches Python's socket
    layer ("Timeout value out of range") nor the task poller after work has started.
    """
    timeout = params.get('timeout')
    timeout = 60 if timeout is None else _whole_number('timeout', timeout, 1, MAX_TIMEOUT, 'seconds')
    max_answer_mb = params.get('max_answer_mb')
    max_answer_mb = DEFAULT_MAX_ANSWER_MB if max_answer_mb is None else _whole_number(
        'max_answer_mb', max_answer_mb, MAX_ANSWER_MB_RANGE[0], MAX_ANSWER_MB_RANGE[1], 'MiB')
    if params.get('task_timeout') is not None:
        _whole_number('task_timeout', params['task_timeout'], 1, MAX_TASK_TIMEOUT, 'seconds')
    return timeout, max_answer_mb
