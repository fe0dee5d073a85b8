# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt storage XML of a host's iSCSI storage, as libvirt's ESX iSCSI backend shows it (read-only).

Identity:
    ``iscsi_pool_uuid(iqn) -> str``: a static target has no UUID; libvirt uses the MD5 digest of
    its iSCSI name (IQN), which is the pool name too.
    ``iscsi_volume_key(lun_uuid) -> str``: a LUN's key is the MD5 digest of its ``ScsiLun.uuid``
    (about 55 characters), in UUID form.

XML:
    ``format_iscsi_pool_xml(pool) -> str``: ``pool`` has name (the IQN), uuid, remote_host (the
    target's address) and port (None when the target names none). An iSCSI pool has no sizes
    (all 0) and no target path.
    ``format_iscsi_volume_xml(volume) -> str``: ``volume`` has name (the LUN's device name), key,
    capacity (bytes; the allocation is the same) and path (the LUN's device path). A LUN is a
    block volume without a format.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.formats.tables import digest_uuid
from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import XmlElement, format_xml

__all__ = ["iscsi_pool_uuid", "iscsi_volume_key", "format_iscsi_pool_xml", "format_iscsi_volume_xml"]


def iscsi_pool_uuid(iqn: str) -> str:
    return digest_uuid(iqn)


def iscsi_volume_key(lun_uuid: str) -> str:
    return digest_uuid(lun_uuid)


def _size(tag, value):
    return XmlElement(tag, [("unit", "bytes")], text="%d" % value)


def format_iscsi_pool_xml(pool: dict) -> str:
    root = XmlElement("pool", [("type", "iscsi")])
    root.add("name", text=pool["name"])
    root.add("uuid", text=pool["uuid"])
    root.children += [_size("capacity", 0), _size("allocation", 0), _size("available", 0)]
    source = root.add("source", open_when_empty=True)
    if pool.get("remote_host"):
        port = pool.get("port")
        source.add("host", [("name", pool["remote_host"]), ("port", str(port) if port else None)])
    initiator = source.add("initiator")
    initiator.add("iqn", [("name", pool["name"])])
    target = root.add("target")
    permissions = target.add("permissions")
    permissions.add("mode", text="00")
    permissions.add("owner", text="0")
    permissions.add("group", text="0")
    return format_xml(root)


def format_iscsi_volume_xml(volume: dict) -> str:
    root = XmlElement("volume", [("type", "block")])
    root.add("name", text=volume["name"])
    root.add("key", text=volume["key"])
    root.add("source", open_when_empty=True)
    capacity = int(volume.get("capacity") or 0)
    root.children += [_size("capacity", capacity), _size("allocation", capacity)]
    target = root.add("target")
    target.add("path", text=volume["path"])
    return format_xml(root)
