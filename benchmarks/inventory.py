# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the virt.esx.vms inventory plugin on the project's simulator.

    .venv/bin/python benchmarks/inventory.py [--vms 1000 10000] [--runs 3] [--page-size 1000] [--mode esx]

For each VM count it starts tests/simulator/vcsim-virt-esx (build it first with
tests/simulator/build.sh; its state directory defaults to /dev/shm) with guest IPs and
host names on every other VM (and 10 VM folders in vpx mode), and measures,
median of --runs runs each:

- plugin: wall time of ``ansible-inventory -i bench.esx.yml --list`` (a new process),
  its HTTP round trips counted at the simulator (SOAP calls and any other request),
  and its peak RSS;
- fetch: the plugin's fetch phase alone (fetch_endpoint: the paged retrieval, the
  lxml parsing and the records), in this process on a logged-in session;
- floor: a bare lxml retrieval of the same properties: the same requests on the
  same session, each answer parsed by lxml (iterparse, dropping each object), nothing
  read or built; fetch and floor alternate, at least 7 pairs (median of each);
- static: wall time and peak RSS of ``ansible-inventory --list`` over a static YAML
  inventory with the same hosts, variables and groups (written by the plugin run
  with ``--yaml``), i.e. what Ansible itself costs for this inventory.

Prints a Markdown table (also written with --table FILE).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
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
# The in-process fetch and floor take a fraction of a second: at least this many pairs, whatever --runs says.
MIN_PAIRS = 7


def collection_root(workdir):
    """A collections tree whose virt/esx is this checkout (a symlink)."""
    root = os.path.join(workdir, 'collections')
    link = os.path.join(root, 'ansible_collections', 'virt', 'esx')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if not os.path.exists(link):
        os.symlink(ROOT, link)
    return root


def start_simulator(workdir, mode, vms):
    ready = os.path.join(workdir, 'ready-%d.json' % vms)
    # Guest IPs and host names on every other VM (ansible_host), and in vCenter mode VM folders (folder groups).
    extras = ['-guest-info'] + (['-vm-folders', '10'] if mode == 'vpx' else [])
    command = [BINARY, '-mode', mode, '-vms', str(vms), '-username', USERNAME, '-password', PASSWORD, '-ready-file', ready] + extras
    log = open(os.path.join(workdir, 'simulator-%d.log' % vms), 'wb')
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.time() + 300
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


def run_measured(command, env, stdout=subprocess.DEVNULL):
    """Wall time and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode('utf-8', 'replace')
    process.stderr.close()
    if status != 0:
        raise SystemExit('%s failed:\n%s' % (' '.join(command), stderr[-3000:]))
    return elapsed, usage.ru_maxrss / 1024.0, stderr


def bare_lxml_retrieval(session, properties_by_type, max_objects):
    """The floor: same requests, each answer parsed by lxml and dropped object by object, nothing read or built."""
    from lxml import etree
    from ansible_collections.virt.esx.plugins.plugin_utils.soap_reader import continue_request, retrieve_request

    soap = session.soap_stub
    headers = {'Cookie': soap.cookie, 'SOAPAction': soap.versionId, 'Content-Type': 'text/xml; charset=utf-8'}
    collector = session.content.propertyCollector._moId
    body = retrieve_request(properties_by_type, session.content.rootFolder._moId, collector=collector, page_size=max_objects)
    values = 0
    while body is not None:
        conn = soap.GetConnection()
        conn.request('POST', soap.path, body, headers)
        answer = conn.getresponse()
        token = None
        tags = ('{urn:vim25}objects', '{urn:vim25}token', '{http://schemas.xmlsoap.org/soap/envelope/}Fault')
        for _event, element in etree.iterparse(answer, events=('end',), tag=tags):
            if element.tag.endswith('Fault'):
                raise SystemExit('the floor retrieval failed: %s' % element.findtext('faultstring'))
            if element.tag == '{urn:vim25}token':
                token = element.text
                continue
            values += 1
            element.clear()
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
        answer.read()
        soap.ReturnConnection(conn)
        body = continue_request(token, collector) if token else None
    return values


def measure(args, workdir, env, vms):
    from ansible_collections.virt.esx.plugins.inventory import vms as plugin
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession

    process, info = start_simulator(workdir, args.mode, vms)
    try:
        config = os.path.join(workdir, 'bench-%d.esx.yml' % vms)
        with open(config, 'w') as handle:
            handle.write('plugin: virt.esx.vms\nhostname: %s\nport: %d\nusername: %s\npassword: %s\nca_file: %s\npage_size: %d\n'
                         % (info['host'], info['port'], USERNAME, PASSWORD, info['ca_file'], args.page_size))
        params = resolve_connection_params(dict(hostname=info['host'], port=info['port'], username=USERNAME,
                                                password=PASSWORD, ca_file=info['ca_file']))
        wanted = dict(plugin.CONTAINER_PROPERTIES)
        wanted['VirtualMachine'] = list(plugin.VM_PROPERTIES)

        max_objects = plugin.objects_per_page(args.page_size)  # what the plugin asks for
        floor, fetch = [], []
        with ViSession(params) as session:
            bare_lxml_retrieval(session, wanted, max_objects)  # warm-up: connection, server caches
            # Floor and fetch alternate, each after a garbage collection, so that both see the same noise.
            for _run in range(max(args.runs, MIN_PAIRS)):
                records = None
                gc.collect()
                started = time.perf_counter()
                bare_lxml_retrieval(session, wanted, max_objects)
                floor.append(time.perf_counter() - started)
                gc.collect()
                started = time.perf_counter()
                records, _trips = plugin.fetch_endpoint(session, page_size=args.page_size)
                fetch.append(time.perf_counter() - started)
        if len(records) != info['vms']:
            raise SystemExit('the simulator has %d VMs, the plugin found %d' % (info['vms'], len(records)))

        inventory_cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', config, '--list']
        walls, rss, trips = [], [], []
        for _run in range(args.runs):
            control(info, '/counters/reset', 'POST')
            elapsed, peak, _stderr = run_measured(inventory_cmd, env)
            walls.append(elapsed)
            rss.append(peak)
            counters = control(info, '/counters')
            # Every HTTP request: SOAP calls and any other (pyvmomi's version probe would be GET /sdk).
            trips.append(counters['total'] + sum(counters['other'].values()))

        static = os.path.join(workdir, 'static-%d.yml' % vms)
        run_measured(inventory_cmd + ['--yaml', '--output', static], env)
        static_cmd = [inventory_cmd[0], '-i', static, '--list']
        static_walls, static_rss = [], []
        for _run in range(args.runs):
            elapsed, peak, _stderr = run_measured(static_cmd, env)
            static_walls.append(elapsed)
            static_rss.append(peak)
    finally:
        process.terminate()
        process.wait(timeout=60)

    median = statistics.median
    return dict(vms=info['vms'], wall=median(walls), fetch=median(fetch), floor=median(floor), trips=max(trips),
                trip_limit=3 + math.ceil(info['vms'] / args.page_size), rss=max(rss), static=median(static_walls),
                static_rss=max(static_rss))


def table(rows, args):
    lines = [
        '| VMs | `ansible-inventory --list` | fetch phase | floor (bare lxml) | fetch / floor | static YAML | whole / static '
        '| round trips (limit) | peak RSS (static) |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ]
    for row in rows:
        lines.append('| {vms:,} | {wall:.2f} s | {fetch:.2f} s | {floor:.2f} s | {ratio_fetch:.2f}x | {static:.2f} s | {ratio_all:.2f}x '
                     '| {trips} ({trip_limit}) | {rss:.0f} MB ({static_rss:.0f} MB) |'.format(
                         ratio_fetch=row['fetch'] / row['floor'], ratio_all=row['wall'] / row['static'], **row))
    lines.append('')
    lines.append('%s mode, page size %d, median of %d runs (fetch and floor: of %d alternating pairs); round trips are '
                 'every HTTP request of one `ansible-inventory` run, login and logout included.'
                 % (args.mode, args.page_size, args.runs, max(args.runs, MIN_PAIRS)))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--vms', type=int, nargs='+', default=[1000, 10000],
                        help='the simulator\'s -vms: VMs in esx mode, VMs per host and per cluster in vpx mode')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--page-size', type=int, default=1000)
    parser.add_argument('--mode', choices=['esx', 'vpx'], default='esx')
    parser.add_argument('--table', help='also write the Markdown table to this file')
    # --tags: the inventory with and without gather_tags, in vCenter mode (benchmarks/inventory_tags.py).
    parser.add_argument('--tags', action='store_true', help='measure gather_tags and custom attributes instead')
    args = parser.parse_args(argv)
    if not os.access(BINARY, os.X_OK):
        raise SystemExit('build the simulator first: tests/simulator/build.sh')

    with tempfile.TemporaryDirectory(prefix='virt-esx-inventory-bench-') as workdir:
        collections = collection_root(workdir)
        sys.path.insert(0, collections)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_INVENTORY_ENABLED='virt.esx.vms,yaml',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_HOST_PATTERN_MISMATCH='ignore')
        if args.tags:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import inventory_tags
            return inventory_tags.run(sys.modules[__name__], args, workdir, env)
        rows = []
        for vms in args.vms:
            row = measure(args, workdir, env, vms)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    text = table(rows, args)
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
