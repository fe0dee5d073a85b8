// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"sort"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// SearchIndex.FindAllByUuid, which the stock simulator lacks (it has FindByUuid
// only): every VM (vmSearch) or host whose BIOS UUID - or, with instanceUuid,
// instance UUID - is the one given, below the datacenter if one is named.
// vSphere compares UUIDs without regard to case; so does this. The call is
// routed to a proxy (questions.go) because the simulator asserts the concrete
// SearchIndex type elsewhere.
func init() {
	routedCalls["FindAllByUuid"] = "SearchIndex"
}

func (p *questionProxy) FindAllByUuid(ctx *simulator.Context, req *types.FindAllByUuid) soap.HasFault {
	body := &methods.FindAllByUuidBody{Res: new(types.FindAllByUuidResponse)}
	if req.Datacenter != nil {
		if _, ok := simulator.Map.Get(*req.Datacenter).(*simulator.Datacenter); !ok {
			body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: *req.Datacenter})
			return body
		}
	}
	wanted := strings.ToLower(req.Uuid)
	kind := "HostSystem"
	if req.VmSearch {
		kind = "VirtualMachine"
	}
	var found []types.ManagedObjectReference
	for _, entity := range simulator.Map.All(kind) {
		uuid := ""
		simulator.Map.WithLock(entity, func() {
			switch obj := entity.(type) {
			case *simulator.VirtualMachine:
				if obj.Config == nil {
					return
				}
				uuid = obj.Config.Uuid
				if req.InstanceUuid != nil && *req.InstanceUuid {
					uuid = obj.Config.InstanceUuid
				}
			case *simulator.HostSystem:
				if obj.Summary.Hardware != nil {
					uuid = obj.Summary.Hardware.Uuid
				}
			}
		})
		if uuid == "" || strings.ToLower(uuid) != wanted {
			continue
		}
		if req.Datacenter != nil && !inDatacenter(entity, *req.Datacenter) {
			continue
		}
		found = append(found, entity.Reference())
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Value < found[j].Value })
	body.Res.Returnval = found
	return body
}

// inDatacenter walks the parents of entity up to datacenter.
func inDatacenter(entity mo.Entity, datacenter types.ManagedObjectReference) bool {
	for depth := 0; entity != nil && depth < 256; depth++ {
		parent := entity.Entity().Parent
		if parent == nil {
			return false
		}
		if *parent == datacenter {
			return true
		}
		next, ok := simulator.Map.Get(*parent).(mo.Entity)
		if !ok {
			return false
		}
		entity = next
	}
	return false
}
