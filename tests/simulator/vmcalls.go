// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// VM calls that behave as on a real host, on top of the stock methods:
//
//   - every call that changes a VM's configuration rewrites its .vmx (vmx.go);
//   - a VM name already used by a VM of the same folder is refused with
//     DuplicateName (CreateVM, RegisterVM, CloneVM, Rename, ReconfigVM with a
//     name): the task fails, as on vCenter and ESXi;
//   - ReconfigVM's extraConfig replaces an existing key and removes it when the
//     value is empty (the stock one only appends); keys of settings the spec
//     has fields for (memsize, displayName, device keys ...) are ignored;
//   - Rename also updates config.name and summary.config.name;
//   - CloneVM keeps the source's annotation, firmware, hardware version and
//     extraConfig, and starts the clone's .vmx from the source's file;
//   - RebootGuest (missing in the stock simulator);
//   - RegisterVM applies the uploaded .vmx (register.go);
//   - RemoveSnapshot of the current snapshot when it is a root snapshot leaves
//     no current snapshot (the stock method panics on it).
//
// They reuse the question proxies' routing (questions.go): the front handler
// sends the calls listed here to a proxy object, whose methods below take the
// target's lock and call the stock method as if the simulator had.
func init() {
	for method, thisType := range map[string]string{
		"ReconfigVM_Task":     "VirtualMachine",
		"Rename_Task":         "VirtualMachine",
		"CloneVM_Task":        "VirtualMachine",
		"RebootGuest":         "VirtualMachine",
		"CreateVM_Task":       "Folder",
		"RegisterVM_Task":     "Folder",
		"RemoveSnapshot_Task": "VirtualMachineSnapshot",
	} {
		routedCalls[method] = thisType
	}
}

// failedTask is a task of obj that ends in error with fault, as a real server
// reports a refused operation.
func failedTask(obj mo.Reference, name string, fault types.BaseMethodFault) types.ManagedObjectReference {
	return simulator.CreateTask(obj, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, fault
	}).Run()
}

// taskOutcome reads a finished stock task: its result, or ok=false if it failed.
func taskOutcome(ref types.ManagedObjectReference) (types.AnyType, bool) {
	task, found := simulator.Map.Get(ref).(*simulator.Task)
	if !found {
		return nil, false
	}
	return task.Info.Result, task.Info.Error == nil && task.Info.State == types.TaskInfoStateSuccess
}

// duplicateInFolder returns a DuplicateName fault when another VM of the folder
// is called name.
func duplicateInFolder(folderRef *types.ManagedObjectReference, name string, self types.ManagedObjectReference) types.BaseMethodFault {
	if folderRef == nil {
		return nil
	}
	folder, ok := simulator.Map.Get(*folderRef).(*simulator.Folder)
	if !ok {
		return nil
	}
	for _, child := range folder.ChildEntity {
		if child == self || child.Type != "VirtualMachine" {
			continue
		}
		if vm, ok := simulator.Map.Get(child).(*simulator.VirtualMachine); ok && vm.Name == name {
			return &types.DuplicateName{Name: name, Object: child}
		}
	}
	return nil
}

func optionText(value interface{}) string {
	if value == nil {
		return ""
	}
	return fmt.Sprint(value)
}

// splitExtraConfig separates the "SET.guest..." entries the stock simulator
// uses to fake guest information from the real configuration entries.
func splitExtraConfig(options []types.BaseOptionValue) (own, passed []types.BaseOptionValue) {
	for _, option := range options {
		if strings.HasPrefix(option.GetOptionValue().Key, "SET.") || option.GetOptionValue().Key == "ip0" {
			passed = append(passed, option)
			continue
		}
		own = append(own, option)
	}
	return own, passed
}

// applyExtraConfig sets, replaces or (empty value) removes extraConfig keys.
// The caller holds the VM's lock.
func applyExtraConfig(vm *simulator.VirtualMachine, options []types.BaseOptionValue) {
	if len(options) == 0 {
		return
	}
	current := append([]types.BaseOptionValue(nil), vm.Config.ExtraConfig...)
	for _, option := range options {
		value := option.GetOptionValue()
		if value.Key == "" || isModeledKey(value.Key) {
			continue
		}
		text := optionText(value.Value)
		var kept []types.BaseOptionValue
		replaced := false
		for _, existing := range current {
			if !strings.EqualFold(existing.GetOptionValue().Key, value.Key) {
				kept = append(kept, existing)
				continue
			}
			if text != "" && !replaced {
				kept = append(kept, &types.OptionValue{Key: value.Key, Value: text})
				replaced = true
			}
		}
		if text != "" && !replaced {
			kept = append(kept, &types.OptionValue{Key: value.Key, Value: text})
		}
		current = kept
	}
	simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.extraConfig", Val: current}})
}

func (p *questionProxy) lockedVM() (*simulator.VirtualMachine, bool) {
	vm, ok := simulator.Map.Get(p.target).(*simulator.VirtualMachine)
	return vm, ok
}

func (p *questionProxy) ReconfigVMTask(ctx *simulator.Context, req *types.ReconfigVM_Task) soap.HasFault {
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.ReconfigVM_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		spec := req.Spec
		if spec.Name != "" && spec.Name != vm.Name {
			if fault := duplicateInFolder(vm.Parent, spec.Name, vm.Self); fault != nil {
				res = &methods.ReconfigVM_TaskBody{Res: &types.ReconfigVM_TaskResponse{Returnval: failedTask(vm, "reconfigVm", fault)}}
				return
			}
		}
		own, passed := splitExtraConfig(spec.ExtraConfig)
		spec.ExtraConfig = passed
		res = callAs(ctx, vm.Self, func() soap.HasFault {
			return vm.ReconfigVMTask(ctx, &types.ReconfigVM_Task{This: vm.Self, Spec: spec})
		})
		body, isBody := res.(*methods.ReconfigVM_TaskBody)
		if !isBody || body.Res == nil {
			return
		}
		if _, succeeded := taskOutcome(body.Res.Returnval); succeeded {
			applyExtraConfig(vm, own)
			if spec.Name != "" {
				simulator.Map.Update(vm, []types.PropertyChange{{Name: "name", Val: spec.Name}})
			}
			writeVMXLogged(vm)
		}
	})
	return res
}

func (p *questionProxy) RenameTask(ctx *simulator.Context, req *types.Rename_Task) soap.HasFault {
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.Rename_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		if req.NewName != vm.Name {
			if fault := duplicateInFolder(vm.Parent, req.NewName, vm.Self); fault != nil {
				res = &methods.Rename_TaskBody{Res: &types.Rename_TaskResponse{Returnval: failedTask(vm, "rename", fault)}}
				return
			}
		}
		res = callAs(ctx, vm.Self, func() soap.HasFault {
			return vm.RenameTask(&types.Rename_Task{This: vm.Self, NewName: req.NewName})
		})
		body, isBody := res.(*methods.Rename_TaskBody)
		if !isBody || body.Res == nil {
			return
		}
		if _, succeeded := taskOutcome(body.Res.Returnval); succeeded {
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "config.name", Val: req.NewName},
				{Name: "summary.config.name", Val: req.NewName},
			})
			writeVMXLogged(vm)
		}
	})
	return res
}

func (p *questionProxy) CloneVMTask(ctx *simulator.Context, req *types.CloneVM_Task) soap.HasFault {
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.CloneVM_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	var clone *simulator.VirtualMachine
	var sourceFile string
	simulator.Map.WithLock(vm, func() {
		folder := req.Folder
		if fault := duplicateInFolder(&folder, req.Name, types.ManagedObjectReference{}); fault != nil {
			res = &methods.CloneVM_TaskBody{Res: &types.CloneVM_TaskResponse{Returnval: failedTask(vm, "cloneVm", fault)}}
			return
		}
		if fault := cloneRefusal(vm, &req.Spec); fault != nil {
			res = &methods.CloneVM_TaskBody{Res: &types.CloneVM_TaskResponse{Returnval: failedTask(vm, "cloneVm", fault)}}
			return
		}
		stock := *req
		stock.This = vm.Self
		res = callAs(ctx, vm.Self, func() soap.HasFault { return vm.CloneVMTask(ctx, &stock) })
		body, isBody := res.(*methods.CloneVM_TaskBody)
		if !isBody || body.Res == nil {
			return
		}
		result, succeeded := taskOutcome(body.Res.Returnval)
		ref, isRef := result.(types.ManagedObjectReference)
		if !succeeded || !isRef {
			return
		}
		clone, _ = simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if clone == nil {
			return
		}
		sourceFile, _ = localPath(vm.Config.Files.VmPathName)
		var given []types.BaseOptionValue
		if req.Spec.Config != nil {
			given = req.Spec.Config.ExtraConfig
		}
		inherit := inheritedExtraConfig(vm.Config.ExtraConfig, given)
		changes := []types.PropertyChange{
			{Name: "config.annotation", Val: vm.Config.Annotation},
			{Name: "config.firmware", Val: vm.Config.Firmware},
			{Name: "config.version", Val: vm.Config.Version},
		}
		simulator.Map.WithLock(clone, func() {
			simulator.Map.Update(clone, changes)
			applyExtraConfig(clone, inherit)
			afterClone(clone, &req.Spec)
			if err := writeVMXOnto(clone, sourceFile); err != nil {
				writeVMXLogged(clone)
			}
		})
	})
	return res
}

// inheritedExtraConfig: the source's entries a clone keeps, minus those the
// clone spec sets itself.
func inheritedExtraConfig(source, given []types.BaseOptionValue) []types.BaseOptionValue {
	var out []types.BaseOptionValue
	for _, option := range source {
		key := option.GetOptionValue().Key
		skip := strings.EqualFold(key, "govcsim")
		for _, g := range given {
			if strings.EqualFold(g.GetOptionValue().Key, key) {
				skip = true
			}
		}
		if !skip {
			out = append(out, &types.OptionValue{Key: key, Value: optionText(option.GetOptionValue().Value)})
		}
	}
	return out
}

func (p *questionProxy) CreateVMTask(ctx *simulator.Context, req *types.CreateVM_Task) soap.HasFault {
	folder, ok := simulator.Map.Get(p.target).(*simulator.Folder)
	if !ok {
		return &methods.CreateVM_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(folder, func() {
		if fault := duplicateInFolder(&folder.Self, req.Config.Name, types.ManagedObjectReference{}); fault != nil {
			res = &methods.CreateVM_TaskBody{Res: &types.CreateVM_TaskResponse{Returnval: failedTask(folder, "createVm", fault)}}
			return
		}
		stock := *req
		stock.This = folder.Self
		res = callAs(ctx, folder.Self, func() soap.HasFault { return folder.CreateVMTask(ctx, &stock) })
	})
	if vm := createdVM(res); vm != nil {
		simulator.Map.WithLock(vm, func() { writeVMXLogged(vm) })
	}
	return res
}

// createdVM is the VM a successful CreateVM or RegisterVM task made.
func createdVM(res soap.HasFault) *simulator.VirtualMachine {
	var ref types.ManagedObjectReference
	switch body := res.(type) {
	case *methods.CreateVM_TaskBody:
		if body.Res == nil {
			return nil
		}
		ref = body.Res.Returnval
	case *methods.RegisterVM_TaskBody:
		if body.Res == nil {
			return nil
		}
		ref = body.Res.Returnval
	default:
		return nil
	}
	result, succeeded := taskOutcome(ref)
	vmRef, isRef := result.(types.ManagedObjectReference)
	if !succeeded || !isRef {
		return nil
	}
	vm, _ := simulator.Map.Get(vmRef).(*simulator.VirtualMachine)
	return vm
}

// RebootGuest restarts the guest of a powered-on VM: it stays powered on and
// gets a new boot time.
func (p *questionProxy) RebootGuest(ctx *simulator.Context, req *types.RebootGuest) soap.HasFault {
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.RebootGuestBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			res = &methods.RebootGuestBody{Fault_: simulator.Fault(
				fmt.Sprintf("The attempted operation cannot be performed in the current state (%s).", vm.Runtime.PowerState),
				&types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: vm.Runtime.PowerState})}
			return
		}
		now := time.Now()
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "runtime.bootTime", Val: &now},
			{Name: "summary.runtime.bootTime", Val: &now},
		})
		res = &methods.RebootGuestBody{Res: &types.RebootGuestResponse{}}
	})
	return res
}

// RemoveSnapshotTask: the stock method panics when the snapshot is the current
// one and has no parent (it assigns a typed nil); a host then has no current
// snapshot. The stock method takes the VM's lock itself.
func (p *questionProxy) RemoveSnapshotTask(ctx *simulator.Context, req *types.RemoveSnapshot_Task) soap.HasFault {
	snapshot, ok := simulator.Map.Get(p.target).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return &methods.RemoveSnapshot_TaskBody{Fault_: notFound(p.target)}
	}
	if vm, found := simulator.Map.Get(snapshot.Vm).(*simulator.VirtualMachine); found {
		simulator.Map.WithLock(vm, func() {
			info := vm.Snapshot
			if info == nil || info.CurrentSnapshot == nil || *info.CurrentSnapshot != snapshot.Self {
				return
			}
			for _, root := range info.RootSnapshotList {
				if root.Snapshot == snapshot.Self {
					info.CurrentSnapshot = nil
				}
			}
		})
	}
	var res soap.HasFault
	simulator.Map.WithLock(snapshot, func() {
		stock := *req
		stock.This = snapshot.Self
		res = callAs(ctx, snapshot.Self, func() soap.HasFault { return snapshot.RemoveSnapshotTask(ctx, &stock) })
	})
	return res
}
