package main

// UpgradeVM_Task as hostd does it. The stock simulator sets every VM to its
// one hardware version whatever is asked, in any power state, and leaves the
// .vmx as it was. Here:
//   - a VM that is not powered off fails with InvalidPowerState;
//   - a version that is not "vmx-N" fails with InvalidArgument (version);
//   - a version newer than the host's newest (vmx-21, ESXi 8.0 U2) fails with
//     NotSupported, the fault a host gives for a version it does not know;
//   - a version that is not newer than the VM's fails with AlreadyUpgraded;
//   - no version means the host's newest;
//   - the new version is written into the VM's .vmx (virtualHW.version).

import (
	"regexp"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const newestHardwareVersion = 21

var hardwareVersionRE = regexp.MustCompile(`^vmx-([0-9]{1,3})$`)

func init() {
	routedCalls["UpgradeVM_Task"] = "VirtualMachine"
}

func hardwareVersionNumber(text string) (int, bool) {
	m := hardwareVersionRE.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

func (p *questionProxy) UpgradeVMTask(ctx *simulator.Context, req *types.UpgradeVM_Task) soap.HasFault {
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.UpgradeVM_TaskBody{Fault_: notFound(p.target)}
	}
	var ref types.ManagedObjectReference
	simulator.Map.WithLock(vm, func() {
		wanted := req.Version
		if wanted == "" {
			wanted = "vmx-" + strconv.Itoa(newestHardwareVersion)
		}
		version, valid := hardwareVersionNumber(wanted)
		current, _ := hardwareVersionNumber(vm.Config.Version)
		var fault types.BaseMethodFault
		switch {
		case vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff:
			fault = &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOff,
				ExistingState: vm.Runtime.PowerState}
		case !valid:
			fault = &types.InvalidArgument{InvalidProperty: "version"}
		case version > newestHardwareVersion:
			fault = &types.NotSupported{}
		case version <= current:
			fault = &types.AlreadyUpgraded{}
		}
		if fault != nil {
			ref = failedTask(vm, "upgradeVm", fault)
			return
		}
		ref = simulator.CreateTask(vm, "upgradeVm", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.version", Val: wanted}})
			return nil, nil
		}).Run()
		if _, succeeded := taskOutcome(ref); succeeded {
			writeVMXLogged(vm)
		}
	})
	return &methods.UpgradeVM_TaskBody{Res: &types.UpgradeVM_TaskResponse{Returnval: ref}}
}
