# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guarded HTTP connections over real sockets: a local server that drips, stalls, answers
garbage or too much, or closes the connection; and the limits as options."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
import time

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import ConnectionOptionsError, SessionError
from ansible_collections.virt.esx.plugins.module_utils.vsphere import transport
from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transport import (
    AnswerTimeout, AnswerTooLarge, ConnectionLost, NotSoapAnswer, ProxyFailure, ServerUnreachable, check_limits)

SOAP_CALL = (b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
             b'<soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>'
             b'</RetrieveServiceContent></soapenv:Body></soapenv:Envelope>')
SOAP_ANSWER = (b'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
               b'<soapenv:Body><RetrieveServiceContentResponse xmlns="urn:vim25"><returnval/></RetrieveServiceContentResponse>'
               b'</soapenv:Body></soapenv:Envelope>')


class Misbehaving(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    behaviour = 'soap'

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def do_POST(self):  # pylint: disable=invalid-name  # http.server's name
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        behaviour = self.server.behaviour
        if behaviour == 'close':
            self.close_connection = True
            return
        if behaviour == 'stall':
            time.sleep(5)
            return
        body, content_type, status = SOAP_ANSWER, 'text/xml; charset=utf-8', 200
        if behaviour == 'html':
            body, content_type, status = b'<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html', 502
        elif behaviour == 'xml-not-soap':
            body = b'<?xml version="1.0"?><config><item>1</item></config>'
        elif behaviour == 'huge':
            body = SOAP_ANSWER[:-len(b'</soapenv:Body></soapenv:Envelope>')] + b' ' * (3 * 1048576)
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if behaviour == 'drip':
            for index in range(len(body)):
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
                time.sleep(0.05)
            return
        try:
            self.wfile.write(body)
        except OSError:
            pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Misbehaving)
    httpd.daemon_threads = True
    httpd.behaviour = 'soap'
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def call(port, timeout=2, max_mb=1, proxy=None, host='127.0.0.1'):
    cls = transport.guarded_class(http.client.HTTPConnection, timeout, max_mb * 1048576, 'http://%s:%d' % (host, port), proxy)
    conn = cls(host, port, timeout=timeout)
    try:
        conn.request('POST', '/sdk', SOAP_CALL, {'Content-Type': 'text/xml'})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_soap_answer_passes_untouched(server):
    assert call(server.server_port) == (200, SOAP_ANSWER)


def test_a_server_that_drips_is_cut_at_the_deadline_not_per_read(server):
    server.behaviour = 'drip'
    started = time.monotonic()
    with pytest.raises(AnswerTimeout) as caught:
        call(server.server_port, timeout=1)
    elapsed = time.monotonic() - started
    assert elapsed < 1.6, 'the request outlived its timeout: %.1fs' % elapsed
    assert str(caught.value).startswith(
        'http://127.0.0.1:%d did not complete the SOAP call RetrieveServiceContent within the timeout of 1 seconds (after '
        % server.server_port)


def test_a_server_that_stalls_is_cut_at_the_deadline(server):
    server.behaviour = 'stall'
    with pytest.raises(AnswerTimeout, match='before it answered'):
        call(server.server_port, timeout=1)


def test_an_answer_larger_than_the_limit_is_refused(server):
    server.behaviour = 'huge'
    with pytest.raises(AnswerTooLarge) as caught:
        call(server.server_port, timeout=10, max_mb=1)
    assert str(caught.value) == (
        'http://127.0.0.1:%d sent more than 1 MiB in answer to the SOAP call RetrieveServiceContent; reading stopped there. '
        'An answer that large is not expected: if it is legitimate (a very large inventory page), raise max_answer_mb (now 1)'
        % server.server_port)
    assert call(server.server_port, timeout=10, max_mb=4)[0] == 200, 'with a larger limit the same answer is read'


def test_a_web_page_is_refused_with_status_content_type_and_first_bytes(server):
    server.behaviour = 'html'
    with pytest.raises(NotSoapAnswer) as caught:
        call(server.server_port)
    assert str(caught.value) == (
        "http://127.0.0.1:%d is not answering as a vSphere server: to the SOAP call RetrieveServiceContent it answered "
        "HTTP 502 Bad Gateway, content type text/html, starting with '<html><body><h1>502 Bad Gateway</h1></body></html>', "
        "where a SOAP answer (HTTP 200 or 500, text/xml) was expected. Check hostname, port and transport" % server.server_port)


def test_xml_that_is_not_a_soap_envelope_is_refused(server):
    server.behaviour = 'xml-not-soap'
    with pytest.raises(NotSoapAnswer, match=r"HTTP 200 OK, content type text/xml; charset=utf-8, starting with '<\?xml"):
        call(server.server_port)


def test_a_server_that_closes_without_answering_is_a_lost_connection(server):
    server.behaviour = 'close'
    with pytest.raises(ConnectionLost) as caught:
        call(server.server_port)
    assert 'closed the connection without answering the SOAP call RetrieveServiceContent' in str(caught.value)
    assert 'whether the call took effect is unknown' in str(caught.value)
    # pyvmomi retries what it sees as a lost connection (a pooled connection the server closed).
    assert isinstance(caught.value, http.client.HTTPException) and isinstance(caught.value, SessionError)


def _free_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_nothing_listening_is_said_in_words():
    port = _free_port()
    with pytest.raises(ServerUnreachable) as caught:
        call(port)
    assert str(caught.value) == ('Cannot connect to http://127.0.0.1:%d: connection refused (nothing listens on that port, '
                                 'or a firewall refuses)' % port)
    assert isinstance(caught.value, OSError), 'pyvmomi retries it as it retries socket errors'


def test_a_dead_proxy_is_named_as_the_proxy_not_the_target():
    port = _free_port()
    cls = transport.guarded_class(http.client.HTTPConnection, 2, 1048576, 'https://esx1.example.com:443',
                                  'http://127.0.0.1:%d' % port)
    conn = cls('127.0.0.1', port, timeout=2)
    conn.set_tunnel('esx1.example.com', 443)
    with pytest.raises(ProxyFailure) as caught:
        conn.connect()
    assert str(caught.value) == ('Cannot reach the proxy http://127.0.0.1:%d: connection refused (nothing listens on that '
                                 'port, or a firewall refuses). https://esx1.example.com:443 was not tried; check the proxy '
                                 'option' % port)


def test_a_proxy_that_refuses_the_tunnel_is_named(server):
    # The test server answers CONNECT with 501 Unsupported method: a proxy that will not tunnel.
    cls = transport.guarded_class(http.client.HTTPConnection, 2, 1048576, 'https://esx1.example.com:443',
                                  'http://127.0.0.1:%d' % server.server_port)
    conn = cls('127.0.0.1', server.server_port, timeout=2)
    conn.set_tunnel('esx1.example.com', 443)
    with pytest.raises(ProxyFailure) as caught:
        conn.connect()
    assert str(caught.value).startswith('The proxy http://127.0.0.1:%d refused to open a connection to '
                                        'https://esx1.example.com:443: it answered 501' % server.server_port)


# -- the limits as options ----------------------------------------------------------------------

@pytest.mark.parametrize('options, message', [
    (dict(timeout=-1), 'timeout must be between 1 and 86400 seconds, got -1'),
    (dict(timeout=0), 'timeout must be between 1 and 86400 seconds, got 0'),
    (dict(timeout='soon'), "timeout must be a whole number of seconds, got 'soon'"),
    (dict(task_timeout=0), 'task_timeout must be between 1 and 2592000 seconds, got 0'),
    (dict(max_answer_mb=0), 'max_answer_mb must be between 1 and 4096 MiB, got 0'),
])
def test_limits_out_of_range_are_refused_before_any_connection(options, message):
    with pytest.raises(ConnectionOptionsError) as caught:
        resolve_connection_params(dict(hostname='esx1', username='root', password='pw', **options), environ={})
    assert str(caught.value) == message


def test_limits_in_range_reach_the_connection_parameters():
    params = resolve_connection_params(dict(hostname='esx1', username='root', password='pw', timeout=5, max_answer_mb=512),
                                       environ={})
    assert (params.timeout, params.max_answer_mb) == (5, 512)
    assert check_limits({}) == (60, 64)
