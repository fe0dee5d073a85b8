# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of virt.esx.vm_screenshot: a running VM's console saved as a PNG file (libvirt's domainScreenshot).

``save_screenshot(session, params, check_mode=False) -> dict``
    captures the console of the VM named by ``name``, ``uuid`` or ``moid`` (it must be powered
    on, as libvirt requires) and writes it to ``dest`` where the module runs. ``changed`` is
    whether the file's content changes; check mode captures (a read) but writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.resources.vm_facts import find_vm
from ansible_collections.virt.esx.plugins.module_utils.vsphere.screen import ConsoleScreen


class ScreenshotError(VirtEsxError):
    """The screenshot cannot be taken or saved as asked."""


def png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    if len(data) < 24 or data[12:16] != b'IHDR':
        raise ScreenshotError('The console screenshot has no PNG header chunk')
    return struct.unpack('>II', data[16:24])


def _file_digest(path):
    try:
        with open(path, 'rb') as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ScreenshotError('dest %s cannot be read: %s' % (path, exc))


def _write(path, data):
    """Write atomically: a failed write leaves the old file, never half a picture."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ScreenshotError('dest %s: the directory %s does not exist' % (path, directory))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.virt-esx-screen-')
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise ScreenshotError('dest %s cannot be written: %s' % (path, exc))


def save_screenshot(session, params, check_mode=False):
    if params.get('screen', 0) != 0:
        raise ScreenshotError('screen %s: an ESX VM has one console, screen 0' % params['screen'])
    dest = params['dest']
    if os.path.isdir(dest):
        raise ScreenshotError('dest %s is a directory: give the PNG file name' % dest)
    vm, facts = find_vm(session, name=params.get('name'), uuid=params.get('uuid'), moid=params.get('moid'))
    if facts['power_state'] != 'poweredOn':
        raise ScreenshotError('VM %s is %s: only a running VM has a console to capture (start it: virt.esx.vm state=running)'
                              % (facts['name'], facts['state']))
    data = ConsoleScreen(session).capture(facts['moid'])
    width, height = png_size(data)
    digest = hashlib.sha256(data).hexdigest()
    before = _file_digest(dest)
    changed = before != digest
    if changed and not check_mode:
        _write(dest, data)
    return dict(changed=changed, dest=dest, mime_type='image/png', width=width, height=height, size=len(data),
                sha256=digest, vm=dict(name=facts['name'], moid=facts['moid'], uuid=facts['uuid']),
                diff=dict(before=dict(dest=dest, sha256=before), after=dict(dest=dest, sha256=digest)))
