# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Round trips of virt.esx.vm cloning a template with customization and wait_for, on the project's simulator.

    .venv/bin/python benchmarks/clone.py [--runs 3]

Starts tests/simulator/vcsim-virt-esx in vCenter mode (build it first with tests/simulator/build.sh),
makes a template with a disk and a NIC, then measures, median of --runs rounds (a new clone name each):

- clone: ``virt.esx.vm`` with clone_from, folder, cluster, memory_mb, customization (static IP),
  state running and wait_for ip, in a new ansible-playbook process;
- again: the same task again, which changes nothing;

each as wall time of the playbook and HTTP requests counted at the simulator (SOAP calls by method and
any other request, such as the .vmx downloads). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from inventory import PASSWORD, USERNAME, collection_root, control, run_measured, start_simulator  # noqa: E402

PLAY = '''
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/virt.esx.esx:
      hostname: {host}
      port: {port}
      username: {username}
      password: {password}
      ca_file: {ca_file}
  tasks:
{tasks}
'''

SETUP = '''
    - virt.esx.folder: {path: bench/web}
    - virt.esx.vm: {name: bench-src, cluster: DC0_C0, vcpus: 1, memory_mb: 32, disks: [{size_gb: 1}], nics: [{network: VM Network}]}
    - virt.esx.vm: {name: bench-src, template: true}
'''

CLONE = '''
    - virt.esx.vm:
        name: {name}
        clone_from: bench-src
        folder: bench/web
        cluster: DC0_C0
        memory_mb: 64
        state: running
        customization: {{hostname: web1, domain: example.com, nics: [{{ip: 192.0.2.10/24, gateway: 192.0.2.1}}]}}
        wait_for: ip
'''


def playbook(workdir, info, name, tasks):
    path = os.path.join(workdir, name + '.yml')
    with open(path, 'w') as handle:
        handle.write(PLAY.format(host=info['host'], port=info['port'], username=USERNAME, password=PASSWORD,
                                 ca_file=info['ca_file'], tasks=tasks))
    return path


def counted(info, command, env):
    control(info, '/counters/reset', 'POST')
    seconds, _rss, _stderr = run_measured(command, env)
    counters = control(info, '/counters')
    return seconds, counters['total'], sum(counters['other'].values()), counters['methods']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='virt-esx-clone-bench-') as workdir:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(workdir), ANSIBLE_NOCOLOR='1')
        playbook_cmd = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        process, info = start_simulator(workdir, 'vpx', 2)
        try:
            run_measured([playbook_cmd, playbook(workdir, info, 'setup', SETUP)], env)
            rows = {'clone': [], 'again': []}
            methods = {}
            for index in range(args.runs):
                book = playbook(workdir, info, 'clone%d' % index, CLONE.format(name='bench-web%d' % index))
                rows['clone'].append(counted(info, [playbook_cmd, book], env))
                rows['again'].append(counted(info, [playbook_cmd, book], env))
            methods = dict(clone=rows['clone'][0][3], again=rows['again'][0][3])
        finally:
            process.terminate()
            process.wait()
    print('| run | seconds (median of %d) | SOAP calls | other requests |' % args.runs)
    print('| --- | --- | --- | --- |')
    for label, title in (('clone', 'clone + customize + wait_for ip'), ('again', 'second run (no change)')):
        runs = rows[label]
        print('| %s | %.2f | %d | %d |' % (title, statistics.median(run[0] for run in runs),
                                           statistics.median(run[1] for run in runs), statistics.median(run[2] for run in runs)))
    print()
    print('SOAP calls by method: %s' % json.dumps(methods, sort_keys=True))


if __name__ == '__main__':
    main()
