// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Moving VMs as a vCenter does:
//
//   - MigrateVM_Task (missing in the stock simulator): vMotion to another host
//     and/or resource pool, live when the VM runs;
//   - RelocateVM_Task, replacing the stock one (which unlinks the wrong
//     references and moves no file): host, pool and datastore (storage
//     vMotion: the VM's directory moves to the other datastore, the .vmx and
//     the disk paths follow).
//
// A standalone ESX host refuses both with NotSupported, as hostd does. On a
// vCenter the task fails with the fault a real one gives when: the host and
// the pool belong to different compute resources (InvalidArgument), the
// target host is in maintenance mode (InvalidHostState), a datastore of the
// VM or the target datastore is not mounted on the target host
// (DatastoreNotWritableOnHost), the power state given is not the VM's
// (InvalidPowerState), or the target directory exists (FileAlreadyExists).
//
// Control endpoints for tests:
//
//	POST <control>/maintenance?host=NAME&enabled=1|0  host in or out of maintenance mode
//	POST <control>/datastore?name=NAME               a new local datastore mounted on every host
func init() {
	routedCalls["MigrateVM_Task"] = "VirtualMachine"
	routedCalls["RelocateVM_Task"] = "VirtualMachine"
	extraControlHandlers[controlPath+"/maintenance"] = serveMaintenanceControl
	extraControlHandlers[controlPath+"/datastore"] = serveDatastoreControl
}

// refusal is a fault with the message a real server puts into faultMessage.
func refusal(message string, fault types.BaseMethodFault) types.BaseMethodFault {
	base := fault.GetMethodFault()
	base.FaultMessage = append(base.FaultMessage, types.LocalizableMessage{Key: "virtesx.migrate", Message: message})
	return fault
}

func notSupportedOnHost(method string) *soap.Fault {
	return simulator.Fault("The operation is not supported on the object.",
		refusal(method+" needs a vCenter: a standalone host does not move its VMs", &types.NotSupported{}))
}

type placement struct {
	host *simulator.HostSystem
	pool *simulator.ResourcePool
	ds   *simulator.Datastore
}

func hostObject(ref *types.ManagedObjectReference) (*simulator.HostSystem, types.BaseMethodFault) {
	if ref == nil {
		return nil, nil
	}
	host, ok := simulator.Map.Get(*ref).(*simulator.HostSystem)
	if !ok {
		return nil, &types.ManagedObjectNotFound{Obj: *ref}
	}
	return host, nil
}

func poolObject(ref *types.ManagedObjectReference) (*simulator.ResourcePool, types.BaseMethodFault) {
	if ref == nil {
		return nil, nil
	}
	pool, ok := simulator.Map.Get(*ref).(*simulator.ResourcePool)
	if !ok {
		return nil, &types.ManagedObjectNotFound{Obj: *ref}
	}
	return pool, nil
}

func datastoreObject(ref *types.ManagedObjectReference) (*simulator.Datastore, types.BaseMethodFault) {
	if ref == nil {
		return nil, nil
	}
	ds, ok := simulator.Map.Get(*ref).(*simulator.Datastore)
	if !ok {
		return nil, &types.ManagedObjectNotFound{Obj: *ref}
	}
	return ds, nil
}

func mountedOn(ds *simulator.Datastore, host types.ManagedObjectReference) bool {
	for _, mount := range ds.Host {
		if mount.Key == host {
			return true
		}
	}
	return false
}

// computeOf is the compute resource (standalone or cluster) behind ref.
func computeOf(ref types.ManagedObjectReference) *mo.ComputeResource {
	switch owner := simulator.Map.Get(ref).(type) {
	case *mo.ComputeResource:
		return owner
	case *simulator.ClusterComputeResource:
		return &owner.ComputeResource
	}
	return nil
}

// firstHostOf is the host a DRS cluster (or a standalone compute resource)
// picks for a VM moved into one of its pools without a host.
func firstHostOf(pool *simulator.ResourcePool) *simulator.HostSystem {
	owner := computeOf(pool.Owner)
	if owner == nil {
		return nil
	}
	for _, ref := range owner.Host {
		if host, ok := simulator.Map.Get(ref).(*simulator.HostSystem); ok && !host.Runtime.InMaintenanceMode {
			return host
		}
	}
	return nil
}

// resolvePlacement checks a requested placement against the VM's and returns the
// complete target, or the fault a vCenter gives.
func resolvePlacement(vm *simulator.VirtualMachine, hostRef, poolRef, dsRef *types.ManagedObjectReference) (*placement, types.BaseMethodFault) {
	host, fault := hostObject(hostRef)
	if fault != nil {
		return nil, fault
	}
	pool, fault := poolObject(poolRef)
	if fault != nil {
		return nil, fault
	}
	ds, fault := datastoreObject(dsRef)
	if fault != nil {
		return nil, fault
	}
	if host == nil && pool != nil {
		current, _ := hostObject(vm.Runtime.Host)
		if current != nil && current.Parent != nil && *current.Parent == pool.Owner {
			host = current
		} else if host = firstHostOf(pool); host == nil {
			return nil, refusal("No host of the pool's compute resource can take the VM", &types.NoActiveHostInCluster{})
		}
	}
	if host == nil {
		host, _ = hostObject(vm.Runtime.Host)
	}
	if host == nil {
		return nil, refusal("The VM has no host", &types.InvalidState{})
	}
	if pool == nil {
		if vm.ResourcePool != nil {
			pool, _ = poolObject(vm.ResourcePool)
		}
		if pool == nil || host.Parent == nil || pool.Owner != *host.Parent {
			if owner := computeOf(*host.Parent); owner != nil {
				pool, _ = poolObject(owner.ResourcePool)
			}
		}
	}
	if pool == nil || host.Parent == nil || pool.Owner != *host.Parent {
		return nil, refusal(fmt.Sprintf("The host %s and the resource pool are not in the same compute resource", host.Name),
			&types.InvalidArgument{InvalidProperty: "pool"})
	}
	if host.Runtime.InMaintenanceMode && (vm.Runtime.Host == nil || *vm.Runtime.Host != host.Self) {
		return nil, refusal(fmt.Sprintf("The host %s is in maintenance mode: it takes no VM", host.Name),
			&types.InvalidHostState{Host: &host.Self})
	}
	datastores := vm.Datastore
	if ds != nil {
		datastores = []types.ManagedObjectReference{ds.Self}
	}
	for _, ref := range datastores {
		target, ok := simulator.Map.Get(ref).(*simulator.Datastore)
		if ok && !mountedOn(target, host.Self) {
			return nil, refusal(fmt.Sprintf("The datastore %s is not accessible from the host %s", target.Name, host.Name),
				&types.DatastoreNotWritableOnHost{InvalidDatastore: types.InvalidDatastore{Datastore: &target.Self, Name: target.Name}, Host: host.Self})
		}
	}
	return &placement{host: host, pool: pool, ds: ds}, nil
}

// movePlacement applies a resolved placement. The caller holds the VM's lock.
func movePlacement(vm *simulator.VirtualMachine, to *placement) types.BaseMethodFault {
	var changes []types.PropertyChange
	if to.ds != nil {
		moved, fault := moveFiles(vm, to.ds)
		if fault != nil {
			return fault
		}
		changes = append(changes, moved...)
	}
	if vm.Runtime.Host == nil || *vm.Runtime.Host != to.host.Self {
		if old, _ := hostObject(vm.Runtime.Host); old != nil {
			simulator.Map.RemoveReference(old, &old.Vm, vm.Self)
		}
		simulator.Map.AddReference(to.host, &to.host.Vm, vm.Self)
		ref := to.host.Self
		changes = append(changes,
			types.PropertyChange{Name: "runtime.host", Val: &ref},
			types.PropertyChange{Name: "summary.runtime.host", Val: &ref})
	}
	if vm.ResourcePool == nil || *vm.ResourcePool != to.pool.Self {
		if vm.ResourcePool != nil {
			if old, _ := poolObject(vm.ResourcePool); old != nil {
				simulator.Map.RemoveReference(old, &old.Vm, vm.Self)
			}
		}
		simulator.Map.AddReference(to.pool, &to.pool.Vm, vm.Self)
		ref := to.pool.Self
		changes = append(changes, types.PropertyChange{Name: "resourcePool", Val: &ref})
	}
	if len(changes) > 0 {
		simulator.Map.Update(vm, changes)
	}
	if to.ds != nil {
		writeVMXLogged(vm)
	}
	return nil
}

// moveFiles moves the VM's directory to ds and rewrites every path into it.
func moveFiles(vm *simulator.VirtualMachine, ds *simulator.Datastore) ([]types.PropertyChange, types.BaseMethodFault) {
	var vmx object.DatastorePath
	if !vmx.FromString(vm.Config.Files.VmPathName) {
		return nil, &types.InvalidState{}
	}
	if vmx.Datastore == ds.Name {
		return nil, nil
	}
	dir := path.Dir(vmx.Path)
	source, ok := localPath(vm.Config.Files.VmPathName)
	if !ok {
		return nil, refusal("The VM's files are not on a datastore of this server", &types.FileNotFound{FileFault: types.FileFault{File: vm.Config.Files.VmPathName}})
	}
	targetRoot := ds.Info.GetDatastoreInfo().Url
	target := filepath.Join(targetRoot, filepath.FromSlash(dir))
	targetPath := fmt.Sprintf("[%s] %s", ds.Name, dir)
	if _, err := os.Stat(target); err == nil {
		return nil, refusal(fmt.Sprintf("Cannot move the VM: %s already exists", targetPath), &types.FileAlreadyExists{FileFault: types.FileFault{File: targetPath}})
	}
	if err := os.Rename(filepath.Dir(source), target); err != nil {
		return nil, refusal(fmt.Sprintf("Moving the VM's files to %s failed: %v", targetPath, err), &types.FileFault{File: targetPath})
	}
	oldPrefix := fmt.Sprintf("[%s] %s/", vmx.Datastore, dir)
	newPrefix := targetPath + "/"
	rewrite := func(name string) string {
		if strings.HasPrefix(name, oldPrefix) {
			return newPrefix + strings.TrimPrefix(name, oldPrefix)
		}
		return name
	}
	for _, device := range vm.Config.Hardware.Device {
		backing, isFile := device.GetVirtualDevice().Backing.(types.BaseVirtualDeviceFileBackingInfo)
		if !isFile {
			continue
		}
		info := backing.GetVirtualDeviceFileBackingInfo()
		if renamed := rewrite(info.FileName); renamed != info.FileName {
			info.FileName = renamed
			dsRef := ds.Self
			info.Datastore = &dsRef
		}
	}
	files := vm.Config.Files
	files.VmPathName = rewrite(files.VmPathName)
	files.SnapshotDirectory = rewrite(files.SnapshotDirectory + "/")
	files.SuspendDirectory = rewrite(files.SuspendDirectory + "/")
	files.LogDirectory = rewrite(files.LogDirectory + "/")
	for _, field := range []*string{&files.SnapshotDirectory, &files.SuspendDirectory, &files.LogDirectory} {
		*field = strings.TrimSuffix(*field, "/")
	}
	var kept []types.ManagedObjectReference
	for _, ref := range vm.Datastore {
		if old, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok && old.Name == vmx.Datastore {
			simulator.Map.RemoveReference(old, &old.Vm, vm.Self)
			continue
		}
		kept = append(kept, ref)
	}
	kept = append(kept, ds.Self)
	simulator.Map.AddReference(ds, &ds.Vm, vm.Self)
	return []types.PropertyChange{
		{Name: "config.files", Val: files},
		{Name: "config.hardware.device", Val: vm.Config.Hardware.Device},
		{Name: "summary.config.vmPathName", Val: files.VmPathName},
		{Name: "datastore", Val: kept},
	}, nil
}

// moveTask runs a move as a task of the VM: refused up front with fault, or
// carried out by the task.
func moveTask(vm *simulator.VirtualMachine, name string, to *placement, fault types.BaseMethodFault) types.ManagedObjectReference {
	if fault != nil {
		return failedTask(vm, name, fault)
	}
	return simulator.CreateTask(vm, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, movePlacement(vm, to)
	}).Run()
}

func (p *questionProxy) MigrateVMTask(ctx *simulator.Context, req *types.MigrateVM_Task) soap.HasFault {
	if simulator.Map.IsESX() {
		return &methods.MigrateVM_TaskBody{Fault_: notSupportedOnHost("MigrateVM_Task")}
	}
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.MigrateVM_TaskBody{Fault_: notFound(p.target)}
	}
	if req.Host == nil && req.Pool == nil {
		return &methods.MigrateVM_TaskBody{Fault_: simulator.Fault("A specified parameter was not correct: host",
			&types.InvalidArgument{InvalidProperty: "host"})}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		var fault types.BaseMethodFault
		if req.State != "" && req.State != vm.Runtime.PowerState {
			fault = &types.InvalidPowerState{RequestedState: req.State, ExistingState: vm.Runtime.PowerState}
		}
		var to *placement
		if fault == nil {
			to, fault = resolvePlacement(vm, req.Host, req.Pool, nil)
		}
		res = &methods.MigrateVM_TaskBody{Res: &types.MigrateVM_TaskResponse{Returnval: moveTask(vm, "migrateVm", to, fault)}}
	})
	return res
}

func (p *questionProxy) RelocateVMTask(ctx *simulator.Context, req *types.RelocateVM_Task) soap.HasFault {
	if simulator.Map.IsESX() {
		return &methods.RelocateVM_TaskBody{Fault_: notSupportedOnHost("RelocateVM_Task")}
	}
	vm, ok := p.lockedVM()
	if !ok {
		return &methods.RelocateVM_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		to, fault := resolvePlacement(vm, req.Spec.Host, req.Spec.Pool, req.Spec.Datastore)
		res = &methods.RelocateVM_TaskBody{Res: &types.RelocateVM_TaskResponse{Returnval: moveTask(vm, "relocateVm", to, fault)}}
	})
	return res
}

func serveMaintenanceControl(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodPost) {
		return
	}
	name := r.URL.Query().Get("host")
	enabled := r.URL.Query().Get("enabled") != "0"
	for _, obj := range simulator.Map.All("HostSystem") {
		host, ok := obj.(*simulator.HostSystem)
		if !ok || host.Name != name {
			continue
		}
		simulator.Map.WithLock(host, func() {
			simulator.Map.Update(host, []types.PropertyChange{{Name: "runtime.inMaintenanceMode", Val: enabled}})
		})
		writeJSON(w, http.StatusOK, map[string]interface{}{"host": name, "inMaintenanceMode": enabled})
		return
	}
	writeError(w, http.StatusNotFound, "no host named %q", name)
}

// serveDatastoreControl adds a local datastore mounted on every host (as a
// shared NFS datastore would be), its directory beside LocalDS_0's.
func serveDatastoreControl(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodPost) {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" || strings.ContainsAny(name, "/\\[]") {
		writeError(w, http.StatusBadRequest, "give name=NAME (no / \\ [ ])")
		return
	}
	if _, exists := datastoreDirectory(name); exists {
		writeJSON(w, http.StatusOK, map[string]string{"datastore": name})
		return
	}
	first, ok := datastoreDirectory("LocalDS_0")
	if !ok {
		writeError(w, http.StatusConflict, "no LocalDS_0 to put the new datastore beside")
		return
	}
	dir := filepath.Join(filepath.Dir(first), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	ctx := &simulator.Context{}
	var created *simulator.Datastore
	for _, obj := range simulator.Map.All("HostSystem") {
		host := obj.(*simulator.HostSystem)
		dss, ok := simulator.Map.Get(*host.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem)
		if !ok {
			continue
		}
		if created == nil {
			body := dss.CreateLocalDatastore(ctx, &types.CreateLocalDatastore{This: dss.Self, Name: name, Path: dir})
			answer := body.(*methods.CreateLocalDatastoreBody)
			if answer.Fault_ != nil {
				writeError(w, http.StatusInternalServerError, "%s", answer.Fault_.String)
				return
			}
			created = simulator.Map.Get(answer.Res.Returnval).(*simulator.Datastore)
			continue
		}
		simulator.Map.WithLock(created, func() {
			created.Host = append(created.Host, types.DatastoreHostMount{Key: host.Self, MountInfo: created.Host[0].MountInfo})
		})
		simulator.Map.AddReference(host, &host.Datastore, created.Self)
		simulator.Map.AddReference(dss, &dss.Datastore, created.Self)
		if parent := simulator.Map.Get(*host.Parent); parent != nil {
			if owner := computeOf(*host.Parent); owner != nil {
				simulator.Map.AddReference(parent, &owner.Datastore, created.Self)
			}
		}
	}
	if created != nil {
		simulator.Map.WithLock(created, func() { makeVMFS(created) })
		refreshSpace(created)
	}
	writeJSON(w, http.StatusOK, map[string]string{"datastore": name})
}
