# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMX <-> libvirt domain XML: the public entry points and the callbacks for real hosts.

``vmx_to_domain_xml(vmx_text, *, resolve_file=None, datacenter_path=None, moref=None, secure=False, domain_id=None) -> str``
    .vmx text (or bytes) -> domain XML, as libvirt's ESX driver produces it.
    ``secure`` includes secrets such as the VNC password; ``domain_id`` (an active
    domain's libvirt id, the number of its moref) is written as ``<domain id=...>``.
``domain_xml_to_vmx(xml_text, *, virtual_hw_version, format_file=None, autodetect_scsi_model=None, datacenter_path=None) -> str``
    domain XML -> .vmx text for the given ``virtualHW.version``.

Both raise only ``VirtEsxError`` subclasses for bad input. The mapping itself lives in
``vmx_to_xml.py`` and ``xml_to_vmx.py``.

File-name callbacks (libvirt leaves file names to its caller):

``resolve_file(name, allow_missing=False) -> str | None``
    VMX ``fileName`` -> XML ``<source>``. Returns None only when the file does not
    exist and ``allow_missing`` is true (the converter then keeps an empty CD-ROM);
    raises ``VirtEsxError`` for names it refuses.
``format_file(source) -> str``
    XML ``<source>`` -> VMX ``fileName``; raises ``VirtEsxError`` for sources it refuses.

The defaults below need no connection to a host:

``default_resolve_file``   ``/vmfs/volumes/<datastore>/<path>`` -> ``[<datastore>] <path>``
    (the datastore segment is kept as written: a name, or the UUID of the mount
    point); other absolute paths are kept; a relative name is kept relative (VMware
    reads it relative to the folder of the .vmx file); use ``make_resolve_file(vmx_path)``
    to turn relative names into datastore paths when the .vmx file's location is known.
``default_format_file``    ``[<datastore>] <path>`` -> ``/vmfs/volumes/<datastore>/<path>``;
    absolute paths and relative names are kept.
Both refuse ``.`` and ``..`` path segments on a datastore (a path must not leave its
datastore folder) and empty datastore names or paths.

``default_virtual_hw_version(product, version) -> int``
    libvirt's choice of ``virtualHW.version`` for new VMs: product ``esx``, ``gsx`` or
    ``vpx`` (vCenter); version as ``"6.7.0"``, ``(6, 7, 0)`` or ``6007000``.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.escaping import check_datastore_relative, parse_datastore_path

__all__ = [
    "vmx_to_domain_xml", "domain_xml_to_vmx", "default_resolve_file", "default_format_file",
    "make_resolve_file", "default_virtual_hw_version",
]

_VMFS_PREFIX = "/vmfs/volumes/"


def _check_segments(path, original):
    check_datastore_relative(path, option="file name", value=original)


def _vmfs_to_datastore_path(name):
    segments = name[len(_VMFS_PREFIX):].split("/")
    while segments and segments[0] == "":
        segments.pop(0)
    if not segments:
        raise EscapingError("file name %r names no datastore" % (name,))
    datastore, rest = segments[0], [segment for segment in segments[1:] if segment != ""]
    if datastore in (".", ".."):
        raise EscapingError("file name %r has an invalid datastore %r" % (name, datastore))
    if not rest:
        raise EscapingError("file name %r names a datastore but no file on it" % (name,))
    path = "/".join(rest)
    _check_segments(path, name)
    return "[%s] %s" % (datastore, path)


def default_resolve_file(name, allow_missing=False):  # pylint: disable=unused-argument
    """VMX file name -> XML source for a real host (see the module documentation)."""
    if not isinstance(name, str) or name == "":
        raise EscapingError("empty file name")
    if name.startswith(_VMFS_PREFIX) or name.rstrip("/") == _VMFS_PREFIX.rstrip("/"):
        return _vmfs_to_datastore_path(name)
    if not name.startswith("/"):
        _check_segments(name, name)
    return name


def make_resolve_file(vmx_path):
    """A resolver that reads relative names against the folder of ``vmx_path`` (``[ds] dir/vm.vmx``)."""
    location = parse_datastore_path(vmx_path)
    folder = location.directory_and_file.rsplit("/", 1)[0] if "/" in location.directory_and_file else ""

    def resolve_file(name, allow_missing=False):
        resolved = default_resolve_file(name, allow_missing)
        if resolved.startswith("/") or resolved.startswith("["):
            return resolved
        return "[%s] %s" % (location.datastore, "%s/%s" % (folder, resolved) if folder else resolved)

    return resolve_file


def default_format_file(source):
    """XML source -> VMX file name for a real host (see the module documentation)."""
    if not isinstance(source, str) or source == "":
        raise EscapingError("empty file source")
    if source.startswith("["):
        parsed = parse_datastore_path(source)
        if "/" in parsed.datastore or parsed.datastore in (".", ".."):
            raise EscapingError("source %r has an invalid datastore name %r" % (source, parsed.datastore))
        path = parsed.directory_and_file
        if path == "":
            raise EscapingError("source %r names a datastore but no file on it" % (source,))
        _check_segments(path.strip("/"), source)
        return "%s%s/%s" % (_VMFS_PREFIX, parsed.datastore, path)
    if source.startswith(_VMFS_PREFIX):
        _vmfs_to_datastore_path(source)  # the same checks as for a datastore path
        return source
    if not source.startswith("/"):
        _check_segments(source, source)
    return source


# virtualHW.version -------------------------------------------------------------


def _version_number(version):
    if isinstance(version, bool):
        raise VirtEsxError("invalid product version %r" % (version,))
    if isinstance(version, int):
        return version
    if isinstance(version, (tuple, list)):
        parts = list(version)
    elif isinstance(version, str) and re.fullmatch(r"\s*[0-9]+(\.[0-9]+){0,2}\s*", version):
        parts = [int(part) for part in version.strip().split(".")]
    else:
        raise VirtEsxError("invalid product version %r: expected major.minor.micro" % (version,))
    parts = (parts + [0, 0, 0])[:3]
    if any(not isinstance(part, int) or isinstance(part, bool) or part < 0 or part > 999 for part in parts):
        raise VirtEsxError("invalid product version %r" % (version,))
    return parts[0] * 1000000 + parts[1] * 1000 + parts[2]


def default_virtual_hw_version(product, version):
    """libvirt's ``virtualHW.version`` for a new VM on ``product`` (esx, gsx, vpx) ``version``."""
    number = _version_number(version)
    major, minor = number // 1000000, (number // 1000) % 1000
    kind = str(product).strip().lower()
    if kind == "gsx":
        return 7
    if kind not in ("esx", "vpx"):
        raise VirtEsxError("unknown product %r: expected esx, gsx or vpx" % (product,))
    if kind == "vpx" and major == 2:
        return 4
    if kind == "esx" and major == 3:
        return 4
    if major == 4:
        return 7
    if major == 5:
        return 9 if minor < 5 else 10
    if major == 6:
        return 10
    return 8


# Conversions -------------------------------------------------------------------


def vmx_to_domain_xml(vmx_text, *, resolve_file=None, datacenter_path=None, moref=None, secure=False, domain_id=None):
    """.vmx text -> libvirt domain XML (see the module documentation)."""
    from ansible_collections.virt.esx.plugins.module_utils.formats.vmx_to_xml import convert_vmx_to_xml

    return convert_vmx_to_xml(vmx_text, resolve_file=resolve_file or default_resolve_file,
                              datacenter_path=datacenter_path, moref=moref, secure=secure,
                              domain_id=domain_id)


def domain_xml_to_vmx(xml_text, *, virtual_hw_version, format_file=None, autodetect_scsi_model=None, datacenter_path=None):
    """libvirt domain XML -> .vmx text (see the module documentation)."""
    from ansible_collections.virt.esx.plugins.module_utils.formats.xml_to_vmx import convert_xml_to_vmx

    return convert_xml_to_vmx(xml_text, virtual_hw_version=virtual_hw_version,
                              format_file=format_file or default_format_file,
                              autodetect_scsi_model=autodetect_scsi_model, datacenter_path=datacenter_path)
