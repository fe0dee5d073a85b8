# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Value syntaxes of libvirt domain XML, read the way libvirt reads them.

Every function raises ``DomainXmlError`` naming ``what`` (the element or attribute
at fault) for text libvirt would refuse:

``parse_int(text, what, minimum, maximum)``   decimal integer, blanks around it allowed
``parse_c_int(text, what, minimum, maximum)``  integer in C's base-0 syntax (``0x1f``, ``017``)
``parse_scaled_kib(text, unit, what)``         a size with libvirt's unit suffixes -> KiB, rounded up
``parse_uuid(text, what)``                     16 bytes; ``-`` and blanks between byte pairs allowed
``parse_mac(text, what)``                      6 bytes, ``xx:xx:xx:xx:xx:xx`` (1 or 2 digits each)
``parse_cpuset(text, what, size)``             sorted CPU numbers of ``0-3,^2,8`` syntax
``parse_enum(text, choices, what)``            one of ``choices`` (exact spelling)
``parse_yes_no(text, what)``                   ``yes`` -> True, ``no`` -> False
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError

__all__ = ["LLONG_MAX", "UINT_MAX", "INT_MAX", "parse_int", "parse_c_int", "parse_scaled_kib", "parse_uuid",
           "parse_mac", "parse_cpuset", "parse_enum", "parse_yes_no", "shorten", "format_mac"]

LLONG_MAX = 2 ** 63 - 1
UINT_MAX = 2 ** 32 - 1
INT_MAX = 2 ** 31 - 1
ULLONG_MAX = 2 ** 64 - 1

# C's isspace() in the "C" locale.
_C_SPACES = " \t\n\v\f\r"
_INT_RE = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)[ \t\n\v\f\r]*\Z")
_C_INT_RE = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[ \t\n\v\f\r]*\Z")
# More digits than any 64-bit number has: refuse before int() (Python limits long conversions).
_MAX_DIGITS = 40
_MAC_RE = re.compile(r"([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):"
                     r"([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})(?:[\x00-\x20]|\Z)")


def shorten(text, limit=80):
    """``text`` for an error message: repr-quoted, cut at ``limit`` characters."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def parse_int(text, what, minimum=0, maximum=LLONG_MAX):
    """A decimal integer in [minimum, maximum] (libvirt's strtol family, whole text consumed)."""
    match = _INT_RE.match(text or "")
    if match is None or len(match.group(2)) > _MAX_DIGITS:
        raise DomainXmlError("%s must be an integer, not %s" % (what, shorten(text)))
    number = int(match.group(2))
    if match.group(1) == "-":
        number = -number
    if not minimum <= number <= maximum:
        raise DomainXmlError("%s must be between %d and %d, not %s" % (what, minimum, maximum, shorten(text)))
    return number


def parse_c_int(text, what, minimum=-LLONG_MAX - 1, maximum=LLONG_MAX):
    """An integer written as C's strtoll(base 0) reads it: decimal, ``0x`` hex or ``0`` octal."""
    match = _C_INT_RE.match(text or "")
    if match is None or len(match.group(2)) > _MAX_DIGITS:
        raise DomainXmlError("%s must be an integer, not %s" % (what, shorten(text)))
    digits = match.group(2)
    if digits[:2].lower() == "0x":
        number = int(digits[2:], 16)
    elif len(digits) > 1 and digits[0] == "0":
        number = int(digits[1:], 8)
    else:
        number = int(digits)
    if match.group(1) == "-":
        number = -number
    if not minimum <= number <= maximum:
        raise DomainXmlError("%s must be between %d and %d, not %s" % (what, minimum, maximum, shorten(text)))
    return number


_UNIT_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}


def _unit_scale(unit, what):
    if unit is None or unit == "":
        return 1024
    folded = unit.lower()
    if folded in ("b", "byte", "bytes"):
        return 1
    power = _UNIT_POWERS.get(folded[:1])
    if power is not None:
        if len(unit) == 1 or folded[1:] == "ib":
            return 1024 ** power
        if folded[1:] == "b":
            return 1000 ** power
    raise DomainXmlError("%s has an unknown unit %s (expected b, KiB, MiB, GiB, TiB, KB, MB, ...)" % (what, shorten(unit)))


def parse_scaled_kib(text, unit, what, limit_bytes=LLONG_MAX):
    """A size in KiB, rounded up, from a number and libvirt's unit (KiB when none)."""
    value = parse_int(text, what, 0, ULLONG_MAX)
    scale = _unit_scale(unit, what)
    if value and value > limit_bytes // scale:
        raise DomainXmlError("%s is too large: %s %s" % (what, (text or "").strip(), unit or "KiB"))
    return -(-(value * scale) // 1024)


def parse_uuid(text, what):
    """16 bytes from 32 hex digits; ``-`` or blanks may stand between byte pairs, blanks around the whole."""
    stripped = (text or "").lstrip(_C_SPACES)
    result = bytearray()
    pos = 0
    while len(result) < 16:
        if pos >= len(stripped):
            break
        char = stripped[pos]
        if char in "- ":
            pos += 1
            continue
        pair = stripped[pos:pos + 2]
        if len(pair) != 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
            break
        result.append(int(pair, 16))
        pos += 2
    if len(result) != 16 or stripped[pos:].strip(_C_SPACES):
        raise DomainXmlError("%s is not a valid UUID: %s" % (what, shorten(text)))
    return bytes(result)


def parse_mac(text, what):
    """6 bytes of a unicast MAC address."""
    match = _MAC_RE.match(text or "")
    if match is None:
        raise DomainXmlError("%s is not a valid MAC address: %s" % (what, shorten(text)))
    mac = bytes(int(part, 16) for part in match.groups())
    if mac[0] & 1:
        raise DomainXmlError("%s must be a unicast MAC address, but %s is a multicast address"
                             % (what, format_mac(mac)))
    return mac


def format_mac(mac):
    return ":".join("%02x" % byte for byte in mac)


def _skip_spaces(text, pos):
    while pos < len(text) and text[pos] in _C_SPACES:
        pos += 1
    return pos


def _cpuset_number(text, pos, what):
    match = re.compile(r"\+?[0-9]+").match(text, pos)
    if match is None or len(match.group(0)) > _MAX_DIGITS:
        raise DomainXmlError("%s is not a valid CPU list: %s" % (what, shorten(text)))
    return int(match.group(0)), match.end()


def parse_cpuset(text, what, size):
    """CPU numbers of libvirt's bitmap syntax (``N``, ``N-M``, ``^N``, comma separated)."""
    def invalid():
        return DomainXmlError("%s is not a valid CPU list: %s" % (what, shorten(text)))

    def check(number):
        if number >= size:
            raise DomainXmlError("%s names CPU %d, but CPUs are numbered 0 to %d" % (what, number, size - 1))

    text = text or ""
    cpus = set()
    pos = _skip_spaces(text, 0)
    if pos >= len(text):
        raise invalid()
    while pos < len(text):
        negate = text[pos] == "^"
        if negate:
            pos += 1
        if pos >= len(text) or text[pos] not in "0123456789":
            raise invalid()
        first, pos = _cpuset_number(text, pos, what)
        pos = _skip_spaces(text, pos)
        if pos >= len(text) or text[pos] == ",":
            check(first)
            if negate:
                cpus.discard(first)
            else:
                cpus.add(first)
        elif text[pos] == "-":
            if negate:
                raise invalid()
            pos = _skip_spaces(text, pos + 1)
            last, pos = _cpuset_number(text, pos, what)
            if last < first:
                raise invalid()
            check(last)
            cpus.update(range(first, last + 1))
            pos = _skip_spaces(text, pos)
        else:
            raise invalid()
        if pos < len(text):
            if text[pos] != ",":
                raise invalid()
            pos = _skip_spaces(text, pos + 1)
    return sorted(cpus)


def parse_enum(text, choices, what):
    if text not in choices:
        raise DomainXmlError("%s must be one of %s, not %s" % (what, ", ".join("'%s'" % c for c in choices), shorten(text)))
    return text


def parse_yes_no(text, what):
    return parse_enum(text, ("yes", "no"), what) == "yes"
