# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module contract of esx_module.EsxModule, as a user sees it: the JSON a module prints.

The VI session is a fake (no network); the module args go in through
ansible.module_utils.testing.patch_module_args; exit_json and fail_json are the
real ones, so the warnings, the diff and the failure fields are those Ansible
would receive.
"""

from __future__ import annotations

import contextlib
import importlib
import json

import pytest

from ansible.module_utils.common import warnings as ansible_warnings

try:
    from ansible.module_utils import _internal as ansible_internal
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19 (make compat runs these tests on 2.16-2.18)
    ansible_internal = None

    @contextlib.contextmanager
    def patch_module_args(args):
        from ansible.module_utils import basic

        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

from ansible_collections.virt.esx.plugins.module_utils import esx_module
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule, module_argument_spec
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import Choice, Question, QuestionBlocked

CONNECTION = dict(hostname='esx1.example.com', username='root', password='s3cret')


class _FakeSession(object):
    """Stands in for ViSession: records the login and the logout."""

    opened = []

    def __init__(self, params, session_store=None):
        self.params = params
        self.session_store = session_store
        self.closed = False
        _FakeSession.opened.append(self)

    def connect(self):
        return self

    def close(self):
        self.closed = True


@pytest.fixture(autouse=True)
def fake_session(monkeypatch, tmp_path):
    _FakeSession.opened = []
    monkeypatch.setenv('VIRT_ESX_SESSION_STORE', str(tmp_path / 'sessions'))
    monkeypatch.setattr(esx_module, 'ViSession', _FakeSession)
    # Module warnings are process-global; each test starts without any. Once other tests
    # have loaded controller code, warn() would go to the controller's display instead.
    monkeypatch.setattr(ansible_warnings, '_global_warnings', type(ansible_warnings._global_warnings)())
    if ansible_internal is not None:
        monkeypatch.setattr(ansible_internal, 'is_controller', False)
    return _FakeSession


def _run(manage, args=None, **module_kwargs):
    """Run a module whose logic is ``manage``; return the printed result."""
    with patch_module_args(dict(CONNECTION, **(args or {}))):
        module = EsxModule(dict(name=dict(type='str')), supports_check_mode=True, **module_kwargs)
        with pytest.raises(SystemExit):
            module.run(lambda session: manage(module, session))
    return module


def _printed(capsys):
    return json.loads(capsys.readouterr().out)


def _warning_texts(result):
    # ansible-core 2.19 prints each warning as a WarningSummary; older ones as text.
    return [warning['event']['msg'] if isinstance(warning, dict) else warning for warning in result.get('warnings', [])]


def test_a_virt_esx_error_fails_the_module_with_its_message_and_logs_out(capsys):
    def manage(module, session):
        raise VirtEsxError('Switch vSwitch9 does not exist')

    _run(manage)
    result = _printed(capsys)
    assert result['failed'] is True
    assert result['msg'] == 'Switch vSwitch9 does not exist'
    assert 'changed' not in result
    assert [session.closed for session in _FakeSession.opened] == [True]


def test_the_result_fields_of_an_error_come_with_the_failure(capsys):
    question = Question('q1', 'Did you move it?', [Choice('0', 'Cancel', 'Cancel'), Choice('2', 'I copied it', 'copied')],
                        default_index=1)

    def manage(module, session):
        raise QuestionBlocked('VM vm1 is blocked by a question', question, task_started=True, task_cancelled=False)

    _run(manage)
    result = _printed(capsys)
    assert result['failed'] is True
    assert result['msg'] == 'VM vm1 is blocked by a question'
    assert result['question'] == question.as_dict()
    assert result['answered'] is None
    assert result['task_started'] is True
    assert result['task_cancelled'] is False


def test_other_exceptions_are_not_swallowed_and_the_session_is_still_closed():
    def manage(module, session):
        raise KeyError('bug')

    with patch_module_args(dict(CONNECTION)):
        module = EsxModule({})
        with pytest.raises(KeyError):
            module.run(lambda session: manage(module, session))
    assert [session.closed for session in _FakeSession.opened] == [True]


def test_the_result_is_returned_with_changed_false_unless_it_says_otherwise(capsys):
    _run(lambda module, session: dict(pools=['datastore1']))
    result = _printed(capsys)
    assert result['changed'] is False
    assert result['pools'] == ['datastore1']
    assert 'failed' not in result
    assert [session.closed for session in _FakeSession.opened] == [True]


def test_warnings_of_the_result_and_of_module_warn_reach_the_user(capsys):
    def manage(module, session):
        module.warn('provisioning thin applies only when a volume is created')
        return dict(changed=True, warnings=['No datastore given: the VM is created on datastore1'])

    _run(manage)
    result = _printed(capsys)
    assert result['changed'] is True
    assert _warning_texts(result) == ['provisioning thin applies only when a volume is created',
                                      'No datastore given: the VM is created on datastore1']


def test_warnings_given_before_a_failure_reach_the_user(capsys):
    def manage(module, session):
        module.warn('uri is given, so hostname is ignored')
        raise VirtEsxError('Login failed')

    _run(manage)
    result = _printed(capsys)
    assert result['msg'] == 'Login failed'
    assert _warning_texts(result) == ['uri is given, so hostname is ignored']


@pytest.mark.parametrize('diff_mode', [True, False])
def test_the_diff_is_returned_in_diff_mode_only(capsys, diff_mode):
    diff = dict(before='<network/>', after='')
    _run(lambda module, session: dict(changed=True, diff=diff), args=dict(_ansible_diff=diff_mode))
    result = _printed(capsys)
    if diff_mode:
        assert result['diff'] == diff
    else:
        assert 'diff' not in result


def test_a_list_of_diffs_is_returned_as_it_is(capsys):
    diffs = [dict(before='', after='<network/>', before_header='h1: vs1', after_header='h1: vs1'),
             dict(before='', after='<network/>', before_header='h2: vs1', after_header='h2: vs1')]
    _run(lambda module, session: dict(changed=True, diff=diffs), args=dict(_ansible_diff=True))
    assert _printed(capsys)['diff'] == diffs


@pytest.mark.parametrize('check_mode', [True, False])
def test_check_mode_reaches_the_logic(capsys, check_mode):
    seen = []

    def manage(module, session):
        seen.append(module.check_mode)
        return dict(changed=True)

    _run(manage, args=dict(_ansible_check_mode=check_mode))
    assert seen == [check_mode]
    assert _printed(capsys)['changed'] is True


def test_task_options_are_added_as_asked():
    plain = module_argument_spec(dict(name=dict(type='str')))
    vm_tasks = module_argument_spec(dict(name=dict(type='str')), tasks=True)
    datastore_tasks = module_argument_spec(dict(name=dict(type='str')), task_timeout=True)
    assert 'uri' in plain and 'name' in plain
    assert 'auto_answer' not in plain and 'task_timeout' not in plain
    assert vm_tasks['auto_answer'] == dict(type='bool')
    assert vm_tasks['task_timeout'] == dict(type='int', default=3600)
    assert 'auto_answer' not in datastore_tasks
    assert datastore_tasks['task_timeout'] == dict(type='int', default=3600)


def test_the_module_options_win_over_the_connection_options():
    spec = module_argument_spec(dict(timeout=dict(type='int', default=5)))
    assert spec['timeout'] == dict(type='int', default=5)


# Every module goes through EsxModule.run; the write modules hand check mode to their logic.
MODULES = {
    'host_info': dict(),
    'interface_info': dict(),
    'network': dict(name='vSwitch1'),
    'network_info': dict(),
    'pool_info': dict(),
    'vm': dict(name='vm1'),
    'vm_info': dict(),
    'vm_snapshot': dict(name='vm1'),
    'volume': dict(pool='datastore1', name='disk.vmdk'),
    'volume_info': dict(),
}

LOGIC = {
    'network': 'manage_network',
    'vm': 'manage_vm',
    'vm_snapshot': 'manage_snapshot',
    'volume': 'manage_volume',
}


def _module(name):
    return importlib.import_module('ansible_collections.virt.esx.plugins.modules.%s' % name)


@pytest.mark.parametrize('name', sorted(MODULES))
def test_every_module_runs_on_the_module_base(monkeypatch, name):
    runs = []

    def run(module, manage):
        runs.append(type(module))
        raise SystemExit(0)

    monkeypatch.setattr(EsxModule, 'run', run)
    with patch_module_args(dict(CONNECTION, **MODULES[name])):
        with pytest.raises(SystemExit):
            _module(name).main()
    assert runs == [EsxModule]


@pytest.mark.parametrize('name', sorted(LOGIC))
def test_write_modules_pass_check_mode_and_their_logic_fails_them(monkeypatch, capsys, name):
    calls = []

    def logic(session, params, check_mode=False, **kwargs):
        calls.append(check_mode)
        raise VirtEsxError('refused by %s' % name)

    monkeypatch.setattr(_module(name), LOGIC[name], logic)
    with patch_module_args(dict(CONNECTION, _ansible_check_mode=True, **MODULES[name])):
        with pytest.raises(SystemExit):
            _module(name).main()
    assert calls == [True]
    result = _printed(capsys)
    assert result['failed'] is True
    assert result['msg'] == 'refused by %s' % name


def test_a_module_session_shares_the_login_of_the_play_through_the_session_store(capsys, monkeypatch, tmp_path):
    _run(lambda module, session: dict())
    assert [session.session_store.directory for session in _FakeSession.opened] == [str(tmp_path / 'sessions')]
    monkeypatch.setenv('VIRT_ESX_SESSION_STORE', 'off')
    _run(lambda module, session: dict())
    assert _FakeSession.opened[-1].session_store is None
