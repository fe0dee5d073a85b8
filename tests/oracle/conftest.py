# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt as the oracle: the set-up shared by the differential tests.

Run from the repository root with the collection importable (``make oracle`` does it):

    PYTHONPATH=build .venv/bin/python -m pytest -q tests/oracle

A session fixture starts the project's simulator in ESX mode with ``-libvirt`` (libvirt's ESX driver
then connects to it) and hands out a ``VirshBatch`` for ``esx://`` on it. Nothing is skipped: without
virsh or the simulator binary the tests fail and say what to install (tests/install-system-deps.sh,
tests/simulator/build.sh).

The summary line gives the agreement figures per direction, e.g.
``libvirt oracle: vmx2xml 1950/2000 identical, 40 both refuse, 10 documented departures (...)``.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# virsh.py lives with the integration target that uses it too (ansible-test copies only the targets).
sys.path[:0] = [HERE, os.path.join(ROOT, 'tests'), os.path.join(ROOT, 'tests', 'integration', 'targets', 'libvirt_oracle', 'files')]

import simctl  # noqa: E402  pylint: disable=wrong-import-position
import virsh  # noqa: E402  pylint: disable=wrong-import-position
# The unit tests' hypothesis profiles (ci, dev, quick; HYPOTHESIS_PROFILE picks one), registered and loaded.
from ansible_collections.virt.esx.tests.unit import conftest as _unit_profiles  # noqa: E402,F401  pylint: disable=unused-import

SIMULATOR = simctl.BINARY

FIGURES = OrderedDict()


def record(direction, outcome, departure=None):
    """Count one input of ``direction``: outcome identical | both_refuse | departure | different."""
    counts = FIGURES.setdefault(direction, OrderedDict(total=0, identical=0, both_refuse=0, departure=0,
                                                       different=0, departures=OrderedDict()))
    counts['total'] += 1
    counts[outcome] += 1
    if departure:
        counts['departures'][departure] = counts['departures'].get(departure, 0) + 1


def summary_lines():
    lines = []
    for direction, counts in FIGURES.items():
        text = '%s %d/%d identical, %d both refuse, %d documented departures' % (
            direction, counts['identical'], counts['total'], counts['both_refuse'], counts['departure'])
        if counts['departures']:
            text += ' (%s)' % ', '.join('%s %d' % item for item in counts['departures'].items())
        if counts['different']:
            text += ', %d DIFFERENT' % counts['different']
        lines.append('libvirt oracle: ' + text)
    return lines


def pytest_terminal_summary(terminalreporter):
    for line in summary_lines():
        terminalreporter.write_line(line)


@pytest.fixture(scope='session')
def esx_simulator(tmp_path_factory):
    if virsh.VIRSH is None:
        pytest.fail('virsh is missing: install Debian libvirt-clients (tests/install-system-deps.sh)')
    if not os.access(SIMULATOR, os.X_OK):
        pytest.fail('the simulator is not built: run tests/simulator/build.sh')
    state = str(tmp_path_factory.mktemp('oracle-simulator'))
    ready = simctl.start('oracle-esx', 'esx', state, ['-libvirt'])
    try:
        auth = virsh.write_auth_file(os.path.join(state, 'auth.conf'), ready['host'], ready['username'],
                                     ready['password'])
        yield dict(ready, auth_file=auth, uri=virsh.esx_uri(ready['host'], ready['port']))
    finally:
        simctl.stop('oracle-esx', state, quiet=True)


@pytest.fixture(scope='session')
def libvirt(esx_simulator):
    return virsh.VirshBatch(esx_simulator['uri'], esx_simulator['auth_file'])
