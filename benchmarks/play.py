# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A play of no-change VM tasks with forks: virt.esx.vm against community.vmware.vmware_guest.

    .venv/bin/python benchmarks/play.py [--vms 1000] [--tasks 50] [--forks 10] [--runs 1]
                                        [--peer-collections DIR] [--table FILE]

One simulator (tests/simulator/vcsim-virt-esx, ESX mode, --vms VMs), an inventory
of --tasks hosts (connection local), each with one VM of the simulator; one play
runs one no-change task per host with --forks forks.  Measured per play: wall
time of ``ansible-playbook``, every HTTP request at the simulator and the logins
among them.

- ours: virt.esx.vm with the session store of the play (a fresh store directory
  each run: the first task logs in, the others reuse its session);
- ours, store off: the same with VIRT_ESX_SESSION_STORE=off (one login per task);
- peer: community.vmware.vmware_guest (name, datacenter, state present), if
  --peer-collections names a directory holding ansible_collections/community/vmware.
  The PyPI ``ansible`` package bundles it:
  ``pip download --no-deps -d /tmp/peer 'ansible>=12,<13'`` and unzip its
  ``ansible_collections/community/vmware/`` into DIR; it needs ``requests``
  (``pip install --target SITE requests``, given with --peer-pythonpath SITE).

Plays alternate (ours, store off, peer) in each of --runs rounds; medians.
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

USERNAME = simulator_bench.USERNAME
PASSWORD = simulator_bench.PASSWORD

OURS = '''- name: No-change VM tasks, virt.esx.vm
  hosts: all
  gather_facts: false
  tasks:
    - name: The VM as it is
      virt.esx.vm:
        hostname: "{{ sim_host }}"
        port: "{{ sim_port }}"
        username: "{{ sim_user }}"
        password: "{{ sim_password }}"
        ca_file: "{{ sim_ca }}"
        name: "{{ vm_name }}"
      register: result
      failed_when: result is failed or result is changed
'''

PEER = '''- name: No-change VM tasks, community.vmware.vmware_guest
  hosts: all
  gather_facts: false
  tasks:
    - name: The VM as it is
      community.vmware.vmware_guest:
        hostname: "{{ sim_host }}"
        port: "{{ sim_port }}"
        username: "{{ sim_user }}"
        password: "{{ sim_password }}"
        validate_certs: false
        datacenter: ha-datacenter
        name: "{{ vm_name }}"
        state: present
      register: result
      failed_when: result is failed or result is changed
'''


def write_inventory(workdir, info, tasks):
    hosts = {}
    for index in range(tasks):
        hosts['task%02d' % index] = dict(vm_name='ha-host_VM%d' % index)
    inventory = dict(all=dict(hosts=hosts, vars=dict(
        ansible_connection='local', ansible_python_interpreter=sys.executable, sim_host=info['host'],
        sim_port=info['port'], sim_user=USERNAME, sim_password=PASSWORD, sim_ca=info['ca_file'])))
    path = os.path.join(workdir, 'play-inventory.json')
    with open(path, 'w') as handle:
        json.dump(inventory, handle)
    return path


def run_play(workdir, info, inventory, playbook_text, env, forks):
    playbook = os.path.join(workdir, 'play.yml')
    with open(playbook, 'w') as handle:
        handle.write(playbook_text)
    simulator_bench.control(info, '/counters/reset', 'POST')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory, '-f', str(forks), playbook]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        output = done.stdout.decode('utf-8', 'replace')
        first = max(output.find('fatal:'), 0)
        raise SystemExit('the play failed:\n%s' % output[first:first + 3000])
    counters = simulator_bench.control(info, '/counters')
    return dict(seconds=elapsed, requests=counters['total'] + sum(counters['other'].values()),
                logins=counters['methods'].get('Login', 0), methods=counters['methods'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--vms', type=int, default=1000)
    parser.add_argument('--tasks', type=int, default=50)
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--peer-collections', help='a directory with ansible_collections/community/vmware')
    parser.add_argument('--peer-pythonpath', help='PYTHONPATH for the peer\'s modules (it needs requests, which '
                                                  'this project does not: pip install --target DIR requests)')
    parser.add_argument('--table', help='also write the Markdown table to this file')
    args = parser.parse_args(argv)
    if not os.access(simulator_bench.BINARY, os.X_OK):
        raise SystemExit('build the simulator first: tests/simulator/build.sh')
    rows = {}
    with tempfile.TemporaryDirectory(prefix='virt-esx-play-bench-') as workdir:
        collections = simulator_bench.collection_root(workdir)
        paths = collections + (os.pathsep + args.peer_collections if args.peer_collections else '')
        base_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=paths, ANSIBLE_HOST_KEY_CHECKING='false',
                        ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_DEPRECATION_WARNINGS='false')
        process, info = simulator_bench.start_simulator(workdir, 'esx', args.vms)
        try:
            inventory = write_inventory(workdir, info, args.tasks)
            for run in range(args.runs):
                store = os.path.join(workdir, 'sessions-%d' % run)
                plays = [('virt.esx.vm, session store (default)', OURS, dict(base_env, VIRT_ESX_SESSION_STORE=store)),
                         ('virt.esx.vm, session store off', OURS, dict(base_env, VIRT_ESX_SESSION_STORE='off'))]
                if args.peer_collections:
                    peer_env = dict(base_env)
                    if args.peer_pythonpath:
                        peer_env['PYTHONPATH'] = args.peer_pythonpath
                    plays.append(('community.vmware.vmware_guest', PEER, peer_env))
                for label, text, env in plays:
                    rows.setdefault(label, []).append(run_play(workdir, info, inventory, text, env, args.forks))
                    print(label, json.dumps(rows[label][-1]), file=sys.stderr)
        finally:
            process.terminate()
            process.wait(timeout=60)
    median = statistics.median
    first = median(run['seconds'] for run in rows['virt.esx.vm, session store (default)'])
    lines = ['| play (%d no-change tasks, forks %d, %s VMs) | seconds | HTTP requests | logins | seconds / ours |'
             % (args.tasks, args.forks, format(args.vms, ',')), '| --- | --- | --- | --- | --- |']
    for label, runs in rows.items():
        seconds = median(run['seconds'] for run in runs)
        requests = max(run['requests'] for run in runs)
        logins = max(run['logins'] for run in runs)
        lines.append('| %s | %.2f | %d | %d | %.2fx |' % (label, seconds, requests, logins, seconds / first))
    lines.append('')
    lines.append('ESX mode simulator, median of %d run(s); requests and logins counted at the simulator for the whole play.'
                 % args.runs)
    text = '\n'.join(lines)
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
