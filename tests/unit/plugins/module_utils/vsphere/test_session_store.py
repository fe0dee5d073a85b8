# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session ticket store: private files, keys that change with the password, one login for concurrent tasks."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere import session_store
from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session_store import SessionStore, entry_key, prune

PASSWORD = 'first-password-7'


def params_for(password=PASSWORD, username='admin', hostname='vc1.example.com'):
    return resolve_connection_params(dict(hostname=hostname, username=username, password=password), environ={})


class FakeSoapStub(object):
    def __init__(self):
        self.cookie = None


class FakeStub(object):
    """The parts of pyvmomi's VimSessionOrientedStub the store uses."""

    STATE_UNAUTHENTICATED = 0
    STATE_AUTHENTICATED = 1

    def __init__(self, login):
        self.soapStub = FakeSoapStub()  # pylint: disable=invalid-name
        self.state = self.STATE_UNAUTHENTICATED
        self.loginMethod = login  # pylint: disable=invalid-name

    def log_in(self):
        self.loginMethod(self.soapStub)
        self.state = self.STATE_AUTHENTICATED


def counting_login(calls, cookie='vmware_soap_session="abc"'):
    def login(soap_stub):
        calls.append(1)
        soap_stub.cookie = cookie
    return login


def store_in(tmp_path, params=None):
    return SessionStore.for_params(params or params_for(), environ={'VIRT_ESX_SESSION_STORE': str(tmp_path / 'store')})


def open_session(store, calls, cookie='vmware_soap_session="abc"'):
    stub = FakeStub(store.login_method(counting_login(calls, cookie)))
    if store.open(stub.soapStub, stub.log_in):
        stub.state = FakeStub.STATE_AUTHENTICATED
    return stub


def test_the_second_task_adopts_the_first_ones_session_without_logging_in(tmp_path):
    calls = []
    first = open_session(store_in(tmp_path), calls)
    second_store = store_in(tmp_path)
    second = open_session(second_store, calls, cookie='never used')
    assert len(calls) == 1
    assert second.soapStub.cookie == first.soapStub.cookie == 'vmware_soap_session="abc"'
    assert second.state == FakeStub.STATE_AUTHENTICATED and second_store.adopted


def test_files_and_directory_are_private_and_hold_no_password(tmp_path):
    store = store_in(tmp_path)
    open_session(store, [])
    directory = tmp_path / 'store'
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    for name in os.listdir(directory):
        assert PASSWORD not in name
        assert PASSWORD not in (directory / name).read_text()


def test_a_changed_password_or_another_user_or_endpoint_is_another_entry():
    keys = {entry_key(params_for()), entry_key(params_for(password='second-password-8')),
            entry_key(params_for(username='other')), entry_key(params_for(hostname='vc2.example.com'))}
    assert len(keys) == 4
    assert entry_key(params_for()) == entry_key(params_for())


def test_a_new_password_logs_in_again(tmp_path):
    calls = []
    open_session(store_in(tmp_path), calls)
    open_session(store_in(tmp_path, params_for(password='second-password-8')), calls)
    assert len(calls) == 2


def test_a_relogin_replaces_the_stale_ticket(tmp_path):
    calls = []
    store = store_in(tmp_path)
    stub = open_session(store, calls)
    # What the session stub does when the server answers NotAuthenticated:
    stub.loginMethod = store.login_method(counting_login(calls, 'vmware_soap_session="fresh"'))
    stub.log_in()
    assert store_in(tmp_path).read() == 'vmware_soap_session="fresh"'


def test_a_file_readable_by_others_or_too_old_is_not_used(tmp_path):
    store = store_in(tmp_path)
    open_session(store, [])
    os.chmod(store.path, 0o644)
    assert store.read() is None
    os.chmod(store.path, 0o600)
    with open(store.path) as handle:
        data = json.load(handle)
    data['stored'] = time.time() - session_store.MAX_AGE_SECONDS - 1
    with open(store.path, 'w') as handle:
        json.dump(data, handle)
    assert store.read() is None


def test_a_directory_others_can_read_switches_the_store_off(tmp_path):
    directory = tmp_path / 'open'
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    assert SessionStore.for_params(params_for(), environ={'VIRT_ESX_SESSION_STORE': str(directory)}) is None


@pytest.mark.parametrize('setting', ['off', '0', 'false', 'relative/path'])
def test_the_store_can_be_switched_off(setting):
    assert SessionStore.for_params(params_for(), environ={'VIRT_ESX_SESSION_STORE': setting}) is None


def test_prune_removes_old_tickets_only(tmp_path):
    store = store_in(tmp_path)
    open_session(store, [])
    assert prune(store.directory, now=time.time()) == 0
    assert prune(store.directory, now=time.time() + session_store.MAX_AGE_SECONDS + 10) == 1
    assert store.read() is None


def _task(directory, results):
    store = SessionStore.for_params(params_for(), environ={'VIRT_ESX_SESSION_STORE': directory})
    calls = []

    def slow_login(soap_stub):
        calls.append(1)
        time.sleep(0.2)
        soap_stub.cookie = 'vmware_soap_session="%d"' % os.getpid()
    stub = FakeStub(store.login_method(slow_login))
    store.open(stub.soapStub, stub.log_in)
    results.put((len(calls), stub.soapStub.cookie))


def test_concurrent_tasks_log_in_once(tmp_path):
    directory = str(tmp_path / 'store')
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_task, args=(directory, results)) for _index in range(5)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=30) for _worker in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert sum(logins for logins, _cookie in outcomes) == 1
    assert len(set(cookie for _logins, cookie in outcomes)) == 1
