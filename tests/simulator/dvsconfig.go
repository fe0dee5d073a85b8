// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
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
// configVersion on each reconfiguration. After CreateDVS_Task these are
// copied from the request into the switch's config. ReconfigureDvs_Task is
// routed to the proxy (questions.go) and served below: a spec whose
// configVersion is not the switch's is refused with ConcurrentAccess (as
// vCenter does: the spec was built from a stale read), a member host's
// operation "edit" (refused by the stock method with NotSupported) changes its
// backing, add and remove go to the stock method, then the config is kept.
// ReconfigureDVPortgroup_Task is routed too: a stale configVersion is refused
// with ConcurrentAccess and a successful one bumps it (the stock method keeps
// whatever version the spec had).
func init() {
	routedCalls["ReconfigureDvs_Task"] = "DistributedVirtualSwitch" // the type vcsim gives its switches
	routedCalls["ReconfigureDVPortgroup_Task"] = "DistributedVirtualPortgroup"
}

// ReconfigureDVPortgroupTask serves a routed ReconfigureDVPortgroup_Task (see above).
func (p *questionProxy) ReconfigureDVPortgroupTask(ctx *simulator.Context, req *types.ReconfigureDVPortgroup_Task) soap.HasFault {
	pg, ok := simulator.Map.Get(p.target).(*simulator.DistributedVirtualPortgroup)
	if !ok {
		return &methods.ReconfigureDVPortgroup_TaskBody{Fault_: notFound(p.target)}
	}
	current := pg.Config.ConfigVersion
	if req.Spec.ConfigVersion != current {
		return &methods.ReconfigureDVPortgroup_TaskBody{Res: &types.ReconfigureDVPortgroup_TaskResponse{
			Returnval: failedTask(pg, "reconfigureDvPortgroup", &types.ConcurrentAccess{})}}
	}
	res := callAs(ctx, pg.Self, func() soap.HasFault {
		return pg.ReconfigureDVPortgroupTask(&types.ReconfigureDVPortgroup_Task{This: pg.Self, Spec: req.Spec})
	})
	if body, isBody := res.(*methods.ReconfigureDVPortgroup_TaskBody); isBody && body.Res != nil {
		if _, succeeded := taskOutcome(body.Res.Returnval); succeeded {
			simulator.Map.WithLock(pg, func() { pg.Config.ConfigVersion = nextConfigVersion(current) })
		}
	}
	return res
}

// ReconfigureDvsTask serves a routed ReconfigureDvs_Task (see above).
func (p *questionProxy) ReconfigureDvsTask(ctx *simulator.Context, req *types.ReconfigureDvs_Task) soap.HasFault {
	dvs, ok := simulator.Map.Get(p.target).(*simulator.DistributedVirtualSwitch)
	if !ok || req.Spec == nil {
		return &methods.ReconfigureDvs_TaskBody{Fault_: notFound(p.target)}
	}
	answer := func(task types.ManagedObjectReference) soap.HasFault {
		return &methods.ReconfigureDvs_TaskBody{Res: &types.ReconfigureDvs_TaskResponse{Returnval: task}}
	}
	spec := req.Spec.GetDVSConfigSpec()
	current := ""
	if config, isVmware := dvs.Config.(*types.VMwareDVSConfigInfo); isVmware {
		current = config.ConfigVersion
	}
	if spec.ConfigVersion != current {
		return answer(failedTask(dvs, "reconfigureDvs", &types.ConcurrentAccess{}))
	}
	var stock []types.DistributedVirtualSwitchHostMemberConfigSpec
	for _, member := range spec.Host {
		if types.ConfigSpecOperation(member.Operation) != types.ConfigSpecOperationEdit {
			stock = append(stock, member)
			continue
		}
		if simulator.FindReference(dvs.Summary.HostMember, member.Host) == nil {
			return answer(failedTask(dvs, "reconfigureDvs", &types.NotFound{}))
		}
	}
	res := callAs(ctx, dvs.Self, func() soap.HasFault {
		return dvs.ReconfigureDvsTask(&types.ReconfigureDvs_Task{This: dvs.Self, Spec: &types.DVSConfigSpec{Host: stock}})
	})
	body, isBody := res.(*methods.ReconfigureDvs_TaskBody)
	if !isBody || body.Res == nil {
		return res
	}
	if _, succeeded := taskOutcome(body.Res.Returnval); succeeded {
		keepDvsConfig(dvs, req.Spec, false)
	}
	return res
}

// fixDvsConfigAfter runs after the simulator served a call with body.
func fixDvsConfigAfter(call *soapCall, body []byte) {
	if call == nil || call.Method != "CreateDVS_Task" {
		return
	}
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return
	}
	req, ok := method.Body.(*types.CreateDVS_Task)
	if !ok || req.Spec.ConfigSpec == nil {
		return
	}
	spec := req.Spec.ConfigSpec
	var dvs *simulator.DistributedVirtualSwitch
	for _, entity := range simulator.Map.All("DistributedVirtualSwitch") {
		if found, isDvs := entity.(*simulator.DistributedVirtualSwitch); isDvs && found.Name == spec.GetDVSConfigSpec().Name {
			dvs = found
		}
	}
	if dvs == nil {
		return
	}
	if hosts := spec.GetDVSConfigSpec().Host; len(hosts) > 0 {
		// The stock create ignores the hosts: join them as a reconfiguration would.
		dvs.ReconfigureDvsTask(&types.ReconfigureDvs_Task{This: dvs.Self, Spec: &types.DVSConfigSpec{Host: hosts}})
	}
	keepDvsConfig(dvs, spec, true)
}

// keepDvsConfig copies what the stock methods drop from spec into the switch's config.
func keepDvsConfig(dvs *simulator.DistributedVirtualSwitch, spec types.BaseDVSConfigSpec, created bool) {
	base := spec.GetDVSConfigSpec()
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
