# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hardware settings of virt.esx.vm that libvirt's domain XML has no element for: CPU and memory hot-add, and
the virtual hardware version.

``apply(run, vm, config=None)``
    a hook of ``vm.VmRun`` after the definition is applied: sets ``cpu_hot_add`` /
    ``memory_hot_add`` with one ReconfigVM_Task when they differ, and upgrades the
    VM to ``hardware_version`` with UpgradeVM_Task when it is newer than the VM's
    (an older one is an error: vSphere never downgrades). vSphere changes these
    only on a powered-off VM: a running VM fails with the list of changes unless
    ``force_power_off`` (then it is powered off once for all of them and on again).
    With ``vm`` None (check mode for a clone) ``config`` is the source's.
"""

from __future__ import annotations

import re

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one

# option -> field of ConfigInfo and ConfigSpec
SWITCHES = (('cpu_hot_add', 'cpuHotAddEnabled'), ('memory_hot_add', 'memoryHotAddEnabled'))
# The oldest version ESX 6.x and later run (and libvirt's VMX reader accepts).
MIN_HARDWARE_VERSION = 4
_VERSION_RE = re.compile(r'^vmx-0*([0-9]{1,3})$')


class HardwareError(VirtEsxError):
    """A hardware change that cannot be made as asked."""


def planned(params, current):
    """[(option, field, before, after)] of the switches given that differ from ``current`` {field: value}."""
    return [(option, field, bool(current.get(field)), params[option]) for option, field in SWITCHES
            if params.get(option) is not None and bool(current.get(field)) != params[option]]


def version_number(text):
    """'vmx-13' -> 13; None for what is not a vSphere hardware version."""
    match = _VERSION_RE.match(text or '')
    return int(match.group(1)) if match else None


def version_text(number):
    """13 -> 'vmx-13', 7 -> 'vmx-07', as vSphere names the versions."""
    return 'vmx-%02d' % number


def planned_upgrade(name, wanted, current):
    """(before, after) version texts of the upgrade ``wanted`` (a number) asks of ``current`` ('vmx-13'), or None."""
    if wanted is None:
        return None
    if wanted < MIN_HARDWARE_VERSION:
        raise HardwareError('hardware_version must be %d or more, not %d' % (MIN_HARDWARE_VERSION, wanted))
    have = version_number(current)
    if have is None:
        raise HardwareError('VM %s reports the hardware version %r, which is not vmx-N: hardware_version %d cannot be '
                            'compared with it' % (name, current, wanted))
    if wanted < have:
        raise HardwareError('VM %s has hardware version %s; hardware_version %d (%s) would be a downgrade, which vSphere '
                            'cannot do' % (name, current, wanted, version_text(wanted)))
    return None if wanted == have else (current, version_text(wanted))


def apply(run, vm, config=None):
    params = run.params
    wanted_version = params.get('hardware_version')
    if not any(params.get(option) is not None for option, _field in SWITCHES) and wanted_version is None:
        return
    name = params.get('name') or params.get('uuid')
    if vm is None:
        current = dict((field, getattr(config, field, None)) for _option, field in SWITCHES) if config is not None else {}
        # A VM about to be created gets the version the module creates VMs with.
        current_version = config.version if config is not None else version_text(run.hw_version())
        power_state = 'poweredOff'
    else:
        item = retrieve_one(run.session.content, vm, ['config.%s' % field for _option, field in SWITCHES]
                            + ['config.version', 'runtime.powerState'])
        current = dict((field, item.get('config.%s' % field)) for _option, field in SWITCHES)
        current_version = item.get('config.version')
        power_state = str(item['runtime.powerState'])
        if run.check_mode and run._predicted_power is not None:  # pylint: disable=protected-access
            power_state = run._predicted_power  # pylint: disable=protected-access
    changes = planned(params, current)
    upgrade = planned_upgrade(name, wanted_version, current_version)
    if not changes and not upgrade:
        return
    described = ['%s: set %s -> %s' % (option, str(before).lower(), str(after).lower()) for option, _field, before, after in changes]
    if upgrade:
        described.append('hardware_version: upgrade %s -> %s' % upgrade)
    run.changed = True
    restore = False
    if power_state != 'poweredOff':
        if not params.get('force_power_off'):
            raise HardwareError('VM %s is %s; these changes need it powered off: %s. Set force_power_off: true to power it off '
                                'for the change (it is powered on again afterwards unless state asks otherwise)'
                                % (name, POWER_STATE_NAMES.get(power_state, power_state),
                                   '; '.join(described)))
        run.changes.append('power off for the change')
        run.task(vm, vm.PowerOffVM_Task, 'PowerOffVM_Task')
        restore = power_state == 'poweredOn' and params['state'] in ('present', 'running', 'restarted')
    run.changes.extend(described)
    spec = vim.vm.ConfigSpec()
    for _option, field, _before, after in changes:
        setattr(spec, field, after)
    if vm is not None and changes:
        run.task(vm, lambda: vm.ReconfigVM_Task(spec=spec), 'ReconfigVM_Task')
    if vm is not None and upgrade:
        run.task(vm, lambda: vm.UpgradeVM_Task(version=upgrade[1]), 'UpgradeVM_Task')
    if restore:
        run.changes.append('power on again')
        run.task(vm, vm.PowerOnVM_Task, 'PowerOnVM_Task')
