# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test --venv downloads get-pip.py from a host this build machine cannot reach;
it first looks in ~/.ansible/test/cache/, where tests/prepare-ansible-test.sh puts this
file. It does the same job with what Python ships: ensurepip, then pip installs the
requested pip version from the package index.
"""

from __future__ import annotations

import subprocess
import sys

# In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in its own
# environment, which would hide the machine's pip configuration (index, CA) from
# the install below.
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
requested = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + requested)
