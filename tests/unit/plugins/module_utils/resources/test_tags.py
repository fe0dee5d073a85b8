# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tag labels, VM tag plans and category updates (what vCenter accepts), and the Automation API client's two dialects."""

from __future__ import annotations

import io
import json

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.resources import tags
from ansible_collections.virt.esx.plugins.module_utils.vsphere import rest
from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import resolve_connection_params


@pytest.mark.parametrize('label, expected', [
    ('env/prod', ('env', 'prod')),
    ('team/web/frontend', ('team', 'web/frontend')),
    ('Umgebung/Prüfung', ('Umgebung', 'Prüfung')),
])
def test_parse_label(label, expected):
    assert tags.parse_label(label) == expected


@pytest.mark.parametrize('label', ['prod', '/prod', 'env/', ' /x', 7])
def test_bad_labels_name_the_option(label):
    with pytest.raises(tags.TagError, match='^tags: '):
        tags.parse_label(label)


def test_plan_modes():
    current = ['env/prod', 'team/web']
    assert tags.plan_vm_tags(current, ['env/prod', 'team/db'], 'set') == ({'team/db'}, {'team/web'})
    assert tags.plan_vm_tags(current, ['team/db'], 'add') == ({'team/db'}, set())
    assert tags.plan_vm_tags(current, ['team/web', 'team/db'], 'remove') == (set(), {'team/web'})
    assert tags.plan_vm_tags(current, current, 'set') == (set(), set())


def test_single_cardinality_is_checked_on_the_result():
    # set replaces the one env tag: allowed; add would leave two: refused before anything changes.
    assert tags.plan_vm_tags(['env/prod'], ['env/test'], 'set', {'env'}) == ({'env/test'}, {'env/prod'})
    with pytest.raises(tags.TagError, match='category env takes one tag per object'):
        tags.plan_vm_tags(['env/prod'], ['env/test'], 'add', {'env'})


CATEGORY = dict(id='c1', name='env', description='', cardinality='SINGLE', associable_types=['VirtualMachine'])


def test_category_updates_only_widen():
    assert tags.plan_category(CATEGORY, dict(cardinality='SINGLE', associable_types=['VirtualMachine'])) == {}
    assert tags.plan_category(CATEGORY, dict(cardinality='MULTIPLE')) == {'cardinality': 'MULTIPLE'}
    assert tags.plan_category(CATEGORY, dict(associable_types=['HostSystem', 'VirtualMachine'])) == {
        'associable_types': ['HostSystem', 'VirtualMachine']}
    assert tags.plan_category(CATEGORY, dict(associable_types=[])) == {'associable_types': []}
    assert tags.plan_category(CATEGORY, dict(description='Environment')) == {'description': 'Environment'}
    with pytest.raises(tags.TagError, match='^cardinality: '):
        tags.plan_category(dict(CATEGORY, cardinality='MULTIPLE'), dict(cardinality='SINGLE'))
    with pytest.raises(tags.TagError, match='^associable_types: .*VirtualMachine'):
        tags.plan_category(CATEGORY, dict(associable_types=['HostSystem']))
    with pytest.raises(tags.TagError, match='^associable_types: .*every type'):
        tags.plan_category(dict(CATEGORY, associable_types=[]), dict(associable_types=['HostSystem']))


class FakeAnswer(object):
    def __init__(self, status, body):
        self.status, self.body = status, body

    def getcode(self):
        return self.status

    def read(self):
        return self.body


class FakeServer(object):
    """Answers by (method, path); records what was sent."""

    def __init__(self, answers):
        self.answers = answers
        self.sent = []

    def __call__(self, url, data=None, headers=None, method=None, **kwargs):
        self.sent.append((method, url, data, dict(headers or {}), kwargs))
        status, body = self.answers.get((method, url[len('https://vc.example.com'):]), (404, b''))
        payload = json.dumps(body).encode() if not isinstance(body, bytes) else body
        if status >= 400:
            raise HTTPError(url, status, 'error', {}, io.BytesIO(payload))
        return FakeAnswer(status, payload)


PARAMS = resolve_connection_params(dict(hostname='vc.example.com', username='admin@vsphere.local', password='s3cret!'),
                                   environ={})
PARAMS.ca_file = '/etc/ca.pem'  # not opened: the fake server stands for open_url


def test_api_dialect_login_and_calls():
    server = FakeServer({('POST', '/api/session'): (201, 'tok1'),
                         ('GET', '/api/cis/tagging/category/urn%3Avmomi%3AX%3A1'): (200, dict(id='urn:vmomi:X:1', name='env')),
                         ('POST', '/api/cis/tagging/tag-association?action=list-attached-objects-on-tags'):
                             (200, [dict(tag_id='t1', object_ids=[dict(type='VirtualMachine', id='vm-1')])]),
                         ('DELETE', '/api/session'): (204, b'')})
    with rest.RestSession(PARAMS, opener=server) as session:
        assert session.dialect == 'api'
        tagging = rest.Tagging(session)
        assert session.call('x', 'GET', tagging.CATEGORY, item='urn:vmomi:X:1')['name'] == 'env'
        assert tagging.attached_objects(['t1']) == {'t1': [dict(type='VirtualMachine', id='vm-1')]}
    login = server.sent[0]
    assert login[3]['Authorization'].startswith('Basic ') and rest.SESSION_HEADER not in login[3]
    assert login[4]['validate_certs'] is True and login[4]['ca_path'] == '/etc/ca.pem'
    assert all(sent[3][rest.SESSION_HEADER] == 'tok1' for sent in server.sent[1:])
    assert all('s3cret' not in sent[1] for sent in server.sent)
    assert json.loads(server.sent[2][2]) == {'tag_ids': ['t1']}
    assert server.sent[-1][0] == 'DELETE'


def test_rest_dialect_when_api_is_missing():
    server = FakeServer({('POST', '/rest/com/vmware/cis/session'): (200, dict(value='tok2')),
                         ('POST', '/rest/com/vmware/cis/tagging/category'): (200, dict(value='c9')),
                         ('GET', '/rest/com/vmware/cis/tagging/category'): (200, dict(value=['c9'])),
                         ('GET', '/rest/com/vmware/cis/tagging/category/id:c9'): (200, dict(value=dict(id='c9', name='env')))})
    session = rest.RestSession(PARAMS, opener=server).login()
    assert session.dialect == 'rest'
    tagging = rest.Tagging(session)
    assert tagging.create_category(dict(name='env', description='', cardinality='SINGLE', associable_types=[])) == 'c9'
    assert json.loads(server.sent[-1][2]) == {'create_spec': dict(name='env', description='', cardinality='SINGLE',
                                                                  associable_types=[])}
    assert tagging.category_named('env') == dict(id='c9', name='env')


@pytest.mark.parametrize('body, expected', [
    (dict(error_type='NOT_FOUND', messages=[dict(id='x', default_message='No tag t1')]), ('NOT_FOUND', 'No tag t1')),
    (dict(type='com.vmware.vapi.std.errors.invalid_argument', value=dict(messages=[dict(id='y', default_message='')])),
     ('INVALID_ARGUMENT', 'y')),
    (dict(error_type='UNAUTHENTICATED', messages=[]), ('UNAUTHENTICATED', None)),
])
def test_error_answers_of_both_dialects(body, expected):
    assert rest.error_messages(json.dumps(body).encode()) == expected
    assert rest.error_messages(b'<html>') == (None, None)


def test_errors_carry_the_server_message_not_the_token():
    server = FakeServer({('POST', '/api/session'): (201, 'tok3'),
                         ('POST', '/api/cis/tagging/tag/t1?action=attach'):
                             (400, dict(error_type='INVALID_ARGUMENT', messages=[dict(id='i', default_message='single')]))})
    session = rest.RestSession(PARAMS, opener=server).login()
    with pytest.raises(rest.RestError) as caught:
        session.call('Attaching tag env/prod', 'POST', rest.Tagging.TAG, item='t1', action='attach', body={})
    assert str(caught.value) == 'Attaching tag env/prod failed: HTTP 400 INVALID_ARGUMENT: single'
    assert 'tok3' not in str(caught.value)


def test_login_refused_and_no_api():
    with pytest.raises(SessionError, match='refused the login of admin@vsphere.local'):
        rest.RestSession(PARAMS, opener=FakeServer({('POST', '/api/session'): (401, b'')})).login()
    with pytest.raises(SessionError, match='neither /api nor /rest'):
        rest.RestSession(PARAMS, opener=FakeServer({})).login()
