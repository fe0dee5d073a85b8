# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The answers rules: matching by id and by text, labels and keys, the auto_answer fallback, and the
poller's use of them (through the fake adapter of test_tasks)."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere.answers import (
    AnswerPolicy, AnswerRuleError, answer_policy, as_policy)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import Choice, Question, QuestionBlocked, TaskStatus

from ansible_collections.virt.esx.tests.unit.plugins.module_utils.vsphere.test_tasks import (
    MOVED_QUESTION, FakeAdapter, FakeClock, FakeTask, FakeVm, ask_on_poll, poller, running)

NO_DEFAULT = Question('_vmx9', 'Insert the next disk.', [Choice('ok', 'OK', 'OK'), Choice('cancel', 'Cancel', 'Cancel')])


def chosen(policy, question=MOVED_QUESTION):
    choice, reason = policy.choose(question)
    return (choice.key if choice else None), reason


def test_rule_by_id_gives_the_label_it_names():
    policy = answer_policy(False, [{'id': '_vmx1', 'answer': 'I Moved It'}])
    assert chosen(policy) == ('button.moved', 'answers[0]')


def test_rule_by_id_does_not_match_another_question():
    policy = answer_policy(False, [{'id': '_vmx2', 'answer': 'I Moved It'}])
    assert chosen(policy) == (None, 'no answers rule matches it and auto_answer is off')


def test_rule_by_text_is_a_case_insensitive_search_with_white_space_folded():
    question = Question('_vmx3', 'This virtual machine might have been\n  MOVED or copied.', MOVED_QUESTION.choices, 2)
    policy = answer_policy(False, [{'text': r'moved or copied', 'answer': 'i moved it'}])
    assert chosen(policy, question) == ('button.moved', 'answers[0]')


def test_answer_by_key_when_no_label_matches():
    policy = answer_policy(False, [{'text': 'moved', 'answer': 'button.cancel'}])
    assert chosen(policy) == ('button.cancel', 'answers[0]')


def test_first_matching_rule_wins():
    policy = answer_policy(True, [{'text': 'nothing like this', 'answer': 'Cancel'},
                                  {'text': 'copied', 'answer': 'I Moved It'},
                                  {'id': '_vmx1', 'answer': 'Cancel'}])
    assert chosen(policy) == ('button.moved', 'answers[1]')


def test_no_rule_matches_auto_answer_gives_the_default():
    policy = answer_policy(True, [{'id': '_other', 'answer': 'Cancel'}])
    assert chosen(policy) == ('button.copied', 'auto_answer')


def test_no_rule_and_no_default_is_not_answered_even_with_auto_answer():
    assert chosen(answer_policy(True, []), NO_DEFAULT) == (None, 'auto_answer cannot answer it because the question has no default answer')
    # ...but a rule can answer a question that has no default.
    assert chosen(answer_policy(False, [{'text': 'next disk', 'answer': 'OK'}]), NO_DEFAULT) == ('ok', 'answers[0]')


def test_rule_that_names_no_choice_answers_nothing_and_says_why():
    choice, reason = answer_policy(True, [{'text': 'moved', 'answer': 'Perhaps'}]).choose(MOVED_QUESTION)
    assert choice is None
    assert "answers[0] matches the question 'This virtual machine might have been moved or copied.'" in reason
    assert "'Perhaps' is none of its choices" in reason
    assert "'I Moved It' (key button.moved)" in reason


@pytest.mark.parametrize('rules, message', [
    ([{'answer': 'Cancel'}], 'answers[0] needs exactly one of id'),
    ([{'id': 'x', 'text': 'y', 'answer': 'Cancel'}], 'answers[0] needs exactly one of id'),
    ([{'id': 'x', 'answer': 'Cancel'}, {'id': 'y', 'answer': '  '}], 'answers[1] needs answer'),
    ([{'text': '(unclosed', 'answer': 'Cancel'}], 'answers[0].text is not a valid regular expression'),
    (['I moved it'], 'answers[0] must be a dict'),
])
def test_malformed_rules_are_refused_naming_the_rule(rules, message):
    with pytest.raises(AnswerRuleError) as caught:
        answer_policy(False, rules)
    assert message in str(caught.value)


def test_plain_booleans_become_policies():
    assert as_policy(True).auto_answer and not as_policy(True).rules
    assert not as_policy(None)
    policy = AnswerPolicy((), True)
    assert as_policy(policy) is policy
    assert answer_policy(policy, None) is policy
    assert answer_policy(policy, [{'id': 'q', 'answer': 'x'}]).auto_answer


# The poller ------------------------------------------------------------------------

def test_pending_question_answered_by_rule_and_the_new_task_is_not_started():
    vm = FakeVm(question=MOVED_QUESTION)
    adapter = FakeAdapter()
    policy = answer_policy(False, [{'id': '_vmx1', 'answer': 'I Moved It'}])
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, FakeClock()).run_vm_task(vm, lambda: pytest.fail('must not start'), auto_answer=policy, description='power on')
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.moved')]
    assert caught.value.answered_choice.label == 'I Moved It'
    assert "answered with 'I Moved It' (answers[0])" in str(caught.value)


def test_question_while_polling_answered_by_rule_and_the_task_goes_on():
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=2))
    task = FakeTask(running(0), running(5), running(50), TaskStatus('success', result='done'))
    policy = answer_policy(False, [{'text': 'moved or copied', 'answer': 'I Moved It'}])
    assert poller(adapter, FakeClock()).run_vm_task(vm, lambda: task, auto_answer=policy) == 'done'
    assert adapter.called('answer') == [('answer', '_vmx1', 'button.moved')]
    assert adapter.called('cancel') == []


def test_question_while_polling_no_rule_no_auto_answer_cancels_with_the_reason():
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=1))
    task = FakeTask(running(0), running(5))
    policy = answer_policy(False, [{'id': '_other', 'answer': 'Cancel'}])
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, FakeClock()).run_vm_task(vm, lambda: task, auto_answer=policy)
    assert adapter.called('answer') == []
    assert adapter.called('cancel') == [('cancel',)]
    assert caught.value.task_cancelled is True
    assert 'no answers rule matches it and auto_answer is off' in str(caught.value)


def test_question_while_polling_rule_with_a_wrong_answer_cancels_and_never_gives_the_default():
    vm = FakeVm()
    adapter = FakeAdapter(on_poll=ask_on_poll(vm, MOVED_QUESTION, at_poll=1))
    task = FakeTask(running(0), running(5))
    policy = answer_policy(True, [{'text': 'moved', 'answer': 'Perhaps'}])
    with pytest.raises(QuestionBlocked) as caught:
        poller(adapter, FakeClock()).run_vm_task(vm, lambda: task, auto_answer=policy)
    assert adapter.called('answer') == []
    assert "'Perhaps' is none of its choices" in str(caught.value)
