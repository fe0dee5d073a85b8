# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Custom attributes and tags of the inventory's VMs, in a number of calls that does not grow with the VMs.

Custom attributes: each VM's ``customValue`` comes in the inventory's paged property query
(``VM_PATHS``), and so does the CustomFieldsManager's ``field`` list (the names of the keys), read
once as one more object of the first page (a standalone host has no manager).

Tags (``gather_tags``): one Automation API session (``vsphere/rest.py``), one list of the tags
and one of the categories, a read per tag and per category, and the bulk
``list-attached-objects-on-tags`` per ASSOCIATION_BATCH tags: bounded by the number of tags,
never one call per VM.

Host variables: ``esx_custom_attributes`` (name -> value), ``esx_tags`` (sorted ``category/tag``)
and ``esx_tag_categories`` (category -> sorted tag names), so that ``keyed_groups`` can group
on ``esx_tags`` (a group per tag) or on one category (``esx_tag_categories.environment``).
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.custom_fields import attribute_values, vm_fields

VM_PATHS = ('customValue',)


class VmMetadata(object):
    """What one endpoint's records get: attribute names (read once) and, with gather_tags, every VM's tags."""

    def __init__(self, session, gather_tags=False):
        self.session = session
        self.gather_tags = gather_tags
        manager = getattr(session.content, 'customFieldsManager', None)
        self.manager_moid = manager._moId if manager is not None else None
        self.attribute_names = {}
        self.tags_by_moid = None
        self.rest_requests = 0

    def wanted(self):
        """More types and paths for the paged query: the manager's definitions (none on a standalone host)."""
        return {'CustomFieldsManager': ['field']} if self.manager_moid else {}

    def extra_objects(self):
        """(type, moid) of the objects the paged query reads besides the inventory: the CustomFieldsManager."""
        return [('CustomFieldsManager', self.manager_moid)] if self.manager_moid else []

    def take(self, objects):
        """The attribute names from the manager's object among the retrieved ones."""
        for obj in objects:
            if obj.type == 'CustomFieldsManager':
                self.attribute_names = vm_fields(obj.props.get('field'))

    def read_tags(self):
        """{vm moid: {'category/tag', ...}} of every tagged VM."""
        from ansible_collections.virt.esx.plugins.module_utils.vsphere.rest import RestSession, Tagging

        if not self.session.is_vcenter:
            raise VirtEsxError('gather_tags needs a vCenter: %s is a standalone ESX host, which has no tags'
                               % self.session.params.endpoint)
        tags_by_moid = {}
        with RestSession(self.session.params) as rest:
            tagging = Tagging(rest)
            labels = dict((tag_id, tagging.tag_label(tag_id)) for tag_id in tagging.tags())
            for tag_id, objects in tagging.attached_objects(list(labels)).items():
                label = labels.get(tag_id)
                if label is None:
                    continue
                for obj in objects:
                    if isinstance(obj, dict) and obj.get('type') == 'VirtualMachine' and obj.get('id'):
                        tags_by_moid.setdefault(obj['id'], set()).add(label)
            self.rest_requests = rest.requests
        self.tags_by_moid = tags_by_moid
        return tags_by_moid

    def annotate(self, record, props):
        """Add the esx_ variables of custom attributes (and tags, once read) to one host record."""
        record['esx_custom_attributes'] = attribute_values(props.get('customValue'), self.attribute_names)
        if self.gather_tags:
            if self.tags_by_moid is None:
                self.read_tags()
            labels = sorted(self.tags_by_moid.get(record['esx_moid']) or ())
            record['esx_tags'] = labels
            categories = {}
            for label in labels:
                category, _sep, tag = label.partition('/')
                categories.setdefault(category, []).append(tag)
            record['esx_tag_categories'] = categories
        return record
