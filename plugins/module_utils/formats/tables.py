# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of libvirt's ESX driver that several modules need, each written once.

UUIDs:
    ``uuid_text(raw: bytes) -> str``
        16 bytes as a UUID in lower-case 8-4-4-4-12 form.
    ``digest_uuid(text: str) -> str``
        The MD5 digest of ``text`` (UTF-8) as a UUID: libvirt's identity for objects
        vSphere gives no UUID, a datastore (its mount path) and a switch (its key).

Sizes:
    ``unit_scale(unit: str) -> int or None``
        Bytes per ``unit`` with libvirt's unit names, case-insensitive: ``b``, ``byte``
        and ``bytes`` are 1; ``k``/``kib`` 1024, ``kb`` 1000, and so on for m, g, t, p
        and e. None for an empty or unknown name; callers choose the default unit and
        the error.

Power states:
    ``POWER_STATE_NAMES``
        vSphere's VM power state -> libvirt's domain state name.
"""

from __future__ import annotations

import hashlib

__all__ = ["uuid_text", "digest_uuid", "unit_scale", "POWER_STATE_NAMES"]

POWER_STATE_NAMES = {'poweredOn': 'running', 'poweredOff': 'shutoff', 'suspended': 'paused'}

_UNIT_POWERS = {'k': 1, 'm': 2, 'g': 3, 't': 4, 'p': 5, 'e': 6}


def uuid_text(raw: bytes) -> str:
    """16 bytes as a lower-case 8-4-4-4-12 UUID."""
    if len(raw) != 16:
        raise ValueError('a UUID has 16 bytes, not %d' % len(raw))
    digits = raw.hex()
    return '%s-%s-%s-%s-%s' % (digits[0:8], digits[8:12], digits[12:16], digits[16:20], digits[20:32])


def digest_uuid(text: str) -> str:
    """libvirt's UUID of an object vSphere gives none: the MD5 digest of its identifying text."""
    return uuid_text(hashlib.md5(text.encode('utf-8')).digest())  # nosec B324 - an identifier, as libvirt's


def unit_scale(unit: str):
    """Bytes per ``unit`` (see the module documentation), or None."""
    folded = (unit or '').lower()
    if folded in ('b', 'byte', 'bytes'):
        return 1
    power = _UNIT_POWERS.get(folded[:1])
    if power is None or folded[1:] not in ('', 'ib', 'b'):
        return None
    return (1000 if folded[1:] == 'b' else 1024) ** power
