# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-task cost of every virt.esx module, at several inventory sizes, on the project's simulator.

    .venv/bin/python benchmarks/module_tasks.py [--vms 1000 10000] [--runs 3] [--mode esx|vpx] [--table FILE]

For each VM count it starts tests/simulator/vcsim-virt-esx (build it first with
tests/simulator/build.sh) and runs each task below as Ansible runs a module: a new
Python process given its arguments file (``python plugins/modules/X.py args.json``),
with the session store of a play (one task before has logged in, so the measured
tasks reuse that session as the 2nd..50th task of a play do).  For each task,
median of --runs runs:

- requests: every HTTP request at the simulator (SOAP calls and /folder transfers),
  counted by its /counters endpoint, and the logins among them;
- KB: bytes the server sent (SOAP answers);
- seconds: wall time of the module process.

The budgets of issue 20 (no-change vm <= 6 requests, network/volume <= 5, snapshot
create <= 8) are printed beside the figures; a task over budget makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import inventory as simulator_bench  # noqa: E402  pylint: disable=wrong-import-position

ROOT = simulator_bench.ROOT
BINARY = simulator_bench.BINARY
USERNAME = simulator_bench.USERNAME
PASSWORD = simulator_bench.PASSWORD

# (label, module, arguments, request budget or None); {vm}, {uuid}, {run} are filled in.
TASKS = [
    ('vm, no change (name)', 'vm', dict(name='{vm}'), 6),
    ('vm, no change (uuid)', 'vm', dict(uuid='{uuid}'), 6),
    ('vm, no change (name, definition)', 'vm', dict(name='{vm}', vcpus='{vcpus}', memory_mb='{memory_mb}', state='running'), 6),
    ('vm_info, one VM', 'vm_info', dict(name='{vm}'), None),
    ('vm_snapshot, create', 'vm_snapshot', dict(name='{vm}', snapshot_name='bench-{run}'), 8),
    ('vm_snapshot, remove', 'vm_snapshot', dict(name='{vm}', snapshot_name='bench-{run}', state='absent'), None),
    ('network, no change', 'network', dict(name='vSwitch0'), 5),
    ('volume, no change', 'volume', dict(pool='LocalDS_0', name='bench/bench.vmdk', capacity='1GiB'), 5),
    ('volume_info, one volume', 'volume_info', dict(pool='LocalDS_0', name='bench/bench.vmdk'), None),
    ('pool_info', 'pool_info', dict(), None),
    ('network_info', 'network_info', dict(), None),
    ('host_info', 'host_info', dict(), None),
]


FIRST_VM = dict(esx='ha-host_VM0', vpx='DC0_H0_VM0')


def module_env(workdir, store_dir):
    """The environment of a module process: this checkout as virt.esx, the session store of one play."""
    return dict(os.environ, PYTHONPATH=simulator_bench.collection_root(workdir), VIRT_ESX_SESSION_STORE=store_dir)


def run_module(workdir, env, info, module, args):
    """(seconds, result dict) of one module process."""
    arguments = dict(args, hostname=info['host'], port=info['port'], username=USERNAME, password=PASSWORD,
                     ca_file=info['ca_file'])
    path = os.path.join(workdir, 'args.json')
    with open(path, 'w') as handle:
        json.dump(dict(ANSIBLE_MODULE_ARGS=arguments), handle)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'plugins', 'modules', module + '.py'), path],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    try:
        result = json.loads(done.stdout.decode('utf-8', 'replace').strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SystemExit('%s printed no result:\n%s' % (module, done.stderr.decode('utf-8', 'replace')[-3000:]))
    if result.get('failed'):
        raise SystemExit('%s %s failed: %s' % (module, args, result.get('msg')))
    return elapsed, result


def counted(workdir, env, info, module, args):
    simulator_bench.control(info, '/counters/reset', 'POST')
    elapsed, result = run_module(workdir, env, info, module, args)
    counters = simulator_bench.control(info, '/counters')
    requests = counters['total'] + sum(counters['other'].values())
    return dict(seconds=elapsed, requests=requests, logins=counters['methods'].get('Login', 0),
                kb=counters['bytes_out'] / 1024.0, methods=counters['methods'], result=result)


def measure(args, workdir, vms):
    process, info = simulator_bench.start_simulator(workdir, args.mode, vms)
    rows = {}
    try:
        env = module_env(workdir, os.path.join(workdir, 'sessions-%d' % vms))
        # The first task of the play logs in; it also reads the VM the tasks are about (the simulator's first).
        _seconds, first = run_module(workdir, env, info, 'vm_info', dict(name=FIRST_VM[args.mode]))
        vm = first['vms'][0]
        values = dict(vm=vm['name'], uuid=vm['uuid'], vcpus=vm['vcpus'], memory_mb=vm['memory_mb'])
        run_module(workdir, env, info, 'volume', dict(pool='LocalDS_0', name='bench/bench.vmdk', capacity='1GiB'))
        for run in range(args.runs):
            values['run'] = run
            for label, module, task_args, _budget in TASKS:
                filled = dict((key, value.format(**values) if isinstance(value, str) else value)
                              for key, value in task_args.items())
                for key in ('vcpus', 'memory_mb'):
                    if key in filled:
                        filled[key] = int(filled[key])
                rows.setdefault(label, []).append(counted(workdir, env, info, module, filled))
    finally:
        process.terminate()
        process.wait(timeout=60)
    median = statistics.median
    summary = {}
    for label, runs in rows.items():
        summary[label] = dict(requests=max(run['requests'] for run in runs), logins=max(run['logins'] for run in runs),
                              kb=median(run['kb'] for run in runs), seconds=median(run['seconds'] for run in runs),
                              methods=runs[-1]['methods'], changed=[run['result'].get('changed') for run in runs])
    return info['vms'], summary


def table(results, args):
    sizes = [vms for vms, _summary in results]
    head = ['task', 'budget'] + ['requests (logins) @ %s' % format(vms, ',') for vms in sizes] \
        + ['KB @ %s' % format(vms, ',') for vms in sizes] + ['s @ %s' % format(vms, ',') for vms in sizes]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)]
    over = []
    for label, _module, _args, budget in TASKS:
        cells = [label, str(budget) if budget else '']
        cells += ['%d (%d)' % (summary[label]['requests'], summary[label]['logins']) for _vms, summary in results]
        cells += ['%.1f' % summary[label]['kb'] for _vms, summary in results]
        cells += ['%.2f' % summary[label]['seconds'] for _vms, summary in results]
        lines.append('| ' + ' | '.join(cells) + ' |')
        for vms, summary in results:
            if budget and summary[label]['requests'] > budget:
                over.append('%s at %d VMs: %d requests, budget %d' % (label, vms, summary[label]['requests'], budget))
    lines.append('')
    lines.append('%s mode; each task a module process with the session of the play (2nd task on); requests: every HTTP '
                 'request at the simulator, worst of %d runs; KB sent by the server and seconds: medians.'
                 % (args.mode, args.runs))
    return '\n'.join(lines), over


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--vms', type=int, nargs='+', default=[1000, 10000])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--mode', choices=['esx', 'vpx'], default='esx')
    parser.add_argument('--table', help='also write the Markdown table to this file')
    args = parser.parse_args(argv)
    if not os.access(BINARY, os.X_OK):
        raise SystemExit('build the simulator first: tests/simulator/build.sh')
    results = []
    with tempfile.TemporaryDirectory(prefix='virt-esx-module-bench-') as workdir:
        for vms in args.vms:
            results.append(measure(args, workdir, vms))
            print(json.dumps(dict(vms=results[-1][0], tasks=dict(
                (label, dict(requests=row['requests'], methods=row['methods'])) for label, row in results[-1][1].items()))),
                file=sys.stderr)
    text, over = table(results, args)
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text + '\n')
    for line in over:
        print('OVER BUDGET: ' + line, file=sys.stderr)
    return 1 if over else 0


if __name__ == '__main__':
    sys.exit(main())
