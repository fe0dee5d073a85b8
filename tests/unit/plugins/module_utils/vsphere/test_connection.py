# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""URI parsing and connection option resolution (no network)."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import (
    connection_argument_spec, parse_proxy, parse_uri, resolve_connection_params)
from ansible_collections.virt.esx.plugins.module_utils.errors import ConnectionOptionsError, VirtEsxError

SECRET = 'S3cr3t-pw!'


def resolve(environ=None, **params):
    warnings = []
    params.setdefault('password', SECRET)
    conn = resolve_connection_params(params, environ=environ or {}, warn=warnings.append)
    return conn, warnings


class TestParseUri:
    def test_esx_defaults(self):
        parsed = parse_uri('esx://root@esx1.example.com/')
        assert parsed['scheme'] == 'esx'
        assert parsed['hostname'] == 'esx1.example.com'
        assert parsed['username'] == 'root'
        assert parsed['port'] is None
        assert parsed['transport'] == 'https'
        assert parsed['no_verify'] is False
        assert parsed['auto_answer'] is False
        assert parsed['path_items'] == []

    def test_all_query_parameters(self):
        parsed = parse_uri('esx://root@esx1:8443/?transport=http&no_verify=1&auto_answer=1'
                           '&proxy=socks5://proxy.example.com:3128&vcenter=vc.example.com')
        assert parsed['port'] == 8443
        assert parsed['transport'] == 'http'
        assert parsed['no_verify'] is True
        assert parsed['auto_answer'] is True
        assert parsed['vcenter'] == 'vc.example.com'
        assert parsed['proxy'] == dict(type='socks5', host='proxy.example.com', port=3128)

    def test_query_names_are_case_insensitive_like_libvirt(self):
        assert parse_uri('esx://h/?No_Verify=1')['no_verify'] is True

    def test_vpx_path_items_are_unquoted(self):
        parsed = parse_uri('vpx://administrator%40vsphere.local@vc/Folder%201/DC1/Cluster1/esx1.example.com')
        assert parsed['username'] == 'administrator@vsphere.local'
        assert parsed['path_items'] == ['Folder 1', 'DC1', 'Cluster1', 'esx1.example.com']

    def test_ipv6_host(self):
        parsed = parse_uri('esx://root@[fe80::1]:444/')
        assert parsed['hostname'] == 'fe80::1'
        assert parsed['port'] == 444

    def test_unknown_parameters_are_reported_not_fatal(self):
        assert parse_uri('esx://h/?colour=blue')['ignored_parameters'] == ['colour']

    @pytest.mark.parametrize('uri, message', [
        ('esx://h/?transport=ftp', "Query parameter 'transport' has unexpected value 'ftp' (should be http|https)"),
        ('esx://h/?no_verify=2', "Query parameter 'no_verify' has unexpected value '2' (should be 0 or 1)"),
        ('esx://h/?no_verify=yes', "Query parameter 'no_verify' has unexpected value 'yes' (should be 0 or 1)"),
        ('esx://h/?auto_answer=', "Query parameter 'auto_answer' has unexpected value '' (should be 0 or 1)"),
        ('esx://h/?proxy=ftp://p', "Query parameter 'proxy' contains unexpected type 'ftp'"),
        ('esx://h/?proxy=p:99999', "Query parameter 'proxy' has unexpected port value '99999'"),
        ('esx://h/?proxy=p:abc', "Query parameter 'proxy' has unexpected port value 'abc'"),
        ('vpx://vc/', 'Path has to specify the datacenter and compute resource'),
        ('vpx://vc/dc?vcenter=x', "Query parameter 'vcenter' is only valid with esx:// URIs"),
        ('qemu:///system', "uri scheme 'qemu' is not supported"),
        ('esx:///', 'has no host name'),
        ('esx://h:notaport/', 'is malformed'),
    ])
    def test_errors_name_the_problem(self, uri, message):
        with pytest.raises(ConnectionOptionsError) as raised:
            parse_uri(uri)
        assert message in str(raised.value)

    def test_password_in_uri_is_refused_and_not_echoed(self):
        with pytest.raises(ConnectionOptionsError) as raised:
            parse_uri('esx://root:%s@h/' % SECRET)
        assert SECRET not in str(raised.value)
        assert 'password option' in str(raised.value)

    def test_errors_do_not_echo_a_password_in_the_host_part(self):
        with pytest.raises(ConnectionOptionsError) as raised:
            parse_uri('qemu://root:%s@h/' % SECRET)
        assert SECRET not in str(raised.value)

    def test_errors_are_project_errors(self):
        with pytest.raises(VirtEsxError):
            parse_uri('esx://h/?transport=gopher')


class TestParseProxy:
    def test_default_type_and_port(self):
        assert parse_proxy('proxy.example.com') == dict(type='http', host='proxy.example.com', port=1080)

    def test_bracketed_ipv6(self):
        assert parse_proxy('http://[::1]:8080') == dict(type='http', host='::1', port=8080)

    def test_credentials_are_refused(self):
        with pytest.raises(ConnectionOptionsError):
            parse_proxy('http://user:pw@proxy:8080')


class TestResolve:
    def test_ansible_style_defaults(self):
        conn, warnings = resolve(hostname='esx1', username='root')
        assert (conn.hostname, conn.port, conn.transport) == ('esx1', 443, 'https')
        assert conn.validate_certs is True
        assert conn.scheme is None
        assert warnings == []

    def test_http_transport_defaults_to_port_80(self):
        conn, dummy = resolve(hostname='esx1', username='root', transport='http')
        assert conn.port == 80

    def test_environment_fallbacks(self):
        env = dict(VMWARE_HOST='envhost', VMWARE_USER='envuser', VMWARE_PASSWORD='envpw', VMWARE_PORT='8443',
                   VMWARE_VALIDATE_CERTS='no')
        conn = resolve_connection_params({}, environ=env)
        assert (conn.hostname, conn.username, conn.password, conn.port) == ('envhost', 'envuser', 'envpw', 8443)
        assert conn.validate_certs is False

    def test_explicit_options_beat_environment(self):
        env = dict(VMWARE_HOST='envhost', VMWARE_VALIDATE_CERTS='no')
        conn, dummy = resolve(environ=env, hostname='explicit', username='u', validate_certs=True)
        assert conn.hostname == 'explicit'
        assert conn.validate_certs is True

    def test_uri_style(self):
        conn, dummy = resolve(uri='vpx://admin@vc.example.com:8443/DC1/C1/h1?no_verify=1&auto_answer=1')
        assert (conn.scheme, conn.hostname, conn.port, conn.username) == ('vpx', 'vc.example.com', 8443, 'admin')
        assert conn.path_items == ('DC1', 'C1', 'h1')
        assert conn.validate_certs is False
        assert conn.auto_answer is True

    def test_uri_ignores_vmware_host_from_environment(self):
        conn, warnings = resolve(environ=dict(VMWARE_HOST='other', VMWARE_PORT='1'), uri='esx://root@esx1/')
        assert (conn.hostname, conn.port) == ('esx1', 443)
        assert warnings == []

    def test_uri_wins_over_explicit_hostname_with_a_warning(self):
        conn, warnings = resolve(uri='esx://root@esx1/', hostname='esx2', port=444)
        assert conn.hostname == 'esx1'
        assert warnings == ['uri is given, so hostname, port are ignored']

    def test_auto_answer_option_overrides_uri(self):
        conn, dummy = resolve(uri='esx://root@esx1/?auto_answer=1', auto_answer=False)
        assert conn.auto_answer is False

    def test_validate_certs_false_or_no_verify_turns_verification_off(self):
        assert resolve(uri='esx://root@e/', validate_certs=False)[0].validate_certs is False
        assert resolve(uri='esx://root@e/?no_verify=0')[0].validate_certs is True

    def test_uri_user_or_username_option(self):
        conn, dummy = resolve(uri='esx://esx1/', username='root')
        assert conn.username == 'root'

    @pytest.mark.parametrize('params, message', [
        (dict(username='root'), 'Give the endpoint with hostname'),
        (dict(hostname='h'), 'A user name is needed'),
        (dict(hostname='h', username='u', password=None), 'A password is needed'),
        (dict(hostname='h', username='u', port=70000), 'port must be between 1 and 65535'),
        (dict(hostname='h', username='u', ca_file='/nonexistent/ca.pem'), 'ca_file /nonexistent/ca.pem does not exist'),
    ])
    def test_resolution_errors(self, params, message):
        params.setdefault('password', SECRET)
        if params['password'] is None:
            del params['password']
        with pytest.raises(ConnectionOptionsError) as raised:
            resolve_connection_params(params, environ={})
        assert message in str(raised.value)
        assert SECRET not in str(raised.value)

    def test_bad_environment_boolean(self):
        with pytest.raises(ConnectionOptionsError) as raised:
            resolve(environ=dict(VMWARE_VALIDATE_CERTS='maybe'), hostname='h', username='u')
        assert 'VMWARE_VALIDATE_CERTS' in str(raised.value)

    def test_repr_and_endpoint_never_show_the_password(self):
        conn, dummy = resolve(hostname='h', username='u')
        assert SECRET not in repr(conn)
        assert SECRET not in conn.endpoint
        assert conn.endpoint == 'https://h:443'


def test_argument_spec_marks_password_no_log():
    spec = connection_argument_spec(tasks=True)
    assert spec['password']['no_log'] is True
    assert 'auto_answer' in spec and 'task_timeout' in spec
    assert 'auto_answer' not in connection_argument_spec()
