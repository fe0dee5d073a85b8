# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain definition (``domain_model.Domain``) -> libvirt domain XML.

``domain_to_element(domain, *, secure=False) -> lxml element``
    The <domain> tree, elements and attributes in the order libvirt writes them.
``element_to_text(element) -> str``
    Text the way libvirt formats XML: two-space indentation, single-quoted
    attributes, ``< > & ' "`` written as entities in attributes and text alike,
    no XML declaration, a final newline. Carriage returns (and tabs and line feeds
    in attributes) are written as character references so that they survive parsing.

Text that cannot appear in XML (control characters other than tab, line feed and
carriage return, lone surrogates, U+FFFE/U+FFFF) is dropped or replaced while
the tree is built, so every VMX value can be shown.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import escape_attribute, escape_text, xml_safe_text

from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import etree, require_lxml

__all__ = ["domain_to_element", "element_to_text", "sub_element", "VMWARE_NAMESPACE", "xml_safe_text"]

VMWARE_NAMESPACE = "http://libvirt.org/schemas/domain/vmware/1.0"
VMWARE_PREFIX = "vmware"


def sub_element(parent, tag, attributes=(), text=None):
    """Append <tag> with the given (name, value) attributes; None values are left out."""
    element = etree.SubElement(parent, tag)
    for name, value in attributes:
        if value is not None:
            element.set(name, xml_safe_text(value))
    if text is not None:
        element.text = xml_safe_text(text)
    return element


def _sub_if_any(parent, tag, attributes):
    """Like sub_element, but no element at all when every attribute is None (libvirt omits empty elements)."""
    if all(value is None for _name, value in attributes):
        return None
    return sub_element(parent, tag, attributes)


def _yes_no(flag):
    return "yes" if flag else "no"


def _format_cpuset(cpus):
    """Sorted CPU numbers as libvirt's range list, e.g. 0-2,5-7."""
    ranges = []
    for cpu in sorted(set(cpus)):
        if ranges and ranges[-1][1] == cpu - 1:
            ranges[-1][1] = cpu
        else:
            ranges.append([cpu, cpu])
    return ",".join(str(low) if low == high else "%d-%d" % (low, high) for low, high in ranges)


def _add_disk(devices, disk):
    element = sub_element(devices, "disk", [("type", disk.disk_type), ("device", disk.device)])
    _sub_if_any(element, "driver", [("cache", disk.cache)])
    source_attribute = "file" if disk.disk_type == "file" else "dev"
    _sub_if_any(element, "source", [(source_attribute, disk.source), ("startupPolicy", disk.startup_policy)])
    sub_element(element, "target", [("dev", disk.target), ("bus", disk.bus)])
    if disk.readonly:
        sub_element(element, "readonly")
    if disk.transient:
        sub_element(element, "transient")
    sub_element(element, "address", [("type", "drive"), ("controller", disk.address.controller), ("bus", disk.address.bus),
                                     ("target", 0), ("unit", disk.address.unit)])


def _add_interface(devices, nic):
    element = sub_element(devices, "interface", [("type", nic.type)])
    sub_element(element, "mac", [("address", nic.mac), ("type", nic.mac_type),
                                 ("check", None if nic.mac_check is None else _yes_no(nic.mac_check))])
    if nic.type == "bridge":
        _sub_if_any(element, "source", [("bridge", nic.bridge)])
    elif nic.type == "vds":
        sub_element(element, "source", [("switchid", nic.switch_id), ("portid", nic.port_id),
                                        ("portgroupid", nic.portgroup_id), ("connectionid", nic.connection_id)])
    _sub_if_any(element, "target", [("dev", nic.ifname)])
    _sub_if_any(element, "model", [("type", nic.model)])


def _add_char_device(devices, chardev, console=False):
    element = sub_element(devices, "console" if console else chardev.kind, [("type", chardev.type)])
    if chardev.type == "tcp":
        sub_element(element, "source", [("mode", "bind" if chardev.listen else "connect"), ("host", chardev.host),
                                        ("service", chardev.service)])
        sub_element(element, "protocol", [("type", chardev.protocol)])
    else:
        _sub_if_any(element, "source", [("path", chardev.path)])
    sub_element(element, "target", [("type", "serial" if console else None), ("port", chardev.port)])


def _add_graphics(devices, graphics, secure):
    if graphics.port:
        port = graphics.port
    else:
        port = -1 if graphics.autoport else None
    element = sub_element(devices, "graphics", [
        ("type", graphics.type), ("port", port), ("autoport", _yes_no(graphics.autoport)),
        ("listen", graphics.listen_address), ("keymap", graphics.keymap),
        ("passwd", graphics.password if secure else None)])
    sub_element(element, "listen", [("type", "address"), ("address", graphics.listen_address)])


def domain_to_element(domain, *, secure=False):
    """The <domain> element of ``domain`` (see the module documentation)."""
    require_lxml()
    namespaces = {VMWARE_PREFIX: VMWARE_NAMESPACE} if domain.datacenter_path or domain.moref else None
    root = etree.Element("domain", nsmap=namespaces)
    root.set("type", domain.virt_type)
    if domain.domain_id is not None and domain.domain_id >= 0:
        root.set("id", str(domain.domain_id))
    if domain.name is not None:
        sub_element(root, "name", text=domain.name)
    sub_element(root, "uuid", text=domain.uuid)
    if domain.genid is not None:
        sub_element(root, "genid", text=domain.genid)
    if domain.description is not None:
        sub_element(root, "description", text=domain.description)
    sub_element(root, "memory", [("unit", "KiB")], text=str(domain.memory_kib))
    sub_element(root, "currentMemory", [("unit", "KiB")], text=str(domain.current_memory_kib))
    if domain.min_guarantee_kib > 0:
        memtune = sub_element(root, "memtune")
        sub_element(memtune, "min_guarantee", [("unit", "KiB")], text=str(domain.min_guarantee_kib))
    cpuset = _format_cpuset(domain.cpuset) if domain.cpuset else None
    sub_element(root, "vcpu", [("placement", "static"), ("cpuset", cpuset)], text=str(domain.vcpus))
    if domain.cpu_shares is not None:
        cputune = sub_element(root, "cputune")
        sub_element(cputune, "shares", text=str(domain.cpu_shares))
    os_element = sub_element(root, "os", [("firmware", domain.firmware)])
    sub_element(os_element, "type", [("arch", domain.arch)], text=domain.os_type)
    if domain.smbios_mode is not None:
        sub_element(os_element, "smbios", [("mode", domain.smbios_mode)])
    if domain.cpu is not None and domain.cpu.topology is not None:
        cpu = sub_element(root, "cpu")
        topology = domain.cpu.topology
        sub_element(cpu, "topology", [("sockets", topology.sockets), ("dies", topology.dies), ("cores", topology.cores),
                                      ("threads", topology.threads)])
    sub_element(root, "clock", [("offset", "utc")])
    sub_element(root, "on_poweroff", text="destroy")
    sub_element(root, "on_reboot", text="restart")
    sub_element(root, "on_crash", text="destroy")

    devices = sub_element(root, "devices")
    for disk in domain.disks:
        _add_disk(devices, disk)
    for controller in domain.controllers:
        sub_element(devices, "controller", [("type", controller.type), ("index", controller.index), ("model", controller.model)])
    for filesystem in domain.filesystems:
        element = sub_element(devices, "filesystem", [("type", filesystem.type), ("accessmode", "passthrough")])
        sub_element(element, "source", [("dir", filesystem.source)])
        sub_element(element, "target", [("dir", filesystem.target)])
        if filesystem.readonly:
            sub_element(element, "readonly")
    for nic in domain.interfaces:
        _add_interface(devices, nic)
    for chardev in domain.serials + domain.parallels:
        _add_char_device(devices, chardev)
    if domain.serials:
        # libvirt shows the first serial port again as the guest's console.
        _add_char_device(devices, domain.serials[0], console=True)
    for graphics in domain.graphics:
        _add_graphics(devices, graphics, secure)
    for video in domain.videos:
        element = sub_element(devices, "video")
        sub_element(element, "model", [("type", video.type), ("vram", video.vram), ("primary", "yes" if video.primary else None)])

    if domain.datacenter_path:
        sub_element(root, "{%s}datacenterpath" % VMWARE_NAMESPACE, text=domain.datacenter_path)
    if domain.moref:
        sub_element(root, "{%s}moref" % VMWARE_NAMESPACE, text=domain.moref)
    return root


def _qualified_name(element):
    qname = etree.QName(element)
    if qname.namespace is None:
        return qname.localname
    return "%s:%s" % (element.prefix, qname.localname) if element.prefix else qname.localname


def _write(element, depth, out, is_root):
    indent = "  " * depth
    parts = [indent, "<", _qualified_name(element)]
    for name, value in element.attrib.items():
        parts.append(" %s='%s'" % (etree.QName(name).localname, escape_attribute(value)))
    if is_root:
        for prefix, uri in sorted((p, u) for p, u in element.nsmap.items() if p is not None):
            parts.append(" xmlns:%s='%s'" % (prefix, escape_attribute(uri)))
    children = list(element)
    if children:
        parts.append(">\n")
        out.append("".join(parts))
        for child in children:
            _write(child, depth + 1, out, False)
        out.append("%s</%s>\n" % (indent, _qualified_name(element)))
    elif element.text:
        parts.append(">%s</%s>\n" % (escape_text(element.text), _qualified_name(element)))
        out.append("".join(parts))
    else:
        parts.append("/>\n")
        out.append("".join(parts))


def element_to_text(element) -> str:
    """``element`` as libvirt formats XML (see the module documentation)."""
    require_lxml()
    out = []
    _write(element, 0, out, True)
    return "".join(out)
