// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Distributed switch configuration as vCenter keeps it.
//
// The stock CreateDVS_Task keeps part of the config spec and ignores the hosts
// in it; the stock ReconfigureDvs_Task only changes summary.hostMember: the
// MTU, uplink names, standalone ports and each member's pnic backing are lost,
// config.host stays empty and config.configVersion never moves. vCenter
// (VMwareDVSConfigSpec, DVSConfigSpec in the vSphere API reference) keeps
// them all, lists each member in config.host with its backing, and bumps
// configVersion on each reconfiguration. After either call these are copied
// from the request into the switch's config.

// fixDvsConfigAfter runs after the simulator served a call with body.
func fixDvsConfigAfter(call *soapCall, body []byte) {
	if call == nil || (call.Method != "CreateDVS_Task" && call.Method != "ReconfigureDvs_Task") {
		return
	}
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return
	}
	var spec types.BaseDVSConfigSpec
	var dvs *simulator.DistributedVirtualSwitch
	created := false
	switch req := method.Body.(type) {
	case *types.CreateDVS_Task:
		spec = req.Spec.ConfigSpec
		if spec == nil {
			return
		}
		for _, entity := range simulator.Map.All("DistributedVirtualSwitch") {
			if found, ok := entity.(*simulator.DistributedVirtualSwitch); ok && found.Name == spec.GetDVSConfigSpec().Name {
				dvs = found
			}
		}
		created = true
	case *types.ReconfigureDvs_Task:
		spec = req.Spec
		dvs, _ = simulator.Map.Get(req.This).(*simulator.DistributedVirtualSwitch)
	}
	if dvs == nil || spec == nil {
		return
	}
	base := spec.GetDVSConfigSpec()
	if created && len(base.Host) > 0 {
		// The stock create ignores the hosts: join them as a reconfiguration would.
		dvs.ReconfigureDvsTask(&types.ReconfigureDvs_Task{This: dvs.Self, Spec: &types.DVSConfigSpec{Host: base.Host}})
	}
	simulator.Map.WithLock(dvs, func() {
		config, ok := dvs.Config.(*types.VMwareDVSConfigInfo)
		if !ok {
			return
		}
		if vmware, ok := spec.(*types.VMwareDVSConfigSpec); ok && vmware.MaxMtu != 0 {
			config.MaxMtu = vmware.MaxMtu
		}
		if base.UplinkPortPolicy != nil {
			config.UplinkPortPolicy = base.UplinkPortPolicy
		}
		if base.NumStandalonePorts != 0 {
			config.NumStandalonePorts = base.NumStandalonePorts
		}
		if base.Description != "" {
			config.Description = base.Description
		}
		if !created {
			config.ConfigVersion = nextConfigVersion(config.ConfigVersion)
		} else if config.ConfigVersion == "" {
			config.ConfigVersion = "1"
		}
		if created {
			if product := dvs.Summary.ProductInfo; product != nil {
				config.ProductInfo = *product
			}
			// vCenter names the uplink port group it makes in config.uplinkPortgroup.
			if len(config.UplinkPortgroup) == 0 && len(dvs.Portgroup) > 0 {
				config.UplinkPortgroup = []types.ManagedObjectReference{dvs.Portgroup[0]}
			}
		}
		config.Host = memberConfigs(config.Host, base.Host, dvs.Summary.HostMember)
	})
}

// memberConfigs applies the host member specs to config.host, keeping only the
// hosts the stock call left in summary.hostMember (a refused add is not kept).
func memberConfigs(current []types.DistributedVirtualSwitchHostMember, specs []types.DistributedVirtualSwitchHostMemberConfigSpec,
	members []types.ManagedObjectReference) []types.DistributedVirtualSwitchHostMember {
	for _, member := range specs {
		index := -1
		for i, existing := range current {
			if existing.Config.Host != nil && *existing.Config.Host == member.Host {
				index = i
			}
		}
		switch types.ConfigSpecOperation(member.Operation) {
		case types.ConfigSpecOperationAdd, types.ConfigSpecOperationEdit:
			host := member.Host
			entry := types.DistributedVirtualSwitchHostMember{
				Config: types.DistributedVirtualSwitchHostMemberConfigInfo{
					Host:                &host,
					MaxProxySwitchPorts: member.MaxProxySwitchPorts,
					Backing:             member.Backing,
				},
				Status: "up",
			}
			if entry.Config.Backing == nil {
				entry.Config.Backing = &types.DistributedVirtualSwitchHostMemberPnicBacking{}
			}
			if index >= 0 {
				current[index] = entry
			} else {
				current = append(current, entry)
			}
		case types.ConfigSpecOperationRemove:
			if index >= 0 {
				current = append(current[:index], current[index+1:]...)
			}
		}
	}
	kept := current[:0]
	for _, entry := range current {
		for _, ref := range members {
			if entry.Config.Host != nil && *entry.Config.Host == ref {
				kept = append(kept, entry)
				break
			}
		}
	}
	return kept
}

func nextConfigVersion(version string) string {
	number := 0
	for _, digit := range version {
		if digit < '0' || digit > '9' {
			return "1"
		}
		number = number*10 + int(digit-'0')
	}
	return strconv.Itoa(number + 1)
}
