# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP proxy in front of the simulator that misbehaves on request: the fault-injection harness.

    python tests/faultproxy.py --upstream https://127.0.0.1:8989 --ca-file ca.pem --port-file /tmp/fp.port [--port 0]

It listens on 127.0.0.1 (plain HTTP: point a module at it with ``transport: http``), forwards every
request to the upstream simulator over its own connection and copies the answer back (cookies
included), until a rule says otherwise.  Rules are set, and counters read, on its control path:

    PUT  /__faultproxy__   {"rules": [{"action": "expire", "method": "ContinueRetrievePropertiesEx"}]}
    GET  /__faultproxy__   {"requests": 12, "methods": {"RetrieveServiceContent": 1, ...}, "fired": [...]}

A rule fires on the ``nth`` request (default 1) that matches its ``method`` (the SOAP method, any when
absent), counted from when the rules were set (or, with ``after``, from the first request of that
method on), ``times`` times in a row (default 1).  Actions:

``drop``     close the connection without an answer (a crash mid-call);
``down``     close the connection and refuse new ones for ``seconds`` (the server is away);
``stall``    read the request, never answer (for ``seconds``, default 600), then close;
``drip``     answer the real answer one byte every ``seconds`` (default 1);
``garbage``  answer HTTP 200 text/html with a web server's page;
``huge``     answer HTTP 200 with ``mb`` MiB (default 200) of ``content_type`` (default text/plain);
``expire``   log the session out at the upstream (``session_manager``: ``SessionManager``, on ESX
             ``ha-sessionmgr``), then answer the SOAP fault NotAuthenticated as vCenter words it.

Only the standard library: the harness must run wherever the tests run.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse

CONTROL_PATH = '/__faultproxy__'
_SOAP_METHOD = re.compile(rb'<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z_]\w*)')
NOT_AUTHENTICATED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    b'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n<soapenv:Fault><faultcode>ServerFaultCode</faultcode>'
    b'<faultstring></faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated">'
    b'<object type="SessionManager">SessionManager</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault>'
    b'</detail></soapenv:Fault>\n</soapenv:Body>\n</soapenv:Envelope>')
LOGOUT = (b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
          b'<soapenv:Body><Logout xmlns="urn:vim25"><_this type="SessionManager">%s</_this></Logout></soapenv:Body>'
          b'</soapenv:Envelope>')
GARBAGE_PAGE = b'<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n'


class Drop(Exception):
    """Close the client's connection without an answer."""


class FaultState(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.requests = 0
        self.methods = {}
        self.fired = []
        self.down_until = 0.0

    def set_rules(self, rules):
        with self.lock:
            self.rules = [dict(rule, seen=0, left=int(rule.get('times', 1))) for rule in rules]
            self.requests = 0
            self.methods = {}
            self.fired = []

    def stats(self):
        with self.lock:
            return {'requests': self.requests, 'methods': dict(self.methods), 'fired': list(self.fired),
                    'rules': [dict(rule) for rule in self.rules]}

    def match(self, method):
        """The rule that fires for this request, if any; counts the request."""
        with self.lock:
            self.requests += 1
            self.methods[method] = self.methods.get(method, 0) + 1
            for rule in self.rules:
                if rule.get('after') and not rule.get('armed'):
                    # Counted only once a request of method ``after`` went through (say, the task's start).
                    rule['armed'] = method == rule['after']
                    continue
                if rule.get('method') not in (None, method):
                    continue
                rule['seen'] += 1
                if rule['seen'] >= int(rule.get('nth', 1)) and rule['left'] > 0:
                    rule['left'] -= 1
                    self.fired.append({'action': rule['action'], 'method': method, 'request': self.requests})
                    return rule
            return None


class Upstream(object):
    def __init__(self, url, ca_file=None):
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == 'https'
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.context = None
        if self.https:
            self.context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl._create_unverified_context()
            self.context.check_hostname = False

    def connection(self):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=120, context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=120)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'faultproxy'

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    # -- control ---------------------------------------------------------------------------

    def _control(self):
        state = self.server.state
        if self.command == 'PUT':
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            state.set_rules(json.loads(body or b'{}').get('rules', []))
        self._answer(200, 'application/json', json.dumps(state.stats()).encode('utf-8'))

    def _answer(self, status, content_type, body, extra=()):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    # -- proxying --------------------------------------------------------------------------

    def _forward(self, body):
        conn = self.server.upstream.connection()
        try:
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in ('host', 'connection', 'content-length', 'accept-encoding')}
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            headers = [(name, value) for name, value in response.getheaders()
                       if name.lower() not in ('content-length', 'connection', 'transfer-encoding', 'content-encoding')]
            return response.status, response.reason, headers, data
        finally:
            conn.close()

    def _handle(self):
        if self.path.startswith(CONTROL_PATH):
            return self._control()
        state = self.server.state
        if time.monotonic() < state.down_until:
            raise Drop()
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0)) if self.command in ('POST', 'PUT') else None
        found = _SOAP_METHOD.search(body or b'')
        method = found.group(1).decode('ascii') if found else '%s %s' % (self.command, self.path.split('?')[0])
        rule = state.match(method)
        action = rule['action'] if rule else None
        if action == 'drop':
            raise Drop()
        if action == 'down':
            state.down_until = time.monotonic() + float(rule.get('seconds', 5))
            self.server.go_down(float(rule.get('seconds', 5)))
            raise Drop()
        if action == 'stall':
            time.sleep(float(rule.get('seconds', 600)))
            raise Drop()
        if action == 'garbage':
            return self._answer(200, 'text/html', GARBAGE_PAGE)
        if action == 'huge':
            return self._huge(rule)
        if action == 'expire':
            # The server forgets the session for real (as after its idle timeout), then says so.
            self._forward(LOGOUT % rule.get('session_manager', 'SessionManager').encode('ascii'))
            return self._answer(500, 'text/xml; charset=utf-8', NOT_AUTHENTICATED)
        status, reason, headers, data = self._forward(body)
        if action == 'drip':
            return self._drip(status, reason, headers, data, float(rule.get('seconds', 1)))
        self.send_response(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        return None

    def _huge(self, rule):
        size = int(float(rule.get('mb', 200)) * 1048576)
        self.send_response(200)
        self.send_header('Content-Type', rule.get('content_type', 'text/plain'))
        self.send_header('Content-Length', str(size))
        self.end_headers()
        chunk = (b'<a>' if 'xml' in rule.get('content_type', '') else b'x') * 65536
        if 'xml' in rule.get('content_type', ''):
            self.wfile.write(b'<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">')
            size -= 93
        try:
            while size > 0:
                piece = chunk[:size]
                self.wfile.write(piece)
                size -= len(piece)
        except OSError:
            pass
        raise Drop()

    def _drip(self, status, reason, headers, data, seconds):
        self.send_response(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.flush()
        try:
            for index in range(len(data)):
                self.wfile.write(data[index:index + 1])
                self.wfile.flush()
                time.sleep(seconds)
        except OSError:
            pass
        raise Drop()

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._handle()
        except Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except (OSError, http.client.HTTPException):
            self.close_connection = True


class FaultProxy(object):
    """The accept loop: its own, so that 'down' can really close the port and open it again."""

    def __init__(self, upstream, port=0):
        self.upstream = upstream
        self.state = FaultState()
        self.port = port
        self.listener = None
        self.clients = set()
        self.clients_lock = threading.Lock()
        self._listen()

    def _listen(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener

    def go_down(self, seconds):
        """Refuse connections for ``seconds``: the port is closed, then opened again."""
        listener, self.listener = self.listener, None
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        with self.clients_lock:
            for client in list(self.clients):
                try:
                    client.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        def come_back():
            time.sleep(seconds)
            self._listen()
        threading.Thread(target=come_back, daemon=True).start()

    def serve_forever(self):
        while True:
            listener = self.listener
            if listener is None:
                time.sleep(0.05)
                continue
            try:
                client, address = listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(client, address), daemon=True).start()

    def _serve(self, client, address):
        with self.clients_lock:
            self.clients.add(client)
        try:
            Handler(client, address, self)
        except OSError:
            pass
        finally:
            with self.clients_lock:
                self.clients.discard(client)
            try:
                client.close()
            except OSError:
                pass


def start(upstream_url, ca_file=None, port=0):
    """A proxy serving in a daemon thread (for unit tests); returns it, ``proxy.port`` is its port."""
    proxy = FaultProxy(Upstream(upstream_url, ca_file), port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--upstream', required=True)
    parser.add_argument('--ca-file')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file', help='write the port here once listening')
    args = parser.parse_args()
    proxy = FaultProxy(Upstream(args.upstream, args.ca_file), args.port)
    if args.port_file:
        with open(args.port_file + '.tmp', 'w') as handle:
            handle.write('%d\n' % proxy.port)
        import os
        os.rename(args.port_file + '.tmp', args.port_file)
    proxy.serve_forever()


if __name__ == '__main__':
    main()
