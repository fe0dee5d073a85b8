// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"reflect"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// The model's VMs are made from one device list, and its controllers are shared
// pointers: every VM's CD-ROM key ends up in the one IDE controller's device
// list, so each VM's config grows with the number of VMs (230 KB a VM at 10,000
// VMs) - on a real host a controller lists its own VM's devices only. Benchmarks
// of per-task bytes measured that artefact; ownControllers gives every VM its own
// copy of each controller, listing the VM's own devices.
func ownControllers() {
	for _, entity := range simulator.Map.All("VirtualMachine") {
		vm, ok := entity.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		simulator.Map.WithLock(vm, func() {
			if vm.Config == nil {
				return
			}
			devices := vm.Config.Hardware.Device
			for i, device := range devices {
				if _, isController := device.(types.BaseVirtualController); !isController {
					continue
				}
				value := reflect.ValueOf(device)
				if value.Kind() != reflect.Ptr {
					continue
				}
				clone := reflect.New(value.Elem().Type())
				clone.Elem().Set(value.Elem())
				controller := clone.Interface().(types.BaseVirtualController).GetVirtualController()
				var own []int32
				for _, other := range devices {
					if other.GetVirtualDevice().ControllerKey == controller.Key {
						own = append(own, other.GetVirtualDevice().Key)
					}
				}
				controller.Device = own
				devices[i] = clone.Interface().(types.BaseVirtualDevice)
			}
		})
	}
}
