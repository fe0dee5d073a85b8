# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Custom attributes of VMs (vCenter's CustomFieldsManager), and the hook that
manages a VM's custom attributes and tags for virt.esx.vm.

A custom attribute is a definition (``CustomFieldDef``: key, name, the managed
object type it applies to, none for every type) held once by the vCenter's
CustomFieldsManager, and a value per object (``ManagedEntity.customValue``, a
list of ``CustomFieldStringValue`` by definition key).  Standalone ESX hosts
have no CustomFieldsManager (``ServiceContent.customFieldsManager`` is unset).

The readers of definitions and values (``vm_fields``, ``attribute_values``) are in
``vsphere/custom_fields.py``, which the inventory uses too. Pure helpers (unit tested):

``plan_attributes(wanted, current) -> [(name, old, new)]``
    the changes to make only the names given match (``''``/None clears).

``VmMetadata(run)`` is what virt.esx.vm calls: ``apply(vm)`` after the VM is
defined and powered, ``facts(vm)`` for its result.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.vsphere.custom_fields import attribute_values, definition_for, vm_fields
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one


class CustomAttributeError(VirtEsxError):
    """A custom attribute that cannot be read or set as asked."""


def normalize_wanted(wanted, option='custom_attributes'):
    """The option's dict with text values ('' to clear); a clear error for what cannot be a value."""
    normalized = {}
    for name, value in (wanted or {}).items():
        if not isinstance(name, str) or not name.strip():
            raise CustomAttributeError('%s: attribute names must be non-empty text, not %r' % (option, name))
        if isinstance(value, (dict, list, tuple, set)):
            raise CustomAttributeError('%s: the value of %r must be text, not %r' % (option, name, value))
        if value is None:
            value = ''
        elif isinstance(value, bool):
            value = 'true' if value else 'false'
        normalized[name] = str(value)
    return normalized


def plan_attributes(wanted, current):
    """[(name, old or None, new or None)] that makes the given names match; other names are left alone."""
    changes = []
    for name in sorted(wanted):
        new = wanted[name] or None
        old = current.get(name)
        if new != old:
            changes.append((name, old, new))
    return changes


def describe_attribute(change):
    name, old, new = change
    if new is None:
        return 'custom attribute %s: clear %r' % (name, old)
    if old is None:
        return 'custom attribute %s: set %r' % (name, new)
    return 'custom attribute %s: set %r -> %r' % (name, old, new)


def field_manager(session):
    """The CustomFieldsManager, None on a standalone host."""
    return getattr(session.content, 'customFieldsManager', None)


_UNREAD = object()


def _has_value(item):
    value = item.get('value') if isinstance(item, dict) else getattr(item, 'value', None)
    return value not in (None, '')


class VmAttributes(object):
    """Custom attributes of one VM run: the definitions read once, the values per VM."""

    def __init__(self, session, check_mode=False):
        self.session = session
        self.check_mode = check_mode
        self.manager = field_manager(session)
        self._fields = None
        self.predicted = None

    def fields(self):
        if self._fields is None:
            with vsphere_call('Reading the custom attribute definitions', CustomAttributeError):
                self._fields = list(self.manager.field or [])
        return self._fields

    def current(self, vm, custom_value=_UNREAD):
        """The VM's attributes; ``custom_value``: its customValue when the run has read it already."""
        if vm is None:
            return {}
        if custom_value is _UNREAD:
            with vsphere_call('Reading the custom attributes of the VM', CustomAttributeError):
                custom_value = retrieve_one(self.session.content, vm, ['customValue']).get('customValue')
        if not any(_has_value(item) for item in custom_value or ()):
            return {}  # no value set: the names of the definitions are not needed (one read less)
        return attribute_values(custom_value, vm_fields(self.fields()))

    def apply(self, vm, wanted):
        """Set the attributes given; returns the change lines (nothing is called in check mode)."""
        if self.manager is None:
            raise CustomAttributeError('custom_attributes need a vCenter: %s has no custom attribute manager (a standalone '
                                       'ESX host keeps none)' % self.session.params.endpoint)
        wanted = normalize_wanted(wanted)
        current = self.current(vm)
        changes = plan_attributes(wanted, current)
        lines = []
        after = dict(current)
        for name, _old, new in changes:
            key = definition_for(self.fields(), name)
            if key is None:
                if new is None:
                    continue  # nothing to clear: no VM has a value of an attribute that does not exist
                lines.append('custom attribute definition %s: create' % name)
                if not self.check_mode:
                    with vsphere_call('Creating the custom attribute %s' % name, CustomAttributeError):
                        definition = self.manager.AddCustomFieldDef(name=name, moType=vim.VirtualMachine)
                    self._fields.append(definition)
                    key = definition.key
            lines.append(describe_attribute((name, _old, new)))
            if new is None:
                after.pop(name, None)
            else:
                after[name] = new
            if not self.check_mode:
                with vsphere_call('Setting the custom attribute %s' % name, CustomAttributeError):
                    self.manager.SetField(entity=vm, key=key, value=new or '')
        self.predicted = after if self.check_mode else None
        return lines

    def facts(self, vm, custom_value=_UNREAD):
        if self.manager is None:
            return None
        if self.predicted is not None:
            return dict(self.predicted)
        return self.current(vm, custom_value)


class VmMetadata(object):
    """The custom attributes and tags of the VM of one virt.esx.vm run."""

    def __init__(self, run):
        self.run = run
        self.params = run.params
        self.attributes = VmAttributes(run.session, run.check_mode)
        self.tags = None
        # Checked before anything changes, so that a refused option loses nothing.
        if self.params.get('custom_attributes') is not None:
            normalize_wanted(self.params['custom_attributes'])
            if self.attributes.manager is None:
                self.attributes.apply(None, {})  # raises the clear error of a host without attributes
        if self.params.get('tags') is not None:
            from ansible_collections.virt.esx.plugins.module_utils.resources.tags import VmTags
            self.tags = VmTags(run.session, run.check_mode, self.params['tags'])

    def apply(self, vm):
        lines = []
        # Tags first: their refusals (an unknown tag, a second tag of a single category) come before any change.
        if self.tags is not None:
            lines.extend(self.tags.apply(vm, self.params.get('tags_mode') or 'set'))
        if self.params.get('custom_attributes') is not None:
            lines.extend(self.attributes.apply(vm, self.params['custom_attributes']))
        if lines:
            self.run.changed = True
            self.run.changes.extend(lines)
            self.run._stale()  # pylint: disable=protected-access  # the run's read of customValue predates the change

    def facts(self, vm):
        # customValue is one of the run's VM_PATHS: the result costs no read of its own.
        custom_value = self.run.read(vm).get('customValue') if vm is not None else None
        facts = dict(custom_attributes=self.attributes.facts(vm, custom_value))
        if self.tags is not None:
            facts['tags'] = self.tags.facts(vm)
        return facts
