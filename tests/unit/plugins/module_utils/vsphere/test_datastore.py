# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/vsphere/datastore.py against a small /folder server on loopback: the
request target (path, dcPath, dsName), the session cookie, the operations and their
errors, and the single re-login after a refused cookie."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath, PathOutsideDatastore
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import (
    DatastoreFileNotFound, DatastoreFiles, folder_url_path, session_cookie)
from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError

GOOD_COOKIE = 'vmware_soap_session="abc123"'


class FolderServer(object):
    """Files by (dcPath, dsName, path); answers 401 to any other cookie."""

    def __init__(self):
        self.files = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def _key(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                return (query.get('dcPath', [''])[0], query.get('dsName', [''])[0], unquote(url.path[len('/folder/'):]))

            def _answer(self, status, body=b''):
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(body)

            def _serve(self):
                server.requests.append((self.command, self.path, self.headers.get('Cookie')))
                if self.headers.get('Cookie') != GOOD_COOKIE:
                    return self._answer(401, b'login first')
                key = self._key()
                if self.command == 'PUT':
                    length = int(self.headers.get('Content-Length') or 0)
                    server.files[key] = self.rfile.read(length)
                    return self._answer(201)
                if key not in server.files:
                    return self._answer(404, b'not found')
                if self.command == 'DELETE':
                    del server.files[key]
                    return self._answer(204)
                return self._answer(200, server.files[key])

            do_GET = do_PUT = do_DELETE = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeSession(object):
    def __init__(self, port, cookie):
        self.params = SimpleNamespace(hostname='127.0.0.1', port=port, transport='http', proxy=None, timeout=5,
                                      validate_certs=True, ca_file=None, endpoint='http://127.0.0.1:%d' % port)
        self.soap_stub = SimpleNamespace(cookie=cookie)
        self.relogins = 0

    def relogin(self):
        self.relogins += 1
        self.soap_stub.cookie = GOOD_COOKIE + '; Path=/; HttpOnly'


@pytest.fixture
def server():
    srv = FolderServer()
    yield srv
    srv.close()


def test_request_target_quotes_the_path_and_query():
    assert folder_url_path('data store', 'web 01/web#01.vmx', 'folder/DC 1') == \
        '/folder/web%2001/web%2301.vmx?dcPath=folder%2FDC%201&dsName=data%20store'


def test_session_cookie_is_the_soap_session_only():
    session = SimpleNamespace(soap_stub=SimpleNamespace(cookie='vmware_soap_session="xyz"; Path=/; HttpOnly; Secure;'))
    assert session_cookie(session) == 'vmware_soap_session="xyz"'
    assert session_cookie(SimpleNamespace(soap_stub=SimpleNamespace(cookie=''))) == ''


def test_upload_download_exists_delete_round_trip(server):
    files = DatastoreFiles(FakeSession(server.port, GOOD_COOKIE), datacenter_path='ha-datacenter')
    path = CheckedDatastorePath.parse('[datastore1] web 01/web01.vmx')
    assert not files.exists(path)
    files.upload(path, 'displayName = "web01"\n')
    assert server.files[('ha-datacenter', 'datastore1', 'web 01/web01.vmx')] == b'displayName = "web01"\n'
    assert files.exists(path)
    assert files.download(path) == b'displayName = "web01"\n'
    assert files.delete(path) is True
    assert files.delete(path) is False
    assert not files.exists(path)


def test_missing_file_is_datastore_file_not_found(server):
    files = DatastoreFiles(FakeSession(server.port, GOOD_COOKIE), datacenter_path='DC0')
    with pytest.raises(DatastoreFileNotFound) as caught:
        files.download(CheckedDatastorePath.parse('[ds] nowhere/x.vmx'))
    assert caught.value.status == 404
    assert '[ds] nowhere/x.vmx' in str(caught.value)


def test_a_refused_cookie_logs_in_again_once(server):
    session = FakeSession(server.port, 'vmware_soap_session="expired"')
    files = DatastoreFiles(session, datacenter_path='DC0')
    files.upload(CheckedDatastorePath.parse('[ds] a/b.txt'), b'x')
    assert session.relogins == 1
    assert [cookie for _method, _path, cookie in server.requests] == ['vmware_soap_session="expired"', GOOD_COOKIE]


def test_a_cookie_refused_twice_is_an_error_without_the_cookie(server):
    session = FakeSession(server.port, 'vmware_soap_session="expired"')
    session.relogin = lambda: None  # the new login does not help
    files = DatastoreFiles(session, datacenter_path='DC0')
    with pytest.raises(DatastoreError) as caught:
        files.download(CheckedDatastorePath.parse('[ds] a/b.txt'))
    assert caught.value.status == 401
    assert 'expired' not in str(caught.value)


def test_paths_that_name_no_file_are_refused():
    for bad in ('[ds]', 'no brackets', '[] x'):
        with pytest.raises(PathOutsideDatastore):
            CheckedDatastorePath.parse(bad)


def test_a_plain_string_path_is_never_sent():
    files = DatastoreFiles(FakeSession(1, GOOD_COOKIE), datacenter_path='DC0')
    for call in (files.download, files.exists, files.delete, lambda path: files.upload(path, b'x')):
        with pytest.raises(TypeError, match='CheckedDatastorePath'):
            call('[ds] a/b.txt')
