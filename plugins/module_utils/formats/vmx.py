# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and writing VMware .vmx files as an ordered list of key/value entries.

API
===

``parse_vmx(data, *, encoding=None) -> VmxFile``
    ``data`` is ``str`` or ``bytes``. Bytes are decoded with the file's own
    ``.encoding`` entry (any text codec Python knows, e.g. ``windows-1252``),
    UTF-8 when it has none, or ``encoding`` when given (overrides the file).
    A ``str`` holding surrogate escapes (text read with ``surrogateescape``)
    is turned back into bytes and decoded the same way. Malformed input raises
    ``VmxError`` naming the line.

``VmxFile`` (reading)
    ``get(key, default=None)``    raw value of the FIRST entry whose key matches
                                  ``key`` ignoring letter case (libvirt's rule),
                                  or ``default``.
    ``has(key)`` / ``key in vmx`` whether such an entry exists.
    ``get_bool(key, default=None)``  ``true``/``false`` in any case -> bool;
                                  other text raises ``VmxError`` naming the key.
    ``get_int(key, default=None, unlimited=-1)``  decimal integer (optional
                                  sign, leading blanks); ``unlimited`` (any case)
                                  gives the ``unlimited`` argument, as libvirt
                                  does; other text raises ``VmxError``.
    ``items()`` / ``keys()``      ``(key, value)`` pairs / keys in file order,
                                  duplicates included, keys in their written case.
    ``keys_with_prefix(prefix)``  keys (file order) starting with ``prefix``,
                                  ignoring case.
    ``duplicate_keys()``          keys (first spelling) that occur more than once.
    ``line_of(key)``              line number of the entry ``get`` uses, or None.
    ``encoding``                  the ``.encoding`` the file declared, or None.

``VmxFile`` (writing)
    ``VmxFile()``                 an empty file.
    ``add(key, value)``           append ``key = "value"``; a key that is already
                                  present (any case) raises ``VmxError``.
    ``set(key, value)``           replace the value of the first matching entry
                                  in place, or append.
    ``remove(key)``               drop every matching entry; returns how many.
    ``render() -> str``           ``.encoding = "UTF-8"`` first, then one
                                  ``key = "value"`` line per entry, each ending
                                  with ``\\n``; comment lines are kept as ``# ...``.
    ``to_bytes() -> bytes``       ``render()`` encoded as UTF-8.
``format_vmx(pairs) -> str``      render an iterable of ``(key, value)`` pairs.

Values are stored exactly as written between the quotes: no ``|XX`` decoding
happens here, because libvirt decodes only ``displayName`` and ``annotation``
(see ``escaping.py``). When rendering, characters that cannot appear inside a
quoted VMX value (``"``, line breaks and other control characters except tab)
are written as VMware's ``|XX`` sequences, so the output is always loadable;
``|`` itself is left alone so pre-escaped values (``escaping.escape_display_name``)
pass through unchanged.

Syntax accepted (libvirt's VMX reader, plus VMware's unquoted values, which must not start with ``[``): ``key = value``
statements separated by line breaks or ``;``; keys start with a letter, ``_`` or
``.`` and continue with letters, digits, ``_ : . -``; values are ``"..."``,
``'...'``, ``\"\"\"...\"\"\"`` (may span lines) or a bare word; ``#`` starts a
comment. A UTF-8 byte order mark is ignored. NUL characters are refused.
"""

from __future__ import annotations

import codecs
import re

from ansible_collections.virt.esx.plugins.module_utils.errors import VmxError

__all__ = ["VmxFile", "parse_vmx", "format_vmx", "is_valid_key", "quote_value"]

_KEY_RE = re.compile(r"[A-Za-z_.][A-Za-z0-9_:.\-]*")
_BLANKS = " \t"
_EOL = "\r\n"
# A bare (unquoted) value runs up to blanks, a comment, a separator or the line end.
_BARE_VALUE_RE = re.compile(r"[^\s\"'#;\[][^\s\"'#;]*")
_UNLOADABLE_CHARS_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\"]")
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ASCII_PROBE = '.encoding = "x"\n#;|\'' + "".join(chr(c) for c in range(0x20, 0x7F))


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a syntactically valid VMX key."""
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


def quote_value(value: str) -> str:
    """``value`` as a double-quoted VMX value, with unloadable characters as ``|XX``."""
    return '"' + _UNLOADABLE_CHARS_RE.sub(lambda m: "|%02x" % ord(m.group(0)), value) + '"'


class _Entry:
    __slots__ = ("key", "value", "line", "comment")

    def __init__(self, key, value, line=None, comment=None):
        self.key = key
        self.value = value
        self.line = line
        self.comment = comment


class _Comment:
    __slots__ = ("text", "line")

    def __init__(self, text, line=None):
        self.text = text
        self.line = line


class VmxFile:
    """An ordered VMX document; see the module documentation for the API."""

    def __init__(self):
        self._items = []
        self.encoding = None

    # reading -------------------------------------------------------------

    def _entries(self):
        return [item for item in self._items if isinstance(item, _Entry)]

    def _find(self, key):
        folded = key.lower()
        for item in self._items:
            if isinstance(item, _Entry) and item.key.lower() == folded:
                return item
        return None

    def get(self, key: str, default=None):
        entry = self._find(key)
        return default if entry is None else entry.value

    def has(self, key: str) -> bool:
        return self._find(key) is not None

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and self.has(key)

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self):
        return iter(self.keys())

    def __repr__(self) -> str:
        return "VmxFile(%d entries)" % len(self)

    def line_of(self, key: str):
        entry = self._find(key)
        return None if entry is None else entry.line

    def _where(self, key):
        line = self.line_of(key)
        return "" if line is None else " (line %d)" % line

    def get_bool(self, key: str, default=None):
        value = self.get(key)
        if value is None:
            return default
        folded = value.lower()
        if folded == "true":
            return True
        if folded == "false":
            return False
        raise VmxError("VMX entry '%s'%s must be 'true' or 'false' but is '%s'" % (key, self._where(key), value))

    def get_int(self, key: str, default=None, unlimited=-1):
        value = self.get(key)
        if value is None:
            return default
        if value.lower() == "unlimited":
            return unlimited
        # Like strtoll in base 10 with the whole text consumed: leading blanks and a sign are fine.
        match = re.fullmatch(r"[ \t\n\v\f\r]*([+-]?[0-9]+)", value)
        if match is None:
            raise VmxError("VMX entry '%s'%s must be an integer but is '%s'" % (key, self._where(key), shorten_digits(value)))
        number = capped_int(match.group(1))
        if not -(2 ** 63) <= number < 2 ** 63:
            raise VmxError("VMX entry '%s'%s is out of the 64-bit integer range: '%s'"
                           % (key, self._where(key), shorten_digits(value)))
        return number

    def items(self):
        return [(entry.key, entry.value) for entry in self._entries()]

    def keys(self):
        return [entry.key for entry in self._entries()]

    def keys_with_prefix(self, prefix: str):
        folded = prefix.lower()
        return [entry.key for entry in self._entries() if entry.key.lower().startswith(folded)]

    def duplicate_keys(self):
        seen = {}
        duplicates = []
        for entry in self._entries():
            folded = entry.key.lower()
            if folded in seen:
                if seen[folded] == 1:
                    duplicates.append(next(e.key for e in self._entries() if e.key.lower() == folded))
                seen[folded] += 1
            else:
                seen[folded] = 1
        return duplicates

    # writing -------------------------------------------------------------

    @staticmethod
    def _check(key, value):
        if not is_valid_key(key):
            raise VmxError("'%s' is not a valid VMX key" % (key,))
        if not isinstance(value, str):
            raise VmxError("the value of VMX key '%s' must be text, not %s" % (key, type(value).__name__))

    def add(self, key: str, value: str) -> None:
        self._check(key, value)
        if self.has(key):
            raise VmxError("VMX key '%s' is already set" % key)
        self._items.append(_Entry(key, value))

    def set(self, key: str, value: str) -> None:
        self._check(key, value)
        entry = self._find(key)
        if entry is None:
            self._items.append(_Entry(key, value))
        else:
            entry.value = value

    def remove(self, key: str) -> int:
        folded = key.lower()
        kept = [item for item in self._items if not (isinstance(item, _Entry) and item.key.lower() == folded)]
        removed = len(self._items) - len(kept)
        self._items = kept
        return removed

    def render(self) -> str:
        lines = ['.encoding = "UTF-8"\n']
        for item in self._items:
            if isinstance(item, _Comment):
                lines.append("#%s\n" % _CONTROL_CHARS_RE.sub(" ", item.text))
                continue
            if item.key.lower() == ".encoding":
                continue
            line = "%s = %s" % (item.key, quote_value(item.value))
            if item.comment is not None:
                line += " #" + _CONTROL_CHARS_RE.sub(" ", item.comment)
            lines.append(line + "\n")
        return "".join(lines)

    def to_bytes(self) -> bytes:
        return self.render().encode("utf-8")


def format_vmx(pairs) -> str:
    """Render ``(key, value)`` pairs as VMX text (``.encoding = "UTF-8"`` first)."""
    vmx = VmxFile()
    for key, value in pairs:
        vmx.add(key, value)
    return vmx.render()


# parsing -------------------------------------------------------------------


class _Scanner:
    """A character scanner over VMX text that knows its line number."""

    def __init__(self, text):
        self.text = text
        self.pos = 0
        self.line = 1
        self.end = len(text)

    def error(self, message):
        return VmxError("malformed VMX text at line %d: %s" % (self.line, message))

    def peek(self):
        return self.text[self.pos] if self.pos < self.end else ""

    def skip_blanks(self):
        while self.pos < self.end and self.text[self.pos] in _BLANKS:
            self.pos += 1

    def skip_blanks_and_eols(self):
        while self.pos < self.end and self.text[self.pos] in _BLANKS + _EOL:
            if self.text[self.pos] == "\n":
                self.line += 1
            self.pos += 1

    def rest_of_line(self):
        start = self.pos
        while self.pos < self.end and self.text[self.pos] not in _EOL:
            self.pos += 1
        return self.text[start:self.pos]

    def quoted(self, quote):
        self.pos += 1
        start = self.pos
        while self.pos < self.end and self.text[self.pos] != quote and self.text[self.pos] not in _EOL:
            self.pos += 1
        if self.peek() != quote:
            raise self.error("unterminated string")
        value = self.text[start:self.pos]
        self.pos += 1
        return value

    def triple_quoted(self):
        start = self.pos + 3
        close = self.text.find('"""', start)
        if close < 0:
            raise self.error("unterminated string")
        value = self.text[start:close]
        self.line += value.count("\n")
        self.pos = close + 3
        return value

    def value(self):
        char = self.peek()
        if char == "":
            raise self.error("expecting a value")
        if self.text.startswith('"""', self.pos):
            return self.triple_quoted()
        if char in "\"'":
            return self.quoted(char)
        match = _BARE_VALUE_RE.match(self.text, self.pos)
        if match is None:
            raise self.error("expecting a value")
        self.pos = match.end()
        return match.group(0)


def _parse_text(text, vmx):
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise VmxError("malformed VMX text at line %d: NUL character" % line)
    scanner = _Scanner(text)
    while True:
        scanner.skip_blanks_and_eols()
        if scanner.pos >= scanner.end:
            break
        line = scanner.line
        if scanner.peek() == "#":
            scanner.pos += 1
            vmx._items.append(_Comment(scanner.rest_of_line(), line))
            continue
        match = _KEY_RE.match(text, scanner.pos)
        if match is None:
            raise scanner.error("expecting a key, found %r" % scanner.peek())
        key = match.group(0)
        scanner.pos = match.end()
        scanner.skip_blanks()
        if scanner.peek() != "=":
            raise scanner.error("expecting '=' after key '%s'" % key)
        scanner.pos += 1
        scanner.skip_blanks()
        value = scanner.value()
        scanner.skip_blanks()
        comment = None
        if scanner.peek() == "#":
            scanner.pos += 1
            comment = scanner.rest_of_line()
        vmx._items.append(_Entry(key, value, line, comment))
        char = scanner.peek()
        if char == ";":
            scanner.pos += 1
        elif char and char not in _EOL:
            raise scanner.error("expecting a line break after the value of '%s', found %r" % (key, char))


def _check_text_codec(name):
    """The Python codec for a VMX ``.encoding`` name; only ASCII-compatible text codecs qualify."""
    try:
        info = codecs.lookup(name)
        probe_ok = _ASCII_PROBE.encode(info.name).decode(info.name) == _ASCII_PROBE \
            and _ASCII_PROBE.encode(info.name) == _ASCII_PROBE.encode("ascii")
    except (LookupError, UnicodeError, TypeError, ValueError):
        probe_ok = False
    if not probe_ok:
        raise VmxError("unsupported VMX .encoding '%s'" % name)
    return info.name


def _decode(data, encoding):
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if encoding is None:
        # Every supported encoding is an ASCII superset, so the keys and quotes can be
        # read in latin-1 (which never fails) just to find the declared encoding.
        probe = VmxFile()
        _parse_text(data.decode("latin-1"), probe)
        encoding = probe.get(".encoding")
    codec = "utf-8" if encoding is None else _check_text_codec(encoding)
    try:
        return data.decode(codec), encoding
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        hint = "" if encoding is not None else "; the file has no .encoding entry, so UTF-8 was assumed"
        raise VmxError("VMX text is not valid %s at line %d%s" % (encoding or "UTF-8", line, hint)) from None


def parse_vmx(data, *, encoding=None) -> VmxFile:
    """Parse VMX text or bytes into a ``VmxFile`` (see the module documentation)."""
    if isinstance(data, str):
        if any("\udc80" <= char <= "\udcff" for char in data):
            data = data.encode("utf-8", "surrogateescape")
        elif encoding is not None:
            _check_text_codec(encoding)
    elif isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
    else:
        raise VmxError("VMX input must be text or bytes, not %s" % type(data).__name__)
    declared = encoding
    if isinstance(data, bytes):
        text, declared = _decode(data, encoding)
    else:
        text = data[1:] if data.startswith("\ufeff") else data
    vmx = VmxFile()
    _parse_text(text, vmx)
    if declared is None and vmx.get(".encoding") is not None:
        # Text arrives decoded, but a declaration no codec answers to is refused all the same, as
        # libvirt refuses it: the file could not be read as bytes either.
        _check_text_codec(vmx.get(".encoding"))
    vmx.encoding = vmx.get(".encoding") if declared is None else declared
    return vmx


# No VMX number needs more digits than this; Python refuses to convert more than 4300 at all.
_MAX_INT_DIGITS = 40


def capped_int(digits):
    """``int(digits)`` for a decimal string with an optional sign; a number of more than 40 digits is
    returned as 10**40 (with its sign), far out of any range a caller checks, so the caller's own
    "out of range" message is the one a user reads (never Python's digit limit)."""
    text = digits.strip()
    sign = -1 if text.startswith('-') else 1
    body = text.lstrip('+-').lstrip('0')
    if len(body) > _MAX_INT_DIGITS:
        return sign * 10 ** _MAX_INT_DIGITS
    return int(text)


def shorten_digits(value, limit=40):
    """A value for a message: a long one cut, with its length said."""
    if len(value) <= limit:
        return value
    return '%s... (%d characters)' % (value[:limit], len(value))
