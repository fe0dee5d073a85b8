# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the task poller: the question/auto_answer state machine through a fake adapter,
and the pyvmomi adapter through real pyvmomi objects bound to an in-memory stub."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere import tasks
from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import (
    Backoff, Choice, ObjectVanished, Question, QuestionBlocked, ServerFault, TaskFailed, TaskPoller,
    TaskStatus, TaskTimeout, handle_pending_question, question_from_vim, run_vm_task,
    wait_for_task,
)

try:
    from pyVmomi import vim, vmodl
except Exception:  # pylint: disable=broad-except  # pyvmomi 9 raises a bare Exception on Python < 3.10
    vim = vmodl = None

# The state machine runs without pyvmomi; only fault texts and the adapter need it.
needs_pyvmomi = pytest.mark.skipif(vim is None, reason='pyvmomi is not installed')


# ---------------------------------------------------------------------------
# Fakes
# ---------------------------------------------------------------------------

MOVED_QUESTION = Question(
    '_vmx1', 'This virtual machine might have been moved or copied.',
    [Choice('button.cancel', 'Cancel', 'Cancel'), Choice('button.moved', 'I Moved It', 'Moved'),
     Choice('button.copied', 'I Copied It', 'Copied')],
    default_index=2)


class FakeClock(object):
    """Monotonic clock that only moves when the poller sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        assert len(self.sleeps) < 10000, 'the poller never stops polling'
        self.sleeps.append(seconds)
        self.now += seconds


class FakeVm(object):
    def __init__(self, name='web01', question=None):
        self.name = name
        self.question = question
        self.gone = False


class FakeTask(object):
    """Statuses returned one per poll; the last one repeats."""

    def __init__(self, *statuses):
        self.statuses = list(statuses)
        self.polls = 0

    def next_status(self):
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        return status


class FakeAdapter(object):
    """Behaves like the server: AnswerVM clears the question, optional hooks change the VM per poll."""

    def __init__(self, cancel_fault=None, answer_fault=None, on_poll=None):
        self.calls = []
        self.cancel_fault = cancel_fault
        self.answer_fault = answer_fault
        self.on_poll = on_poll
        self.started = []

    def question_of(self, vm):
        self.calls.append(('question_of', vm.name))
        if vm.gone:
            raise ObjectVanished('The virtual machine %s no longer exists on the server' % vm.name)
        return vm.question

    def answer(self, vm, question_id, choice_key):
        self.calls.append(('answer', question_id, choice_key))
        if self.answer_fault is not None:
            fault, vm.question = self.answer_fault
            raise fault
        vm.question = None

    def task_status(self, task):
        self.calls.append(('task_status',))
        status = task.next_status()
        if self.on_poll is not None:
            self.on_poll(task.polls, status)
        return status

    def cancel(self, task):
        self.calls.append(('cancel',))
        if self.cancel_fault is not None:
            raise self.cancel_fault
        task.statuses = [TaskStatus('error', error_message='RequestCanceled: The task was canceled by a user.',
                                    fault_name='RequestCanceled', cancelable=False)]
        task.polls = 0

    def start(self, start):
        self.calls.append(('start',))
        task = start()
        self.started.append(task)
        return task

    def describe_vm(self, vm):
        return "'%s'" % vm.name

    def called(self, name):
        return [call for call in self.calls if call[0] == name]


def running(progress=None, cancelable=True):
    return TaskStatus('running', progress=progress, cancelable=cancelable)


def poller(adapter, clock, backoff=None):
    return TaskPoller(adapter, clock=clock.clock, sleep=clock.sleep, backoff=backoff)


@pytest.fixture
def clock():
    return FakeClock()


# ---------------------------------------------------------------------------
# Step 1: a question left by an earlier task
# ---------------------------------------------------------------------------

def test_no_question_task_runs_to_success(clock):
    vm = FakeVm()
    adapter = FakeAdapter()
    task = FakeTask(TaskStatus('queued'), running(10), running(80), TaskStatus('success', result='snapshot-7'))
    result = poller(adapter, clock).run_vm_task(vm, lambda: task, auto_answer=False, description='create snapshot')
    assert result == 'snapshot-7'
    assert adapter.started == [task]
    assert adapter.called('answer') == [] and adapter.called('cancel') == []
    assert task.polls == 4
    assert len(clock.sleeps) == 3


def test_pending_question_auto_answer_answers_default_and_does_not_start(clock):
    vm = FakeVm(question=MOVED_QUESTION)
    adapter = FakeAdapter()
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: pytest.fail('task must not start'), auto_answer=True, description='power on')
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.copied')]
    assert adapter.called('start') == []
    err = caught.value
    assert err.answered_choice.label == 'I Copied It'
    assert err.task_started is False and err.task_cancelled is None
    message = str(err)
    assert "'I Copied It'" in message
    assert "Task 'power on' that was asked for now was NOT started" in message
    assert 'retry' in message
    assert err.as_dict()['answered'] == 'I Copied It'


def test_multi_line_question_reads_as_one_line_in_messages_but_is_kept_verbatim():
    text = 'This virtual machine might have been moved or copied.\nIn order to configure...\n\nIf unsure, answer "I copied it".'
    question = Question('_vmx2', text, MOVED_QUESTION.choices, default_index=2)
    assert question.describe().startswith(
        "question 'This virtual machine might have been moved or copied. In order to configure... If unsure, answer \"I copied it\".', ")
    assert question.as_dict()['text'] == text


def test_pending_question_without_auto_answer_quotes_question_and_choices(clock):
    vm = FakeVm(question=MOVED_QUESTION)
    adapter = FakeAdapter()
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: pytest.fail('task must not start'), auto_answer=False)
    assert adapter.called('answer') == [] and adapter.called('start') == []
    message = str(caught.value)
    assert "'This virtual machine might have been moved or copied.'" in message
    assert "'Cancel', 'I Moved It', 'I Copied It' (default)" in message
    assert 'auto_answer is off' in message
    assert caught.value.answered_choice is None
    assert caught.value.question == MOVED_QUESTION
    assert [c['default'] for c in caught.value.as_dict()['question']['choices']] == [False, False, True]


@pytest.mark.parametrize('question, reason', [
    (Question('q1', 'Continue?', [Choice('0', 'Yes', 'Yes'), Choice('1', 'No', 'No')], default_index=None), 'no default answer'),
    (Question('q1', 'Continue?', [Choice('0', 'Yes', 'Yes')], default_index=5), 'no default answer'),
    (Question('q1', 'Continue?', [], default_index=0), 'without possible answers'),
])
def test_pending_question_without_usable_default_is_not_answered(clock, question, reason):
    vm = FakeVm(question=question)
    adapter = FakeAdapter()
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: pytest.fail('task must not start'), auto_answer=True)
    assert adapter.called('answer') == [] and adapter.called('start') == []
    assert reason in str(caught.value)


def test_handle_pending_question_reports_whether_it_answered():
    adapter = FakeAdapter()
    assert handle_pending_question(FakeVm(), auto_answer=False, adapter=adapter) is False
    vm = FakeVm(question=MOVED_QUESTION)
    assert handle_pending_question(vm, auto_answer=True, adapter=adapter) is True
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.copied')]
    with pytest.raises(QuestionBlocked):
        handle_pending_question(FakeVm(question=MOVED_QUESTION), auto_answer=False, adapter=adapter)


def test_pending_question_answered_by_someone_else_meanwhile(clock):
    vm = FakeVm(question=MOVED_QUESTION)
    adapter = FakeAdapter(answer_fault=(ServerFault('InvalidArgument: bad question id', 'InvalidArgument'), None))
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: pytest.fail('task must not start'), auto_answer=True)
    assert caught.value.answered_choice is None
    assert 'another client' in str(caught.value)


def test_pending_question_answer_refused_is_reported(clock):
    vm = FakeVm(question=MOVED_QUESTION)
    adapter = FakeAdapter(answer_fault=(ServerFault('NoPermission: Permission to perform this operation was denied.', 'NoPermission'),
                                        MOVED_QUESTION))
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: pytest.fail('task must not start'), auto_answer=True)
    assert 'Permission to perform this operation was denied' in str(caught.value)
    assert "'I Copied It'" in str(caught.value)


def test_vm_gone_before_the_task_is_an_error(clock):
    vm = FakeVm()
    vm.gone = True
    with pytest.raises(ObjectVanished, match='no longer exists'):
        poller(FakeAdapter(), clock).run_vm_task(vm, lambda: pytest.fail('task must not start'))


def test_start_refused_by_server_is_task_failed(clock):
    adapter = FakeAdapter()

    def start():
        raise ServerFault("InvalidPowerState: The attempted operation cannot be performed in the current state (Powered on).",
                          'InvalidPowerState')

    with pytest.raises(TaskFailed) as caught:
        poller(adapter, clock).run_vm_task(FakeVm(), start, description='power on')
    assert caught.value.fault_name == 'InvalidPowerState'
    assert str(caught.value).startswith("Could not start task 'power on' on virtual machine 'web01': InvalidPowerState: ")


# ---------------------------------------------------------------------------
# Step 2: a question raised while the task runs
# ---------------------------------------------------------------------------

def ask_on_poll(vm, question, at_poll):
    def on_poll(poll, status):
        if poll == at_poll:
            vm.question = question
    return on_poll


def test_question_while_polling_auto_answer_answers_and_continues(clock):
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=2))
    task = FakeTask(running(0), running(5), running(5), running(60), TaskStatus('success', result=None))
    result = poller(adapter, clock).run_vm_task(vm, lambda: task, auto_answer=True)
    assert result is None
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.copied')]
    assert adapter.called('cancel') == []
    assert task.polls == 5
    # the answer happens on the second poll, after which the poller keeps going to success
    answer_index = adapter.calls.index(('answer', '_vmx1', 'button.copied'))
    assert adapter.calls[answer_index + 1:].count(('task_status',)) == 3


def test_question_while_polling_is_answered_once_per_question_id(clock):
    vm = FakeVm()
    adapter = FakeAdapter(answer_fault=None)

    def answer_but_keep_question(vm_, question_id, choice_key):
        adapter.calls.append(('answer', question_id, choice_key))

    adapter.answer = answer_but_keep_question
    vm.question = MOVED_QUESTION
    task = FakeTask(running(5))
    with pytest.raises(TaskTimeout) as caught:
        poller(adapter, clock).wait(task, vm=vm, auto_answer=True, timeout=5)
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.copied')]
    assert "answered with 'I Copied It' but is still pending" in str(caught.value)


def test_two_questions_in_a_row_are_both_answered(clock):
    vm = FakeVm()
    second = Question('_vmx2', 'Really?', [Choice('yes', 'Yes', 'Yes'), Choice('no', 'No', 'No')], default_index=0)

    def on_poll(poll, status):
        if poll == 1:
            vm.question = MOVED_QUESTION
        elif poll == 2:
            vm.question = second

    adapter = FakeAdapter(on_poll=on_poll)
    task = FakeTask(running(), running(), running(), TaskStatus('success', result='ok'))
    assert poller(adapter, clock).wait(task, vm=vm, auto_answer=True) == 'ok'
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.copied'), ('answer', '_vmx2', 'yes')]


def test_question_while_polling_without_auto_answer_cancels_cancelable_task(clock):
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=1))
    task = FakeTask(running(5, cancelable=True))
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: task, auto_answer=False, description='power on')
    assert adapter.called('cancel') == [('cancel',)]
    assert adapter.called('answer') == []
    err = caught.value
    assert err.task_started is True and err.task_cancelled is True
    message = str(err)
    assert 'The task was cancelled' in message and "now 'error'" in message
    assert "'Cancel', 'I Moved It', 'I Copied It' (default)" in message
    assert 'auto_answer is off' in message


def test_question_while_polling_cancel_refused_says_still_waiting(clock):
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=1),
                          cancel_fault=ServerFault('InvalidState: The operation is not allowed in the current state.', 'InvalidState'))
    task = FakeTask(running(5, cancelable=True))
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: task, auto_answer=False)
    assert adapter.called('cancel') == [('cancel',)]
    err = caught.value
    assert err.task_cancelled is False and err.task_started is True
    message = str(err)
    assert 'Cancelling the task failed (InvalidState: The operation is not allowed in the current state.)' in message
    assert 'still waiting for an answer' in message


def test_question_while_polling_non_cancelable_task_is_not_cancelled(clock):
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=1))
    task = FakeTask(running(5, cancelable=False))
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).run_vm_task(vm, lambda: task, auto_answer=False)
    assert adapter.called('cancel') == []
    assert caught.value.task_cancelled is False
    assert 'not cancelable' in str(caught.value) and 'still waiting for an answer' in str(caught.value)


def test_question_without_default_while_polling_is_not_answered_even_with_auto_answer(clock):
    vm = FakeVm()
    no_default = Question('q9', 'Pick one', [Choice('a', 'A', 'A'), Choice('b', 'B', 'B')])
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, no_default, at_poll=1))
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, clock).wait(FakeTask(running()), vm=vm, auto_answer=True)
    assert adapter.called('answer') == []
    assert adapter.called('cancel') == [('cancel',)]
    assert 'no default answer' in str(caught.value)


def test_vm_removed_by_its_own_task_does_not_stop_polling(clock):
    vm = FakeVm()

    def on_poll(poll, status):
        if poll == 2:
            vm.gone = True

    adapter = FakeAdapter(on_poll=on_poll)
    task = FakeTask(running(), running(), running(), TaskStatus('success'))
    assert poller(adapter, clock).wait(task, vm=vm) is None
    assert task.polls == 4
    # once the VM is gone its questions are no longer read
    assert len(adapter.called('question_of')) == 2


def test_wait_without_vm_never_reads_questions(clock):
    adapter = FakeAdapter()
    task = FakeTask(running(), TaskStatus('success', result=42))
    assert wait_for_task(task, adapter=adapter, clock=clock.clock, sleep=clock.sleep) == 42
    assert adapter.called('question_of') == []


# ---------------------------------------------------------------------------
# Step 3: failure, timeout, backoff
# ---------------------------------------------------------------------------

def test_task_error_carries_server_message(clock):
    adapter = FakeAdapter()
    task = FakeTask(running(), TaskStatus('error', error_message='FileNotFound: File [ds1] web01/web01.vmx was not found',
                                          fault_name='FileNotFound', name='VirtualMachine.powerOn'))
    with pytest.raises(TaskFailed) as caught:
        poller(adapter, clock).run_vm_task(FakeVm(), lambda: task)
    assert str(caught.value) == ("Task 'VirtualMachine.powerOn' on virtual machine 'web01' failed: "
                                 "FileNotFound: File [ds1] web01/web01.vmx was not found")
    assert caught.value.fault_name == 'FileNotFound'


def test_timeout_reports_state_and_progress_without_cancelling(clock):
    adapter = FakeAdapter()
    task = FakeTask(running(37))
    with pytest.raises(TaskTimeout) as caught:
        poller(adapter, clock).wait(task, vm=FakeVm(), timeout=10, description='clone')
    err = caught.value
    assert err.state == 'running' and err.progress == 37
    assert "Task 'clone' on virtual machine 'web01' did not finish within 10 seconds" in str(err)
    assert "'running' at 37%" in str(err)
    assert 'not cancelled' in str(err)
    assert adapter.called('cancel') == []
    # never sleeps past the deadline
    assert sum(clock.sleeps) == pytest.approx(10)


def test_backoff_grows_geometrically_and_is_capped(clock):
    backoff = Backoff(initial=0.1, factor=2.0, maximum=1.0)
    task = FakeTask(*([running()] * 8 + [TaskStatus('success', result='done')]))
    assert poller(FakeAdapter(), clock, backoff).wait(task, timeout=None) == 'done'
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0])


def test_default_backoff_is_bounded_over_a_long_task(clock):
    task = FakeTask(*([running()] * 200 + [TaskStatus('success')]))
    poller(FakeAdapter(), clock).wait(task, timeout=None)
    assert len(clock.sleeps) == 200
    assert 0.05 <= clock.sleeps[0] <= 0.1
    assert max(clock.sleeps) <= 2.0
    assert clock.sleeps[-1] == max(clock.sleeps)


def test_backoff_restarts_after_an_answer(clock):
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=6))
    backoff = Backoff(initial=0.1, factor=2.0, maximum=10.0)
    task = FakeTask(*([running()] * 8 + [TaskStatus('success')]))
    poller(adapter, clock, backoff).wait(task, vm=vm, auto_answer=True)
    # the answer on the 6th poll is followed by an immediate poll, then the backoff starts again
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 0.1, 0.2])


@pytest.mark.parametrize('timeout', [0, -1, True, '30'])
def test_bad_timeout_is_rejected_before_anything_starts(clock, timeout):
    adapter = FakeAdapter()
    with pytest.raises(TaskError, match='positive number of seconds'):
        poller(adapter, clock).run_vm_task(FakeVm(), lambda: pytest.fail('task must not start'), timeout=timeout)
    assert adapter.calls == []


def test_backoff_rejects_nonsense():
    with pytest.raises(ValueError):
        Backoff(initial=0)
    with pytest.raises(ValueError):
        Backoff(initial=1, maximum=0.5)
    with pytest.raises(ValueError):
        Backoff(factor=0.5)


def test_errors_belong_to_the_project_family():
    for error in (QuestionBlocked, TaskFailed, TaskTimeout, ObjectVanished, ServerFault):
        assert issubclass(error, TaskError) and issubclass(error, VirtEsxError)


# ---------------------------------------------------------------------------
# The pyvmomi adapter, on real pyvmomi objects bound to an in-memory stub
# ---------------------------------------------------------------------------

class InMemoryStub(object):
    """Answers pyvmomi property reads and method calls the way a server would, without a network."""

    def __init__(self):
        self.properties = {}   # (moId, property) -> value or exception
        self.methods = {}      # (moId, method) -> callable(**args)
        self.invocations = []

    def InvokeAccessor(self, mo, info):
        value = self.properties[(mo._moId, info.name)]
        if isinstance(value, Exception):
            raise value
        return value

    def InvokeMethod(self, mo, info, args):
        named = dict((param.name, arg) for param, arg in zip(info.params, args))
        self.invocations.append((mo._moId, info.wsdlName, named))
        handler = self.methods.get((mo._moId, info.wsdlName))
        return handler(**named) if handler else None


def vim_question(default_index=1):
    return vim.vm.QuestionInfo(
        id='_vmx7', text='Disk is full. Retry?',
        choice=vim.option.ChoiceOption(
            choiceInfo=[vim.ElementDescription(key='0', label='Retry', summary='Retry'),
                        vim.ElementDescription(key='1', label='Cancel', summary='Cancel')],
            defaultIndex=default_index))


@needs_pyvmomi
def test_question_from_vim_keeps_keys_labels_and_default():
    question = question_from_vim(vim_question())
    assert question == Question('_vmx7', 'Disk is full. Retry?', [Choice('0', 'Retry', 'Retry'), Choice('1', 'Cancel', 'Cancel')], 1)
    assert question.default_choice.key == '1'
    assert question_from_vim(None) is None


@needs_pyvmomi
def test_question_from_vim_without_default_or_text():
    info = vim.vm.QuestionInfo(id='q', text='', choice=vim.option.ChoiceOption(),
                               message=[vim.vm.Message(id='msg.1', text='First line'), vim.vm.Message(id='msg.2', text='Second')])
    question = question_from_vim(info)
    assert question.text == 'First line\nSecond'
    assert question.default_choice is None
    assert question.describe_choices() == 'no possible answers'


@pytest.fixture
def stub():
    return InMemoryStub()


@needs_pyvmomi
def test_pyvmomi_adapter_reads_question_and_answers_default(stub, clock):
    vm = vim.VirtualMachine('vm-7', stub)
    stub.properties[('vm-7', 'runtime')] = vim.vm.RuntimeInfo(question=vim_question())
    stub.properties[('vm-7', 'name')] = 'db01'
    # The earlier task the question held up is gone already: nothing to wait for.
    stub.properties[('vm-7', 'recentTask')] = []
    adapter = tasks.PyVmomiTaskAdapter()
    assert adapter.describe_vm(vm) == "'db01' (vm-7)"
    with pytest.raises(QuestionBlocked) as caught:
        run_vm_task(vm, lambda: pytest.fail('task must not start'), auto_answer=True, adapter=adapter,
                    clock=clock.clock, sleep=clock.sleep)
    assert ('vm-7', 'AnswerVM', {'questionId': '_vmx7', 'answerChoice': '1'}) in stub.invocations
    assert "'db01' (vm-7)" in str(caught.value)


@needs_pyvmomi
def test_pyvmomi_adapter_full_run_with_question_while_polling(stub, clock):
    vm = vim.VirtualMachine('vm-7', stub)
    task = vim.Task('task-12', stub)
    stub.properties[('vm-7', 'runtime')] = vim.vm.RuntimeInfo()
    infos = iter([
        vim.TaskInfo(key='task-12', state='running', progress=3, cancelable=False, descriptionId='VirtualMachine.powerOn'),
        vim.TaskInfo(key='task-12', state='running', progress=50, cancelable=False, descriptionId='VirtualMachine.powerOn'),
        vim.TaskInfo(key='task-12', state='success', result=vim.VirtualMachine('vm-7'), descriptionId='VirtualMachine.powerOn'),
    ])

    def next_info():
        info = next(infos)
        if info.progress == 3:
            stub.properties[('vm-7', 'runtime')] = vim.vm.RuntimeInfo(question=vim_question(default_index=0))
        return info

    class LiveProperties(dict):
        def __getitem__(self, key):
            if key == ('task-12', 'info'):
                return next_info()
            return dict.__getitem__(self, key)

    stub.properties = LiveProperties(stub.properties)

    def answer(questionId, answerChoice):
        stub.properties[('vm-7', 'runtime')] = vim.vm.RuntimeInfo()

    stub.methods[('vm-7', 'AnswerVM')] = answer
    stub.methods[('vm-7', 'PowerOnVM_Task')] = lambda **kwargs: task
    result = run_vm_task(vm, vm.PowerOnVM_Task, auto_answer=True, clock=clock.clock, sleep=clock.sleep)
    assert result._moId == 'vm-7'
    assert [(name, args) for _moid, name, args in stub.invocations] == [
        ('PowerOnVM_Task', {'host': None}), ('AnswerVM', {'questionId': '_vmx7', 'answerChoice': '0'})]


def invalid_power_state(localized_message, as_decoded):
    fault = vim.fault.InvalidPowerState(requestedState='poweredOn', existingState='poweredOn')
    if as_decoded:
        # What pyvmomi's decoder makes of a LocalizedMethodFault: the fault, localizedMessage as msg.
        fault.msg = localized_message
        return fault
    return vmodl.LocalizedMethodFault(fault=fault, localizedMessage=localized_message)


@needs_pyvmomi
@pytest.mark.parametrize('as_decoded', [True, False])
def test_pyvmomi_adapter_task_error_with_go_type_name(stub, as_decoded):
    task = vim.Task('task-3', stub)
    stub.properties[('task-3', 'info')] = vim.TaskInfo(
        key='task-3', state='error', cancelable=False, descriptionId='VirtualMachine.powerOn',
        error=invalid_power_state('*types.InvalidPowerState', as_decoded))
    status = tasks.PyVmomiTaskAdapter().task_status(task)
    assert status.state == 'error' and status.fault_name == 'InvalidPowerState'
    assert status.error_message == "InvalidPowerState (requestedState='poweredOn', existingState='poweredOn')"
    assert status.name == 'VirtualMachine.powerOn' and status.cancelable is False


@needs_pyvmomi
@pytest.mark.parametrize('as_decoded', [True, False])
def test_pyvmomi_adapter_task_error_with_real_message(stub, as_decoded):
    task = vim.Task('task-4', stub)
    fault = vim.fault.FileNotFound(file='[ds1] x/x.vmx')
    message = 'File [ds1] x/x.vmx was not found'
    if as_decoded:
        fault.msg = message
        error = fault
    else:
        error = vmodl.LocalizedMethodFault(fault=fault, localizedMessage=message)
    stub.properties[('task-4', 'info')] = vim.TaskInfo(key='task-4', state='error', error=error)
    with pytest.raises(TaskFailed) as caught:
        wait_for_task(task)
    assert str(caught.value) == 'The task failed: FileNotFound: File [ds1] x/x.vmx was not found'
    assert caught.value.fault_name == 'FileNotFound'


@needs_pyvmomi
def test_pyvmomi_adapter_cancel_refused_becomes_server_fault(stub):
    task = vim.Task('task-5', stub)

    def refuse():
        raise vim.fault.InvalidState(msg='The operation is not allowed in the current state.')

    stub.methods[('task-5', 'CancelTask')] = refuse
    with pytest.raises(ServerFault) as caught:
        tasks.PyVmomiTaskAdapter().cancel(task)
    assert caught.value.fault_name == 'InvalidState'
    assert str(caught.value) == 'InvalidState: The operation is not allowed in the current state.'


@needs_pyvmomi
def test_pyvmomi_adapter_deleted_objects_vanish(stub):
    vm = vim.VirtualMachine('vm-9', stub)
    task = vim.Task('task-9', stub)
    stub.properties[('vm-9', 'runtime')] = vmodl.fault.ManagedObjectNotFound(obj=vm)
    stub.properties[('task-9', 'info')] = vmodl.fault.ManagedObjectNotFound(obj=task)
    adapter = tasks.PyVmomiTaskAdapter()
    with pytest.raises(ObjectVanished, match='vm-9 no longer exists'):
        adapter.question_of(vm)
    with pytest.raises(ObjectVanished, match='task-9 no longer exists'):
        adapter.task_status(task)


@needs_pyvmomi
def test_pyvmomi_adapter_start_fault_is_reported_with_vm(stub, clock):
    vm = vim.VirtualMachine('vm-8', stub)
    stub.properties[('vm-8', 'runtime')] = vim.vm.RuntimeInfo()
    stub.properties[('vm-8', 'name')] = 'app'

    def refuse(**kwargs):
        raise vim.fault.InvalidPowerState(requestedState='poweredOn', existingState='poweredOn')

    stub.methods[('vm-8', 'PowerOnVM_Task')] = refuse
    with pytest.raises(TaskFailed) as caught:
        run_vm_task(vm, vm.PowerOnVM_Task, description='power on', clock=clock.clock, sleep=clock.sleep)
    assert str(caught.value) == ("Could not start task 'power on' on virtual machine 'app' (vm-8): "
                                 "InvalidPowerState (requestedState='poweredOn', existingState='poweredOn')")


def test_adapter_without_pyvmomi_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(tasks, 'HAS_PYVMOMI', False)
    with pytest.raises(TaskError, match='pyvmomi'):
        tasks.PyVmomiTaskAdapter()
    with pytest.raises(TaskError, match='pyvmomi'):
        wait_for_task(object())


def test_module_imports_without_pyvmomi():
    # .../<root>/ansible_collections/virt/esx/plugins/module_utils/vsphere/tasks.py -> <root>
    root = os.path.abspath(tasks.__file__)
    for _level in range(7):
        root = os.path.dirname(root)
    code = ('import sys; sys.modules["pyVmomi"] = None; '
            'from ansible_collections.virt.esx.plugins.module_utils.vsphere import tasks; '
            'assert not tasks.HAS_PYVMOMI; print(tasks.run_vm_task.__name__)')
    env = dict(os.environ, PYTHONPATH=root)
    completed = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == 'run_vm_task'
