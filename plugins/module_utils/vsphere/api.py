# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pyVmomi, imported once for the whole collection.

Everything else takes vSphere's types from here (``from ...vsphere.api import vim, vmodl``),
so that a missing or broken pyvmomi is detected in one place and every module still imports
without it: the names are then None, HAS_PYVMOMI is False and PYVMOMI_IMPORT_ERROR says why.
A unit test keeps pyVmomi imports out of every file outside module_utils/vsphere.
"""

from __future__ import annotations

__all__ = ['HAS_PYVMOMI', 'PYVMOMI_IMPORT_ERROR', 'SoapStubAdapter', 'VimSessionOrientedStub', 'VmomiSupport', 'vim', 'vmodl']

try:
    from pyVim.connect import VimSessionOrientedStub
    from pyVmomi import SoapStubAdapter, VmomiSupport, vim, vmodl
    HAS_PYVMOMI = True
    PYVMOMI_IMPORT_ERROR = None
except Exception as import_error:  # pylint: disable=broad-except  # pyvmomi 9 on Python 3.9 raises a bare Exception
    VimSessionOrientedStub = SoapStubAdapter = VmomiSupport = vim = vmodl = None
    HAS_PYVMOMI = False
    PYVMOMI_IMPORT_ERROR = import_error
