# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One login per endpoint and user for all the tasks of a play: a session ticket store.

Every task of a play is a new module process; without help each logs in and out
again.  The store keeps the session cookie of the last login in a file of its
own, for the next task of the same OS user, endpoint, user name and credentials:

    store = SessionStore.for_params(params)     # None when disabled or unsafe
    login = store.login_method(login)           # every login stores its ticket
    store.open(soap_stub, log_in)               # adopt the stored ticket, or log in (session.py does)

Safety, in the order the code enforces it:

- the directory is the user's own: created 0700, and refused (the store is then
  off) unless it belongs to the effective user and nobody else may read it; files
  are created 0600 with O_EXCL and renamed into place, opened with O_NOFOLLOW
  and refused unless they belong to the user with mode 0600;
- the file name is a PBKDF2 key of the endpoint, the TLS settings, the user name
  and the password: another password (a changed one) names another file, so a
  ticket is never used with credentials other than the ones it was made with, and
  the name tells nothing about the password;
- the ticket is never logged nor returned: it goes from the file to the SOAP
  stub's cookie and back, nothing else sees it;
- a stale ticket (expired, or the server restarted) is found out by the task's
  first call, which the server refuses with NotAuthenticated; the session stub
  then logs in again (ViSession's one re-login path) and the new ticket replaces
  the old one - the task does not notice;
- concurrent tasks (forks) take an exclusive lock on the entry while they log in,
  so that ten forks starting at once log in once, not ten times.

``VIRT_ESX_SESSION_STORE`` in the module's environment: ``off`` (or ``0``,
``false``, ``no``) disables the store; an absolute path names its directory.
The default directory is ``$XDG_RUNTIME_DIR/virt.esx-sessions`` (a per-user
tmpfs, gone at logout) when that exists, else ``~/.ansible/virt.esx-sessions``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no store
    fcntl = None

ENVIRONMENT_VARIABLE = 'VIRT_ESX_SESSION_STORE'
_OFF_WORDS = ('off', '0', 'false', 'no', 'n')
# A ticket older than this is not even tried (vCenter's default idle timeout is 30 minutes).
MAX_AGE_SECONDS = 12 * 3600
_KEY_ITERATIONS = 20000
_SALT = b'virt.esx session store 1'


def store_directory(environ=None):
    """The directory of the store, or None when it is switched off."""
    env = os.environ if environ is None else environ
    setting = (env.get(ENVIRONMENT_VARIABLE) or '').strip()
    if setting.lower() in _OFF_WORDS:
        return None
    if setting:
        return setting if os.path.isabs(setting) else None
    runtime = env.get('XDG_RUNTIME_DIR')
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, 'virt.esx-sessions')
    return os.path.join(os.path.expanduser('~'), '.ansible', 'virt.esx-sessions')


def entry_key(params):
    """The file name of the ticket of these connection parameters (hex; says nothing about the password)."""
    identity = '\0'.join([params.endpoint, params.username or '', str(bool(params.validate_certs)), params.ca_file or '',
                          repr(params.proxy)]).encode('utf-8')
    secret = (params.password or '').encode('utf-8')
    return hashlib.pbkdf2_hmac('sha256', identity + b'\0' + secret, _SALT + identity, _KEY_ITERATIONS).hex()[:40]


def _private_directory(path):
    """Create ``path`` 0700 if needed; True if it is a directory only the effective user can use."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


class SessionStore(object):
    """The stored ticket of one (endpoint, user, credentials) entry."""

    def __init__(self, directory, key):
        self.directory = directory
        self.path = os.path.join(directory, key + '.json')
        self.lock_path = os.path.join(directory, key + '.lock')
        # Whether this run took over a stored session.
        self.adopted = False
        self._holding_lock = False

    @classmethod
    def for_params(cls, params, environ=None):
        """The store entry for ``params``, or None (switched off, not POSIX, or no private directory)."""
        directory = store_directory(environ)
        if directory is None or fcntl is None or not hasattr(os, 'geteuid') or not params.password:
            return None
        if not _private_directory(directory):
            return None
        return cls(directory, entry_key(params))

    # -- the file ------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self):
        if self._holding_lock:  # a login inside open(): the lock is already ours
            yield
            return
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._holding_lock = True
            yield
        finally:
            self._holding_lock = False
            os.close(fd)  # closing releases the lock

    def read(self):
        """The stored cookie, or None (none, too old, or a file that is not the user's own)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) != 0o600 or not stat.S_ISREG(info.st_mode):
                return None
            with os.fdopen(os.dup(fd), 'r') as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)
        if not isinstance(data, dict) or not isinstance(data.get('cookie'), str):
            return None
        if time.time() - float(data.get('stored') or 0) > MAX_AGE_SECONDS:
            return None
        return data['cookie'] or None

    def write(self, cookie):
        """Store ``cookie`` (atomically, 0600); errors only cost the next task a login."""
        if not cookie:
            return
        temporary = '%s.%d.tmp' % (self.path, os.getpid())
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600)
            with os.fdopen(fd, 'w') as handle:
                json.dump(dict(cookie=cookie, stored=time.time()), handle)
            os.rename(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def forget(self):
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    # -- the session -------------------------------------------------------------------

    def open(self, soap_stub, log_in):
        """Give ``soap_stub`` the stored ticket and return True, or call ``log_in()`` and return False.

        The stored ticket is not checked here: the first call of the task does
        that for free (a stale one is answered NotAuthenticated, and the stub's
        login method, wrapped by :meth:`login_method`, replaces it).  The lock
        makes concurrent tasks wait for the one that logs in.
        """
        with self._locked():
            cookie = self.read()
            if cookie is not None:
                soap_stub.cookie = cookie
                self.adopted = True
                return True
            log_in()
            return False

    def login_method(self, login):
        """``login`` (the stub's login method) that stores the new session's ticket after each login."""
        def login_and_store(soap_stub):
            with self._locked():
                login(soap_stub)
                self.write(getattr(soap_stub, 'cookie', None))
        return login_and_store


def prune(directory, now=None, max_age=MAX_AGE_SECONDS):
    """Remove tickets older than ``max_age`` (those of old passwords among them); returns how many."""
    now = time.time() if now is None else now
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        if not name.endswith('.json'):
            continue
        path = os.path.join(directory, name)
        try:
            if now - os.lstat(path).st_mtime > max_age:
                os.unlink(path)
                removed += 1
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                continue
    return removed
