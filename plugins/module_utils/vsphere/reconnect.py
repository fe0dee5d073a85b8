# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Riding out a lost connection while a task is polled.

A vSphere task runs on the server, not on the connection that started it: when the connection drops
(the server restarts, a load balancer cuts it, the network flaps) the task goes on.  The poller calls
through :class:`ConnectionWatch`, which on a connection error waits, logs in again and repeats the
call, a bounded number of times within a bounded time; when the server stays away it raises
:class:`ConnectionLostDuringTask`, naming the task, the VM, what was last known of both, and what to
check.  Only connection errors are retried: a fault the server answered is the caller's to handle.
"""

from __future__ import annotations

from http.client import HTTPException

from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transport import AnswerTimeout

RECONNECT_ATTEMPTS = 5
# Seconds between two attempts: the first soon (a dropped connection), then longer (a restarting server).
RECONNECT_DELAYS = (1.0, 2.0, 4.0, 8.0, 8.0)
# However long the task may take, a server that stays away this long is reported.
RECONNECT_WINDOW = 60.0

CONNECTION_ERRORS = (OSError, HTTPException, AnswerTimeout)


class ConnectionLostDuringTask(TaskError):
    """The connection was lost while a task was polled, and could not be opened again."""

    def __init__(self, message, last_state=None, power_state=None):
        super(ConnectionLostDuringTask, self).__init__(message)
        self.last_state = last_state
        self.power_state = power_state

    def as_dict(self):
        return {'task_state': self.last_state, 'power_state': self.power_state}


class ConnectionWatch(object):
    """Calls of one task's polling loop, reconnecting after a lost connection (see the module documentation)."""

    def __init__(self, adapter, task, vm, description, clock, sleep, deadline=None):
        self.adapter = adapter
        self.task = task
        self.vm = vm
        self.description = description
        self.clock = clock
        self.sleep = sleep
        self.deadline = deadline
        self.last_status = None
        self.reconnects = 0

    def call(self, function, *args):
        lost_since = None
        attempt = 0
        while True:
            try:
                result = function(*args)
            except CONNECTION_ERRORS as exc:
                now = self.clock()
                if lost_since is None:
                    lost_since = now
                limit = lost_since + RECONNECT_WINDOW
                if self.deadline is not None:
                    limit = min(limit, self.deadline)
                if attempt >= RECONNECT_ATTEMPTS or now >= limit:
                    raise self._gave_up(exc, attempt, now - lost_since) from None
                self.sleep(min(RECONNECT_DELAYS[attempt], max(limit - now, 0.0)))
                attempt += 1
                try:
                    self.adapter.reconnect(self.task)
                except CONNECTION_ERRORS:
                    # Still away: the next round of the loop tries the call itself again, or gives up.
                    pass
                except TaskError:
                    pass
                except Exception:  # pylint: disable=broad-except
                    # The login itself failed in a way the next call will report, if it persists.
                    pass
                continue
            if attempt:
                self.reconnects += 1
            if hasattr(result, 'state') and hasattr(result, 'progress'):
                self.last_status = result
            return result

    def _gave_up(self, exc, attempts, seconds):
        description = self.description()
        task_words = "task '%s'" % description if description else 'the task'
        task_moid = getattr(self.task, '_moId', None)
        if task_moid:
            task_words += ' (%s)' % task_moid
        where = ''
        if self.vm is not None:
            where = ' on virtual machine %s' % self.adapter.describe_vm(self.vm)
        status = self.last_status
        known = ("When last seen the task was %s" % status.describe()) if status is not None else \
            'The task had not been seen running yet'
        power_state = getattr(self.adapter, 'last_power_state', None)
        if self.vm is not None and power_state:
            known += " and the virtual machine was %s" % power_state
        message = (
            'Lost the connection to the server while waiting for %s%s: %s. Tried to reconnect %d time%s over %.0f seconds, '
            'in vain. %s; the task keeps running on the server without this connection, so it may still complete. '
            'Check that the server is up and reachable (and the proxy, if one is used), look at the task in the vSphere '
            'client, then run again: the module starts from what the server has.'
            % (task_words, where, exc, attempts, '' if attempts == 1 else 's', seconds, known))
        return ConnectionLostDuringTask(message, last_state=status.state if status is not None else None,
                                        power_state=power_state)
