# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vCenter tags: the logic of virt.esx.tag_category, virt.esx.tag and the ``tags`` of virt.esx.vm.

Tags live in the vSphere Automation API (``vsphere/rest.py``), not in SOAP; each run
that needs them opens one Automation API session with the module's connection.

``manage_category(session, params, check_mode)`` and ``manage_tag(session, params, check_mode)``
    make one category or tag match (create, update in place, remove).
``VmTags(session, check_mode, labels)``
    the tags of one VM as ``category/tag`` labels: ``apply(vm, mode)`` then ``facts(vm)``.

Pure helpers (unit tested): ``parse_label``, ``plan_vm_tags``, ``plan_category``.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.rest import RestSession, Tagging

CARDINALITIES = {'single': 'SINGLE', 'multiple': 'MULTIPLE'}


class TagError(VirtEsxError):
    """A tag or category that cannot be read or changed as asked."""


def require_vcenter(session, option):
    if not session.is_vcenter:
        raise TagError('%s needs a vCenter: %s is a standalone ESX host, which has no tags (the vSphere Automation '
                       'API runs on vCenter only)' % (option, session.params.endpoint))


def parse_label(label, option='tags'):
    """('category', 'tag') of 'category/tag'; the first '/' separates (tag names may hold more)."""
    if not isinstance(label, str) or '/' not in label:
        raise TagError('%s: %r is not category/tag' % (option, label))
    category, tag = label.split('/', 1)
    if not category.strip() or not tag.strip():
        raise TagError('%s: %r is not category/tag (both parts must be non-empty)' % (option, label))
    return category, tag


def plan_vm_tags(current, wanted, mode, single_categories=()):
    """(to attach, to detach) label sets for ``mode`` set|add|remove; refuses two tags of a SINGLE category."""
    current, wanted = set(current), set(wanted)
    if mode == 'set':
        attach, detach = wanted - current, current - wanted
    elif mode == 'add':
        attach, detach = wanted - current, set()
    elif mode == 'remove':
        attach, detach = set(), wanted & current
    else:
        raise TagError('tags_mode: %r is not one of set, add, remove' % (mode,))
    after = (current - detach) | attach
    for category in sorted(single_categories):
        held = sorted(label for label in after if parse_label(label)[0] == category)
        if len(held) > 1:
            raise TagError('tags: category %s takes one tag per object (cardinality single), the VM would have %s'
                           % (category, ', '.join(held)))
    return attach, detach


def plan_category(current, wanted):
    """The update spec that makes an existing category match, {} when it does; refuses what vCenter refuses."""
    spec = {}
    if wanted.get('description') is not None and wanted['description'] != (current.get('description') or ''):
        spec['description'] = wanted['description']
    cardinality = wanted.get('cardinality')
    if cardinality is not None and cardinality != current.get('cardinality'):
        if cardinality == 'SINGLE':
            raise TagError('cardinality: category %s is multiple; vCenter does not make a category single again '
                           '(remove and recreate it)' % current.get('name'))
        spec['cardinality'] = cardinality
    types = wanted.get('associable_types')
    if types is not None:
        have = set(current.get('associable_types') or [])
        want = set(types)
        if have and want != have:
            if not want:
                spec['associable_types'] = []
            else:
                dropped = sorted(have - want)
                if dropped:
                    raise TagError('associable_types: category %s already takes %s; vCenter only adds types to a '
                                   'category (remove and recreate it to drop some)' % (current.get('name'), ', '.join(dropped)))
                spec['associable_types'] = sorted(want)
        elif not have and want:
            raise TagError('associable_types: category %s takes every type; vCenter does not narrow a category '
                           '(remove and recreate it)' % current.get('name'))
    return spec


def category_facts(model):
    if model is None:
        return None
    return dict(id=model.get('id'), name=model.get('name'), description=model.get('description') or '',
                cardinality=(model.get('cardinality') or '').lower() or None,
                associable_types=sorted(model.get('associable_types') or []))


def tag_facts(model, category_name):
    if model is None:
        return None
    return dict(id=model.get('id'), name=model.get('name'), category=category_name,
                category_id=model.get('category_id'), description=model.get('description') or '')


def manage_category(session, params, check_mode=False):
    require_vcenter(session, 'virt.esx.tag_category')
    name = params['name']
    if not name or not name.strip():
        raise TagError('name must not be empty')
    with RestSession(session.params) as rest:
        tagging = Tagging(rest)
        current = tagging.category_named(name)
        before = category_facts(current)
        changes = []
        if params['state'] == 'absent':
            if current is None:
                return dict(changed=False, category=None, changes=[], diff=dict(before={}, after={}))
            used = [tag for tag in tagging.tags().values() if tag.get('category_id') == current.get('id')]
            changes.append('delete category %s%s' % (name, ' and its %d tag(s)' % len(used) if used else ''))
            if not check_mode:
                tagging.delete_category(current['id'])
            return dict(changed=True, category=before, changes=changes, diff=dict(before=before, after={}))
        wanted = dict(description=params.get('description'),
                      cardinality=CARDINALITIES.get(params.get('cardinality')) if params.get('cardinality') else None,
                      associable_types=params.get('associable_types'))
        if current is None:
            spec = dict(name=name, description=wanted['description'] or '', cardinality=wanted['cardinality'] or 'MULTIPLE',
                        associable_types=sorted(wanted['associable_types'] or []))
            changes.append('create category %s (%s)' % (name, spec['cardinality'].lower()))
            after = category_facts(dict(spec, id=None))
            if not check_mode:
                new_id = tagging.create_category(spec)
                after = category_facts(tagging.categories().get(new_id)) or dict(after, id=new_id)
            return dict(changed=True, category=after, changes=changes, diff=dict(before={}, after=after))
        spec = plan_category(current, wanted)
        if not spec:
            return dict(changed=False, category=before, changes=[], diff=dict(before=before, after=before))
        changes.extend('%s: %r -> %r' % (key, before.get(key), value.lower() if key == 'cardinality' else value)
                       for key, value in sorted(spec.items()))
        after = category_facts(dict(current, **spec))
        if not check_mode:
            tagging.update_category(current['id'], spec)
            after = category_facts(tagging.categories().get(current['id'])) or after
        return dict(changed=True, category=after, changes=changes, diff=dict(before=before, after=after))


def manage_tag(session, params, check_mode=False):
    require_vcenter(session, 'virt.esx.tag')
    name, category_name = params['name'], params['category']
    if not name or not name.strip():
        raise TagError('name must not be empty')
    with RestSession(session.params) as rest:
        tagging = Tagging(rest)
        category = tagging.category_named(category_name)
        if category is None:
            if params['state'] == 'absent':
                return dict(changed=False, tag=None, changes=[], diff=dict(before={}, after={}))
            raise TagError('category: no tag category named %r (create it with virt.esx.tag_category)' % category_name)
        current = tagging.tag_named(category['id'], name)
        before = tag_facts(current, category_name)
        if params['state'] == 'absent':
            if current is None:
                return dict(changed=False, tag=None, changes=[], diff=dict(before={}, after={}))
            if not check_mode:
                tagging.delete_tag(current['id'])
            return dict(changed=True, tag=before, changes=['delete tag %s/%s' % (category_name, name)],
                        diff=dict(before=before, after={}))
        description = params.get('description')
        if current is None:
            spec = dict(name=name, description=description or '', category_id=category['id'])
            after = tag_facts(dict(spec, id=None), category_name)
            if not check_mode:
                new_id = tagging.create_tag(spec)
                after = tag_facts(tagging.tags().get(new_id), category_name) or dict(after, id=new_id)
            return dict(changed=True, tag=after, changes=['create tag %s/%s' % (category_name, name)],
                        diff=dict(before={}, after=after))
        if description is None or description == (current.get('description') or ''):
            return dict(changed=False, tag=before, changes=[], diff=dict(before=before, after=before))
        after = dict(before, description=description)
        if not check_mode:
            tagging.update_tag(current['id'], dict(description=description))
        return dict(changed=True, tag=after, changes=['description: %r -> %r' % (before['description'], description)],
                    diff=dict(before=before, after=after))


class VmTags(object):
    """The tags of the VM of one virt.esx.vm run, one Automation API session for the run."""

    def __init__(self, session, check_mode, labels):
        require_vcenter(session, 'tags')
        self.session = session
        self.check_mode = check_mode
        self.labels = sorted(set(labels))
        for label in self.labels:
            parse_label(label)
        self.after = None

    def apply(self, vm, mode):
        with RestSession(self.session.params) as rest:
            tagging = Tagging(rest)
            by_label = {}
            single = set()
            for tag_id, tag in tagging.tags().items():
                category = tagging.categories().get(tag.get('category_id'))
                if category is None:
                    continue
                by_label['%s/%s' % (category.get('name'), tag.get('name'))] = tag_id
                if category.get('cardinality') == 'SINGLE':
                    single.add(category.get('name'))
            missing = [label for label in self.labels if label not in by_label]
            if missing and mode != 'remove':
                raise TagError('tags: no such tag: %s (create them with virt.esx.tag)' % ', '.join(missing))
            wanted = [label for label in self.labels if label in by_label]
            label_of = dict((tag_id, label) for label, tag_id in by_label.items())
            current = [] if vm is None else [label_of[tag_id] for tag_id in tagging.attached_tags(vm._moId)
                                             if tag_id in label_of]
            attach, detach = plan_vm_tags(current, wanted, mode, single)
            lines = ['tag %s: detach' % label for label in sorted(detach)] + ['tag %s: attach' % label for label in sorted(attach)]
            if not self.check_mode:
                for label in sorted(detach):
                    tagging.detach(by_label[label], vm._moId)
                for label in sorted(attach):
                    tagging.attach(by_label[label], vm._moId)
            self.after = sorted((set(current) - detach) | attach)
        return lines

    def facts(self, vm):
        if self.after is None:
            with RestSession(self.session.params) as rest:
                tagging = Tagging(rest)
                labels = [tagging.tag_label(tag_id) for tag_id in tagging.attached_tags(vm._moId)] if vm is not None else []
                self.after = sorted(label for label in labels if label)
        return list(self.after)
