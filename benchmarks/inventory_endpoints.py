# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vms over several endpoints: read one after the other, or at the same time.

    .venv/bin/python benchmarks/inventory_endpoints.py [--endpoints 5] [--vms 2000] [--delay 5ms] [--runs 3]

Starts --endpoints simulators (tests/simulator/vcsim-virt-esx ``-mode esx -vms N -guest-info
-delay D``: D added to every SOAP call, as network latency) and measures the plugin's fetch of
all of them in this process (log in, read, build the records, log out), median of --runs:

- sequential: plugin_utils.endpoints.fetch_all with one worker (what the plugin did before);
- concurrent: the same with the plugin's bound (MAX_CONCURRENT_ENDPOINTS threads);
- slowest single endpoint: each endpoint alone, the slowest of them (the target: concurrent
  about as long as this, not the sum);

and one ``ansible-inventory --list`` of a source listing all endpoints (wall time, requests
at all simulators, peak RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import inventory as simulator_bench  # noqa: E402  pylint: disable=wrong-import-position

USERNAME = simulator_bench.USERNAME
PASSWORD = simulator_bench.PASSWORD


def start(workdir, index, vms, delay):
    import subprocess
    ready = os.path.join(workdir, 'ready-endpoint-%d.json' % index)
    command = [simulator_bench.BINARY, '-mode', 'esx', '-vms', str(vms), '-username', USERNAME, '-password', PASSWORD,
               '-ready-file', ready, '-guest-info', '-delay', delay]
    log = open(os.path.join(workdir, 'simulator-endpoint-%d.log' % index), 'wb')
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not os.path.exists(ready):
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit('simulator %d did not start; see %s' % (index, log.name))
        time.sleep(0.05)
    with open(ready) as handle:
        return process, json.load(handle)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--endpoints', type=int, default=5)
    parser.add_argument('--vms', type=int, default=2000)
    parser.add_argument('--delay', default='5ms')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--table', help='also write the Markdown table to this file')
    args = parser.parse_args(argv)
    if not os.access(simulator_bench.BINARY, os.X_OK):
        raise SystemExit('build the simulator first: tests/simulator/build.sh')

    with tempfile.TemporaryDirectory(prefix='virt-esx-endpoints-bench-') as workdir:
        collections = simulator_bench.collection_root(workdir)
        sys.path.insert(0, collections)
        from ansible_collections.virt.esx.plugins.inventory import vms as plugin
        from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
        from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession
        from ansible_collections.virt.esx.plugins.plugin_utils import endpoints

        simulators = [start(workdir, index, args.vms, args.delay) for index in range(args.endpoints)]
        try:
            infos = [info for _process, info in simulators]
            params = [resolve_connection_params(dict(hostname=info['host'], port=info['port'], username=USERNAME,
                                                     password=PASSWORD, ca_file=info['ca_file'])) for info in infos]

            def fetch_one(one):
                with ViSession(one) as session:
                    return plugin.fetch_endpoint(session)[0]

            def timed(function):
                started = time.perf_counter()
                result = function()
                return time.perf_counter() - started, result

            sequential, concurrent, slowest = [], [], []
            for _run in range(args.runs):
                seconds, found = timed(lambda: endpoints.fetch_all(params, fetch_one, max_workers=1))
                sequential.append(seconds)
                seconds, found_together = timed(lambda: endpoints.fetch_all(params, fetch_one))
                concurrent.append(seconds)
                if found_together != found:
                    raise SystemExit('the concurrent fetch found other records than the sequential one')
                slowest.append(max(timed(lambda one=one: fetch_one(one))[0] for one in params))
            total_vms = sum(len(part) for part in found)

            source = os.path.join(workdir, 'all.esx.yml')
            with open(source, 'w') as handle:
                handle.write('plugin: virt.esx.vms\nusername: %s\npassword: %s\nendpoints:\n' % (USERNAME, PASSWORD))
                for info in infos:
                    handle.write('  - hostname: %s\n    port: %d\n    ca_file: %s\n' % (info['host'], info['port'], info['ca_file']))
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_INVENTORY_ENABLED='virt.esx.vms',
                       ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_HOST_PATTERN_MISMATCH='ignore')
            for info in infos:
                simulator_bench.control(info, '/counters/reset', 'POST')
            wall, rss, _stderr = simulator_bench.run_measured(
                [os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', source, '--list'], env)
            requests = 0
            for info in infos:
                counters = simulator_bench.control(info, '/counters')
                requests += counters['total'] + sum(counters['other'].values())
        finally:
            for process, _info in simulators:
                process.terminate()
                process.wait(timeout=60)

    median = statistics.median
    lines = ['| %d endpoints x %s VMs, -delay %s | seconds |' % (args.endpoints, format(args.vms, ','), args.delay),
             '| --- | --- |',
             '| fetch, one endpoint after the other | %.2f |' % median(sequential),
             '| fetch, concurrent (%d threads) | %.2f |' % (endpoints.MAX_CONCURRENT_ENDPOINTS, median(concurrent)),
             '| fetch, slowest endpoint alone | %.2f |' % median(slowest),
             '| `ansible-inventory --list`, all endpoints | %.2f (%d requests, %.0f MB peak RSS, %s hosts) |'
             % (wall, requests, rss, format(total_vms, ',')),
             '',
             'median of %d runs; concurrent / sequential %.2fx, concurrent / slowest %.2fx.'
             % (args.runs, median(concurrent) / median(sequential), median(concurrent) / median(slowest))]
    text = '\n'.join(lines)
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
