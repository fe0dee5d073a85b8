# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API version a session speaks, chosen from the server's about.apiVersion, and a server that is not vSphere."""

from __future__ import annotations

import http.server
import os
import threading

import pytest

pyvmomi_support = pytest.importorskip('pyVmomi.VmomiSupport')

from pyVmomi import vim, vmodl  # noqa: E402  # pylint: disable=wrong-import-position

from ansible_collections.virt.esx.plugins.module_utils.vsphere import properties, session as session_utils  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import VimSessionOrientedStub  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError  # noqa: E402
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import (  # noqa: E402
    BASELINE_API_VERSION, ViSession, api_version_for, parse_version)


def version_id(version):
    return pyvmomi_support.versionIdMap[version]


def numeric_versions():
    """pyvmomi's vim25 versions with dotted-number ids, newest first."""
    return [version for version in pyvmomi_support.GetServiceVersions('vim25')
            if all(part.isdigit() for part in (version_id(version) or 'x').split('.'))]


def test_the_server_version_itself_when_pyvmomi_knows_it():
    assert api_version_for('6.5') == 'vim.version.version11'
    assert api_version_for('6.7.3') == 'vim.version.version15'
    assert api_version_for('5.5') == BASELINE_API_VERSION


def test_short_and_long_forms_of_the_same_version_match():
    assert api_version_for('7.0') == api_version_for('7.0.0.0') == 'vim.version.v7_0'


def test_an_update_pyvmomi_does_not_know_falls_back_to_the_newest_older_one():
    # 6.7 update 9 does not exist: the newest 6.7 update pyvmomi knows is taken, never a 7.x version.
    chosen = api_version_for('6.7.9')
    assert version_id(chosen).startswith('6.7')
    assert chosen == 'vim.version.version15'


def test_a_server_newer_than_pyvmomi_gets_pyvmomi_s_newest_version():
    assert api_version_for('99.0.0.0') == numeric_versions()[0]


def test_never_newer_than_the_server():
    for version in numeric_versions():
        server = version_id(version)
        chosen = api_version_for(server)
        assert parse_version(version_id(chosen)) <= parse_version(server)


@pytest.mark.parametrize('garbage', [None, '', 'eight', '8.0u3', '8..0'])
def test_an_unreadable_api_version_keeps_the_baseline(garbage):
    assert api_version_for(garbage) == BASELINE_API_VERSION


class _NotVSphere(http.server.BaseHTTPRequestHandler):
    """A web server that is not vSphere: every request is 404 Not Found."""

    def do_POST(self):  # pylint: disable=invalid-name  # http.server's name
        self.send_error(404)

    do_GET = do_POST

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_a_web_server_that_is_not_vsphere_is_named_with_its_http_status():
    server = http.server.HTTPServer(('127.0.0.1', 0), _NotVSphere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        params = resolve_connection_params(
            dict(uri='esx://root@127.0.0.1:%d/?transport=http' % server.server_port, password='Pa55-word!'), environ={})
        with pytest.raises(SessionError) as failure:
            ViSession(params).connect()
    finally:
        server.shutdown()
        server.server_close()
    assert str(failure.value).startswith(
        'http://127.0.0.1:%d is not answering as a vSphere server: to the SOAP call RetrieveServiceContent it answered '
        'HTTP 404 Not Found, content type text/html;charset=utf-8, starting with \'<!DOCTYPE HTML> <html lang="en"> <head>'
        % server.server_port)
    assert str(failure.value).endswith('where a SOAP answer (HTTP 200 or 500, text/xml) was expected. Check hostname, port and transport')
    assert 'Pa55-word!' not in str(failure.value)


# -- re-login: the session is its one owner -------------------------------------------------------

PropertyCollector = vmodl.query.PropertyCollector


class FakeSoapStub(object):
    """pyvmomi's HTTP adapter under the session stub: answers each call from a script."""

    version = BASELINE_API_VERSION

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def InvokeMethod(self, mo, info, args, outer_stub):  # pylint: disable=invalid-name,unused-argument  # pyvmomi's name
        self.calls.append(info.name)
        return 200, self.answers.pop(0)

    def DropConnections(self):  # pylint: disable=invalid-name  # pyvmomi's name
        pass


def session_over(soap_stub, login):
    """A ViSession as connect() leaves it, on a scripted SOAP adapter; ``login`` stands in for SessionManager.Login."""
    params = resolve_connection_params(dict(hostname='esx1', username='root', password='Pa55-word!'), environ={})
    session = ViSession(params)
    session._stub = session._new_stub(soap_stub, login)  # pylint: disable=protected-access
    content = vim.ServiceInstanceContent(propertyCollector=vim.PropertyCollector('ha-property-collector'))
    session.content = session_utils._bind_to(content, session._stub)  # pylint: disable=protected-access
    return session


def name_of(moid, name):
    return PropertyCollector.RetrieveResult(objects=[PropertyCollector.ObjectContent(
        obj=vim.VirtualMachine(moid), propSet=[vmodl.DynamicProperty(name='name', val=name)])])


def expired(moid):
    return PropertyCollector.RetrieveResult(objects=[PropertyCollector.ObjectContent(
        obj=vim.VirtualMachine(moid),
        missingSet=[PropertyCollector.MissingProperty(path='name', fault=vim.fault.NotAuthenticated())])])


def test_a_property_read_of_an_expired_session_logs_in_again_through_the_session():
    logins = []
    soap_stub = FakeSoapStub([expired('vm-1'), name_of('vm-1', 'web01')])
    session = session_over(soap_stub, logins.append)
    relogins = []
    relogin = session.relogin
    session.relogin = lambda: (relogins.append(1), relogin())
    # properties is given only the service content, as every caller does.
    item = properties.retrieve_one(session.content, vim.VirtualMachine('vm-1'), ['name'])
    assert item['name'] == 'web01'
    assert relogins == [1]
    assert logins == [soap_stub, soap_stub], 'the first login, then one more'
    assert soap_stub.calls == ['RetrievePropertiesEx', 'RetrievePropertiesEx']


def test_relogin_logs_in_at_once():
    logins = []
    session = session_over(FakeSoapStub([]), logins.append)
    session._stub._CallLoginMethod()  # pylint: disable=protected-access  # what connect() does
    session.relogin()
    session.relogin()
    assert len(logins) == 3


def test_a_refused_relogin_is_a_session_error_without_the_password():
    def refuse(_soap_stub):
        raise vim.fault.InvalidLogin()
    session = session_over(FakeSoapStub([]), refuse)
    with pytest.raises(SessionError) as failure:
        session.relogin()
    assert str(failure.value) == 'Logging in again to https://esx1:443 failed: InvalidLogin'
    assert 'Pa55-word!' not in str(failure.value)


def test_a_content_without_a_session_cannot_log_in_again():
    stub = FakeSoapStub([expired('vm-1')])
    content = session_utils._bind_to(  # pylint: disable=protected-access
        vim.ServiceInstanceContent(propertyCollector=vim.PropertyCollector('ha-property-collector')),
        VimSessionOrientedStub(stub, lambda _soap_stub: None))
    with pytest.raises(SessionError, match='cannot log in again'):
        properties.retrieve_one(content, vim.VirtualMachine('vm-1'), ['name'])


_PLUGINS = os.path.join(os.path.dirname(session_utils.__file__), os.pardir, os.pardir)


def test_only_the_session_drives_pyvmomi_s_login():
    # The property reader, the /folder transfers and the raw SOAP reader ask session.relogin(); none logs in itself.
    drivers = set()
    for folder, _dirs, files in os.walk(os.path.abspath(_PLUGINS)):
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8') as handle:
                    text = handle.read()
                if '_SetStateUnauthenticated' in text or '_CallLoginMethod' in text or 'SessionManager(' in text:
                    drivers.add(os.path.relpath(path, _PLUGINS))
    assert drivers == {os.path.join('module_utils', 'vsphere', 'session.py')}
