# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt.esx.vms inventory cache entry: the host records as one JSON text.

ansible-core (2.19) wraps each inventory cache value in its own tag-preserving
JSON encoding: decoding 10,000 records went through an object hook per
dictionary and gave tagged strings that every later step (host variables, the
``--list`` output) handled more slowly again - a cached run cost more than asking
vCenter.  The records are plain JSON data (strings, numbers, booleans, lists,
dicts) with nothing to tag, so the entry is one string, the records encoded by
the standard library: ansible-core then stores and reads a single value, and
the records come back exactly as a fresh run builds them.
"""

from __future__ import annotations

import json

# Bump when the records change shape: an entry of another format is ignored (the plugin reads the servers again).
FORMAT = 'virt.esx.vms records 1'


def pack(records):
    """The cache value of a list of host records."""
    return json.dumps([FORMAT, records], separators=(',', ':'), ensure_ascii=False)


def unpack(value):
    """The host records of a cache value, or None when the value is not one :func:`pack` made."""
    if not isinstance(value, str):
        return None
    try:
        decoded = json.loads(str(value))
    except ValueError:
        return None
    if not (isinstance(decoded, list) and len(decoded) == 2 and decoded[0] == FORMAT and isinstance(decoded[1], list)):
        return None
    return decoded[1]
