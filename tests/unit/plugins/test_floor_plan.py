# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor plan of plugins/, read from the imports (docs/architecture.md):

- module_utils/formats/   pure: escaping, .vmx, VMX <-> domain XML, network/storage/capabilities XML. The only
                          package that writes XML; it never touches the network.
- module_utils/vsphere/   the VI session, faults, properties, tasks, datastore files. The only package that
                          imports pyVmomi.
- module_utils/resources/ the logic of each module, on top of both.
- plugin_utils/           controller-only code (the inventory's raw SOAP reader).

A package may import only the packages below it, and no module may take part in an import cycle.
"""

from __future__ import annotations

import ast
import os

import pytest

from ansible_collections.virt.esx.plugins.module_utils import errors

PLUGINS = os.path.abspath(os.path.join(os.path.dirname(errors.__file__), os.pardir))
PREFIX = 'ansible_collections.virt.esx.plugins.'

# What each part of plugins/ may import from the collection (by the first parts of the dotted name).
ALLOWED = {
    'module_utils.errors': (),
    'module_utils.formats': ('module_utils.errors', 'module_utils.formats'),
    'module_utils.vsphere': ('module_utils.errors', 'module_utils.formats', 'module_utils.vsphere'),
    'module_utils.resources': ('module_utils.errors', 'module_utils.formats', 'module_utils.vsphere',
                               'module_utils.resources'),
    'module_utils.esx_module': ('module_utils.errors', 'module_utils.vsphere'),
    'plugin_utils': ('module_utils.errors', 'module_utils.formats', 'module_utils.vsphere', 'plugin_utils'),
    'modules': ('module_utils.',),
    'inventory': ('module_utils.', 'plugin_utils.'),
    'filter': ('module_utils.errors', 'module_utils.formats'),
    'doc_fragments': (),
}
XML_LIBRARIES = ('lxml', 'xml')
# Reading XML is allowed outside formats/ only here, and only reading (checked below).
XML_READERS = {'plugin_utils/soap_reader.py': 'parses SOAP answers with lxml; the requests it sends are text'}
XML_WRITING_CALLS = ('tostring', 'SubElement', 'ElementTree(', 'Element(', 'xmlfile', 'tostringlist', 'dump(')


def _sources():
    for folder, _dirs, files in os.walk(PLUGINS):
        for name in sorted(files):
            if name.endswith('.py'):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, PLUGINS).replace(os.sep, '/'), path


def _module_name(relative):
    name = relative[:-3].replace('/', '.')
    return name[:-len('.__init__')] if name.endswith('.__init__') else name


def _imports(path):
    """Every module an import statement names (at any depth: imports inside functions count too)."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module + '.' == PREFIX + 'plugins.' or node.module.startswith(PREFIX):
                # 'from ...module_utils.vsphere import session' names the module session too.
                names.extend('%s.%s' % (node.module, alias.name) for alias in node.names)
            names.append(node.module)
    return names


def _collection_imports(path):
    found = set()
    for name in _imports(path):
        if name.startswith(PREFIX):
            found.add(name[len(PREFIX):])
    return found


def _part(module_name):
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module_name == part or module_name.startswith(part + '.'):
            return part
    return None


SOURCES = list(_sources())


@pytest.mark.parametrize('relative, path', SOURCES, ids=[relative for relative, _path in SOURCES])
def test_each_package_imports_only_the_packages_below_it(relative, path):
    if relative.endswith('__init__.py') and os.path.getsize(path) == 0:
        return  # an empty package marker
    part = _part(_module_name(relative))
    assert part is not None, '%s is in no part of the floor plan (ALLOWED)' % relative
    wrong = sorted(name for name in _collection_imports(path)
                   if not name.startswith(ALLOWED[part]) and _part(name) is not None)
    assert wrong == [], '%s (%s) may not import %s' % (relative, part, ', '.join(wrong))


@pytest.mark.parametrize('relative, path', SOURCES, ids=[relative for relative, _path in SOURCES])
def test_only_the_vsphere_package_imports_pyvmomi(relative, path):
    if relative.startswith('module_utils/vsphere/'):
        return
    assert not [name for name in _imports(path) if name == 'pyVmomi' or name.startswith('pyVmomi.')], \
        '%s imports pyVmomi: take vim/vmodl from module_utils.vsphere.api' % relative


@pytest.mark.parametrize('relative, path', SOURCES, ids=[relative for relative, _path in SOURCES])
def test_only_the_formats_package_handles_xml(relative, path):
    if relative.startswith('module_utils/formats/'):
        return
    xml = sorted(set(name for name in _imports(path) if name.split('.')[0] in XML_LIBRARIES))
    if relative in XML_READERS:
        with open(path, encoding='utf-8') as handle:
            code = handle.read()
        assert not [call for call in XML_WRITING_CALLS if call in code], \
            '%s may read XML (%s) but writes some' % (relative, XML_READERS[relative])
        return
    assert xml == [], '%s imports %s: XML is read and written in module_utils/formats only' % (relative, ', '.join(xml))


def test_no_module_takes_part_in_an_import_cycle():
    modules = dict((_module_name(relative), path) for relative, path in SOURCES)
    graph = dict((name, set(target for target in _collection_imports(path) if target in modules and target != name))
                 for name, path in modules.items())
    cycles = []
    state = {}

    def visit(name, trail):
        state[name] = 'open'
        for target in sorted(graph[name]):
            if state.get(target) == 'open':
                cycles.append(' -> '.join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[name] = 'done'

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
