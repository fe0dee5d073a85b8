# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secrets a VM definition carries: VNC passwords in domain XML and in VMX keys.

``domain_xml_secrets(text) -> set``
    Every ``passwd`` of a ``<graphics>`` element (libvirt's VNC password), also in XML that
    does not parse (the module's error about it must not show the password either).
``vmx_secrets(mapping) -> set``
    The values of VMX keys that hold passwords (``RemoteDisplay.vnc.password``; keys are
    case-insensitive in VMX).
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

SECRET_VMX_KEYS = frozenset(['remotedisplay.vnc.password'])
# For XML that does not parse: a passwd attribute of a graphics start tag, either quote.
_GRAPHICS_PASSWD = re.compile(r'''<\s*graphics\b[^>]*?\bpasswd\s*=\s*(["'])(.*?)\1''', re.DOTALL)


def domain_xml_secrets(text):
    if not isinstance(text, str) or 'passwd' not in text:
        return set()
    found = set(match.group(2) for match in _GRAPHICS_PASSWD.finditer(text))
    try:
        root = parse_xml(text)
    except VirtEsxError:
        return set(value for value in found if value)
    for graphics in root.iter('graphics'):
        value = graphics.get('passwd')
        if value:
            found.add(value)
    return set(value for value in found if value)


def vmx_secrets(mapping):
    if not isinstance(mapping, dict):
        return set()
    return set(str(value) for key, value in mapping.items()
               if str(key).strip().lower() in SECRET_VMX_KEYS and value not in (None, ''))
