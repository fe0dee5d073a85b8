#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module: drives a VM's power through module_utils/vsphere/tasks.py.

The VM modules arrive with later work; this probe gives the poller's integration
test a real module path (connection, session, poller, fail_json) meanwhile.
"""

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_esx_task_probe
short_description: Test helper that powers a simulator VM on or off through the task poller
description: Test helper.
author: virt.esx contributors (@virt-esx)
options:
  vm_name:
    description: VM name; the first VM by name when not set.
    type: str
  action:
    description: What to do.
    type: str
    choices: [info, power_on, power_off]
    default: info
  question:
    description: Set the simulator's question marker (extraConfig virtesx.question) before the action.
    type: str
    choices: [none, blocking, cancelable]
  pause_seconds:
    description: Idle this long after logging in, before acting (to let a session expire).
    type: int
    default: 0
extends_documentation_fragment:
  - virt.esx.connection
  - virt.esx.connection.tasks
'''

import time

from ansible_collections.virt.esx.plugins.module_utils.esx_module import build_module, module_session
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import QuestionBlocked, run_vm_task, wait_for_task
from ansible_collections.virt.esx.plugins.module_utils.errors import TaskError

try:
    from pyVmomi import vim
except ImportError:
    vim = None


def vm_state(session, vm):
    item = retrieve_one(session.content, vm, ['name', 'runtime.powerState', 'runtime.question'])
    question = item.get('runtime.question')
    return dict(name=item['name'], power_state=item['runtime.powerState'],
                question_pending=question is not None, question_text=getattr(question, 'text', None))


def main():
    module = build_module(dict(
        vm_name=dict(type='str'),
        action=dict(type='str', default='info', choices=['info', 'power_on', 'power_off']),
        question=dict(type='str', choices=['none', 'blocking', 'cancelable']),
        pause_seconds=dict(type='int', default=0),
    ), tasks=True)
    with module_session(module) as session:
        auto_answer = session.params.auto_answer
        vms = sorted(session.retrieve({'VirtualMachine': ['name']}), key=lambda item: item['name'])
        wanted = module.params['vm_name']
        found = [item for item in vms if wanted is None or item['name'] == wanted]
        if not found:
            module.fail_json(msg='No VM named %s' % wanted)
        vm = found[0]['_obj']
        if module.params['pause_seconds']:
            time.sleep(module.params['pause_seconds'])
        before = vm_state(session, vm)
        result = dict(changed=False, vm=before, auto_answer=auto_answer)
        timeout = module.params['task_timeout']
        try:
            if module.params['question']:
                value = '' if module.params['question'] == 'none' else module.params['question']
                spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key='virtesx.question', value=value)])
                wait_for_task(vm.ReconfigVM_Task(spec=spec), vm=vm, auto_answer=auto_answer, timeout=timeout)
                result['changed'] = True
            action = module.params['action']
            if action == 'power_on' and before['power_state'] != 'poweredOn':
                run_vm_task(vm, vm.PowerOnVM_Task, auto_answer=auto_answer, timeout=timeout)
                result['changed'] = True
            elif action == 'power_off' and before['power_state'] != 'poweredOff':
                run_vm_task(vm, vm.PowerOffVM_Task, auto_answer=auto_answer, timeout=timeout)
                result['changed'] = True
        except QuestionBlocked as exc:
            result.update(exc.as_dict())
            result['vm'] = vm_state(session, vm)
            module.fail_json(msg=str(exc), **result)
        except TaskError as exc:
            result['vm'] = vm_state(session, vm)
            module.fail_json(msg=str(exc), **result)
        result['vm'] = vm_state(session, vm)
        module.exit_json(**result)


if __name__ == '__main__':
    main()
