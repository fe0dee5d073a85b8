# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plain VM definition -> libvirt domain XML, for libvirt's VMX formatter to read.

``definition_to_domain_xml(definition) -> str``
    ``definition`` is a dict; every key may be missing or None (left out):

    ``name``, ``uuid``, ``description``, ``memory_kib``, ``vcpus``,
    ``cpu_shares`` (``low``/``normal``/``high`` or a number of shares; a level is
    written as the number libvirt reads it as: per-vCPU shares times ``vcpus``),
    ``min_guarantee_kib``, ``arch`` (``x86_64`` or ``i686``), ``firmware`` (``efi``),
    ``disks``: list of dicts ``device`` (disk, cdrom), ``type`` (file, block),
    ``source``, ``target``, ``bus``, ``controller``, ``unit``;
    ``controllers``: list of dicts ``type``, ``index``, ``model``;
    ``interfaces``: list of dicts ``mac``, ``bridge``, ``model``.

The text is formatted as libvirt formats it (``vmx_to_xml_format.element_to_text``).
It is what virt.esx.vm gives ``formats.domain.domain_xml_to_vmx`` for a VM defined by
options, so that such a VM gets the .vmx libvirt would write.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_common import CPU_SHARES_PER_VCPU
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_to_xml_format import element_to_text, xml_safe_text
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import require_lxml

try:
    from lxml import etree
except ImportError:  # pragma: no cover - require_lxml() reports it
    etree = None

__all__ = ["definition_to_domain_xml"]


def _sub(parent, tag, attributes=(), text=None):
    element = etree.SubElement(parent, tag)
    for name, value in attributes:
        if value is not None:
            element.set(name, xml_safe_text(value))
    if text is not None:
        element.text = xml_safe_text(text)
    return element


def _cpu_shares(definition):
    shares = definition.get("cpu_shares")
    if isinstance(shares, str) and shares.lower() in CPU_SHARES_PER_VCPU:
        return CPU_SHARES_PER_VCPU[shares.lower()] * (definition.get("vcpus") or 1)
    return shares


def definition_to_domain_xml(definition):
    """A plain definition -> libvirt domain XML text (see the module documentation)."""
    require_lxml()
    domain = etree.Element("domain")
    domain.set("type", "vmware")
    for tag, key in (("name", "name"), ("uuid", "uuid"), ("description", "description")):
        if definition.get(key) is not None:
            _sub(domain, tag, text=definition[key])
    if definition.get("memory_kib") is not None:
        _sub(domain, "memory", [("unit", "KiB")], text=definition["memory_kib"])
    if definition.get("vcpus") is not None:
        _sub(domain, "vcpu", [("placement", "static")], text=definition["vcpus"])
    shares = _cpu_shares(definition)
    if shares is not None:
        _sub(_sub(domain, "cputune"), "shares", text=shares)
    if definition.get("min_guarantee_kib"):
        _sub(_sub(domain, "memtune"), "min_guarantee", [("unit", "KiB")], text=definition["min_guarantee_kib"])
    os_element = _sub(domain, "os", [("firmware", "efi" if definition.get("firmware") == "efi" else None)])
    _sub(os_element, "type", [("arch", definition.get("arch") or "x86_64")], text="hvm")
    devices = _sub(domain, "devices")
    for disk in definition.get("disks") or ():
        element = _sub(devices, "disk", [("type", disk.get("type") or "file"), ("device", disk.get("device") or "disk")])
        if disk.get("source"):
            _sub(element, "source", [("dev" if disk.get("type") == "block" else "file", disk["source"])])
        _sub(element, "target", [("dev", disk["target"]), ("bus", disk["bus"])])
        _sub(element, "address", [("type", "drive"), ("controller", disk["controller"]), ("bus", 0), ("target", 0),
                                  ("unit", disk["unit"])])
    for controller in definition.get("controllers") or ():
        _sub(devices, "controller", [("type", controller["type"]), ("index", controller["index"]),
                                     ("model", controller.get("model"))])
    for interface in definition.get("interfaces") or ():
        element = _sub(devices, "interface", [("type", "bridge")])
        if interface.get("mac"):
            _sub(element, "mac", [("address", interface["mac"])])
        _sub(element, "source", [("bridge", interface.get("bridge") or "")])
        if interface.get("model"):
            _sub(element, "model", [("type", interface["model"])])
    return element_to_text(domain)
