# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract every virt.esx module keeps: options, session, failure and result.

    module = EsxModule(dict(name=dict(type='str')), tasks=True, supports_check_mode=True)
    module.run(lambda session: manage_thing(session, module.params, check_mode=module.check_mode))

:class:`EsxModule` adds the connection options (and the task options) to the
module's own; :meth:`EsxModule.run` logs in, calls the module's logic with the
session, logs out whatever happened, and leaves by one of two exits:

* a VirtEsxError becomes ``fail_json(msg=str(err), **err.as_dict())``, so an
  error that carries result fields (a VM question, the hosts a multi-host run
  already changed) returns them with the failure;
* the logic's result dict becomes ``exit_json``: ``changed`` is False unless
  the result says otherwise, each of its ``warnings`` is a module warning, and
  its ``diff`` is returned in diff mode only.

``build_module`` and ``module_session`` are the same pieces for code that needs
the session in a ``with`` block (the integration targets' probe modules).
"""

from __future__ import annotations

import contextlib
from http.client import HTTPException

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import (
    connection_argument_spec, connection_params_from_module)
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.secrets import register_secrets
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session_store import SessionStore
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transport import connection_error_text


def module_argument_spec(argument_spec=None, tasks=False, task_timeout=False):
    """The connection options, the task options asked for, then the module's own options.

    ``tasks`` adds auto_answer and task_timeout, for modules that run tasks on VMs
    (which a VM question can block); ``task_timeout`` adds task_timeout alone, for
    modules whose tasks no VM question can block.
    """
    spec = connection_argument_spec(tasks=tasks or task_timeout)
    if task_timeout and not tasks:
        del spec['auto_answer']
        del spec['answers']
    spec.update(argument_spec or {})
    return spec


class EsxModule(AnsibleModule):
    """An AnsibleModule with the virt.esx options, session and result contract."""

    def __init__(self, argument_spec=None, tasks=False, task_timeout=False, **kwargs):
        super(EsxModule, self).__init__(
            argument_spec=module_argument_spec(argument_spec, tasks=tasks, task_timeout=task_timeout), **kwargs)

    def run(self, manage):
        """Exit with ``manage(session)``'s result, or fail with the VirtEsxError it raised."""
        with module_session(self) as session:
            result = manage(session)
        self.exit_result(result)

    def exit_result(self, result):
        result = dict(result)
        result.setdefault('changed', False)
        for warning in result.pop('warnings', None) or ():
            self.warn(warning)
        diff = result.pop('diff', None)
        if self._diff and diff is not None:
            result['diff'] = diff
        self.exit_json(**result)


def build_module(argument_spec=None, tasks=False, **kwargs):
    """An EsxModule, for code that opens the session with :func:`module_session`."""
    return EsxModule(argument_spec, tasks=tasks, **kwargs)


@contextlib.contextmanager
def module_session(module):
    """Log in with the module's connection options; fail_json on any project error."""
    # Before anything can fail: a refused uri with a password is still printed with the invocation.
    register_secrets(module)
    params = connection_params_from_module(module)
    session = None
    try:
        # The tasks of a play share one login per endpoint and user (see vsphere/session_store.py).
        session = ViSession(params, session_store=SessionStore.for_params(params)).connect()
        yield session
    except VirtEsxError as exc:
        module.fail_json(msg=str(exc), **exc.as_dict())
    except (OSError, HTTPException) as exc:
        # A connection error no layer below put in words (the transport words the ones it sees).
        module.fail_json(msg='The connection to %s failed: %s' % (params.endpoint, connection_error_text(exc)))
    finally:
        if session is not None:
            session.close()
