# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pyVmomi is imported in vsphere/api.py only, and everything imports without it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from ansible_collections.virt.esx.plugins.module_utils.vsphere import api

_PLUGINS = os.path.abspath(os.path.join(os.path.dirname(api.__file__), os.pardir, os.pardir))
_VSPHERE = os.path.dirname(os.path.abspath(api.__file__))
_PYVMOMI_PACKAGES = ('pyVmomi', 'pyVim')


def _is_pyvmomi(module_name):
    return bool(module_name) and module_name.split('.', 1)[0] in _PYVMOMI_PACKAGES


def pyvmomi_imports(source):
    """Line numbers of the imports of pyVmomi or pyVim in Python source, ``__import__('pyVmomi')`` included."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(_is_pyvmomi(alias.name) for alias in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _is_pyvmomi(node.module):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and _is_pyvmomi(node.args[0].value):
            lines.append(node.lineno)
    return lines


def _plugin_files():
    for folder, _dirs, files in os.walk(_PLUGINS):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(folder, name)


def test_the_import_finder_sees_every_spelling():
    assert pyvmomi_imports('import pyVmomi\nfrom pyVmomi import vim\nfrom pyVim.connect import X\n'
                           'import os, pyVmomi.VmomiSupport\nimportlib.import_module("pyVmomi")\n') == [1, 2, 3, 4, 5]
    assert pyvmomi_imports('from .api import vim\nimport pyvmomi_helpers\nname = "pyVmomi"\n') == []


def test_no_plugin_file_outside_vsphere_imports_pyvmomi():
    offenders = []
    for path in _plugin_files():
        if os.path.dirname(path) == _VSPHERE:
            continue
        with open(path, encoding='utf-8') as handle:
            offenders.extend('%s:%d' % (os.path.relpath(path, _PLUGINS), line) for line in pyvmomi_imports(handle.read()))
    assert offenders == []


def test_inside_vsphere_only_api_imports_pyvmomi():
    importers = []
    for path in _plugin_files():
        with open(path, encoding='utf-8') as handle:
            if pyvmomi_imports(handle.read()):
                importers.append(os.path.relpath(path, _PLUGINS))
    assert importers == [os.path.join('module_utils', 'vsphere', 'api.py')]


def test_every_plugin_util_imports_without_pyvmomi():
    root = _PLUGINS
    for _level in range(4):  # <root>/ansible_collections/virt/esx/plugins -> <root>
        root = os.path.dirname(root)
    modules = []
    for path in _plugin_files():
        relative = os.path.relpath(path, _PLUGINS)
        if relative.split(os.sep)[0] in ('module_utils', 'plugin_utils') and not relative.endswith('__init__.py'):
            modules.append('ansible_collections.virt.esx.plugins.' + relative[:-3].replace(os.sep, '.'))
    code = ('import importlib, sys; sys.modules["pyVmomi"] = None\n'
            'for name in sys.argv[1:]: importlib.import_module(name)\n'
            'from ansible_collections.virt.esx.plugins.module_utils.vsphere import api\n'
            'assert not api.HAS_PYVMOMI and api.vim is None and api.vmodl is None\n'
            'print(isinstance(api.PYVMOMI_IMPORT_ERROR, ImportError))')
    # The test runner's own path too: esx_module needs ansible, which may come from there.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + sys.path))
    completed = subprocess.run([sys.executable, '-c', code] + modules, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == 'True'
    assert 'ansible_collections.virt.esx.plugins.plugin_utils.soap_reader' in modules
    assert 'ansible_collections.virt.esx.plugins.module_utils.resources.vm' in modules
