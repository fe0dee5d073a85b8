# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/vsphere/transfer.py: which blocks a sampled comparison reads, the skip
decision (size, sampled, full, a server without Range), and the chunked upload and download
against a small /folder server on loopback that records every request."""

from __future__ import annotations

import hashlib
import os
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreFileNotFound, DatastoreFiles
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transfer import (
    SAMPLE_BLOCK_SIZE, SAMPLE_BLOCKS, DatastoreStream, LeaseTransfer, Progress, lease_url, local_digest, same_content,
    sample_ranges)

COOKIE = 'vmware_soap_session="s1"'
PATH = CheckedDatastorePath.parse('[ds1] iso/image.iso')


class RangeServer(object):
    """/folder files by path; honours single Range requests unless ranges is False; 401 for another cookie."""

    def __init__(self):
        self.files = {}
        self.requests = []
        self.ranges = True
        self.put_chunks = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def _answer(self, status, body=b'', headers=None):
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _serve(self):
                key = unquote(urlsplit(self.path).path[len('/folder/'):])
                server.requests.append((self.command, key, self.headers.get('Range')))
                if self.headers.get('Cookie') != COOKIE:
                    length = int(self.headers.get('Content-Length') or 0)
                    self.rfile.read(length)
                    return self._answer(401, b'login first')
                if self.command == 'PUT':
                    length = int(self.headers['Content-Length'])
                    data = bytearray()
                    while len(data) < length:
                        chunk = self.rfile.read(min(65536, length - len(data)))
                        if not chunk:
                            break
                        data.extend(chunk)
                    server.files[key] = bytes(data)
                    return self._answer(201)
                if key not in server.files:
                    return self._answer(404, b'not found')
                data = server.files[key]
                wanted = self.headers.get('Range')
                if wanted and server.ranges:
                    first, last = wanted[len('bytes='):].split('-')
                    part = data[int(first):int(last) + 1]
                    return self._answer(206, part, {'Content-Range': 'bytes %s-%s/%d' % (first, last, len(data))})
                return self._answer(200, data)

            do_GET = do_PUT = _serve

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeSession(object):
    def __init__(self, port, cookie=COOKIE):
        self.params = SimpleNamespace(hostname='127.0.0.1', port=port, transport='http', proxy=None, timeout=5,
                                      validate_certs=True, ca_file=None, endpoint='http://127.0.0.1:%d' % port)
        self.soap_stub = SimpleNamespace(cookie=cookie)
        self.relogins = 0

    def relogin(self):
        self.relogins += 1
        self.soap_stub.cookie = COOKIE


@pytest.fixture
def server():
    srv = RangeServer()
    yield srv
    srv.close()


def stream_for(server, session=None, chunk_size=64 * 1024):
    files = DatastoreFiles(session or FakeSession(server.port), datacenter_path='ha-datacenter')
    return DatastoreStream(files, chunk_size=chunk_size)


def write(tmp_path, name, data):
    target = tmp_path / name
    target.write_bytes(data)
    return str(target)


# sample_ranges ---------------------------------------------------------------------------------------

def test_a_small_file_is_read_whole():
    assert sample_ranges(0) == []
    assert sample_ranges(10) == [(0, 10)]
    assert sample_ranges(SAMPLE_BLOCKS * SAMPLE_BLOCK_SIZE) == [(0, SAMPLE_BLOCKS * SAMPLE_BLOCK_SIZE)]


@pytest.mark.parametrize('size', [SAMPLE_BLOCKS * SAMPLE_BLOCK_SIZE + 1, 10 * 1024 ** 3, 3 * 1024 ** 2 + 7])
def test_a_large_file_gets_first_last_and_spread_blocks(size):
    ranges = sample_ranges(size)
    assert len(ranges) == SAMPLE_BLOCKS
    assert ranges[0] == (0, SAMPLE_BLOCK_SIZE)
    assert ranges[-1] == (size - SAMPLE_BLOCK_SIZE, SAMPLE_BLOCK_SIZE)
    ends = [start + length for start, length in ranges]
    assert all(end <= size for end in ends)
    # In order and not overlapping: each block is read once.
    assert all(ranges[i][0] + ranges[i][1] <= ranges[i + 1][0] for i in range(len(ranges) - 1))
    # Read the same way every time: local and remote must pick the same blocks.
    assert sample_ranges(size) == ranges


def test_bad_sampling_arguments_are_refused():
    with pytest.raises(ValueError):
        sample_ranges(-1)
    with pytest.raises(ValueError):
        sample_ranges(10, blocks=1)


def test_local_digest_of_ranges_hashes_the_blocks_in_order(tmp_path):
    local = write(tmp_path, 'a', b'0123456789')
    assert local_digest(local) == hashlib.sha256(b'0123456789').hexdigest()
    assert local_digest(local, [(0, 2), (8, 2)]) == hashlib.sha256(b'0189').hexdigest()


def test_progress_figures():
    assert Progress(5000000, 2.0).as_dict() == {'bytes': 5000000, 'seconds': 2.0, 'mb_per_second': 2.5}
    assert Progress(0, 0).as_dict()['mb_per_second'] is None


# same_content: the skip decision -------------------------------------------------------------------

LARGE = SAMPLE_BLOCKS * SAMPLE_BLOCK_SIZE * 3 + 12345


def large_data():
    return random.Random(7).randbytes(LARGE)


def test_different_sizes_need_no_read(server, tmp_path):
    local = write(tmp_path, 'a', b'abc')
    server.files['iso/image.iso'] = b'abcd'
    assert same_content(stream_for(server), PATH, 4, local) == (False, 'size')
    assert server.requests == []


def test_a_small_file_is_compared_whole_in_one_read(server, tmp_path):
    local = write(tmp_path, 'a', b'abcdef')
    server.files['iso/image.iso'] = b'abcdef'
    assert same_content(stream_for(server), PATH, 6, local) == (True, 'full')
    server.files['iso/image.iso'] = b'abcxef'
    assert same_content(stream_for(server), PATH, 6, local) == (False, 'full')
    assert [method for method, _key, _range in server.requests] == ['GET', 'GET']


def test_sampled_reads_sixteen_blocks_and_sees_a_change_in_one(server, tmp_path):
    data = large_data()
    local = write(tmp_path, 'a', data)
    server.files['iso/image.iso'] = data
    assert same_content(stream_for(server), PATH, LARGE, local) == (True, 'sampled')
    assert len(server.requests) == SAMPLE_BLOCKS
    assert all(wanted and wanted.startswith('bytes=') for _m, _k, wanted in server.requests)
    start, _length = sample_ranges(LARGE)[5]
    changed = bytearray(data)
    changed[start + 10] ^= 0xFF
    server.files['iso/image.iso'] = bytes(changed)
    assert same_content(stream_for(server), PATH, LARGE, local) == (False, 'sampled')


def test_a_change_between_samples_needs_the_full_comparison(server, tmp_path):
    data = large_data()
    local = write(tmp_path, 'a', data)
    ranges = sample_ranges(LARGE)
    between = ranges[0][0] + ranges[0][1] + 1  # after the first block, before the second
    assert between < ranges[1][0]
    changed = bytearray(data)
    changed[between] ^= 0xFF
    server.files['iso/image.iso'] = bytes(changed)
    # The documented limit of sampling ...
    assert same_content(stream_for(server), PATH, LARGE, local, 'sampled') == (True, 'sampled')
    # ... which compare=full does not have.
    assert same_content(stream_for(server), PATH, LARGE, local, 'full') == (False, 'full')


def test_a_server_without_range_gets_one_full_read(server, tmp_path):
    data = large_data()
    local = write(tmp_path, 'a', data)
    server.files['iso/image.iso'] = data
    server.ranges = False
    assert same_content(stream_for(server), PATH, LARGE, local) == (True, 'full')
    # The first ranged read found no Range support; then one whole read, no more.
    assert len(server.requests) == 2
    assert server.requests[1][2] is None


def test_unknown_compare_mode_is_refused(server, tmp_path):
    local = write(tmp_path, 'a', b'x')
    with pytest.raises(ValueError):
        same_content(stream_for(server), PATH, 1, local, 'mtime')


# Upload and download ---------------------------------------------------------------------------------

def test_upload_streams_and_download_writes_atomically(server, tmp_path):
    data = os.urandom(300 * 1024 + 3)
    local = write(tmp_path, 'up.iso', data)
    progress = stream_for(server, chunk_size=4096).upload_file(PATH, local)
    assert server.files['iso/image.iso'] == data
    assert progress.bytes == len(data)
    target = str(tmp_path / 'down.iso')
    progress = stream_for(server, chunk_size=4096).download_to_file(PATH, target)
    assert progress.bytes == len(data)
    with open(target, 'rb') as handle:
        assert handle.read() == data
    assert sorted(os.listdir(str(tmp_path))) == ['down.iso', 'up.iso']


def test_upload_logs_in_again_once_and_resends_the_file(server, tmp_path):
    local = write(tmp_path, 'up.iso', b'payload')
    session = FakeSession(server.port, cookie='vmware_soap_session="old"')
    stream_for(server, session).upload_file(PATH, local)
    assert session.relogins == 1
    assert server.files['iso/image.iso'] == b'payload'


def test_download_of_a_missing_file_leaves_nothing_behind(server, tmp_path):
    target = str(tmp_path / 'down.iso')
    with pytest.raises(DatastoreFileNotFound):
        stream_for(server).download_to_file(PATH, target)
    assert os.listdir(str(tmp_path)) == []


def test_a_short_ranged_answer_is_an_error(server):
    server.files['iso/image.iso'] = b'abc'
    with pytest.raises(DatastoreError) as caught:
        stream_for(server).read_range(PATH, 1, 10)
    assert 'gave 2 bytes instead of 10' in str(caught.value)


def test_streams_take_checked_paths_only(server):
    with pytest.raises(TypeError):
        stream_for(server).read_range('[ds1] iso/image.iso', 0, 1)


# HttpNfcLease transfers ---------------------------------------------------------------------------------

class NfcServer(object):
    """/nfc/<lease>/<file>: PUT or POST stores the body, GET serves it; records (method, path, length, type)."""

    def __init__(self):
        self.files = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def _answer(self, status, body=b''):
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve(self):
                server.requests.append((self.command, self.path, self.headers.get('Content-Length'),
                                        self.headers.get('Content-Type'), self.headers.get('Cookie')))
                if self.command in ('PUT', 'POST'):
                    server.files[self.path] = self.rfile.read(int(self.headers['Content-Length']))
                    return self._answer(200)
                if self.path not in server.files:
                    return self._answer(404, b'no such lease')
                return self._answer(200, server.files[self.path])

            do_GET = do_PUT = do_POST = _serve

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def nfc():
    srv = NfcServer()
    yield srv
    srv.close()


class SteppingClock(object):
    """Each reading is ``step`` seconds after the last."""

    def __init__(self, step):
        self.now = 0.0
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


def test_lease_urls_with_a_star_go_to_the_session_server():
    params = SimpleNamespace(transport='https', hostname='vc.example.test', port=8443)
    assert lease_url(params, 'https://*/nfc/52a1/disk-0.vmdk') == ('https', 'vc.example.test', 8443, '/nfc/52a1/disk-0.vmdk')
    assert lease_url(params, 'https://esx7.example.test/nfc/52a1/disk-0.vmdk?x=1') == \
        ('https', 'esx7.example.test', 443, '/nfc/52a1/disk-0.vmdk?x=1')
    assert lease_url(params, 'http://esx7:8080/nfc/a/b') == ('http', 'esx7', 8080, '/nfc/a/b')


def test_a_lease_upload_sends_a_slice_of_the_package_and_keeps_the_lease_alive(nfc, tmp_path):
    package = write(tmp_path, 'a.ova', b'HEADER' + b'D' * 200000 + b'TRAILER')
    reports = []
    transfer = LeaseTransfer(FakeSession(nfc.port), 200000, reports.append, chunk_size=10000, interval=5.0,
                             clock=SteppingClock(3.0))
    digest = hashlib.sha256()
    transfer.upload('https://*/nfc/lease-1/disk-0.vmdk', package, 6, 200000, method='POST', digest=digest)
    assert nfc.files['/nfc/lease-1/disk-0.vmdk'] == b'D' * 200000
    method, _path, length, content_type, cookie = nfc.requests[0]
    assert (method, length, content_type, cookie) == ('POST', '200000', 'application/x-vnd.vmware-streamVmdk', COOKIE)
    assert digest.hexdigest() == hashlib.sha256(b'D' * 200000).hexdigest()
    # 20 chunks, a clock 3 s apart per reading: a report at least every other chunk, rising, never 100 before the end.
    assert len(reports) >= 9
    assert reports == sorted(reports)
    assert max(reports) <= 99
    assert transfer.progress().bytes == 200000


def test_a_lease_download_is_written_whole_or_not_at_all(nfc, tmp_path):
    nfc.files['/nfc/lease-2/disk-0.vmdk'] = b'KDMV' + b'\0' * 5000
    transfer = LeaseTransfer(FakeSession(nfc.port), 5004, lambda percent: None)
    target = str(tmp_path / 'disk1.vmdk')
    assert transfer.download('https://*/nfc/lease-2/disk-0.vmdk', target) == 5004
    with open(target, 'rb') as handle:
        assert handle.read(4) == b'KDMV'
    with pytest.raises(DatastoreError, match='HTTP 404'):
        transfer.download('https://*/nfc/lease-gone/disk-0.vmdk', str(tmp_path / 'other.vmdk'))
    assert sorted(os.listdir(str(tmp_path))) == ['disk1.vmdk']
