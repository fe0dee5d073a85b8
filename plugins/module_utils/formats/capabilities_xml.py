# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt capabilities XML of an ESX host (``virsh capabilities``).

Pure data -> XML; the caller reads the host from vSphere.

``format_capabilities_xml(host) -> str``
    ``host`` is a dict: uuid (str or None, left out when None; libvirt reads
    ``hardware.systemInfo.uuid``) and arch (``x86_64`` or ``i686``). As libvirt's
    ESX driver: no CPU topology, and migration offered live over the ``vpxmigr``
    transport (libvirt 9.0.0 advertises it on every ESX and vCenter connection).
    Guests are hvm of domain type vmware: i686 on every host, x86_64 as well on an
    x86_64 host.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import XmlElement, format_xml

__all__ = ["format_capabilities_xml", "HOST_ARCHES", "MIGRATION_TRANSPORT"]

HOST_ARCHES = ("x86_64", "i686")
# The URI scheme of libvirt's ESX migration (vpxmigr://vcenter/datacenter/host).
MIGRATION_TRANSPORT = "vpxmigr"
_GUEST_WORD_SIZES = (("i686", 32), ("x86_64", 64))


def format_capabilities_xml(host) -> str:
    """The capabilities XML of a host dict (see the module documentation)."""
    host_arch = host["arch"]
    if host_arch not in HOST_ARCHES:
        raise ValueError("unknown host architecture %r" % (host_arch,))
    root = XmlElement("capabilities")
    host_element = root.add("host")
    if host.get("uuid"):
        host_element.add("uuid", text=host["uuid"])
    cpu = host_element.add("cpu")
    cpu.add("arch", text=host_arch)
    host_element.add("power_management")
    host_element.add("iommu", [("support", "no")])
    migration = host_element.add("migration_features")
    migration.add("live")
    migration.add("uri_transports").add("uri_transport", text=MIGRATION_TRANSPORT)
    for arch, word_size in _GUEST_WORD_SIZES:
        if arch == "x86_64" and host_arch != "x86_64":
            continue
        guest = root.add("guest")
        guest.add("os_type", text="hvm")
        arch_element = guest.add("arch", [("name", arch)])
        arch_element.add("wordsize", text=str(word_size))
        arch_element.add("domain", [("type", "vmware")])
    return format_xml(root)
