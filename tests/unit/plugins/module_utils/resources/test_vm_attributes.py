# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Custom attribute definitions and values as the API reference describes them (pyVmomi objects and plain dicts)."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.resources import vm_attributes as attrs
from ansible_collections.virt.esx.plugins.module_utils.vsphere import custom_fields
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim

FIELDS = [
    vim.CustomFieldsManager.FieldDef(key=1, name='owner', managedObjectType=vim.VirtualMachine),
    vim.CustomFieldsManager.FieldDef(key=2, name='rack', managedObjectType=vim.HostSystem),
    vim.CustomFieldsManager.FieldDef(key=3, name='note'),  # global: every type
    vim.CustomFieldsManager.FieldDef(key=4, name='owner'),  # a global one with a VM one's name
]


def test_vm_fields_keeps_vm_and_global_definitions():
    assert custom_fields.vm_fields(FIELDS) == {1: 'owner', 3: 'note', 4: 'owner'}


def test_vm_fields_of_plain_dicts_with_empty_strings():
    # The inventory's SOAP reader gives dicts; a server may send an empty managedObjectType.
    fields = [dict(key=7, name='a', managedObjectType='VirtualMachine'), dict(key='8', name='b', managedObjectType=''),
              dict(key=9, name='', managedObjectType=None), dict(key=10, name='c', managedObjectType='Datastore')]
    assert custom_fields.vm_fields(fields) == {7: 'a', 8: 'b'}


def test_definition_for_prefers_the_vm_definition():
    assert custom_fields.definition_for(FIELDS, 'owner') == 1
    assert custom_fields.definition_for(FIELDS, 'note') == 3
    assert custom_fields.definition_for(FIELDS, 'rack') is None
    assert custom_fields.definition_for(FIELDS, 'missing') is None


def test_attribute_values_last_value_counts_and_empty_is_unset():
    values = [vim.CustomFieldsManager.StringValue(key=1, value='a'), vim.CustomFieldsManager.StringValue(key=1, value='b'),
              vim.CustomFieldsManager.StringValue(key=3, value='x'), vim.CustomFieldsManager.StringValue(key=3, value=''),
              vim.CustomFieldsManager.StringValue(key=2, value='host only'),
              vim.CustomFieldsManager.StringValue(key=99, value='no definition')]
    assert custom_fields.attribute_values(values, custom_fields.vm_fields(FIELDS)) == {'owner': 'b'}


def test_attribute_values_of_reader_dicts():
    values = [{'_type': 'CustomFieldStringValue', 'key': 1, 'value': 'web'}, {'_type': 'CustomFieldValue', 'key': 3}]
    assert custom_fields.attribute_values(values, {1: 'owner', 3: 'note'}) == {'owner': 'web'}
    assert custom_fields.attribute_values(None, {1: 'owner'}) == {}


def test_plan_touches_only_the_names_given():
    wanted = attrs.normalize_wanted({'owner': 'db', 'cost': '', 'note': None, 'n': 7, 'flag': True})
    current = {'owner': 'web', 'cost': '1', 'other': 'kept'}
    assert attrs.plan_attributes(wanted, current) == [
        ('cost', '1', None), ('flag', None, 'true'), ('n', None, '7'), ('owner', 'web', 'db')]
    assert attrs.plan_attributes({'owner': 'web'}, current) == []


@pytest.mark.parametrize('wanted, message', [
    ({'': 'x'}, "attribute names must be non-empty text, not ''"),
    ({'a': ['x']}, "the value of 'a' must be text, not ['x']"),
    ({'a': {'b': 1}}, "the value of 'a' must be text"),
])
def test_bad_values_are_refused_with_the_option_name(wanted, message):
    with pytest.raises(attrs.CustomAttributeError) as caught:
        attrs.normalize_wanted(wanted)
    assert str(caught.value).startswith('custom_attributes: ')
    assert message in str(caught.value)


def test_describe():
    assert attrs.describe_attribute(('a', None, 'x')) == "custom attribute a: set 'x'"
    assert attrs.describe_attribute(('a', 'x', 'y')) == "custom attribute a: set 'x' -> 'y'"
    assert attrs.describe_attribute(('a', 'x', None)) == "custom attribute a: clear 'x'"
