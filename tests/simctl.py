# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop the project's vSphere simulator for tests, the demo and benchmarks.

    simctl.py [--state-dir DIR] start NAME --mode vpx|esx [-- extra simulator flags]
        starts tests/simulator/vcsim-virt-esx in the background, waits until it
        listens and prints its ready JSON (url, port, ca_file, control_url, ...)
    simctl.py [--state-dir DIR] stop NAME
    simctl.py [--state-dir DIR] cloud-config OUT.ini
        writes ansible-test's cloud-config-vcenter.ini for the simulators named
        'vcenter' (vpx mode) and 'esx' (esx mode)

Standard library only, so it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, 'tests', 'simulator', 'vcsim-virt-esx')
DEFAULT_STATE = os.environ.get('VIRT_ESX_SIM_STATE', os.path.join(ROOT, 'tests', 'output', 'simulators'))
USERNAME = 'virtesx'
# A test-only credential of a throw-away local simulator; the tests check it is never echoed.
PASSWORD = 'Sim-Pass-4711!'


def _paths(state_dir, name):
    base = os.path.join(state_dir, name)
    return dict(base=base, ready=os.path.join(base, 'ready.json'), log=os.path.join(base, 'simulator.log'),
                pid=os.path.join(base, 'pid'))


def start(name, mode, state_dir, extra, timeout=120):
    paths = _paths(state_dir, name)
    stop(name, state_dir, quiet=True)
    os.makedirs(paths['base'], exist_ok=True)
    if os.path.exists(paths['ready']):
        os.unlink(paths['ready'])
    command = [BINARY, '-mode', mode, '-listen', '127.0.0.1:0', '-username', USERNAME, '-password', PASSWORD,
               '-dir', os.path.join(paths['base'], 'data'), '-ready-file', paths['ready']] + list(extra)
    with open(paths['log'], 'wb') as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    with open(paths['pid'], 'w') as handle:
        handle.write(str(process.pid))
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            with open(paths['log'], 'rb') as log:
                tail = log.read()[-2000:].decode('utf-8', 'replace')
            raise SystemExit('simulator %s exited with %s:\n%s' % (name, process.returncode, tail))
        if os.path.exists(paths['ready']):
            try:
                with open(paths['ready']) as handle:
                    ready = json.load(handle)
            except ValueError:
                ready = None  # written but not complete yet
            if ready:
                ready.update(name=name, username=USERNAME, password=PASSWORD)
                return ready
        time.sleep(0.05)
    stop(name, state_dir, quiet=True)
    raise SystemExit('simulator %s did not start within %ss (log: %s)' % (name, timeout, paths['log']))


def stop(name, state_dir, quiet=False):
    paths = _paths(state_dir, name)
    try:
        with open(paths['pid']) as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
        for _attempt in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    finally:
        os.unlink(paths['pid'])
    if not quiet:
        print('stopped simulator %s' % name)


def read_ready(name, state_dir):
    with open(_paths(state_dir, name)['ready']) as handle:
        ready = json.load(handle)
    ready.update(name=name, username=USERNAME, password=PASSWORD)
    return ready


def datastore_dir(name, state_dir, datastore='LocalDS_0'):
    """The local directory behind a datastore of a running simulator (tests place files beside it)."""
    root = os.path.join(_paths(state_dir, name)['base'], 'data', 'datastores')
    found = sorted(entry for entry in os.listdir(root) if entry.startswith('govcsim-') and ('-%s-' % datastore) in entry)
    if len(found) != 1:
        raise SystemExit('simulator %s: expected one directory for datastore %s in %s, found %s' % (name, datastore, root, found))
    return os.path.join(root, found[0])


def cloud_config(out, state_dir):
    vcenter = read_ready('vcenter', state_dir)
    esx = read_ready('esx', state_dir)
    lines = ['[DEFAULT]']
    for prefix, ready in (('vcenter', vcenter), ('esx', esx)):
        lines += [
            '%s_hostname: %s' % (prefix, ready['host']),
            '%s_port: %s' % (prefix, ready['port']),
            '%s_username: %s' % (prefix, ready['username']),
            '%s_password: %s' % (prefix, ready['password']),
            '%s_ca_file: %s' % (prefix, ready['ca_file']),
            '%s_control_url: %s' % (prefix, ready['control_url']),
            '%s_datastore_dir: %s' % (prefix, datastore_dir(ready['name'], state_dir)),
        ]
    lines.append('vmware_validate_certs: false')
    with open(out, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--state-dir', default=DEFAULT_STATE)
    sub = parser.add_subparsers(dest='command', required=True)
    start_parser = sub.add_parser('start')
    start_parser.add_argument('name')
    start_parser.add_argument('--mode', choices=['vpx', 'esx'], required=True)
    start_parser.add_argument('--timeout', type=float, default=120)
    stop_parser = sub.add_parser('stop')
    stop_parser.add_argument('name')
    config_parser = sub.add_parser('cloud-config')
    config_parser.add_argument('out')
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    args = parser.parse_args(argv[:argv.index('--')] if '--' in argv else argv)
    state_dir = os.path.abspath(args.state_dir)
    if args.command == 'start':
        ready = start(args.name, args.mode, state_dir, extra, args.timeout)
        shown = dict(ready)
        shown.pop('password', None)
        print(json.dumps(shown, sort_keys=True))
    elif args.command == 'stop':
        stop(args.name, state_dir)
    else:
        cloud_config(args.out, state_dir)
    return 0


if __name__ == '__main__':
    sys.exit(main())
