# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt storage pool and volume XML for ESX datastores and their files; sizes with units.

No network access here: callers pass plain dicts read from the server.

Identity, as libvirt's ESX storage driver derives it:
    ``pool_uuid(mount_path) -> str``
        A datastore has no UUID; libvirt uses the MD5 digest of the host's mount path
        (``Datastore.host[].mountInfo.path``, e.g. ``/vmfs/volumes/5f3c...``) as the pool UUID.
    ``volume_key(disk_uuid) -> str``
        A virtual disk's key is its disk UUID (``QueryVirtualDiskUuid``, VMware writes
        ``60 00 C2 9x ...-...``) in the usual lower-case 8-4-4-4-12 form. Files that are
        not virtual disks (ISO and floppy images) use their datastore path as key.

XML:
    ``format_pool_xml(pool) -> str``: ``pool`` has name, uuid, pool_type (dir|fs|netfs),
    accessible, capacity, available, mount_path and, for netfs, remote_host, remote_path,
    source_format (nfs|cifs). Inaccessible pools show zero sizes, as libvirt does.
    ``format_volume_xml(volume) -> str``: ``volume`` has name, key, capacity, allocation,
    path (``[datastore] dir/file``) and format (vmdk|iso|raw).
    ``parse_volume_xml(text) -> dict``: name, key, capacity and allocation in bytes
    (allocation ``None`` when absent), format (``None`` when absent).

Sizes:
    ``parse_size(value, default_unit='B') -> int`` bytes from ``10GiB``, ``512 MiB``,
    ``1073741824``, ``2G`` (libvirt's units: ``K``/``KiB`` are 1024, ``KB`` is 1000, and so
    on up to ``E``; case-insensitive).
    ``provisioning_from_allocation(capacity, allocation)`` -> ``thin`` | ``thick_lazy_zeroed``
    (libvirt's rule: allocation 0 is thin, allocation equal to capacity is preallocated).

Errors are ``StorageError`` (a ``VirtEsxError``).
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import digest_uuid, uuid_text
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import unit_scale as unit_scale_of
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import XmlElement, format_xml
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

__all__ = [
    "StorageError", "pool_uuid", "volume_key", "format_pool_xml", "format_volume_xml", "parse_volume_xml",
    "parse_size", "provisioning_from_allocation", "POOL_TYPES", "VOLUME_FORMATS",
]

POOL_TYPES = ("dir", "fs", "netfs")
VOLUME_FORMATS = ("vmdk", "iso", "raw")


class StorageError(VirtEsxError):
    """A storage pool or volume request that cannot be carried out."""


# Identity ----------------------------------------------------------------------

def pool_uuid(mount_path: str) -> str:
    """libvirt's pool UUID of a datastore: the MD5 digest of its mount path."""
    if not mount_path:
        raise StorageError("a datastore without a mount path has no pool UUID")
    return digest_uuid(mount_path)


def volume_key(disk_uuid: str) -> str:
    """A VMware disk UUID (``60 00 C2 ...-...`` or any spacing) as a libvirt volume key."""
    digits = re.sub(r"[\s-]", "", disk_uuid or "")
    if not re.fullmatch(r"[0-9A-Fa-f]{32}", digits):
        raise StorageError("%r is not a virtual disk UUID" % (disk_uuid,))
    return uuid_text(bytes.fromhex(digits))


# Sizes -------------------------------------------------------------------------

_SIZE_RE = re.compile(r"\s*([0-9]+)\s*([A-Za-z]*)\s*")
_UINT64_MAX = 2 ** 64 - 1


def unit_scale(unit: str) -> int:
    """Bytes per ``unit`` with libvirt's rules (``B``/``bytes``, ``K``/``KiB`` 1024, ``KB`` 1000, ...)."""
    text = (unit or "").strip()
    scale = unit_scale_of(text) if text else 1
    if scale is None:
        raise StorageError("unknown size unit %r (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB...)" % (unit,))
    return scale


def parse_size(value, default_unit: str = "B") -> int:
    """Bytes from an int or a text such as ``10GiB``; see the module documentation."""
    if isinstance(value, bool):
        raise StorageError("size %r is not a number of bytes" % (value,))
    if isinstance(value, int):
        number, unit = value, default_unit
    elif isinstance(value, str):
        match = _SIZE_RE.fullmatch(value)
        if not match:
            raise StorageError("cannot read size %r: expected a whole number with an optional unit, e.g. 10GiB" % (value,))
        number, unit = int(match.group(1)), match.group(2) or default_unit
    else:
        raise StorageError("size %r is neither a number nor a text" % (value,))
    if number < 0:
        raise StorageError("size %r is negative" % (value,))
    result = number * unit_scale(unit)
    if result > _UINT64_MAX:
        raise StorageError("size %r is too large" % (value,))
    return result


def provisioning_from_allocation(capacity: int, allocation) -> str:
    """libvirt's choice of disk type: allocation 0 is thin, allocation == capacity (or none) is preallocated."""
    if allocation is None or allocation == capacity:
        return "thick_lazy_zeroed"
    if allocation == 0:
        return "thin"
    raise StorageError("unsupported capacity-to-allocation relation: allocation must be 0 (thin) or equal to the "
                       "capacity (preallocated), not %d of %d bytes" % (allocation, capacity))


# XML ---------------------------------------------------------------------------

def _size_element(tag, value):
    return XmlElement(tag, [("unit", "bytes")], text="%d" % value)


def format_pool_xml(pool: dict) -> str:
    """The pool XML libvirt shows for a datastore (``virsh pool-dumpxml``)."""
    pool_type = pool["pool_type"]
    if pool_type not in POOL_TYPES:
        raise StorageError("unknown pool type %r" % (pool_type,))
    if pool.get("accessible"):
        capacity, available = int(pool.get("capacity") or 0), int(pool.get("available") or 0)
        allocation = capacity - available
    else:
        capacity = available = allocation = 0
    root = XmlElement("pool", [("type", pool_type)])
    root.add("name", text=pool["name"])
    root.add("uuid", text=pool["uuid"])
    for tag, value in (("capacity", capacity), ("allocation", allocation), ("available", available)):
        root.children.append(_size_element(tag, value))
    source = root.add("source", open_when_empty=True)
    if pool_type == "netfs":
        if pool.get("remote_host"):
            source.add("host", [("name", pool["remote_host"])])
        if pool.get("remote_path"):
            source.add("dir", [("path", pool["remote_path"])])
        source.add("format", [("type", pool.get("source_format") or "nfs")])
    elif pool_type == "fs":
        # A VMFS datastore, as libvirt's ESX storage driver formats it.
        source.add("format", [("type", "vmfs")])
    target = root.add("target")
    target.add("path", text=pool.get("mount_path") or "")
    permissions = target.add("permissions")
    permissions.add("mode", text="00")
    permissions.add("owner", text="0")
    permissions.add("group", text="0")
    return format_xml(root)


def format_volume_xml(volume: dict) -> str:
    """The volume XML libvirt shows for a datastore file (``virsh vol-dumpxml``); a key of None is left out."""
    root = XmlElement("volume", [("type", "file")])
    root.add("name", text=volume["name"])
    if volume.get("key"):
        root.add("key", text=volume["key"])
    root.children += [_size_element("capacity", int(volume.get("capacity") or 0)),
                      _size_element("allocation", int(volume.get("allocation") or 0))]
    target = root.add("target")
    target.add("path", text=volume["path"])
    target.add("format", [("type", volume.get("format") or "vmdk")])
    return format_xml(root)


def _sized(element, what):
    if element is None:
        return None
    text = (element.text or "").strip()
    if not text:
        raise StorageError("<%s> is empty" % what)
    unit = element.get("unit", "B")
    try:
        return parse_size(text, default_unit=unit) if text.isdigit() else parse_size(text)
    except StorageError as exc:
        raise StorageError("<%s>: %s" % (what, exc))


def parse_volume_xml(text) -> dict:
    """Read the parts of libvirt volume XML that matter for an ESX datastore file."""
    try:
        root = parse_xml(text, root_tag="volume")
    except DomainXmlError as exc:
        raise StorageError("volume XML: %s" % exc)
    volume_type = root.get("type", "file")
    if volume_type != "file":
        raise StorageError("volume XML: creating non-file volumes (type %r) is not supported" % volume_type)
    name = (root.findtext("name") or "").strip()
    if not name:
        raise StorageError("volume XML has no <name>")
    capacity = _sized(root.find("capacity"), "capacity")
    if capacity is None:
        raise StorageError("volume XML has no <capacity>")
    allocation = _sized(root.find("allocation"), "allocation")
    format_element = root.find("target/format")
    volume_format = format_element.get("type") if format_element is not None else None
    return dict(name=name, key=(root.findtext("key") or "").strip() or None, capacity=capacity,
                allocation=allocation, format=volume_format)
