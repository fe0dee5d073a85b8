# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every secret the options of a module or of the inventory carry, found as soon as they are read.

Ansible masks a module's ``no_log`` options everywhere, but a password can also sit inside an option
that is not secret as a whole: the user part of ``uri`` (``esx://root:pw@host/``, refused, but the
refused value is still printed with the invocation at ``-vvv``), a proxy URL (``http://u:pw@proxy``),
a VNC password in ``extra_config`` or in the domain XML.  :func:`option_secrets` finds them all;
the module registers them as no_log values before anything else happens, and the inventory masks
them in its errors with :func:`mask`.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

from ansible_collections.virt.esx.plugins.module_utils.formats.secrets import domain_xml_secrets, vmx_secrets

_USERINFO = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*://([^/?#@\s]*)@')
_PROXY_QUERY = re.compile(r'[?&]proxy=([^&#]*)', re.IGNORECASE)
MASK = '********'


def url_secrets(text):
    """The password of each ``scheme://user:password@`` in ``text``, as written and percent-decoded."""
    found = set()
    if not isinstance(text, str):
        return found
    candidates = [text] + [unquote(value) for value in _PROXY_QUERY.findall(text)]
    for candidate in candidates:
        for userinfo in _USERINFO.findall(candidate):
            if ':' in userinfo:
                password = userinfo.split(':', 1)[1]
                if password:
                    found.update([password, unquote(password)])
    return found


def option_secrets(params, environ=None):
    """The secrets in module or plugin options (and in the VMWARE_PROXY fallback)."""
    env = os.environ if environ is None else environ
    found = set()
    for name in ('uri', 'proxy'):
        found |= url_secrets(params.get(name))
    found |= url_secrets(env.get('VMWARE_PROXY'))
    for name in ('password',):
        if params.get(name):
            found.add(params[name])
    found |= vmx_secrets(params.get('extra_config'))
    found |= domain_xml_secrets(params.get('xml'))
    return set(value for value in found if isinstance(value, str) and value)


def register_secrets(module):
    """Make Ansible mask every secret of the module's options in everything it prints or returns."""
    module.no_log_values.update(option_secrets(module.params))


def mask(text, secrets):
    """``text`` with each secret replaced by ********, longest first (one may contain another)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
