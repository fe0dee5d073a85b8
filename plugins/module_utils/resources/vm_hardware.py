# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hardware switches of virt.esx.vm that libvirt's domain XML has no element for: CPU and memory hot-add.

``apply(run, vm, config=None)``
    a hook of ``vm.VmRun`` after the definition is applied: sets ``cpu_hot_add`` /
    ``memory_hot_add`` with one ReconfigVM_Task when they differ. vSphere changes
    them only on a powered-off VM: a running VM fails with the list of changes
    unless ``force_power_off`` (then it is powered off for the change and on
    again). With ``vm`` None (check mode for a clone) ``config`` is the source's.
"""

from __future__ import annotations

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.tables import POWER_STATE_NAMES
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one

# option -> field of ConfigInfo and ConfigSpec
SWITCHES = (('cpu_hot_add', 'cpuHotAddEnabled'), ('memory_hot_add', 'memoryHotAddEnabled'))


class HardwareError(VirtEsxError):
    """A hardware change that cannot be made as asked."""


def planned(params, current):
    """[(option, field, before, after)] of the switches given that differ from ``current`` {field: value}."""
    return [(option, field, bool(current.get(field)), params[option]) for option, field in SWITCHES
            if params.get(option) is not None and bool(current.get(field)) != params[option]]


def apply(run, vm, config=None):
    params = run.params
    if not any(params.get(option) is not None for option, _field in SWITCHES):
        return
    if vm is None:
        current = dict((field, getattr(config, field, None)) for _option, field in SWITCHES) if config is not None else {}
        power_state = 'poweredOff'
    else:
        item = retrieve_one(run.session.content, vm, ['config.%s' % field for _option, field in SWITCHES] + ['runtime.powerState'])
        current = dict((field, item.get('config.%s' % field)) for _option, field in SWITCHES)
        power_state = str(item['runtime.powerState'])
        if run.check_mode and run._predicted_power is not None:  # pylint: disable=protected-access
            power_state = run._predicted_power  # pylint: disable=protected-access
    changes = planned(params, current)
    if not changes:
        return
    described = ['%s: set %s -> %s' % (option, str(before).lower(), str(after).lower()) for option, _field, before, after in changes]
    run.changed = True
    restore = False
    if power_state != 'poweredOff':
        if not params.get('force_power_off'):
            raise HardwareError('VM %s is %s; these changes need it powered off: %s. Set force_power_off: true to power it off '
                                'for the change (it is powered on again afterwards unless state asks otherwise)'
                                % (params.get('name') or params.get('uuid'), POWER_STATE_NAMES.get(power_state, power_state),
                                   '; '.join(described)))
        run.changes.append('power off for the change')
        run.task(vm, vm.PowerOffVM_Task, 'PowerOffVM_Task')
        restore = power_state == 'poweredOn' and params['state'] in ('present', 'running', 'restarted')
    run.changes.extend(described)
    spec = vim.vm.ConfigSpec()
    for _option, field, _before, after in changes:
        setattr(spec, field, after)
    if vm is not None:
        run.task(vm, lambda: vm.ReconfigVM_Task(spec=spec), 'ReconfigVM_Task')
    if restore:
        run.changes.append('power on again')
        run.task(vm, vm.PowerOnVM_Task, 'PowerOnVM_Task')
