# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API version a session speaks, chosen from the server's about.apiVersion, and a server that is not vSphere."""

from __future__ import annotations

import http.server
import threading

import pytest

pyvmomi_support = pytest.importorskip('pyVmomi.VmomiSupport')

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
    assert str(failure.value) == 'Cannot talk to a VI server at http://127.0.0.1:%d: HTTP 404 Not Found' % server.server_port
    assert 'Pa55-word!' not in str(failure.value)
