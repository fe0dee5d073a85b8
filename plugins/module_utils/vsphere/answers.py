# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chosen answers to VM questions: the ``answers`` option, matched before auto_answer's default rule.

``auto_answer`` can only give a question's default choice ("I copied it" for the
moved-or-copied question, which gives the VM a new UUID and MAC addresses). The
``answers`` option is a list of rules, each ``{id: ...}`` (the question id, as
``runtime.question.id``) or ``{text: ...}`` (a regular expression searched in the
question's text, case-insensitively, with its white space folded) and
``answer`` (a choice label, case-insensitively, or a choice key). The first rule
that matches a question gives its answer; a question no rule matches follows
auto_answer (its default choice, or an error when auto_answer is off).

``AnswerPolicy(rules=(), auto_answer=False)``
    ``choose(question) -> (choice, reason)``: the Choice to send and how it was
    chosen (``answers[0]``, ``auto_answer``), or ``(None, why not)``. A rule
    that matches a question but names no choice of it answers nothing (a typo
    must not fall through to the default answer): the reason says why.
``answer_policy(auto_answer, answers) -> AnswerPolicy``
    checks the option (clear errors naming the rule) and builds the policy;
    ``as_policy(value)`` turns a plain auto_answer boolean into one.

Not accepted in the ``uri`` query: libvirt's query parameters are flat
``name=value`` pairs with fixed names and values (``auto_answer=0|1``); a list of
pattern/answer pairs has no place in that grammar, so ``answers`` is an option only.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError

ANSWERS_ARGUMENT_SPEC = dict(type='list', elements='dict', options=dict(
    id=dict(type='str'),
    text=dict(type='str'),
    answer=dict(type='str', required=True),
))


class AnswerRuleError(TaskError):
    """An ``answers`` rule is malformed, or matches a question without naming one of its choices."""


class AnswerRule(object):
    def __init__(self, index, question_id=None, text=None, answer=None):
        self.index = index
        self.question_id = question_id
        self.text = text
        self.answer = answer
        self.pattern = re.compile(text, re.IGNORECASE) if text is not None else None

    @property
    def name(self):
        return 'answers[%d]' % self.index

    def matches(self, question):
        if self.question_id is not None:
            return question.id == self.question_id
        return self.pattern.search(' '.join((question.text or '').split())) is not None

    def choice_of(self, question):
        wanted = self.answer.strip()
        for choice in question.choices:
            if choice.label is not None and choice.label.strip().lower() == wanted.lower():
                return choice
        for choice in question.choices:
            if str(choice.key) == wanted:
                return choice
        raise AnswerRuleError("%s matches the question '%s' but its answer '%s' is none of its choices (%s)"
                              % (self.name, ' '.join((question.text or '').split()), self.answer,
                                 ', '.join("'%s' (key %s)" % (choice.label, choice.key) for choice in question.choices)
                                 or 'it has none'))


class AnswerPolicy(object):
    """The answers rules, then auto_answer's default choice."""

    def __init__(self, rules=(), auto_answer=False):
        self.rules = tuple(rules)
        self.auto_answer = bool(auto_answer)

    def __bool__(self):
        # Whether questions may be answered at all, as the plain auto_answer flag was.
        return self.auto_answer or bool(self.rules)

    def choose(self, question):
        for rule in self.rules:
            if rule.matches(question):
                try:
                    return rule.choice_of(question), rule.name
                except AnswerRuleError as exc:
                    # Never the default instead: the question stays unanswered and the task is cancelled if it can be.
                    return None, str(exc)
        if not self.auto_answer:
            return None, ('no answers rule matches it and auto_answer is off' if self.rules else 'auto_answer is off')
        if not question.choices:
            return None, 'auto_answer cannot answer a question without possible answers'
        if question.default_choice is None:
            return None, 'auto_answer cannot answer it because the question has no default answer'
        return question.default_choice, 'auto_answer'


def answer_policy(auto_answer, answers):
    """Check the ``answers`` option and combine it with ``auto_answer``."""
    if isinstance(auto_answer, AnswerPolicy):
        if not answers:
            return auto_answer
        auto_answer = auto_answer.auto_answer
    rules = []
    for index, given in enumerate(answers or []):
        if not isinstance(given, dict):
            raise AnswerRuleError('answers[%d] must be a dict with id or text, and answer; got %r' % (index, given))
        question_id, text, answer = given.get('id'), given.get('text'), given.get('answer')
        if (question_id is None) == (text is None):
            raise AnswerRuleError('answers[%d] needs exactly one of id (the question id) or text (a pattern of its text)' % index)
        if answer is None or not str(answer).strip():
            raise AnswerRuleError('answers[%d] needs answer (a choice label such as "I moved it", or a choice key)' % index)
        if text is not None:
            try:
                re.compile(text)
            except re.error as exc:
                raise AnswerRuleError('answers[%d].text is not a valid regular expression (%s): %r' % (index, exc, text))
        rules.append(AnswerRule(index, question_id=question_id, text=text, answer=str(answer)))
    return AnswerPolicy(rules, auto_answer)


def as_policy(value):
    """An AnswerPolicy from a policy or a plain auto_answer value."""
    return value if isinstance(value, AnswerPolicy) else AnswerPolicy((), bool(value))
