# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The escaping schemes of VMware and libvirt's ESX driver.

API (every error is an ``EscapingError``)
=========================================

VM names in the vSphere API (``%``, ``/``, ``\\`` as ``%XX``):
    ``escape_vm_name(name) -> str`` / ``unescape_vm_name(text) -> str``
VMX ``displayName`` (``|`` and ``"`` as ``|XX``, then ``%``, ``/``, ``\\`` as ``%XX``):
    ``escape_display_name(name) -> str`` / ``unescape_display_name(text) -> str``
VMX ``annotation`` (``|`` and ``"`` as ``|XX``):
    ``escape_annotation(text) -> str`` / ``unescape_annotation(text) -> str``
The generic pieces:
    ``escape_hex(text, escape_char, specials)`` / ``unescape_hex(text, escape_char)``
    ``escape_pipe``/``unescape_pipe``, ``escape_percent``/``unescape_percent``
Datastore item names (file and folder names on a datastore):
    ``escape_datastore_item(name) -> str`` (not reversible; never contains ``/``,
    is never empty, ``.`` or ``..``)
    ``escape_base64_runs(text) -> str`` (VMware's ``+...-`` modified base64)
Datastore paths ``[datastore] directory/file``:
    ``parse_datastore_path(text) -> DatastorePath(datastore, directory, directory_and_file)``
    (libvirt's lenient reader: splits, checks nothing else)
    ``format_datastore_path(datastore, path) -> str``
    ``CheckedDatastorePath``: the only form in which a path is *sent* to vSphere. Made by
    ``CheckedDatastorePath.parse(text, option)`` or ``CheckedDatastorePath.of(datastore, relative,
    option)``; refuses ``.``/``..`` and empty segments, control characters and absolute paths, with
    a message naming the option and the value (``PathOutsideDatastore``).
Other:
    ``parse_xsd_datetime(text) -> int`` seconds since the epoch
    ``windows1252_to_text(data: bytes) -> str``

Hex digits are written in lower case (as libvirt does) and read in either case.
``unescape_*(escape_*(x)) == x`` for every text ``x``.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError

__all__ = [
    "escape_hex", "unescape_hex", "escape_pipe", "unescape_pipe", "escape_percent", "unescape_percent",
    "escape_vm_name", "unescape_vm_name", "escape_display_name", "unescape_display_name",
    "escape_annotation", "unescape_annotation", "escape_base64_runs", "escape_datastore_item",
    "DatastorePath", "parse_datastore_path", "format_datastore_path", "CheckedDatastorePath",
    "PathOutsideDatastore", "check_datastore_relative", "parse_xsd_datetime",
    "windows1252_to_text",
]

_HEX_DIGITS = "0123456789abcdefABCDEF"


def escape_hex(text: str, escape_char: str, specials: str) -> str:
    """Write ``escape_char`` and every character of ``specials`` as ``<escape_char>XX``."""
    if not isinstance(text, str):
        raise EscapingError("expected text to escape, got %s" % type(text).__name__)
    targets = set(specials) | {escape_char}
    return "".join("%s%02x" % (escape_char, ord(char)) if char in targets else char for char in text)


def unescape_hex(text: str, escape_char: str) -> str:
    """Decode every ``<escape_char>XX`` as the byte 0xXX; the bytes must form UTF-8 text."""
    if not isinstance(text, str):
        raise EscapingError("expected text to unescape, got %s" % type(text).__name__)
    if escape_char not in text:
        return text
    out = bytearray()
    pos = 0
    while True:
        found = text.find(escape_char, pos)
        if found < 0:
            out += text[pos:].encode("utf-8", "surrogatepass")
            break
        out += text[pos:found].encode("utf-8", "surrogatepass")
        digits = text[found + 1:found + 3]
        if len(digits) != 2 or digits[0] not in _HEX_DIGITS or digits[1] not in _HEX_DIGITS:
            raise EscapingError("invalid escape sequence %r at position %d of %r" % (text[found:found + 3], found, text))
        out.append(int(digits, 16))
        pos = found + 3
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise EscapingError("escape sequences in %r do not decode to UTF-8 text" % (text,)) from None


def escape_pipe(text: str) -> str:
    return escape_hex(text, "|", '"')


def unescape_pipe(text: str) -> str:
    return unescape_hex(text, "|")


def escape_percent(text: str) -> str:
    return escape_hex(text, "%", "/\\")


def unescape_percent(text: str) -> str:
    return unescape_hex(text, "%")


def escape_vm_name(name: str) -> str:
    """A VM name as the vSphere API stores it: ``%``, ``/`` and ``\\`` as ``%XX``."""
    return escape_percent(name)


def unescape_vm_name(text: str) -> str:
    """The VM name behind a name reported by the vSphere API."""
    return unescape_percent(text)


def escape_display_name(name: str) -> str:
    """A domain name as VMX ``displayName`` value: pipe-escape first, then percent-escape."""
    return escape_percent(escape_pipe(name))


def unescape_display_name(text: str) -> str:
    """The domain name behind a VMX ``displayName``: percent-unescape first, then pipe-unescape."""
    return unescape_pipe(unescape_percent(text))


def escape_annotation(text: str) -> str:
    return escape_pipe(text)


def unescape_annotation(text: str) -> str:
    return unescape_pipe(text)


# Datastore items -------------------------------------------------------------

# Characters VMware keeps as they are; every run of other bytes becomes "+<base64>" and,
# when more text follows, a closing "-".
_PLAIN_ITEM_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'(),. _-")
# Standard base64 with "," in place of "/" so that the result is a valid file name.
_ITEM_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"
_ITEM_FORBIDDEN_RE = re.compile(r'["*<>:|?]')


def _base64_run(data: bytes) -> str:
    out = []
    for start in range(0, len(data), 3):
        chunk = data[start:start + 3]
        bits = int.from_bytes(chunk + b"\0" * (3 - len(chunk)), "big")
        sextets = [(bits >> shift) & 0x3F for shift in (18, 12, 6, 0)]
        out.extend(_ITEM_BASE64[s] for s in sextets[:len(chunk) + 1])
    return "".join(out)


def escape_base64_runs(text: str) -> str:
    """VMware's encoding of the characters outside the plain file-name set."""
    out = []
    pos = 0
    while pos < len(text):
        end = pos
        plain = text[pos] in _PLAIN_ITEM_CHARS
        while end < len(text) and (text[end] in _PLAIN_ITEM_CHARS) == plain:
            end += 1
        if plain:
            out.append(text[pos:end])
        else:
            out.append("+" + _base64_run(text[pos:end].encode("utf-8", "surrogatepass")))
            if end < len(text):
                out.append("-")
        pos = end
    return "".join(out)


def escape_datastore_item(name: str) -> str:
    """A file or folder name as VMware stores it on a datastore.

    ``"*<>:|?`` become ``_``, then ``%``, ``/``, ``\\`` are percent-escaped and runs of
    other non-plain characters are base64-encoded. Names that would not stay inside
    their folder (empty, ``.``, ``..``) or that hold a NUL character are refused.
    """
    if not isinstance(name, str):
        raise EscapingError("expected a datastore item name, got %s" % type(name).__name__)
    if name in ("", ".", ".."):
        raise EscapingError("%r cannot be used as a datastore file or folder name" % (name,))
    if "\0" in name:
        raise EscapingError("a datastore file or folder name cannot contain a NUL character: %r" % (name,))
    escaped = escape_base64_runs(escape_percent(_ITEM_FORBIDDEN_RE.sub("_", name)))
    if "/" in escaped or escaped in ("", ".", ".."):  # pragma: no cover - guaranteed by construction
        raise EscapingError("%r cannot be used as a datastore file or folder name" % (name,))
    return escaped


# Datastore paths -------------------------------------------------------------

DatastorePath = namedtuple("DatastorePath", ["datastore", "directory", "directory_and_file"])
DatastorePath.__doc__ = """A parsed ``[datastore] directory/file`` path.

``directory`` is the path cut at its last ``/``, or the whole path when it has no
``/``; ``directory_and_file`` is everything after ``] `` (may be empty)."""


def parse_datastore_path(text: str) -> DatastorePath:
    """Split ``[datastore] directory/file`` into its parts."""
    if not isinstance(text, str):
        raise EscapingError("expected a datastore path, got %s" % type(text).__name__)
    if not text.startswith("["):
        raise EscapingError("datastore path %r does not start with '['" % (text,))
    close = text.find("]")
    if close < 0:
        datastore, path = text[1:], ""
    else:
        datastore, path = text[1:close], text[close + 1:].lstrip(" ")
    if datastore == "":
        raise EscapingError("datastore path %r has an empty datastore name" % (text,))
    directory = path.rsplit("/", 1)[0] if "/" in path else path
    return DatastorePath(datastore, directory, path)


def format_datastore_path(datastore: str, path: str = "") -> str:
    """``[datastore] path`` (just ``[datastore]`` for an empty path)."""
    if not isinstance(datastore, str) or not datastore or "]" in datastore:
        raise EscapingError("invalid datastore name %r" % (datastore,))
    return "[%s] %s" % (datastore, path) if path else "[%s]" % datastore


class PathOutsideDatastore(EscapingError):
    """A datastore path that would leave its datastore folder, or could not be sent as one."""


# A control character cannot be part of a file name a user meant; NUL would cut the path short.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _refuse(option, value, why):
    label = "%s " % option if option else ""
    raise PathOutsideDatastore("%s%r %s" % (label, value, why))


def check_datastore_relative(relative, option=None, value=None, allow_root=False):
    """Check a path inside a datastore (``dir/file.vmdk``); returns it unchanged.

    Refused: a leading ``/`` (absolute), empty segments (``a//b``, a trailing ``/``), ``.`` and
    ``..`` segments (also between backslashes, which some file servers behind a datastore read as
    separators), NUL and other control characters. ``allow_root`` accepts ``""`` (the datastore
    itself, for a search).
    """
    shown = relative if value is None else value
    if not isinstance(relative, str):
        _refuse(option, shown, "is not a text path")
    if relative == "":
        if allow_root:
            return relative
        _refuse(option, shown, "names a datastore, not a file or folder in it")
    if _CONTROL_RE.search(relative):
        _refuse(option, shown, "contains a NUL or other control character")
    if relative.startswith("/"):
        _refuse(option, shown, "is an absolute path; a path inside the datastore is expected (like 'dir/file.vmdk')")
    for segment in relative.split("/"):
        if segment == "":
            _refuse(option, shown, "has an empty path segment")
        if any(piece in (".", "..") for piece in segment.split("\\")):
            _refuse(option, shown, "has a '.' or '..' segment, which would leave its datastore folder")
    return relative


def _check_datastore_name(datastore, option, shown):
    if not isinstance(datastore, str) or datastore == "":
        _refuse(option, shown, "has an empty datastore name")
    if "]" in datastore or "/" in datastore or datastore in (".", ".."):
        _refuse(option, shown, "has an invalid datastore name %r" % (datastore,))
    if _CONTROL_RE.search(datastore):
        _refuse(option, shown, "contains a NUL or other control character")


class CheckedDatastorePath(object):
    """``[datastore] relative`` that stays inside its datastore: the one type the vSphere calls take.

    Immutable; ``str(path)`` is the ``[datastore] relative`` text vSphere expects (``[datastore]``
    for the datastore itself). Build it with ``parse`` or ``of``; ``child`` and ``parent`` derive
    others without leaving the datastore.
    """

    __slots__ = ("datastore", "relative")

    def __init__(self, datastore, relative, _checked=None):
        if _checked is not _TOKEN:
            raise TypeError("use CheckedDatastorePath.parse() or .of(): a datastore path must be checked")
        object.__setattr__(self, "datastore", datastore)
        object.__setattr__(self, "relative", relative)

    def __setattr__(self, name, value):
        raise AttributeError("CheckedDatastorePath is immutable")

    @classmethod
    def of(cls, datastore, relative="", option=None, allow_root=False):
        # The option named a datastore and a path in it apart: the message shows the part at fault as given.
        _check_datastore_name(datastore, option, datastore)
        check_datastore_relative(relative, option, relative, allow_root=allow_root)
        return cls(datastore, relative, _TOKEN)

    @classmethod
    def parse(cls, text, option=None, allow_root=False):
        """From ``[datastore] relative`` text (spaces after ``]`` skipped, as vSphere writes them)."""
        if isinstance(text, CheckedDatastorePath):
            return text
        if not isinstance(text, str):
            _refuse(option, text, "is not a datastore path")
        if _CONTROL_RE.search(text):
            _refuse(option, text, "contains a NUL or other control character")
        if not text.startswith("[") or "]" not in text:
            _refuse(option, text, "is not a datastore path like '[datastore] dir/file.vmdk'")
        close = text.index("]")
        datastore, relative = text[1:close], text[close + 1:].lstrip(" ")
        _check_datastore_name(datastore, option, text)
        check_datastore_relative(relative, option, text, allow_root=allow_root)
        return cls(datastore, relative, _TOKEN)

    @property
    def folder(self):
        """The relative folder ('' at the datastore's root)."""
        return self.relative.rsplit("/", 1)[0] if "/" in self.relative else ""

    @property
    def file_name(self):
        return self.relative.rsplit("/", 1)[-1]

    def parent(self):
        return CheckedDatastorePath(self.datastore, self.folder, _TOKEN)

    def child(self, name, option=None):
        """The path of ``name`` (one or more segments) below this one, checked."""
        return CheckedDatastorePath.of(self.datastore, "%s/%s" % (self.relative, name) if self.relative else name,
                                       option=option)

    def __str__(self):
        return format_datastore_path(self.datastore, self.relative)

    def __repr__(self):
        return "CheckedDatastorePath(%r)" % str(self)

    def __eq__(self, other):
        return isinstance(other, CheckedDatastorePath) and (self.datastore, self.relative) == (other.datastore, other.relative)

    def __hash__(self):
        return hash((self.datastore, self.relative))


_TOKEN = object()


# xsd:dateTime ----------------------------------------------------------------

_XSD_DATETIME_RE = re.compile(
    r"(-?)([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_since_epoch(year, month, day):
    # Days from 1970-01-01 in the proleptic Gregorian calendar, valid for any year >= 1.
    def days_before_year(y):
        y -= 1
        return y * 365 + y // 4 - y // 100 + y // 400
    days = days_before_year(year) - days_before_year(1970)
    days += sum(_DAYS_IN_MONTH[:month - 1]) + (1 if month > 2 and _is_leap(year) else 0)
    return days + day - 1


def parse_xsd_datetime(text: str) -> int:
    """Seconds since the epoch of an xsd:dateTime (``[-]CCYY-MM-DDTHH:MM:SS[.f][zone]``).

    No zone means UTC; fractional seconds are dropped; a negative (BC) year gives 0,
    as in libvirt.
    """
    match = _XSD_DATETIME_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise EscapingError("%r is not an xsd:dateTime ([-]CCYY-MM-DDTHH:MM:SS[.fraction][Z|(+|-)HH:MM])" % (text,))
    negative, year, month, day, hour, minute, second, zone = match.groups()
    year, month, day, hour, minute, second = (int(v) for v in (year, month, day, hour, minute, second))
    if negative:
        return 0
    month_days = _DAYS_IN_MONTH[month - 1] + (1 if month == 2 and _is_leap(year) else 0) if 1 <= month <= 12 else 0
    if year < 1 or not 1 <= day <= month_days or hour > 23 or minute > 59 or second > 60:
        raise EscapingError("%r is not a valid date and time" % (text,))
    offset = 0
    if zone and zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 14 or zone_minutes > 59:
            raise EscapingError("%r has an invalid time zone offset" % (text,))
        offset = (zone_hours * 60 + zone_minutes) * 60 * (-1 if zone[0] == "-" else 1)
    return _days_since_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset


# Windows-1252 ----------------------------------------------------------------


def windows1252_to_text(data: bytes) -> str:
    """Decode Windows-1252 bytes; the five undefined bytes map to the C1 controls of the same value."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise EscapingError("expected bytes, got %s" % type(data).__name__)
    decoded = bytes(data).decode("cp1252", "surrogateescape")
    return "".join(chr(ord(char) - 0xDC00) if "\udc80" <= char <= "\udcff" else char for char in decoded)
