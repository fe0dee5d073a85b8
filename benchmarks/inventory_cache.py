# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.vms fresh, from its cache, and ansible-core's floor, on the project's simulator.

    .venv/bin/python benchmarks/inventory_cache.py [--vms 1000 10000] [--runs 3] [--profile FILE]

For each VM count it starts tests/simulator/vcsim-virt-esx (``-mode esx -guest-info``)
and measures, median of --runs runs of ``ansible-inventory -i SOURCE --list`` (a new
process each, output to /dev/null):

- fresh: virt.esx.vms without a cache (log in, read, build, add);
- cached: virt.esx.vms with ``cache: true`` (jsonfile), after one run that filled it;
- floor: benchmarks/inventory_plugins/virt_esx_floor.py, a trivial plugin adding the same
  records (hosts, variables, default groups) from a marshal file, i.e. what ansible-core
  itself costs for this inventory (the marshal load is timed alone, in-process);

with the HTTP requests of each run counted at the simulator and its peak RSS.  Targets
(issue 20): cached <= 0.5x fresh at every size; fresh <= 1.3x floor and cached <= 1.1x floor
at 10,000 VMs.  --profile FILE writes the cProfile statistics (cumulative, top 30) of one
cached and one fresh run at the largest size.
"""

from __future__ import annotations

import argparse
import io
import json
import marshal
import os
import pstats
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import inventory as simulator_bench  # noqa: E402  pylint: disable=wrong-import-position

USERNAME = simulator_bench.USERNAME
PASSWORD = simulator_bench.PASSWORD


def write_sources(workdir, info, vms):
    base = ('plugin: virt.esx.vms\nhostname: %s\nport: %d\nusername: %s\npassword: %s\nca_file: %s\n'
            % (info['host'], info['port'], USERNAME, PASSWORD, info['ca_file']))
    fresh = os.path.join(workdir, 'fresh-%d.esx.yml' % vms)
    cached = os.path.join(workdir, 'cached-%d.esx.yml' % vms)
    with open(fresh, 'w') as handle:
        handle.write(base)
    with open(cached, 'w') as handle:
        handle.write(base + 'cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\ncache_timeout: 3600\n'
                     % os.path.join(workdir, 'cache-%d' % vms))
    return fresh, cached


def write_floor(workdir, info, vms):
    """The records virt.esx.vms builds, in a marshal file, and the floor plugin's source naming it."""
    from ansible_collections.virt.esx.plugins.inventory import vms as plugin
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
    from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession

    params = resolve_connection_params(dict(hostname=info['host'], port=info['port'], username=USERNAME,
                                            password=PASSWORD, ca_file=info['ca_file']))
    with ViSession(params) as session:
        records, _trips = plugin.fetch_endpoint(session)
    path = os.path.join(workdir, 'records-%d.marshal' % vms)
    with open(path, 'wb') as handle:
        marshal.dump(records, handle)
    started = time.perf_counter()
    with open(path, 'rb') as handle:
        marshal.load(handle)
    load_seconds = time.perf_counter() - started
    source = os.path.join(workdir, 'records-%d.floor.yml' % vms)
    with open(source, 'w') as handle:
        handle.write('plugin: virt_esx_floor\nrecords: %s\n' % path)
    return source, load_seconds


def timed_runs(info, command, env, runs):
    walls, rss, requests = [], [], []
    for _run in range(runs):
        simulator_bench.control(info, '/counters/reset', 'POST')
        elapsed, peak, _stderr = simulator_bench.run_measured(command, env)
        counters = simulator_bench.control(info, '/counters')
        walls.append(elapsed)
        rss.append(peak)
        requests.append(counters['total'] + sum(counters['other'].values()))
    return dict(seconds=statistics.median(walls), rss=max(rss), requests=max(requests))


def profile(command, env, out):
    """cProfile of one run (the command's Python program under cProfile), top 30 by cumulative time."""
    stats_file = out + '.prof'
    profiled = [sys.executable, '-m', 'cProfile', '-o', stats_file] + command
    simulator_bench.run_measured(profiled, env)
    text = io.StringIO()
    pstats.Stats(stats_file, stream=text).strip_dirs().sort_stats('cumulative').print_stats(30)
    return text.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--vms', type=int, nargs='+', default=[1000, 10000])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--profile', help='write cProfile tops of a cached and a fresh run at the largest size here')
    parser.add_argument('--table', help='also write the Markdown table to this file')
    args = parser.parse_args(argv)
    if not os.access(simulator_bench.BINARY, os.X_OK):
        raise SystemExit('build the simulator first: tests/simulator/build.sh')

    rows = []
    with tempfile.TemporaryDirectory(prefix='virt-esx-inventory-cache-bench-') as workdir:
        collections = simulator_bench.collection_root(workdir)
        sys.path.insert(0, collections)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_INVENTORY_ENABLED='virt.esx.vms,virt_esx_floor',
                   ANSIBLE_INVENTORY_PLUGINS=os.path.join(HERE, 'inventory_plugins'),
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_HOST_PATTERN_MISMATCH='ignore')
        inventory_cmd = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
        for vms in args.vms:
            process, info = simulator_bench.start_simulator(workdir, 'esx', vms)
            try:
                fresh_source, cached_source = write_sources(workdir, info, vms)
                floor_source, load_seconds = write_floor(workdir, info, vms)
                simulator_bench.run_measured([inventory_cmd, '-i', cached_source, '--list'], env)  # fills the cache
                row = dict(vms=vms, marshal_load=load_seconds)
                for name, source in (('fresh', fresh_source), ('cached', cached_source), ('floor', floor_source)):
                    row[name] = timed_runs(info, [inventory_cmd, '-i', source, '--list'], env, args.runs)
                if args.profile and vms == max(args.vms):
                    with open(args.profile, 'w') as handle:
                        for name, source in (('cached', cached_source), ('fresh', fresh_source)):
                            handle.write('## %s run, %d VMs\n\n' % (name, vms))
                            handle.write(profile([inventory_cmd, '-i', source, '--list'], env,
                                                 os.path.join(workdir, name)))
            finally:
                process.terminate()
                process.wait(timeout=60)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)

    lines = ['| VMs | fresh | cached | floor | cached / fresh | fresh / floor | cached / floor | requests (fresh, cached) '
             '| peak RSS (fresh, cached, floor) |', '|' + ' --- |' * 9]
    for row in rows:
        fresh, cached, floor = row['fresh'], row['cached'], row['floor']
        lines.append('| {:,} | {:.2f} s | {:.2f} s | {:.2f} s | {:.2f}x | {:.2f}x | {:.2f}x | {}, {} | {:.0f}, {:.0f}, {:.0f} MB |'.format(
            row['vms'], fresh['seconds'], cached['seconds'], floor['seconds'], cached['seconds'] / fresh['seconds'],
            fresh['seconds'] / floor['seconds'], cached['seconds'] / floor['seconds'], fresh['requests'], cached['requests'],
            fresh['rss'], cached['rss'], floor['rss']))
    lines.append('')
    lines.append('esx mode simulator with guest info; `ansible-inventory --list`, median of %d runs; the floor plugin\'s '
                 'marshal load took %s.' % (args.runs, ', '.join('%.3f s' % row['marshal_load'] for row in rows)))
    text = '\n'.join(lines)
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
