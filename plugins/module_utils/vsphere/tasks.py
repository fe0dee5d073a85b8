# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere task poller with libvirt-style handling of VM questions (auto_answer).

A VM task (power on, reconfigure, snapshot...) can stop half-way because the
VM asks its user a question ("This virtual machine might have been moved or
copied...").  Until someone answers, ``vm.runtime.question`` is set, the task
stays *running* and every later task on that VM queues behind it.  This module
decides what to do about such questions, the way libvirt's ESX driver does:

1. Before a new task is started on a VM that already waits on a question, the
   question is answered with its default choice when ``auto_answer`` is true,
   otherwise :class:`QuestionBlocked` is raised quoting the question and its
   choices.  In both cases the new task is NOT started: the error says so, and
   after an automatic answer it says that the earlier task can now go on and
   the operation may be retried.
2. Otherwise the task is started and polled.  A question raised meanwhile is
   answered with its default choice (``auto_answer``) and polling continues;
   without ``auto_answer`` (or when the question has no default choice) the
   task is cancelled if it can be, and :class:`QuestionBlocked` says whether it
   was cancelled or still waits for an answer.
3. Polling uses a bounded exponential backoff and a user-settable timeout
   (:class:`TaskTimeout`, the task is left running, never cancelled silently);
   a failed task raises :class:`TaskFailed` with the server's fault message
   (as ``faults.describe_fault`` reads it).

Public API
----------
``run_vm_task(vm, start, *, auto_answer=False, timeout=DEFAULT_TIMEOUT, description=None, adapter=None, clock=None, sleep=None, backoff=None)``
    Steps 1-3 for one VM task; ``start`` is a callable without arguments that
    starts the task and returns it (``lambda: vm.PowerOnVM_Task()``).  Returns
    the task's ``info.result``.
``wait_for_task(task, *, vm=None, auto_answer=False, timeout=DEFAULT_TIMEOUT, description=None, ...)``
    Steps 2-3 for a task that is already running; with ``vm`` the VM's
    questions are watched, without it (datastore, host tasks) they are not.
``handle_pending_question(vm, *, auto_answer, adapter=None) -> bool``
    Step 1 alone: ``False`` when the VM has no pending question, ``True`` when
    the question was answered with its default choice (or meanwhile by another
    client); raises :class:`QuestionBlocked` when it cannot be answered.
``TaskPoller(adapter=None, *, clock=None, sleep=None, backoff=None)``
    The same operations as methods ``run_vm_task``, ``wait`` and
    ``handle_pending_question``; the functions above are shortcuts.
``Backoff(initial=0.1, factor=1.5, maximum=2.0)``
    Delays between two polls, in seconds.
``Question``, ``Choice``
    A VM question as plain data; ``Question.as_dict()`` suits module results.

Exceptions, all :class:`~ansible_collections.virt.esx.plugins.module_utils.errors.TaskError`:
``QuestionBlocked`` (attributes ``question``, ``answered_choice``,
``task_started``, ``task_cancelled``, and ``as_dict()``), ``TaskFailed``
(``fault_name``, ``fault_text``), ``TaskTimeout`` (``state``, ``progress``),
``ObjectVanished`` (a VM or task deleted meanwhile) and ``ServerFault`` (a call
the adapter made was refused by the server).

Everything that talks to pyvmomi sits in :class:`PyVmomiTaskAdapter`; the state
machine only calls these adapter methods, so tests replace it with a fake:

``question_of(vm) -> Question or None``
    raises ``ObjectVanished`` when the VM no longer exists.
``answer(vm, question_id, choice_key)``, ``cancel(task)``
    raise ``ServerFault`` when the server refuses.
``task_status(task) -> TaskStatus``
    raises ``ObjectVanished`` when the task no longer exists.
``start(start) -> task``
    calls ``start()``; raises ``ServerFault`` when the server refuses.
``describe_vm(vm) -> str``
    a name for messages; never raises.

The module imports without pyvmomi; only :class:`PyVmomiTaskAdapter` needs it.
"""

from __future__ import annotations

import contextlib
import time
from collections import namedtuple
from http.client import HTTPException

from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import HAS_PYVMOMI, PYVMOMI_IMPORT_ERROR, vmodl
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import describe_fault, vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import unescape_vm_name
from ansible_collections.virt.esx.plugins.module_utils.vsphere.reconnect import ConnectionWatch
from ansible_collections.virt.esx.plugins.module_utils.vsphere.answers import as_policy

DEFAULT_TIMEOUT = 3600.0

STATE_QUEUED = 'queued'
STATE_RUNNING = 'running'
STATE_SUCCESS = 'success'
STATE_ERROR = 'error'


# ---------------------------------------------------------------------------
# Plain data
# ---------------------------------------------------------------------------

Choice = namedtuple('Choice', ['key', 'label', 'summary'])


class Question(object):
    """A pending VM question: ``id``, ``text``, ``choices`` (tuple of Choice) and ``default_index``."""

    def __init__(self, question_id, text, choices=(), default_index=None):
        self.id = question_id
        self.text = text or ''
        self.choices = tuple(choices)
        if default_index is not None and not 0 <= default_index < len(self.choices):
            default_index = None
        self.default_index = default_index

    @property
    def default_choice(self):
        if self.default_index is None:
            return None
        return self.choices[self.default_index]

    def describe_choices(self):
        """``'Yes', 'No' (default)`` or ``no possible answers``."""
        if not self.choices:
            return 'no possible answers'
        labels = []
        for index, choice in enumerate(self.choices):
            label = "'%s'" % choice.label
            if index == self.default_index:
                label += ' (default)'
            labels.append(label)
        return 'possible answers are ' + ', '.join(labels)

    def describe(self):
        # Host questions span several lines; one line reads better in a task error.
        return "question '%s', %s" % (' '.join(self.text.split()), self.describe_choices())

    def as_dict(self):
        default = self.default_choice
        return {
            'id': self.id,
            'text': self.text,
            'choices': [{'key': c.key, 'label': c.label, 'summary': c.summary, 'default': i == self.default_index}
                        for i, c in enumerate(self.choices)],
            'default': default.label if default is not None else None,
        }

    def __eq__(self, other):
        if not isinstance(other, Question):
            return NotImplemented
        return (self.id, self.text, self.choices, self.default_index) == (other.id, other.text, other.choices, other.default_index)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __repr__(self):
        return 'Question(%r, %r, %r, default_index=%r)' % (self.id, self.text, self.choices, self.default_index)


class TaskStatus(namedtuple('TaskStatus', ['state', 'result', 'error_message', 'fault_name', 'progress', 'cancelable', 'name'])):
    """What the poller needs from ``task.info``; ``cancelable`` is None when unknown."""

    def __new__(cls, state, result=None, error_message=None, fault_name=None, progress=None, cancelable=None, name=None):
        return super(TaskStatus, cls).__new__(cls, state, result, error_message, fault_name, progress, cancelable, name)

    def describe(self):
        text = "'%s'" % self.state
        if self.progress is not None:
            text += ' at %s%%' % self.progress
        return text


class Backoff(object):
    """Delays between polls: ``initial`` seconds, times ``factor`` after each poll, at most ``maximum``."""

    def __init__(self, initial=0.1, factor=1.5, maximum=2.0):
        if initial <= 0 or factor < 1 or maximum < initial:
            raise ValueError('Backoff needs 0 < initial <= maximum and factor >= 1')
        self.initial = initial
        self.factor = factor
        self.maximum = maximum

    def next(self, delay):
        return min(delay * self.factor, self.maximum)


# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------

class ServerFault(TaskError):
    """The server refused a call; ``fault_name`` is the fault type (e.g. ``InvalidState``)."""

    def __init__(self, text, fault_name=None):
        super(ServerFault, self).__init__(text)
        self.fault_text = text
        self.fault_name = fault_name


class ObjectVanished(TaskError):
    """The VM or task no longer exists on the server."""


class TaskFailed(TaskError):
    """The task ended in error, or the server refused to start it."""

    def __init__(self, message, fault_name=None, fault_text=None):
        super(TaskFailed, self).__init__(message)
        self.fault_name = fault_name
        self.fault_text = fault_text


class TaskTimeout(TaskError):
    """The task did not finish in time; it was left as it is (not cancelled)."""

    def __init__(self, message, state=None, progress=None):
        super(TaskTimeout, self).__init__(message)
        self.state = state
        self.progress = progress


class QuestionBlocked(TaskError):
    """A VM question stopped the operation.

    ``question`` is the :class:`Question`; ``answered_choice`` the Choice sent
    with auto_answer (None when nothing was answered); ``task_started`` tells
    whether the requested task was started at all; ``task_cancelled`` is True
    or False for a started task, None otherwise.
    """

    def __init__(self, message, question, answered_choice=None, task_started=False, task_cancelled=None):
        super(QuestionBlocked, self).__init__(message)
        self.question = question
        self.answered_choice = answered_choice
        self.task_started = task_started
        self.task_cancelled = task_cancelled

    def as_dict(self):
        return {
            'question': self.question.as_dict(),
            'answered': self.answered_choice.label if self.answered_choice is not None else None,
            'task_started': self.task_started,
            'task_cancelled': self.task_cancelled,
        }


class EarlierTaskResumed(QuestionBlocked):
    """auto_answer answered a question an earlier task was blocked by, and that task has finished.

    The task that was asked for was not started (the VM's state may have changed under it): the
    caller reads the VM again and converges from there.  ``earlier`` describes the earlier tasks
    and how they ended.
    """

    def __init__(self, message, question, answered_choice=None, earlier=()):
        super(EarlierTaskResumed, self).__init__(message, question, answered_choice=answered_choice)
        self.earlier = tuple(earlier)


def question_from_vim(question_info):
    """Build a :class:`Question` from a ``vim.vm.QuestionInfo`` (or None)."""
    if question_info is None:
        return None
    option = getattr(question_info, 'choice', None)
    elements = (getattr(option, 'choiceInfo', None) or ()) if option is not None else ()
    choices = [Choice(str(e.key), e.label or str(e.key), e.summary) for e in elements]
    default_index = getattr(option, 'defaultIndex', None) if option is not None else None
    text = question_info.text
    if not text:
        messages = getattr(question_info, 'message', None) or ()
        text = '\n'.join(m.text for m in messages if getattr(m, 'text', None))
    return Question(question_info.id, text, choices, default_index)


# ---------------------------------------------------------------------------
# pyvmomi adapter
# ---------------------------------------------------------------------------

class PyVmomiTaskAdapter(object):
    """The adapter over real managed objects (``vim.VirtualMachine``, ``vim.Task``)."""

    def __init__(self):
        if not HAS_PYVMOMI:
            raise TaskError('The pyvmomi Python library is required to run vSphere tasks (pip install pyvmomi): %s'
                            % PYVMOMI_IMPORT_ERROR)

    @staticmethod
    def _moid(obj):
        return getattr(obj, '_moId', None) or repr(obj)

    @contextlib.contextmanager
    def _call(self, what, kind, obj=None):
        """vsphere_call raising ServerFault, except that a deleted ``obj`` (else the fault's) is ObjectVanished."""
        with vsphere_call(what, ServerFault):
            try:
                yield
            except vmodl.fault.ManagedObjectNotFound as fault:
                gone = obj if obj is not None else getattr(fault, 'obj', None)
                raise ObjectVanished('The %s %s no longer exists on the server' % (kind, self._moid(gone)))

    def question_of(self, vm):
        with self._call('Reading the pending question of virtual machine %s' % self._moid(vm), 'virtual machine', vm):
            # The whole runtime is read, not runtime.question: pyvmomi fetches one
            # property per access, and an unset one breaks govmomi's simulator.
            runtime = vm.runtime
        self.last_power_state = getattr(runtime, 'powerState', None)
        return question_from_vim(getattr(runtime, 'question', None))

    def answer(self, vm, question_id, choice_key):
        with self._call(None, 'virtual machine', vm):
            vm.AnswerVM(questionId=question_id, answerChoice=choice_key)

    def task_status(self, task):
        with self._call('Reading the state of task %s' % self._moid(task), 'task', task):
            info = task.info
        error_message = fault_name = None
        if info.state == STATE_ERROR:
            error = info.error
            if error is None:
                error_message = 'the server gave no error details'
            elif isinstance(error, vmodl.LocalizedMethodFault):
                fault_name, error_message = describe_fault(error.fault, error.localizedMessage)
            else:
                # pyvmomi decodes a LocalizedMethodFault as the fault itself, its localizedMessage becoming msg
                fault_name, error_message = describe_fault(error)
        return TaskStatus(
            state=str(info.state),
            result=info.result if info.state == STATE_SUCCESS else None,
            error_message=error_message,
            fault_name=fault_name,
            progress=info.progress,
            cancelable=info.cancelable,
            name=info.descriptionId or info.name,
        )

    def cancel(self, task):
        with self._call(None, 'task', task):
            task.CancelTask()

    def blocked_tasks(self, vm):
        """The VM's tasks that are still queued or running (the ones a question held up)."""
        with self._call('Reading the recent tasks of virtual machine %s' % self._moid(vm), 'virtual machine', vm):
            tasks = list(vm.recentTask or ())
            if not tasks:
                # Some servers keep recent tasks only on the task manager.
                session = getattr(getattr(vm, '_stub', None), 'virt_esx_session', None)
                manager = getattr(getattr(session, 'content', None), 'taskManager', None)
                tasks = [task for task in (manager.recentTask if manager is not None else None) or ()
                         if getattr(task.info.entity, '_moId', None) == self._moid(vm)]
            return [task for task in tasks if str(task.info.state) in (STATE_QUEUED, STATE_RUNNING)]

    def start(self, start):
        with self._call(None, 'object'):
            return start()

    last_power_state = None

    def describe_vm(self, vm):
        try:
            # vSphere keeps '%', '/' and backslash of VM names escaped; show the name the user gave.
            return "'%s' (%s)" % (unescape_vm_name(vm.name), self._moid(vm))
        except (vmodl.MethodFault, OSError, HTTPException, TaskError):
            return self._moid(vm)
        except Exception:  # pylint: disable=broad-except
            # A transport error of a connection that is gone: the moid still names the VM.
            return self._moid(vm)

    def reconnect(self, obj):
        """Forget the connections of the session ``obj`` belongs to, so that the next call opens a new one.

        No login here: the session may well have survived on the server (a network flap, a proxy
        restart); if it did not (the server restarted), the server answers NotAuthenticated and the
        session stub logs in again by itself.
        """
        stub = getattr(obj, '_stub', None)
        drop = getattr(stub, 'DropConnections', None)
        if drop is not None:
            drop()


# ---------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------

class TaskPoller(object):
    """Runs and watches tasks through an adapter; ``clock`` and ``sleep`` are injectable for tests."""

    def __init__(self, adapter=None, *, clock=None, sleep=None, backoff=None):
        self.adapter = adapter if adapter is not None else PyVmomiTaskAdapter()
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.backoff = backoff or Backoff()

    # -- step 1 ------------------------------------------------------------

    def _answer_default(self, vm, question, choice=None):
        """Send ``choice`` (the default one when None); True when sent, False when someone else answered first."""
        choice = choice or question.default_choice
        try:
            self.adapter.answer(vm, question.id, choice.key)
        except ServerFault as fault:
            # Another client may have answered between our read and our answer.
            current = self.adapter.question_of(vm)
            if current is None or current.id != question.id:
                return False
            raise QuestionBlocked(
                'Virtual machine %s is blocked by a pending %s; answering it with %r failed: %s'
                % (self.adapter.describe_vm(vm), question.describe(), choice.label, fault), question)
        return True

    @staticmethod
    def _why_unanswerable(question, auto_answer):
        # auto_answer may carry answers rules (vsphere/answers.py): they say why none applies.
        if auto_answer is not None and not isinstance(auto_answer, bool):
            return as_policy(auto_answer).choose(question)[1]
        if not auto_answer:
            return 'auto_answer is off'
        if not question.choices:
            return 'auto_answer cannot answer a question without possible answers'
        return 'auto_answer cannot answer it because the question has no default answer'

    def _pending_question(self, vm, auto_answer):
        """Handle a question left by an earlier task; returns (question, choice sent) or None."""
        question = self.adapter.question_of(vm)
        if question is None:
            return None
        choice, _reason = as_policy(auto_answer).choose(question)
        if choice is None:
            raise QuestionBlocked(
                'Virtual machine %s is blocked by a pending %s. It was not answered: %s. '
                'Answer the question (in the vSphere client, or by running again with auto_answer enabled) and retry.'
                % (self.adapter.describe_vm(vm), question.describe(), self._why_unanswerable(question, auto_answer)),
                question)
        sent = self._answer_default(vm, question, choice)
        return question, (choice if sent else None)

    def handle_pending_question(self, vm, auto_answer):
        return self._pending_question(vm, auto_answer) is not None

    # -- step 2 and 3 ------------------------------------------------------

    def run_vm_task(self, vm, start, *, auto_answer=False, timeout=DEFAULT_TIMEOUT, description=None):
        _check_timeout(timeout)
        answered = self._pending_question(vm, auto_answer)
        if answered is not None:
            question, choice = answered
            if choice is None:
                how = 'It was answered meanwhile by another client'
            else:
                rule = as_policy(auto_answer).choose(question)[1]
                if rule == 'auto_answer':
                    how = "Because auto_answer is on it was answered with the default answer '%s'" % choice.label
                else:
                    how = "It was answered with '%s' (%s)" % (choice.label, rule)
            if getattr(self.adapter, 'blocked_tasks', None) is not None:
                # The earlier task may already do what was wanted: wait for it, and let the caller converge.
                self._resume_earlier_tasks(vm, question, choice, how, timeout)
            raise QuestionBlocked(
                'Virtual machine %s was blocked by a pending %s. %s, so the earlier task waiting on it can continue. '
                '%s that was asked for now was NOT started; retry once the earlier task has finished.'
                % (self.adapter.describe_vm(vm), question.describe(), how, _task_words(description, capital=True)),
                question, answered_choice=choice)
        try:
            task = self.adapter.start(start)
        except ServerFault as fault:
            raise TaskFailed('Could not start %s on virtual machine %s: %s'
                             % (_task_words(description), self.adapter.describe_vm(vm), fault.fault_text),
                             fault_name=fault.fault_name, fault_text=fault.fault_text)
        return self.wait(task, vm=vm, auto_answer=auto_answer, timeout=timeout, description=description)

    def _resume_earlier_tasks(self, vm, question, choice, how, timeout):
        """Wait (within ``timeout``) for the tasks the answered question held up; raise EarlierTaskResumed."""
        deadline = None if timeout is None else self.clock() + timeout
        earlier = []
        for task in self.adapter.blocked_tasks(vm):
            remaining = None if deadline is None else max(deadline - self.clock(), 0.001)
            name = getattr(task, '_moId', 'a task')
            try:
                self.wait(task, vm=vm, auto_answer=True, timeout=remaining)
                earlier.append("%s finished" % name)
            except TaskFailed as failed:
                # It ended, if not well: the VM is read again all the same.
                earlier.append('%s failed (%s)' % (name, failed.fault_text or failed))
        raise EarlierTaskResumed(
            'Virtual machine %s was blocked by a pending %s. %s; the earlier task waiting on it then ended (%s). '
            'The virtual machine is read again and the run converges from its new state.'
            % (self.adapter.describe_vm(vm), question.describe(), how, '; '.join(earlier) or 'it had already finished when looked for'),
            question, answered_choice=choice, earlier=earlier)

    def wait(self, task, *, vm=None, auto_answer=False, timeout=DEFAULT_TIMEOUT, description=None):
        _check_timeout(timeout)
        deadline = None if timeout is None else self.clock() + timeout
        delay = self.backoff.initial
        watch_questions = vm is not None
        answered_ids = set()
        chosen = {}
        unresolved_answer = None
        # A lost connection is not the task's end: it keeps running on the server, so reconnect a few times.
        watch = ConnectionWatch(self.adapter, task, vm, lambda: description, self.clock, self.sleep, deadline)
        while True:
            status = watch.call(self.adapter.task_status, task)
            if description is None and status.name:
                description = status.name
            if status.state == STATE_SUCCESS:
                return status.result
            if status.state == STATE_ERROR:
                raise TaskFailed('%s%s failed: %s' % (_task_words(description, capital=True), self._on_vm(vm), status.error_message),
                                 fault_name=status.fault_name, fault_text=status.error_message)
            unresolved_answer = None
            if watch_questions:
                try:
                    question = watch.call(self.adapter.question_of, vm)
                except ObjectVanished:
                    # Destroy_Task and the like remove the VM before their task ends.
                    watch_questions = False
                    question = None
                if question is not None and question.id in answered_ids:
                    unresolved_answer = question
                elif question is not None:
                    choice, _reason = as_policy(auto_answer).choose(question)
                    if choice is None:
                        self._abandon_blocked_task(task, vm, question, status, auto_answer, description)
                    self._answer_default(vm, question, choice)
                    chosen[question.id] = choice
                    answered_ids.add(question.id)
                    # The answer lets the task move on: look again at once, then back off from the start.
                    delay = self.backoff.initial
                    continue
            now = self.clock()
            if deadline is not None and now >= deadline:
                message = ('%s%s did not finish within %s; it is still %s. It was not cancelled and may still complete.'
                           % (_task_words(description, capital=True), self._on_vm(vm), _seconds(timeout), status.describe()))
                if unresolved_answer is not None:
                    message += (" The %s was answered with '%s' but is still pending."
                                % (unresolved_answer.describe(), chosen[unresolved_answer.id].label))
                raise TaskTimeout(message, state=status.state, progress=status.progress)
            self.sleep(delay if deadline is None else min(delay, deadline - now))
            delay = self.backoff.next(delay)

    def _on_vm(self, vm):
        return '' if vm is None else ' on virtual machine %s' % self.adapter.describe_vm(vm)

    def _abandon_blocked_task(self, task, vm, question, status, auto_answer, description):
        """Cancel a task blocked by a question we may not answer, then raise QuestionBlocked."""
        cancelled = False
        if status.cancelable is False:
            outcome = ('The task is not cancelable, so it is still waiting for an answer and the virtual machine stays blocked '
                       'until the question is answered (in the vSphere client, or by running again with auto_answer enabled).')
        else:
            try:
                self.adapter.cancel(task)
            except ServerFault as fault:
                outcome = ('Cancelling the task failed (%s), so it is still waiting for an answer and the virtual machine stays '
                           'blocked until the question is answered (in the vSphere client, or by running again with auto_answer '
                           'enabled).' % fault)
            else:
                cancelled = True
                outcome = 'The task was cancelled'
                try:
                    outcome += ' (its state is now %s).' % self.adapter.task_status(task).describe()
                except TaskError:
                    outcome += '.'
        raise QuestionBlocked(
            '%s%s is blocked by a %s. It was not answered: %s. %s'
            % (_task_words(description, capital=True), self._on_vm(vm), question.describe(),
               self._why_unanswerable(question, auto_answer), outcome),
            question, task_started=True, task_cancelled=cancelled)


def _task_words(description, capital=False):
    words = "task '%s'" % description if description else 'the task'
    if capital:
        words = words[0].upper() + words[1:]
    return words


def _seconds(value):
    number = ('%g' % value) if isinstance(value, float) else str(value)
    return number + (' second' if number == '1' else ' seconds')


def _check_timeout(timeout):
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise TaskError('The task timeout must be a positive number of seconds (or None to wait without limit), got %r' % (timeout,))


# ---------------------------------------------------------------------------
# Shortcuts
# ---------------------------------------------------------------------------

def run_vm_task(vm, start, *, auto_answer=False, timeout=DEFAULT_TIMEOUT, description=None, adapter=None, clock=None, sleep=None, backoff=None):
    """Handle a pending question, start ``start()`` and wait for it; return the task's result."""
    poller = TaskPoller(adapter, clock=clock, sleep=sleep, backoff=backoff)
    return poller.run_vm_task(vm, start, auto_answer=auto_answer, timeout=timeout, description=description)


def wait_for_task(task, *, vm=None, auto_answer=False, timeout=DEFAULT_TIMEOUT, description=None, adapter=None, clock=None, sleep=None,
                  backoff=None):
    """Wait for a running task (watching ``vm``'s questions when given); return its result."""
    poller = TaskPoller(adapter, clock=clock, sleep=sleep, backoff=backoff)
    return poller.wait(task, vm=vm, auto_answer=auto_answer, timeout=timeout, description=description)


def handle_pending_question(vm, *, auto_answer, adapter=None):
    """False when ``vm`` has no pending question, True when it was answered; raises QuestionBlocked otherwise."""
    return TaskPoller(adapter).handle_pending_question(vm, auto_answer)
