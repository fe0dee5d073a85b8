# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline VMX <-> libvirt domain XML conversion filters (documented in vmx_to_xml.yml and xml_to_vmx.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.virt.esx.plugins.module_utils.formats.domain import (
    default_resolve_file, domain_xml_to_vmx, make_resolve_file, vmx_to_domain_xml)
from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError

# What libvirt's ESX driver picks for ESXi and vCenter 7.x and 8.x.
DEFAULT_VIRTUAL_HW_VERSION = 8


def _text(value, what):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise AnsibleFilterError("%s expects text, got %s" % (what, type(value).__name__))
    return str(value)


def _optional_text(value, name, what):
    if value is None:
        return None
    if not isinstance(value, str):
        raise AnsibleFilterError("%s: option '%s' must be a string, got %s" % (what, name, type(value).__name__))
    return str(value)


def _bool(value, name, what):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "true", "on", "1", "no", "false", "off", "0"):
        return value.strip().lower() in ("yes", "true", "on", "1")
    raise AnsibleFilterError("%s: option '%s' must be a boolean, got %r" % (what, name, value))


def vmx_to_xml(vmx_text, secure=False, datacenter_path=None, moref=None, vmx_path=None):
    """.vmx text -> libvirt domain XML."""
    what = "vmx_to_xml"
    data = _text(vmx_text, what)
    vmx_path = _optional_text(vmx_path, "vmx_path", what)
    try:
        resolve_file = make_resolve_file(vmx_path) if vmx_path else default_resolve_file
        return vmx_to_domain_xml(data, resolve_file=resolve_file, secure=_bool(secure, "secure", what),
                                 datacenter_path=_optional_text(datacenter_path, "datacenter_path", what),
                                 moref=_optional_text(moref, "moref", what))
    except VirtEsxError as err:
        raise AnsibleFilterError("%s: %s" % (what, err)) from None


def xml_to_vmx(xml_text, virtual_hw_version=DEFAULT_VIRTUAL_HW_VERSION, datacenter_path=None):
    """libvirt domain XML -> .vmx text."""
    what = "xml_to_vmx"
    data = _text(xml_text, what)
    try:
        version = int(virtual_hw_version)
        if isinstance(virtual_hw_version, bool) or str(version) != str(virtual_hw_version).strip():
            raise ValueError(virtual_hw_version)
    except (TypeError, ValueError):
        raise AnsibleFilterError("%s: option 'virtual_hw_version' must be an integer, got %r" % (what, virtual_hw_version)) from None
    if version < 4:
        raise AnsibleFilterError("%s: option 'virtual_hw_version' must be 4 or higher, got %d" % (what, version))
    try:
        return domain_xml_to_vmx(data, virtual_hw_version=version,
                                 datacenter_path=_optional_text(datacenter_path, "datacenter_path", what))
    except VirtEsxError as err:
        raise AnsibleFilterError("%s: %s" % (what, err)) from None


class FilterModule:
    """VMX <-> libvirt domain XML."""

    def filters(self):
        return {"vmx_to_xml": vmx_to_xml, "xml_to_vmx": xml_to_vmx}
