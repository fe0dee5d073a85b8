# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vSphere Automation API (REST) of a vCenter: a session of its own, for tagging.

``RestSession(params)`` logs in with the connection's user and password (HTTP basic
authentication, once) and sends every later request with the session token in the
``vmware-api-session-id`` header, over ansible-core's ``open_url`` with the same TLS
settings as the SOAP session (validate_certs, ca_file). It speaks both dialects:

- ``/api/...`` (vCenter 7.0 and later): plain JSON bodies and answers, ``?action=``;
- ``/rest/com/vmware/...`` (vCenter 6.5 and 6.7, still served by 7 and 8): answers wrapped
  in ``{"value": ...}``, identifiers in paths as ``id:<id>``, ``?~action=``, create and
  update specifications wrapped in ``create_spec`` / ``update_spec``.

The dialect is chosen at login: ``POST /api/session``, and ``POST /rest/com/vmware/cis/session``
when the first answers 404. Callers name an operation once (``call``) and get plain
Python values back; a failure is a ``RestError`` with the server's messages (never the
token or the password).

``Tagging(rest)`` is the tagging service on top: categories, tags and associations,
including the bulk association reads the inventory needs.
"""

from __future__ import annotations

import base64
import json

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError, VirtEsxError

SESSION_HEADER = 'vmware-api-session-id'
# Tag ids per bulk association request: the server's answer grows with the objects, not the request.
ASSOCIATION_BATCH = 500


class RestError(VirtEsxError):
    """A vSphere Automation API request failed; ``status`` and ``error_type`` say how."""

    def __init__(self, message, status=None, error_type=None):
        super(RestError, self).__init__(message)
        self.status = status
        self.error_type = error_type

    def as_dict(self):
        return dict(status=self.status, error_type=self.error_type)


def error_messages(body):
    """The default messages of an error answer in either dialect, as one line."""
    try:
        data = json.loads(body.decode('utf-8')) if body else None
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    # /api: {"error_type": "NOT_FOUND", "messages": [...]}; /rest: {"type": "...not_found", "value": {"messages": [...]}}
    error_type = data.get('error_type') or data.get('type')
    value = data.get('value') if isinstance(data.get('value'), dict) else data
    messages = value.get('messages') or []
    texts = [str(message.get('default_message') or message.get('id') or '') for message in messages if isinstance(message, dict)]
    texts = [text for text in texts if text]
    if error_type is None and isinstance(value.get('error_type'), str):
        error_type = value['error_type']
    if isinstance(error_type, str) and '.' in error_type:
        error_type = error_type.rsplit('.', 1)[-1].upper()
    return error_type, '; '.join(texts) or None


class RestSession(object):
    """A logged-in Automation API session; use as a context manager (logout on exit)."""

    def __init__(self, params, opener=None):
        self.params = params
        self.token = None
        self.dialect = None
        self.requests = 0
        self._open = opener or open_url

    @property
    def base(self):
        port = self.params.port
        default = 443 if self.params.transport == 'https' else 80
        host = self.params.hostname
        if ':' in host and not host.startswith('['):
            host = '[%s]' % host
        return '%s://%s%s' % (self.params.transport, host, '' if not port or port == default else ':%d' % port)

    def _send(self, method, path, body=None, headers=None):
        """(status, bytes) of one request; HTTP errors are answers too, unreachable servers SessionError."""
        all_headers = {'Accept': 'application/json'}
        if body is not None:
            all_headers['Content-Type'] = 'application/json'
        if self.token:
            all_headers[SESSION_HEADER] = self.token
        all_headers.update(headers or {})
        data = json.dumps(body).encode('utf-8') if body is not None else None
        self.requests += 1
        try:
            response = self._open(self.base + path, data=data, headers=all_headers, method=method,
                                  validate_certs=bool(self.params.validate_certs), ca_path=self.params.ca_file,
                                  timeout=self.params.timeout or 60, follow_redirects='none', use_proxy=False,
                                  force_basic_auth=False)
            return response.getcode(), response.read()
        except HTTPError as exc:
            try:
                payload = exc.read()
            except Exception:  # pylint: disable=broad-except
                payload = b''
            return exc.code, payload
        except (URLError, OSError) as exc:
            raise SessionError('Cannot reach the vSphere Automation API of %s: %s'
                               % (self.params.endpoint, getattr(exc, 'reason', exc)))

    def login(self):
        if self.params.proxy:
            raise SessionError('Tags are read over the vSphere Automation API, which this collection does not reach '
                               'through a proxy: connect to %s without proxy for tags' % self.params.endpoint)
        credentials = '%s:%s' % (self.params.username or '', self.params.password or '')
        basic = {'Authorization': 'Basic ' + base64.b64encode(credentials.encode('utf-8')).decode('ascii')}
        for dialect, path in (('api', '/api/session'), ('rest', '/rest/com/vmware/cis/session')):
            status, body = self._send('POST', path, headers=basic)
            if status == 404:
                continue
            if status in (401, 403):
                raise SessionError('The vSphere Automation API of %s refused the login of %s (HTTP %d)'
                                   % (self.params.endpoint, self.params.username, status))
            if status not in (200, 201):
                raise SessionError('The vSphere Automation API of %s answered HTTP %d to the login'
                                   % (self.params.endpoint, status))
            try:
                token = json.loads(body.decode('utf-8'))
            except (ValueError, UnicodeDecodeError):
                token = None
            if isinstance(token, dict):
                token = token.get('value')
            if not isinstance(token, str) or not token:
                raise SessionError('The vSphere Automation API of %s answered the login without a session token'
                                   % self.params.endpoint)
            self.token, self.dialect = token, dialect
            return self
        raise SessionError('%s has no vSphere Automation API (neither /api nor /rest): tags need a vCenter'
                           % self.params.endpoint)

    def logout(self):
        if self.token is None:
            return
        path = '/api/session' if self.dialect == 'api' else '/rest/com/vmware/cis/session'
        try:
            self._send('DELETE', path)
        except VirtEsxError:
            pass  # the session expires on its own
        self.token = None

    def __enter__(self):
        if self.token is None:
            self.login()
        return self

    def __exit__(self, *exc_info):
        self.logout()

    def call(self, what, method, service, item=None, action=None, body=None, spec=None, ok_missing=False):
        """One operation of a service such as ``cis/tagging/category`` in the session's dialect.

        ``item`` is an identifier in the path, ``action`` a POST action, ``body`` the JSON body
        (its ``spec`` key, for /rest, names the wrapper: ``create_spec`` / ``update_spec``).
        Returns the answer's value; with ``ok_missing`` a 404 returns None.
        """
        if self.dialect == 'api':
            path = '/api/' + service
            if item is not None:
                path += '/' + quote(item, safe='')
            if action:
                path += '?action=' + action
        else:
            path = '/rest/com/vmware/' + service
            if item is not None:
                path += '/id:' + quote(item, safe='')
            if action:
                path += '?~action=' + action
            if spec and body is not None:
                body = {spec: body}
        status, answer = self._send(method, path, body)
        if status == 404 and ok_missing:
            return None
        if status >= 400:
            error_type, message = error_messages(answer)
            raise RestError('%s failed: HTTP %d%s%s' % (what, status, ' %s' % error_type if error_type else '',
                                                        ': %s' % message if message else ''),
                            status=status, error_type=error_type)
        if not answer:
            return None
        try:
            value = json.loads(answer.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise RestError('%s: the answer is not JSON' % what, status=status)
        if self.dialect == 'rest' and isinstance(value, dict) and set(value) == {'value'}:
            value = value['value']
        return value


def object_id(moid, object_type='VirtualMachine'):
    """The DynamicID of a managed object."""
    return {'type': object_type, 'id': moid}


class Tagging(object):
    """Categories, tags and their associations over a RestSession."""

    CATEGORY = 'cis/tagging/category'
    TAG = 'cis/tagging/tag'
    ASSOCIATION = 'cis/tagging/tag-association'

    def __init__(self, rest):
        self.rest = rest
        self._categories = None
        self._tags = None

    # -- reading ---------------------------------------------------------------------

    def categories(self):
        """{id: category model} of every category (one list call and one read per category)."""
        if self._categories is None:
            ids = self.rest.call('Listing the tag categories', 'GET', self.CATEGORY) or []
            found = {}
            for category_id in ids:
                model = self.rest.call('Reading tag category %s' % category_id, 'GET', self.CATEGORY, item=category_id,
                                       ok_missing=True)
                if model:
                    found[model.get('id') or category_id] = model
            self._categories = found
        return self._categories

    def tags(self):
        """{id: tag model} of every tag (one list call and one read per tag)."""
        if self._tags is None:
            ids = self.rest.call('Listing the tags', 'GET', self.TAG) or []
            found = {}
            for tag_id in ids:
                model = self.rest.call('Reading tag %s' % tag_id, 'GET', self.TAG, item=tag_id, ok_missing=True)
                if model:
                    found[model.get('id') or tag_id] = model
            self._tags = found
        return self._tags

    def forget(self):
        self._categories = None
        self._tags = None

    def category_named(self, name):
        for model in self.categories().values():
            if model.get('name') == name:
                return model
        return None

    def tag_named(self, category_id, name):
        for model in self.tags().values():
            if model.get('category_id') == category_id and model.get('name') == name:
                return model
        return None

    def tag_label(self, tag_id):
        """'category/tag' of a tag id, None for an unknown one."""
        tag = self.tags().get(tag_id)
        if tag is None:
            return None
        category = self.categories().get(tag.get('category_id')) or {}
        return '%s/%s' % (category.get('name', tag.get('category_id')), tag.get('name'))

    def attached_tags(self, moid, object_type='VirtualMachine'):
        """Tag ids attached to one object."""
        return list(self.rest.call('Listing the tags of %s' % moid, 'POST', self.ASSOCIATION, action='list-attached-tags',
                                   body={'object_id': object_id(moid, object_type)}) or [])

    def attached_objects(self, tag_ids):
        """{tag id: [DynamicID dict]} for many tags, ASSOCIATION_BATCH tags per request."""
        tag_ids = list(tag_ids)
        found = {}
        for start in range(0, len(tag_ids), ASSOCIATION_BATCH):
            batch = tag_ids[start:start + ASSOCIATION_BATCH]
            answer = self.rest.call('Listing the objects of %d tags' % len(batch), 'POST', self.ASSOCIATION,
                                    action='list-attached-objects-on-tags', body={'tag_ids': batch}) or []
            for entry in answer:
                if isinstance(entry, dict) and entry.get('tag_id'):
                    found.setdefault(entry['tag_id'], []).extend(entry.get('object_ids') or [])
        return found

    # -- writing ---------------------------------------------------------------------

    def create_category(self, spec):
        self._categories = None
        return self.rest.call('Creating tag category %s' % spec.get('name'), 'POST', self.CATEGORY, body=spec,
                              spec='create_spec')

    def update_category(self, category_id, spec):
        self._categories = None
        self.rest.call('Updating tag category %s' % category_id, 'PATCH', self.CATEGORY, item=category_id, body=spec,
                       spec='update_spec')

    def delete_category(self, category_id):
        self.forget()
        self.rest.call('Deleting tag category %s' % category_id, 'DELETE', self.CATEGORY, item=category_id)

    def create_tag(self, spec):
        self._tags = None
        return self.rest.call('Creating tag %s' % spec.get('name'), 'POST', self.TAG, body=spec, spec='create_spec')

    def update_tag(self, tag_id, spec):
        self._tags = None
        self.rest.call('Updating tag %s' % tag_id, 'PATCH', self.TAG, item=tag_id, body=spec, spec='update_spec')

    def delete_tag(self, tag_id):
        self._tags = None
        self.rest.call('Deleting tag %s' % tag_id, 'DELETE', self.TAG, item=tag_id)

    def attach(self, tag_id, moid, object_type='VirtualMachine'):
        self.rest.call('Attaching tag %s' % self.tag_label(tag_id), 'POST', self.ASSOCIATION, item=tag_id, action='attach',
                       body={'object_id': object_id(moid, object_type)})

    def detach(self, tag_id, moid, object_type='VirtualMachine'):
        self.rest.call('Detaching tag %s' % self.tag_label(tag_id), 'POST', self.ASSOCIATION, item=tag_id, action='detach',
                       body={'object_id': object_id(moid, object_type)})
