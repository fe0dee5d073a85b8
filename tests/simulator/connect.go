package main

// Device connection follows power, as on a host: powering a VM on connects
// every device whose connectable.startConnected is set (and leaves the others
// disconnected); powering it off disconnects them all. The stock simulator
// keeps connectable.connected as the last ReconfigVM set it, so a powered-off
// VM could report connected adapters and a VM registered from a .vmx never
// connects its adapters. Called from guestFollowsPower with the VM's lock held.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func devicesFollowPower(vm *simulator.VirtualMachine) {
	state := vm.Runtime.PowerState
	if state == types.VirtualMachinePowerStateSuspended {
		return
	}
	for _, device := range vm.Config.Hardware.Device {
		connectable := device.GetVirtualDevice().Connectable
		if connectable == nil {
			continue
		}
		connectable.Connected = state == types.VirtualMachinePowerStatePoweredOn && connectable.StartConnected
	}
}
