# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere faults as readable text, and as the collection's errors.

``describe_fault(fault, localized_message=None) -> (type_name, text)``
    A readable text for a pyvmomi fault, also when the server's message is empty
    (as vCenter often sends it) or only a Go type name (as govmomi's simulator sends):
    the text then names the fault type and its fields.
``fault_text(error) -> str``
    That text for a vSphere fault, the message of any other error.
``failure_message(what, error) -> str``
    ``'<what> failed: <fault text>'``.
``vsphere_call(what, error_class)``
    A context manager (or decorator) that turns a vSphere fault raised inside into
    ``error_class(failure_message(what, fault))``; the error's ``fault_name`` is the
    fault's type name::

        with vsphere_call('Reconfiguring VM %s' % name, VmError):
            vm.ReconfigVM_Task(spec=spec)

This module sits below the session and the task poller: it imports neither.
"""

from __future__ import annotations

import contextlib
import re

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vmodl

# Catching an empty tuple catches nothing: without pyvmomi no call can raise a fault.
_METHOD_FAULT = vmodl.MethodFault if vmodl is not None else ()

# govmomi's simulator puts fmt.Sprintf("%T", err) into localizedMessage: "*types.InvalidPowerState".
_GO_TYPE_NAME = re.compile(r'^\*?(\[\])?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$')
_BASE_FAULT_FIELDS = frozenset(['dynamicType', 'dynamicProperty', 'msg', 'faultCause', 'faultMessage'])
_MAX_FIELD_CHARS = 200


def _fault_type_name(fault):
    return getattr(fault, '_wsdlName', None) or type(fault).__name__


def _useful_message(text, type_name):
    if not text:
        return None
    text = str(text).strip()
    if not text or text == type_name or _GO_TYPE_NAME.match(text):
        return None
    return text


def _format_field_value(value):
    if isinstance(value, (list, tuple)):
        return '[%s]' % ', '.join(_format_field_value(item) for item in value)
    if hasattr(value, '_moId'):
        return str(value._moId)
    if hasattr(value, '_GetPropertyList'):
        # nested data objects are named, not dumped: their repr spans many lines
        return _fault_type_name(value)
    if isinstance(value, str):
        return repr(str(value))
    return str(value)


def _fault_fields(fault):
    try:
        properties = fault._GetPropertyList()
    except AttributeError:
        return []
    fields = []
    for prop in properties:
        if prop.name in _BASE_FAULT_FIELDS:
            continue
        value = getattr(fault, prop.name, None)
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        text = _format_field_value(value)
        if len(text) > _MAX_FIELD_CHARS:
            text = text[:_MAX_FIELD_CHARS] + '...'
        fields.append('%s=%s' % (prop.name, text))
    return fields


def describe_fault(fault, localized_message=None):
    """Return ``(type_name, text)`` for a pyvmomi fault (or any exception).

    The text is the server's message (``localized_message``, else the fault's
    ``msg``, else its ``faultMessage`` list) prefixed by the fault type.  When
    no message is usable - empty, or a Go type name - it is the fault type with
    its fields, e.g. ``InvalidPowerState (requestedState='poweredOn', existingState='poweredOn')``.
    A ``faultCause`` is appended.
    """
    if fault is None:
        message = _useful_message(localized_message, None)
        if message is None and localized_message and _GO_TYPE_NAME.match(localized_message.strip()):
            type_name = localized_message.strip().rsplit('.', 1)[1]
            return type_name, type_name
        return None, message or 'unknown error'
    type_name = _fault_type_name(fault)
    message = _useful_message(localized_message, type_name) or _useful_message(getattr(fault, 'msg', None), type_name)
    if message is None:
        details = [getattr(item, 'message', None) for item in getattr(fault, 'faultMessage', None) or ()]
        message = _useful_message(' '.join(d for d in details if d), type_name)
    if message is None and not hasattr(fault, '_GetPropertyList'):
        message = _useful_message(str(fault), type_name)
    if message is not None:
        text = '%s: %s' % (type_name, message)
    else:
        fields = _fault_fields(fault)
        text = '%s (%s)' % (type_name, ', '.join(fields)) if fields else type_name
    cause = getattr(fault, 'faultCause', None)
    if cause is not None and cause is not fault:
        text += '; caused by %s' % describe_fault(cause)[1]
    return type_name, text


def fault_text(error):
    """What went wrong, for a message: a vSphere fault as describe_fault reads it, any other error its own message."""
    if isinstance(error, _METHOD_FAULT):
        return describe_fault(error)[1]
    return str(error)


def failure_message(what, error):
    return '%s failed: %s' % (what, fault_text(error))


@contextlib.contextmanager
def vsphere_call(what, error_class):
    """Raise ``error_class('<what> failed: <fault text>')`` for a vSphere fault raised inside.

    ``error_class`` is a VirtEsxError subclass; the error gets the fault's type name as
    ``fault_name`` and the fault as its cause.  With ``what`` None the message is the fault
    text alone, for a caller that words the sentence itself.  Other exceptions pass
    through unchanged.
    """
    if not (isinstance(error_class, type) and issubclass(error_class, VirtEsxError)):
        raise TypeError('vsphere_call raises collection errors (VirtEsxError subclasses), not %r' % (error_class,))
    try:
        yield
    except _METHOD_FAULT as fault:
        error = error_class(fault_text(fault) if what is None else failure_message(what, fault))
        error.fault_name = _fault_type_name(fault)
        raise error from fault
