# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every virt.esx module shares: the argument spec and a safe session.

    module = build_module(dict(name=dict(type='str')), supports_check_mode=True)
    with module_session(module) as session:
        ...

Any VirtEsxError raised inside becomes ``fail_json(msg=...)``; the session is
logged out on the way, whatever happened.
"""

from __future__ import annotations

import contextlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virt.esx.plugins.module_utils.vsphere.connection import (
    connection_argument_spec, connection_params_from_module)
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.session import ViSession


def build_module(argument_spec=None, tasks=False, **kwargs):
    """An AnsibleModule with the connection options (and task options) added."""
    spec = connection_argument_spec(tasks=tasks)
    spec.update(argument_spec or {})
    return AnsibleModule(argument_spec=spec, **kwargs)


@contextlib.contextmanager
def module_session(module):
    """Log in with the module's connection options; fail_json on any project error."""
    params = connection_params_from_module(module)
    session = None
    try:
        session = ViSession(params).connect()
        yield session
    except VirtEsxError as exc:
        module.fail_json(msg=str(exc))
    finally:
        if session is not None:
            session.close()
