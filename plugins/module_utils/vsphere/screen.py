# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VM's console as a PNG: the server's ``/screen?id=<moid>`` endpoint, as libvirt's domainScreenshot reads it.

    png_bytes = ConsoleScreen(session).capture('vm-42')

The request carries the VI session's cookie over the session's own TLS settings, timeout and
proxy (the /folder transfer's connection, ``datastore.DatastoreFiles``); an expired cookie
(401/403) logs in again once. An answer that is not a PNG image is an error that says what came
back (HTTP status, first bytes), never the cookie.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.datastore import DatastoreFiles

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


class ScreenError(VirtEsxError):
    """The console could not be captured."""


class ConsoleScreen(DatastoreFiles):
    """``/screen`` requests of one connected ViSession."""

    def capture(self, moid):
        target = '/screen?id=%s' % quote(moid, safe='')
        for attempt in (1, 2):
            try:
                status, data = self._send('GET', target, None, {'Accept': 'image/png'}, True)
            except DatastoreError as exc:
                raise ScreenError(str(exc).replace('for a datastore file', 'for the console screenshot'))
            if status in (401, 403) and attempt == 1:
                self.session.relogin()
                continue
            break
        if status != 200:
            detail = (data or b'')[:200].decode('utf-8', 'replace').strip()
            raise ScreenError('The console screenshot of VM %s from %s failed: HTTP %d%s'
                              % (moid, self.params.endpoint, status, (' (%s)' % detail) if detail else ''))
        if not data.startswith(PNG_SIGNATURE):
            raise ScreenError('The console screenshot of VM %s from %s is not a PNG image (first bytes: %r)'
                              % (moid, self.params.endpoint, bytes(data[:16])))
        return data
