// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The guest as VMware Tools reports it, and the clone's customization.
//
// The stock simulator never runs Tools (guest.toolsRunningStatus stays
// guestToolsNotRunning) and its CloneVM_Task ignores spec.customization and
// spec.location.host. Here:
//
//   - a VM that powers on reports Tools running (toolsRunningStatus
//     guestToolsRunning, toolsStatus toolsOk), and not running once powered
//     off, with Map.Update so that WaitForUpdatesEx sees the change;
//   - a clone made with spec.customization has it pending (the stock
//     CustomizeVM_Task), so that its first power-on applies it: guest.hostName,
//     guest.ipAddress and guest.net from the spec, as Tools would report them
//     once the guest has been customized;
//   - a customization whose NIC settings do not match the clone's adapters
//     fails the clone with NicSettingMismatch before anything is made, as
//     vCenter does;
//   - spec.location.host places the clone on that host.

func init() {
	routedCalls["PowerOffVM_Task"] = "VirtualMachine"
}

// guestFollowsPower sets the Tools state after a power operation. The caller
// holds the VM's lock.
func guestFollowsPower(vm *simulator.VirtualMachine) {
	running := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	status, tools := string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning), types.VirtualMachineToolsStatusToolsNotRunning
	if running {
		status, tools = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning), types.VirtualMachineToolsStatusToolsOk
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "guest.toolsRunningStatus", Val: status},
		{Name: "guest.toolsStatus", Val: tools},
		{Name: "summary.guest.toolsRunningStatus", Val: status},
		{Name: "summary.guest.toolsStatus", Val: tools},
	})
	devicesFollowPower(vm)
}

func (p *questionProxy) PowerOffVMTask(ctx *simulator.Context, req *types.PowerOffVM_Task) soap.HasFault {
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.PowerOffVM_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		res = callAs(ctx, vm.Self, func() soap.HasFault {
			return vm.PowerOffVMTask(ctx, &types.PowerOffVM_Task{This: vm.Self})
		})
		guestFollowsPower(vm)
	})
	return res
}

// cloneNicCount is the number of network adapters a clone of vm made with
// spec has.
func cloneNicCount(vm *simulator.VirtualMachine, spec *types.VirtualMachineCloneSpec) int {
	count := len(object.VirtualDeviceList(vm.Config.Hardware.Device).SelectByType((*types.VirtualEthernetCard)(nil)))
	if spec.Config != nil {
		for _, change := range spec.Config.DeviceChange {
			c := change.GetVirtualDeviceConfigSpec()
			if _, isNic := c.Device.(types.BaseVirtualEthernetCard); !isNic {
				continue
			}
			switch c.Operation {
			case types.VirtualDeviceConfigSpecOperationAdd:
				count++
			case types.VirtualDeviceConfigSpecOperationRemove:
				count--
			}
		}
	}
	return count
}

// cloneRefusal is the fault a real vCenter fails the clone with before it
// makes anything, or nil.
func cloneRefusal(vm *simulator.VirtualMachine, spec *types.VirtualMachineCloneSpec) types.BaseMethodFault {
	if spec.Customization != nil {
		nics := cloneNicCount(vm, spec)
		if len(spec.Customization.NicSettingMap) != nics {
			return &types.NicSettingMismatch{NumberOfNicsInSpec: int32(len(spec.Customization.NicSettingMap)), NumberOfNicsInVM: int32(nics)}
		}
	}
	if spec.Location.DiskMoveType == string(types.VirtualMachineRelocateDiskMoveOptionsCreateNewChildDiskBacking) && spec.Snapshot == nil {
		return &types.InvalidArgument{InvalidProperty: "spec.snapshot"}
	}
	return nil
}

// afterClone applies what the stock clone ignores. The caller holds the
// clone's lock.
func afterClone(clone *simulator.VirtualMachine, spec *types.VirtualMachineCloneSpec) {
	if host := spec.Location.Host; host != nil {
		simulator.Map.Update(clone, []types.PropertyChange{
			{Name: "runtime.host", Val: *host},
			{Name: "summary.runtime.host", Val: *host},
		})
	}
	if spec.Customization != nil {
		res := clone.CustomizeVMTask(&types.CustomizeVM_Task{This: clone.Self, Spec: *spec.Customization})
		if body, ok := res.(*methods.CustomizeVM_TaskBody); ok && body.Res != nil {
			// The customization is part of the clone task, not a task of its own.
			forgetTask(body.Res.Returnval)
		}
	}
}

// recordAnswer keeps the choice a VM's question was answered with in its
// extraConfig (virtesx.question.answer = the choice key), so that tests see
// which answer a client gave. (A real host answered "I copied it" also gives
// the VM a new BIOS UUID and MACs; the simulator keeps them, as other tests
// find their VMs by UUID.) The caller holds the VM's lock.
func recordAnswer(vm *simulator.VirtualMachine, choice string) {
	applyExtraConfig(vm, []types.BaseOptionValue{&types.OptionValue{Key: questionMarkerKey + ".answer", Value: choice}})
	writeVMXLogged(vm)
}
