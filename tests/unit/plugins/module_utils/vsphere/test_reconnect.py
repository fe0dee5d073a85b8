# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The poller rides out a lost connection: bounded reconnects, then a message naming the task, the VM and its state."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere import reconnect
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import TaskPoller, TaskStatus
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transport import ServerUnreachable


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Task(object):
    _moId = 'task-12'


class FlakyAdapter(object):
    """A task that runs, then the server goes away for ``down`` status reads, then it succeeds."""

    def __init__(self, down, clock):
        self.down = down
        self.clock = clock
        self.reads = 0
        self.reconnects = 0
        self.last_power_state = None

    def task_status(self, task):
        self.reads += 1
        if self.reads == 1:
            return TaskStatus('running', progress=40, name='VirtualMachine.powerOn')
        if self.down > 0:
            self.down -= 1
            raise ServerUnreachable('Cannot connect to https://esx1:443: connection refused (nothing listens on that port, '
                                    'or a firewall refuses)')
        return TaskStatus('success', result='done')

    def question_of(self, vm):
        self.last_power_state = 'poweredOff'
        return None

    def reconnect(self, obj):
        self.reconnects += 1

    def describe_vm(self, vm):
        return "'web' (vm-42)"


def poller(adapter, clock):
    return TaskPoller(adapter, clock=clock, sleep=clock.sleep)


def test_a_short_outage_is_ridden_out_and_the_task_result_returned():
    clock = Clock()
    adapter = FlakyAdapter(down=3, clock=clock)
    assert poller(adapter, clock).wait(Task(), vm=object(), timeout=600) == 'done'
    assert adapter.reconnects == 3


def test_a_server_that_stays_away_is_reported_with_task_vm_and_state():
    clock = Clock()
    adapter = FlakyAdapter(down=1000, clock=clock)
    with pytest.raises(reconnect.ConnectionLostDuringTask) as caught:
        poller(adapter, clock).wait(Task(), vm=object(), timeout=600)
    assert adapter.reconnects == reconnect.RECONNECT_ATTEMPTS
    assert clock.now <= reconnect.RECONNECT_WINDOW + 5, 'bounded in time'
    assert str(caught.value) == (
        "Lost the connection to the server while waiting for task 'VirtualMachine.powerOn' (task-12) on virtual machine "
        "'web' (vm-42): Cannot connect to https://esx1:443: connection refused (nothing listens on that port, or a firewall "
        "refuses). Tried to reconnect 5 times over 23 seconds, in vain. When last seen the task was 'running' at 40% and "
        "the virtual machine was poweredOff; the task keeps running on the server without this connection, so it may still "
        "complete. Check that the server is up and reachable (and the proxy, if one is used), look at the task in the "
        "vSphere client, then run again: the module starts from what the server has.")
    assert caught.value.as_dict() == {'task_state': 'running', 'power_state': 'poweredOff'}


def test_reconnecting_never_outlives_the_task_timeout():
    clock = Clock()
    adapter = FlakyAdapter(down=1000, clock=clock)
    with pytest.raises(reconnect.ConnectionLostDuringTask):
        poller(adapter, clock).wait(Task(), vm=object(), timeout=5)
    assert clock.now <= 5.0


# -- after an automatic answer: wait for the earlier task, then the caller converges ---------------

from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import (  # noqa: E402
    Choice, EarlierTaskResumed, Question, QuestionBlocked)

MOVED = Question('_vmx1', 'This virtual machine might have been moved or copied.',
                 [Choice('0', 'Cancel', None), Choice('1', 'I Moved It', None), Choice('2', 'I Copied It', None)], 2)


class BlockedAdapter(object):
    """A VM whose earlier power-on waits on a question; answering lets it finish after two polls."""

    def __init__(self, with_task_list=True):
        self.question = MOVED
        self.answered = []
        self.polls = 0
        if not with_task_list:
            self.blocked_tasks = None

    def question_of(self, vm):
        return self.question

    def answer(self, vm, question_id, choice_key):
        self.answered.append(choice_key)
        self.question = None

    def blocked_tasks(self, vm):
        return [Task()]

    def task_status(self, task):
        self.polls += 1
        return TaskStatus('running', progress=50) if self.polls < 3 else TaskStatus('success')

    def start(self, start):
        raise AssertionError('no new task while an earlier one is blocked')

    def describe_vm(self, vm):
        return "'web' (vm-42)"


def test_after_an_automatic_answer_the_earlier_task_is_awaited_and_the_caller_told_to_converge():
    clock = Clock()
    adapter = BlockedAdapter()
    with pytest.raises(EarlierTaskResumed) as caught:
        poller(adapter, clock).run_vm_task(object(), lambda: None, auto_answer=True, timeout=60, description='power on')
    assert adapter.answered == ['2'] and adapter.polls == 3
    assert str(caught.value) == (
        "Virtual machine 'web' (vm-42) was blocked by a pending question 'This virtual machine might have been moved or "
        "copied.', possible answers are 'Cancel', 'I Moved It', 'I Copied It' (default). Because auto_answer is on it was "
        "answered with the default answer 'I Copied It'; the earlier task waiting on it then ended (task-12 finished). "
        "The virtual machine is read again and the run converges from its new state.")
    assert caught.value.earlier == ('task-12 finished',)


def test_without_auto_answer_today_s_error_stays():
    clock = Clock()
    with pytest.raises(QuestionBlocked) as caught:
        poller(BlockedAdapter(), clock).run_vm_task(object(), lambda: None, auto_answer=False, timeout=60)
    assert not isinstance(caught.value, EarlierTaskResumed)
    assert 'It was not answered: auto_answer is off' in str(caught.value)
