# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere faults as text, and vsphere_call turning them into the collection's errors."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import SessionError
from ansible_collections.virt.esx.plugins.module_utils.formats.storage_xml import StorageError
from ansible_collections.virt.esx.plugins.module_utils.resources.network import NetworkError
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import VmError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import (
    describe_fault, failure_message, fault_text, vsphere_call)
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import ServerFault

needs_pyvmomi = pytest.mark.skipif(vim is None, reason='pyvmomi is not installed')


# ---------------------------------------------------------------------------
# Faults as text
# ---------------------------------------------------------------------------

@needs_pyvmomi
def test_describe_fault_prefers_server_message():
    fault = vim.fault.InvalidPowerState(requestedState='poweredOn', existingState='poweredOn')
    message = 'The attempted operation cannot be performed in the current state (Powered on).'
    assert describe_fault(fault, message) == ('InvalidPowerState', 'InvalidPowerState: ' + message)


@needs_pyvmomi
@pytest.mark.parametrize('go_name', ['*types.InvalidPowerState', 'types.InvalidPowerState', '', None, 'InvalidPowerState'])
def test_describe_fault_falls_back_to_type_and_fields(go_name):
    fault = vim.fault.InvalidPowerState(requestedState='poweredOn', existingState='poweredOff')
    name, text = describe_fault(fault, go_name)
    assert name == 'InvalidPowerState'
    assert text == "InvalidPowerState (requestedState='poweredOn', existingState='poweredOff')"


@needs_pyvmomi
def test_describe_fault_uses_msg_then_fault_messages_then_cause():
    with_msg = vim.fault.InvalidState(msg='The operation is not allowed in the current state.')
    assert describe_fault(with_msg)[1] == 'InvalidState: The operation is not allowed in the current state.'
    with_messages = vim.fault.InvalidState(faultMessage=[vmodl.LocalizableMessage(key='k', message='Host is in maintenance mode')])
    assert describe_fault(with_messages)[1] == 'InvalidState: Host is in maintenance mode'
    caused = vim.fault.GenericVmConfigFault(reason='Failed to start the virtual machine.',
                                            faultCause=vim.fault.FileNotFound(file='[ds1] a/a.vmdk'))
    assert describe_fault(caused, '*types.GenericVmConfigFault')[1] == (
        "GenericVmConfigFault (reason='Failed to start the virtual machine.'); caused by FileNotFound (file='[ds1] a/a.vmdk')")


def test_describe_fault_without_fault_object_uses_go_type_name_as_type():
    assert describe_fault(None, '*types.InvalidPowerState') == ('InvalidPowerState', 'InvalidPowerState')
    assert describe_fault(None, 'Disk full') == (None, 'Disk full')
    assert describe_fault(None, None) == (None, 'unknown error')


@needs_pyvmomi
def test_describe_fault_names_managed_objects_by_id():
    fault = vmodl.fault.ManagedObjectNotFound(obj=vim.VirtualMachine('vm-42'))
    assert describe_fault(fault)[1] == 'ManagedObjectNotFound (obj=vm-42)'


@needs_pyvmomi
def test_fault_text_is_the_fault_description_or_the_error_s_own_message():
    assert fault_text(vim.fault.InvalidState()) == 'InvalidState'
    assert fault_text(ServerFault('refused')) == 'refused'
    assert fault_text(OSError('connection reset')) == 'connection reset'
    assert failure_message('Setting autostart', vim.fault.InvalidState()) == 'Setting autostart failed: InvalidState'


# ---------------------------------------------------------------------------
# vsphere_call
# ---------------------------------------------------------------------------

def _raised_by(what, error_class, exception):
    with pytest.raises(BaseException) as caught:
        with vsphere_call(what, error_class):
            raise exception
    return caught.value


@needs_pyvmomi
def test_a_fault_with_an_empty_message_still_names_its_type():
    # vCenter sends many faults without any message: the type (and its fields) must say what happened.
    error = _raised_by('Reconfiguring VM web01', VmError, vim.fault.InvalidPowerState(msg='', existingState='poweredOff'))
    assert error.__class__ is VmError
    assert str(error) == "Reconfiguring VM web01 failed: InvalidPowerState (existingState='poweredOff')"
    assert error.fault_name == 'InvalidPowerState'
    bare = _raised_by('Unregistering VM web01', VmError, vim.fault.InvalidState(msg=''))
    assert str(bare) == 'Unregistering VM web01 failed: InvalidState'


@needs_pyvmomi
def test_a_fault_s_message_and_its_fault_messages_are_quoted():
    error = _raised_by('Searching [ds1] iso', StorageError, vim.fault.FileNotFound(msg='File [ds1] iso was not found'))
    assert str(error) == 'Searching [ds1] iso failed: FileNotFound: File [ds1] iso was not found'
    listed = vim.fault.ResourceInUse(faultMessage=[vmodl.LocalizableMessage(key='a', message='Port group in use'),
                                                   vmodl.LocalizableMessage(key='b', message='by vm-7')])
    error = _raised_by('Removing port group app on host h1', NetworkError, listed)
    assert str(error) == 'Removing port group app on host h1 failed: ResourceInUse: Port group in use by vm-7'
    assert error.__class__ is NetworkError and error.fault_name == 'ResourceInUse'


@needs_pyvmomi
def test_the_error_is_of_the_chosen_class_and_keeps_the_fault_as_cause():
    fault = vim.fault.NoPermission(privilegeId='System.View')
    for error_class in (VmError, StorageError, NetworkError, SessionError):
        error = _raised_by('Reading the host', error_class, fault)
        assert error.__class__ is error_class
        assert error.__cause__ is fault
        assert str(error) == "Reading the host failed: NoPermission (privilegeId='System.View')"


@needs_pyvmomi
def test_without_what_the_message_is_the_fault_text_alone():
    error = _raised_by(None, ServerFault, vim.fault.InvalidState(msg='busy'))
    assert (str(error), error.fault_text, error.fault_name) == ('InvalidState: busy', 'InvalidState: busy', 'InvalidState')


@pytest.mark.parametrize('exception', [ValueError('not a fault'), VmError('already worded'), KeyboardInterrupt()])
def test_anything_but_a_fault_passes_through_unchanged(exception):
    assert _raised_by('Reconfiguring VM web01', StorageError, exception) is exception


def test_a_call_that_raises_nothing_returns_its_value():
    @vsphere_call('Reading', VmError)
    def read():
        return 42
    assert read() == 42


@pytest.mark.parametrize('error_class', [ValueError, Exception, 'VmError', None])
def test_only_collection_errors_can_be_chosen(error_class):
    with pytest.raises(TypeError, match='VirtEsxError'):
        with vsphere_call('Reading', error_class):
            pass
