# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt's own virsh (Debian libvirt-clients 9.0.0) as a test oracle, many commands per process.

libvirt converts VMX <-> domain XML only inside a hypervisor driver: the test:/// driver has no
``domxml-from-native``, so the conversions run through the ESX driver (``esx://``) against the
project's simulator started with ``-libvirt``. Credentials go through a libvirt auth file
(``LIBVIRT_AUTH_FILE``), never through the command line; ``no_verify=1`` because the simulator's
CA is a throw-away one.

``VirshBatch(uri, auth_file).run(commands) -> [Answer]`` feeds every command to ONE virsh process
on stdin (its shell mode), each followed by ``echo`` of a marker; what a command printed is what lies
between two markers. A command that fails prints nothing on stdout (its error goes to stderr), so
an empty answer is a refusal. Standard library only.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass

VIRSH = shutil.which('virsh')
_MARKER = '@@virt-esx-oracle-%d@@'
_MARKER_RE = re.compile(r'@@virt-esx-oracle-(\d+)@@')
# virsh echoes each command after its prompt; an echo's output ends without a line break, so the
# next prompt follows on the same line.
_PROMPT_RE = re.compile(r'virsh # [^\n]*\n')


@dataclass
class Answer:
    command: str
    output: str

    @property
    def refused(self):
        return self.output.strip() == ''


def write_auth_file(path, host, username, password):
    """A libvirt auth.conf that answers the ESX driver's user and password prompts for ``host``."""
    text = ('[credentials-virt-esx-oracle]\nusername=%s\npassword=%s\n\n[auth-esx-%s]\ncredentials=virt-esx-oracle\n'
            % (username, password, host))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'w') as handle:
        handle.write(text)
    return path


def esx_uri(host, port, path=''):
    """libvirt's URI of the simulator: esx://host:port/ (ESX) or vpx://host:port/DC/HOST (vCenter)."""
    scheme = 'vpx' if path else 'esx'
    return '%s://%s:%d/%s?no_verify=1' % (scheme, host, port, path.strip('/'))


class VirshBatch:
    def __init__(self, uri, auth_file, timeout=600):
        if VIRSH is None:
            raise RuntimeError('virsh is not installed (Debian libvirt-clients; tests/install-system-deps.sh installs it)')
        self.uri = uri
        self.auth_file = auth_file
        self.timeout = timeout
        self.stderr = ''

    def run(self, commands):
        """The answers of ``commands`` (lists of arguments or strings), in order."""
        texts = [command if isinstance(command, str) else ' '.join(shlex.quote(arg) for arg in command)
                 for command in commands]
        script = ''.join('%s\necho %s\n' % (text, _MARKER % index) for index, text in enumerate(texts))
        # Without a terminal, readline wraps the echoed command at 80 columns unless told the width.
        env = dict(os.environ, LIBVIRT_AUTH_FILE=self.auth_file, LC_ALL='C', COLUMNS='1000000')
        env.pop('VIRSH_DEFAULT_CONNECT_URI', None)
        done = subprocess.run([VIRSH, '-q', '-c', self.uri], input=script, capture_output=True, text=True,
                              env=env, timeout=self.timeout, check=False)
        self.stderr = done.stderr
        stdout = _PROMPT_RE.sub('', done.stdout)
        answers, start, index = [], 0, 0
        for match in _MARKER_RE.finditer(stdout):
            if int(match.group(1)) != index:
                continue  # a marker inside a command's output cannot be one of ours out of order
            chunk = stdout[start:match.start()]
            answers.append(Answer(texts[index], chunk))
            start, index = match.end(), index + 1
        if index != len(texts):
            raise RuntimeError('virsh answered %d of %d commands (exit %s): %s'
                               % (index, len(texts), done.returncode, errors(done.stderr)[-5:]))
        return answers


def errors(stderr):
    """virsh's error lines, without libvirt's log noise (version banner, 'Unexpected property' warnings)."""
    return [line for line in stderr.splitlines() if line.startswith('error:')]
