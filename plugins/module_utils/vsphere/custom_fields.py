# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readers of custom attribute definitions and values (CustomFieldsManager.field, ManagedEntity.customValue).

They take pyVmomi objects or the plain dicts of the inventory's SOAP reader alike:

``vm_fields(fields) -> {key: name}``
    the definitions that apply to VMs (type VirtualMachine, or none: every type).
``definition_for(fields, name) -> key or None``
    the key of the VM definition of a name (a VM-only one before a global one).
``attribute_values(custom_value, names) -> {name: value}``
    a VM's values by attribute name; the last value of a key counts, an empty value is
    no value, a key without a definition is left out.
"""

from __future__ import annotations

VM_TYPE = 'VirtualMachine'


def _get(item, name):
    """A field of a pyVmomi data object or of a plain dict (the inventory's SOAP reader gives dicts)."""
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _type_name(value):
    """'VirtualMachine' for vim.VirtualMachine or the string itself; None stays None."""
    if value is None or value == '':
        return None
    if isinstance(value, str):
        return value.rsplit('.', 1)[-1]
    return getattr(value, '_wsdlName', None) or str(value).rsplit('.', 1)[-1]


def vm_fields(fields):
    """{key: name} of the definitions that apply to VMs; a VM-only one wins over a global one of the same name."""
    by_key = {}
    for field in fields or ():
        key, name = _get(field, 'key'), _get(field, 'name')
        if key is None or not name:
            continue
        if _type_name(_get(field, 'managedObjectType')) in (None, VM_TYPE):
            by_key[int(key)] = name
    return by_key


def definition_for(fields, name):
    """The key of the definition named ``name`` for VMs (VM-only first, then global), None when there is none."""
    found = None
    for field in fields or ():
        if _get(field, 'name') != name:
            continue
        kind = _type_name(_get(field, 'managedObjectType'))
        if kind == VM_TYPE:
            return int(_get(field, 'key'))
        if kind is None and found is None:
            found = int(_get(field, 'key'))
    return found


def attribute_values(custom_value, names):
    """{name: value} of a VM's customValue list; the last value of a key counts, empty ones are unset."""
    values = {}
    for item in custom_value or ():
        key = _get(item, 'key')
        if key is None:
            continue
        name = names.get(int(key))
        if name is None:
            continue
        value = _get(item, 'value')
        if value in (None, ''):
            values.pop(name, None)
        else:
            values[name] = str(value)
    return values
