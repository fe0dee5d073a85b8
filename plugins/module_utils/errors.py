# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception family of virt.esx.

Everything in module_utils raises VirtEsxError (or a subclass) with a message a
user can act on; esx_module turns it into ``fail_json(msg=..., **err.as_dict())``.
"""

from __future__ import annotations


class VirtEsxError(Exception):
    """Base error of the collection; str(err) is the user-facing message."""

    def as_dict(self):
        """Fields a failed module returns besides ``msg``; errors with more to tell override it."""
        return {}


class VmxError(VirtEsxError):
    """Malformed .vmx text or a VMX value that cannot be represented."""


class DomainXmlError(VirtEsxError):
    """Malformed or unsupported libvirt domain XML, or an impossible mapping."""


class EscapingError(VirtEsxError):
    """A name or path that cannot be escaped or parsed (e.g. a bad datastore path)."""


class ConnectionOptionsError(VirtEsxError):
    """Bad connection options or URI."""


class SessionError(VirtEsxError):
    """Login, certificate, reachability or session failures."""


class TaskError(VirtEsxError):
    """A vSphere task failed, timed out, or is blocked by a question."""


class DatastoreError(VirtEsxError):
    """A datastore file transfer failed; ``status`` is the HTTP status when there was one."""

    def __init__(self, message, status=None):
        super(DatastoreError, self).__init__(message)
        self.status = status
