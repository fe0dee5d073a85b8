// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"log"
	"net/http"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Fixes for simulator answers that break pyvmomi.

// answerForPanic turns a panic of the simulator while serving method into an
// answer. The stock PropertyCollector.Fetch indexes an empty MissingSet when
// the property is merely unset (vm.snapshot of a VM without snapshots, ...);
// a real server answers a FetchResponse without a value, which pyvmomi reads as
// None. Any other panic becomes a SystemError fault instead of a dropped
// connection.
func answerForPanic(method string, p interface{}) (int, []byte) {
	if method == "Fetch" {
		return http.StatusOK, emptyResponse("Fetch")
	}
	log.Printf("vcsim-virt-esx: simulator panic in %s: %v", method, p)
	return http.StatusInternalServerError, systemErrorFault(fmt.Sprintf("simulator failure in %s: %v", method, p))
}

// taskEntityFix is a registry handler: the simulator sets TaskInfo.entity to
// whatever object created the task, so FileManager, VirtualDiskManager and
// snapshot tasks carry an object that is not a ManagedEntity, and pyvmomi 9
// refuses the whole TaskInfo ("expected vim.ManagedEntity"). A snapshot's task
// gets its VM instead (as on a real host), other non-entities none. entityName
// becomes the entity's name rather than its moref value.
type taskEntityFix struct {
	self types.ManagedObjectReference
}

func installTaskEntityFix() {
	simulator.Map.AddHandler(&taskEntityFix{
		self: types.ManagedObjectReference{Type: "VirtesxTaskEntityFix", Value: "virtesx-task-entity-fix"},
	})
}

func (f *taskEntityFix) Reference() types.ManagedObjectReference { return f.self }

func (f *taskEntityFix) PutObject(obj mo.Reference) {
	task, ok := obj.(*simulator.Task)
	if !ok || task.Info.Entity == nil {
		return
	}
	entity, name := taskEntity(*task.Info.Entity)
	task.Info.Entity = entity
	task.Info.EntityName = name
}

func (*taskEntityFix) UpdateObject(mo.Reference, []types.PropertyChange) {}

func (*taskEntityFix) RemoveObject(types.ManagedObjectReference) {}

// taskEntity maps the object a task was created for to the TaskInfo entity
// and entityName a real server reports.
func taskEntity(ref types.ManagedObjectReference) (*types.ManagedObjectReference, string) {
	switch obj := simulator.Map.Get(ref).(type) {
	case mo.Entity:
		return &ref, entityDisplayName(obj, ref)
	case *simulator.VirtualMachineSnapshot:
		vmRef := obj.Vm
		if vm, ok := simulator.Map.Get(vmRef).(mo.Entity); ok {
			return &vmRef, entityDisplayName(vm, vmRef)
		}
		return &vmRef, vmRef.Value
	default:
		return nil, ""
	}
}

func entityDisplayName(entity mo.Entity, ref types.ManagedObjectReference) string {
	if name := entity.Entity().Name; name != "" {
		return name
	}
	// A standard network keeps its name in a field of its own.
	if network, ok := entity.(*mo.Network); ok && network.Name != "" {
		return network.Name
	}
	return ref.Value
}
