// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// A HostAutoStartManager per host (host.configManager.autoStartManager), which
// the stock simulator lacks.
//
// config.defaults starts as a fresh ESXi host has it (disabled, 120 s delays,
// stop action PowerOff). ReconfigureAutostart merges the given defaults (the
// fields that are set) and replaces the powerInfo entry of each VM named;
// an entry with startAction "none" and startOrder -1 (and no other setting)
// drops the VM from the list, as a host does. Entries are ordered by
// startOrder (ordered entries first). AutoStartPowerOn/AutoStartPowerOff power
// on/off the listed VMs whose action says so. The entry of a VM that is
// destroyed or unregistered goes away.

var autostartMu sync.Mutex

type autoStartManager struct {
	mo.HostAutoStartManager
	host types.ManagedObjectReference
}

// autostartHandler drops the entries of removed VMs.
type autostartHandler struct {
	self     types.ManagedObjectReference
	managers []*autoStartManager
}

func (h *autostartHandler) Reference() types.ManagedObjectReference { return h.self }
func (h *autostartHandler) PutObject(mo.Reference)                  {}
func (h *autostartHandler) UpdateObject(mo.Reference, []types.PropertyChange) {
}

func (h *autostartHandler) RemoveObject(ref types.ManagedObjectReference) {
	if ref.Type != "VirtualMachine" {
		return
	}
	autostartMu.Lock()
	defer autostartMu.Unlock()
	for _, m := range h.managers {
		var kept []types.AutoStartPowerInfo
		for _, info := range m.Config.PowerInfo {
			if info.Key != ref {
				kept = append(kept, info)
			}
		}
		m.Config.PowerInfo = kept
	}
}

// installAutoStartManagers gives every host a manager. It runs before the
// server starts.
func installAutoStartManagers(esx bool) {
	handler := &autostartHandler{self: types.ManagedObjectReference{Type: "VirtesxAutostartHandler", Value: "virtesx-autostart"}}
	for _, entity := range simulator.Map.All("HostSystem") {
		host, ok := entity.(*simulator.HostSystem)
		if !ok {
			continue
		}
		// The stock host template names "ha-autostart-mgr" without an object behind it.
		if ref := host.ConfigManager.AutoStartManager; ref != nil && simulator.Map.Get(*ref) != nil {
			continue
		}
		value := "ha-autostart-mgr"
		if !esx {
			value = "autoStartManager-" + host.Self.Value
		}
		m := &autoStartManager{host: host.Self}
		m.Self = types.ManagedObjectReference{Type: "HostAutoStartManager", Value: value}
		m.Config = types.HostAutoStartManagerConfig{Defaults: &types.AutoStartDefaults{
			Enabled:          types.NewBool(false),
			StartDelay:       120,
			StopDelay:        120,
			WaitForHeartbeat: types.NewBool(false),
			StopAction:       "PowerOff",
		}}
		simulator.Map.Put(m)
		ref := m.Self
		host.ConfigManager.AutoStartManager = &ref
		handler.managers = append(handler.managers, m)
	}
	simulator.Map.AddHandler(handler)
}

var (
	startActions = map[string]string{"none": "none", "poweron": "powerOn"}
	stopActions  = map[string]string{"none": "none", "systemdefault": "systemDefault", "poweroff": "powerOff",
		"guestshutdown": "guestShutdown", "suspend": "suspend"}
	heartbeats = map[string]string{"systemdefault": "systemDefault", "yes": "yes", "no": "no"}
)

func autostartInvalid(property, message string) soap.HasFault {
	return &methods.ReconfigureAutostartBody{Fault_: simulator.Fault(
		fmt.Sprintf("A specified parameter was not correct: %s (%s)", property, message),
		&types.InvalidArgument{InvalidProperty: property})}
}

func (m *autoStartManager) ReconfigureAutostart(ctx *simulator.Context, req *types.ReconfigureAutostart) soap.HasFault {
	autostartMu.Lock()
	defer autostartMu.Unlock()
	spec := req.Spec
	// Everything is checked before anything changes.
	var entries []types.AutoStartPowerInfo
	for i, info := range spec.PowerInfo {
		where := fmt.Sprintf("spec.powerInfo[%d]", i)
		vm, ok := simulator.Map.Get(info.Key).(*simulator.VirtualMachine)
		if !ok || vm.Runtime.Host == nil || *vm.Runtime.Host != m.host {
			return autostartInvalid(where+".key", fmt.Sprintf("%s is not a VM of this host", info.Key.Value))
		}
		start, ok := startActions[strings.ToLower(info.StartAction)]
		if !ok {
			return autostartInvalid(where+".startAction", info.StartAction)
		}
		stop, ok := stopActions[strings.ToLower(info.StopAction)]
		if !ok {
			return autostartInvalid(where+".stopAction", info.StopAction)
		}
		heartbeat, ok := heartbeats[strings.ToLower(string(info.WaitForHeartbeat))]
		if !ok {
			return autostartInvalid(where+".waitForHeartbeat", string(info.WaitForHeartbeat))
		}
		if info.StartOrder < -1 || info.StartOrder == 0 {
			return autostartInvalid(where+".startOrder", fmt.Sprint(info.StartOrder))
		}
		info.StartAction, info.StopAction = start, stop
		info.WaitForHeartbeat = types.AutoStartWaitHeartbeatSetting(heartbeat)
		entries = append(entries, info)
	}
	if d := spec.Defaults; d != nil {
		current := m.Config.Defaults
		if current == nil {
			current = &types.AutoStartDefaults{}
		}
		merged := *current
		if d.Enabled != nil {
			merged.Enabled = d.Enabled
		}
		if d.StartDelay != 0 {
			merged.StartDelay = d.StartDelay
		}
		if d.StopDelay != 0 {
			merged.StopDelay = d.StopDelay
		}
		if d.WaitForHeartbeat != nil {
			merged.WaitForHeartbeat = d.WaitForHeartbeat
		}
		if d.StopAction != "" {
			merged.StopAction = d.StopAction
		}
		m.Config.Defaults = &merged
	}
	for _, info := range entries {
		var kept []types.AutoStartPowerInfo
		for _, existing := range m.Config.PowerInfo {
			if existing.Key != info.Key {
				kept = append(kept, existing)
			}
		}
		unlisted := info.StartAction == "none" && info.StartOrder == -1 && info.StartDelay == -1 &&
			(info.StopAction == "none" || info.StopAction == "systemDefault") && info.StopDelay == -1
		if !unlisted {
			kept = append(kept, info)
		}
		m.Config.PowerInfo = kept
	}
	sort.SliceStable(m.Config.PowerInfo, func(i, j int) bool {
		a, b := m.Config.PowerInfo[i].StartOrder, m.Config.PowerInfo[j].StartOrder
		if (a == -1) != (b == -1) {
			return b == -1
		}
		return a < b
	})
	simulator.Map.Update(m, []types.PropertyChange{{Name: "config", Val: m.Config}})
	return &methods.ReconfigureAutostartBody{Res: &types.ReconfigureAutostartResponse{}}
}

// autostartVMs lists the VMs whose entry has the given start action.
func (m *autoStartManager) autostartVMs(powerOn bool) []*simulator.VirtualMachine {
	autostartMu.Lock()
	defer autostartMu.Unlock()
	var out []*simulator.VirtualMachine
	for _, info := range m.Config.PowerInfo {
		if powerOn && info.StartAction != "powerOn" {
			continue
		}
		if !powerOn && (info.StopAction == "none") {
			continue
		}
		if vm, ok := simulator.Map.Get(info.Key).(*simulator.VirtualMachine); ok {
			out = append(out, vm)
		}
	}
	return out
}

func (m *autoStartManager) AutoStartPowerOn(ctx *simulator.Context, req *types.AutoStartPowerOn) soap.HasFault {
	for _, vm := range m.autostartVMs(true) {
		vm := vm
		simulator.Map.WithLock(vm, func() {
			if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
				res := callAs(ctx, vm.Self, func() soap.HasFault {
					return vm.PowerOnVMTask(ctx, &types.PowerOnVM_Task{This: vm.Self})
				})
				if body, ok := res.(*methods.PowerOnVM_TaskBody); ok && body.Res != nil {
					forgetTask(body.Res.Returnval)
				}
			}
		})
	}
	return &methods.AutoStartPowerOnBody{Res: &types.AutoStartPowerOnResponse{}}
}

func (m *autoStartManager) AutoStartPowerOff(ctx *simulator.Context, req *types.AutoStartPowerOff) soap.HasFault {
	for _, vm := range m.autostartVMs(false) {
		vm := vm
		simulator.Map.WithLock(vm, func() {
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				res := callAs(ctx, vm.Self, func() soap.HasFault {
					return vm.PowerOffVMTask(ctx, &types.PowerOffVM_Task{This: vm.Self})
				})
				if body, ok := res.(*methods.PowerOffVM_TaskBody); ok && body.Res != nil {
					forgetTask(body.Res.Returnval)
				}
			}
		})
	}
	return &methods.AutoStartPowerOffBody{Res: &types.AutoStartPowerOffResponse{}}
}
