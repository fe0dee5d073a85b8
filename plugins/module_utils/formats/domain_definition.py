# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A plain VM definition -> libvirt domain XML, for libvirt's VMX formatter to read.

``definition_to_domain_xml(definition) -> str``
    ``definition`` is a dict; every key may be missing or None (left out):

    ``name``, ``uuid``, ``description``, ``memory_kib``, ``vcpus``,
    ``cpu_shares`` (``low``/``normal``/``high`` or a number of shares; a level is
    written as the number libvirt reads it as: per-vCPU shares times ``vcpus``),
    ``cores_per_socket`` (a ``<cpu><topology>`` of ``vcpus / cores_per_socket`` sockets),
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
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_to_xml_format import element_to_text, sub_element
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import etree, require_lxml

__all__ = ["definition_to_domain_xml"]


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
            sub_element(domain, tag, text=definition[key])
    if definition.get("memory_kib") is not None:
        sub_element(domain, "memory", [("unit", "KiB")], text=definition["memory_kib"])
    if definition.get("vcpus") is not None:
        sub_element(domain, "vcpu", [("placement", "static")], text=definition["vcpus"])
    shares = _cpu_shares(definition)
    if shares is not None:
        sub_element(sub_element(domain, "cputune"), "shares", text=shares)
    if definition.get("min_guarantee_kib"):
        sub_element(sub_element(domain, "memtune"), "min_guarantee", [("unit", "KiB")], text=definition["min_guarantee_kib"])
    os_element = sub_element(domain, "os", [("firmware", "efi" if definition.get("firmware") == "efi" else None)])
    sub_element(os_element, "type", [("arch", definition.get("arch") or "x86_64")], text="hvm")
    cores = definition.get("cores_per_socket")
    if cores and definition.get("vcpus"):
        sub_element(sub_element(domain, "cpu"), "topology", [("sockets", definition["vcpus"] // cores), ("dies", 1),
                                                             ("cores", cores), ("threads", 1)])
    devices = sub_element(domain, "devices")
    for disk in definition.get("disks") or ():
        element = sub_element(devices, "disk", [("type", disk.get("type") or "file"), ("device", disk.get("device") or "disk")])
        if disk.get("source"):
            sub_element(element, "source", [("dev" if disk.get("type") == "block" else "file", disk["source"])])
        sub_element(element, "target", [("dev", disk["target"]), ("bus", disk["bus"])])
        sub_element(element, "address", [("type", "drive"), ("controller", disk["controller"]), ("bus", 0), ("target", 0),
                                         ("unit", disk["unit"])])
    for controller in definition.get("controllers") or ():
        sub_element(devices, "controller", [("type", controller["type"]), ("index", controller["index"]),
                                            ("model", controller.get("model"))])
    for interface in definition.get("interfaces") or ():
        element = sub_element(devices, "interface", [("type", "bridge")])
        if interface.get("mac"):
            sub_element(element, "mac", [("address", interface["mac"])])
        sub_element(element, "source", [("bridge", interface.get("bridge") or "")])
        if interface.get("model"):
            sub_element(element, "model", [("type", interface["model"])])
    return element_to_text(domain)
