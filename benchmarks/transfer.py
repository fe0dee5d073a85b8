# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of datastore file transfers (virt.esx.datastore_file's streams) against curl.

    .venv/bin/python benchmarks/transfer.py [--size 256MiB] [--runs 3] [--dir /tmp]
    .venv/bin/python benchmarks/transfer.py --size 10GiB --runs 1      # the flat-memory check

Starts tests/simulator/vcsim-virt-esx in esx mode (build it first with tests/simulator/build.sh)
with its state directory under --dir (a real disk by default: a 10 GiB file does not belong in
/dev/shm), writes a local file of --size bytes, and measures, median of --runs runs, each in a new
process so that its peak RSS is its own:

- upload: ``DatastoreStream.upload_file`` (chunked PUT over /folder), logged in as the module does;
- curl PUT: ``curl -T`` of the same file to the same /folder URL with the same session cookie;
- download: ``DatastoreStream.download_to_file``; curl GET: ``curl -o`` of the same URL;
- skip check: ``same_content`` on the uploaded file (sampled), what a second run of the module
  costs instead of an upload; and the full comparison (``compare: full``).

Seconds are the operation's own: for ours, from the first request to the end (without the
interpreter's start and the login); for curl, its ``%{time_total}``. The requests counted include
the child's login and logout (SOAP); curl is given the session cookie and makes one request.

Each row gives seconds, MB/s (10^6 bytes), peak RSS of the process, and the HTTP requests the
simulator counted (its control endpoint); the ratio column is curl's time over ours (1.0 = as
fast as curl). Prints a Markdown table (also written with --table FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, 'tests', 'simulator', 'vcsim-virt-esx')
USERNAME = 'bench'
PASSWORD = 'bench-only-password'
DATASTORE_PATH = '[LocalDS_0] bench/payload.iso'
_SIZE_RE = re.compile(r'^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$', re.IGNORECASE)
_UNITS = {'b': 1, 'kib': 1024, 'mib': 1024 ** 2, 'gib': 1024 ** 3}


def parse_size(text):
    match = _SIZE_RE.match(text)
    if not match:
        raise argparse.ArgumentTypeError('sizes look like 256MiB, 10GiB or 1048576')
    return int(match.group(1)) * _UNITS[(match.group(2) or 'b').lower()]


def collection_root(workdir):
    root = os.path.join(workdir, 'collections')
    link = os.path.join(root, 'ansible_collections', 'virt', 'esx')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not os.path.exists(link):
        os.symlink(ROOT, link)
    return root


def start_simulator(workdir):
    ready = os.path.join(workdir, 'ready.json')
    state = os.path.join(workdir, 'state')
    command = [BINARY, '-mode', 'esx', '-username', USERNAME, '-password', PASSWORD, '-ready-file', ready, '-dir', state]
    log = open(os.path.join(workdir, 'simulator.log'), 'wb')
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not os.path.exists(ready):
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit('the simulator did not start; see %s' % log.name)
        time.sleep(0.05)
    with open(ready) as handle:
        return process, json.load(handle)


def control(info, path, method='GET'):
    context = ssl.create_default_context(cafile=info['ca_file'])
    request = urllib.request.Request(info['control_url'] + path, method=method, data=b'' if method == 'POST' else None)
    with urllib.request.urlopen(request, context=context) as answer:
        return json.load(answer)


def requests_counted(counters):
    return counters['total'] + sum(counters.get('other', {}).values())


def write_payload(path, size):
    """``size`` bytes: 1 MiB of random data repeated with a counter, so no two blocks are equal."""
    block = os.urandom(1024 * 1024)
    with open(path, 'wb') as handle:
        written = 0
        index = 0
        while written < size:
            chunk = (index.to_bytes(8, 'big') + block[8:])[:size - written]
            handle.write(chunk)
            written += len(chunk)
            index += 1


def run_measured(command, env):
    """Wall time, peak RSS (MB) and stdout of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    err = process.stderr.read().decode('utf-8', 'replace')
    process.stdout.close()
    process.stderr.close()
    if status != 0:
        raise SystemExit('%s failed:\n%s' % (' '.join(command), err[-3000:]))
    return elapsed, usage.ru_maxrss / 1024.0, out.decode('utf-8', 'replace')


# The child: one operation on a logged-in session ------------------------------------------------------

def child(args):
    from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import CheckedDatastorePath
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreFiles, session_cookie
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.transfer import DatastoreStream, same_content

    with open(args.info) as handle:
        info = json.load(handle)
    params = resolve_connection_params(dict(hostname=info['host'], port=info['port'], username=USERNAME, password=PASSWORD,
                                            ca_file=info['ca_file']))
    session = ViSession(params).connect()
    try:
        path = CheckedDatastorePath.parse(DATASTORE_PATH)
        files = DatastoreFiles(session, datacenter_path='ha-datacenter')
        stream = DatastoreStream(files)
        started = time.perf_counter()
        if args.child == 'cookie':
            print(session_cookie(session))
            return
        if args.child == 'upload':
            stream.upload_file(path, args.file)
        elif args.child == 'download':
            stream.download_to_file(path, args.file)
        elif args.child in ('sampled', 'full'):
            same, how = same_content(stream, path, os.path.getsize(args.file), args.file, args.child)
            if not same or how != args.child:
                raise SystemExit('the comparison found a difference (%s, %s)' % (same, how))
        print(json.dumps({'seconds': time.perf_counter() - started}))
    finally:
        session.close()


# The parent ---------------------------------------------------------------------------------------------

def measure(args, workdir, env):
    process, info = start_simulator(workdir)
    try:
        info_path = os.path.join(workdir, 'ready.json')
        payload = os.path.join(args.dir, 'virtesx-bench-payload.bin')
        fetched = os.path.join(args.dir, 'virtesx-bench-fetched.bin')
        write_payload(payload, args.size)
        me = [sys.executable, os.path.abspath(__file__), '--info', info_path]
        _t, _rss, cookie = run_measured(me + ['--child', 'cookie'], env)
        cookie = cookie.strip()
        url = 'https://%s:%d/folder/bench/payload.iso?dcPath=ha-datacenter&dsName=LocalDS_0' % (info['host'], info['port'])
        # curl reports its own transfer time (-w), as ours is the operation's time without interpreter start and login.
        curl = ['curl', '--silent', '--show-error', '--fail', '--cacert', info['ca_file'], '-H', 'Cookie: ' + cookie,
                '-w', '{"seconds": %{time_total}}']
        phases = [
            ('upload (virt.esx)', me + ['--child', 'upload', '--file', payload], True),
            ('curl PUT', curl + ['-T', payload, url], True),
            ('download (virt.esx)', me + ['--child', 'download', '--file', fetched], True),
            ('curl GET', curl + ['-o', fetched, url], True),
            ('skip check, sampled', me + ['--child', 'sampled', '--file', payload], False),
            ('skip check, full', me + ['--child', 'full', '--file', payload], False),
        ]
        rows = []
        for name, command, moves_file in phases:
            times, rss, counts = [], [], []
            for _run in range(args.runs):
                control(info, '/counters/reset', method='POST')
                _elapsed, peak, out = run_measured(command, env)
                counted = control(info, '/counters')
                seconds = json.loads(out.strip().splitlines()[-1])['seconds']
                times.append(seconds)
                rss.append(peak)
                counts.append(requests_counted(counted))
            seconds = statistics.median(times)
            rows.append(dict(phase=name, seconds=seconds, rate=(args.size / 1e6 / seconds) if moves_file else None,
                             rss=max(rss), requests=statistics.median(counts)))
        if os.path.getsize(fetched) != args.size:
            raise SystemExit('the download is %d bytes, not %d' % (os.path.getsize(fetched), args.size))
        os.unlink(payload)
        os.unlink(fetched)
        return rows
    finally:
        process.terminate()
        process.wait(timeout=30)


def table(args, rows):
    by_name = dict((row['phase'], row) for row in rows)
    lines = ['| phase | seconds | MB/s | peak RSS (MB) | HTTP requests | curl / ours |', '| --- | --- | --- | --- | --- | --- |']
    for row in rows:
        ratio = ''
        if row['phase'].startswith('upload'):
            ratio = '%.2f' % (by_name['curl PUT']['seconds'] / row['seconds'])
        elif row['phase'].startswith('download'):
            ratio = '%.2f' % (by_name['curl GET']['seconds'] / row['seconds'])
        lines.append('| %s | %.3f | %s | %.1f | %d | %s |' % (
            row['phase'], row['seconds'], '%.0f' % row['rate'] if row['rate'] else '', row['rss'], row['requests'], ratio))
    head = 'File size %d bytes (%.1f MiB), median of %d run(s); requests counted at the simulator (SOAP + /folder).' % (
        args.size, args.size / 1024.0 ** 2, args.runs)
    return head + '\n\n' + '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--size', type=parse_size, default=parse_size('256MiB'))
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--dir', default=tempfile.gettempdir(), help='where the payload and the simulator state go')
    parser.add_argument('--table')
    parser.add_argument('--child', choices=['cookie', 'upload', 'download', 'sampled', 'full'], help=argparse.SUPPRESS)
    parser.add_argument('--info', help=argparse.SUPPRESS)
    parser.add_argument('--file', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not os.path.exists(BINARY):
        raise SystemExit('build the simulator first: tests/simulator/build.sh')
    with tempfile.TemporaryDirectory(prefix='virtesx-transfer-', dir=args.dir) as workdir:
        env = dict(os.environ, PYTHONPATH=collection_root(workdir), ANSIBLE_COLLECTIONS_PATH=collection_root(workdir))
        text = table(args, measure(args, workdir, env))
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text)


if __name__ == '__main__':
    main()
