// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// OVF import and export through HttpNfcLease, as on a host:
//
//   - ImportVApp (ResourcePool) creates the VM of the import spec (through this
//     program's CreateVM_Task: DuplicateName, .vmx) and answers a lease whose
//     device URLs accept PUT or POST of each file; the stock lease throws the
//     uploaded bytes away, this one writes them to the VM's disk file.
//   - ExportVm (VirtualMachine; missing in the stock simulator) answers a lease
//     whose device URLs serve each disk file by GET; a powered-on VM is
//     InvalidPowerState.
//   - HttpNfcLeaseProgress records the percentage, HttpNfcLeaseComplete ends the
//     lease, HttpNfcLeaseAbort ends it and, for an import, destroys the VM that
//     was being imported (as vSphere does); a finished lease's URLs answer 404.
//   - OvfManager.CreateDescriptor (missing in the stock simulator) writes an
//     OVF 1.x descriptor of a VM: CPUs, memory, guest, hardware version, SCSI
//     and IDE controllers, disks (capacity, the files of cdp.ovfFiles by their
//     deviceId), NICs with their networks; the stock CreateImportSpec reads it.
//
// The device URLs are https://*/nfc/<lease>/<file>, "*" standing for the
// server's own address, as hosts answer them.

func init() {
	for method, thisType := range map[string]string{
		"ImportVApp":       "ResourcePool",
		"ExportVm":         "VirtualMachine",
		"CreateDescriptor": "OvfManager",
	} {
		routedCalls[method] = thisType
	}
}

const nfcPathPrefix = "/nfc/"

type nfcLease struct {
	mo.HttpNfcLease
	importing bool
	files     map[string]string // file name in the URL -> file on this machine
	done      bool
	mu        sync.Mutex
}

var (
	nfcLeases   sync.Map // lease moid -> *nfcLease
	nfcLeaseSeq int64
)

func (l *nfcLease) Reference() types.ManagedObjectReference { return l.Self }

func (l *nfcLease) finish(ctx *simulator.Context) {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
	nfcLeases.Delete(l.Self.Value)
	ctx.Session.Remove(l.Self)
}

func (l *nfcLease) HttpNfcLeaseProgress(ctx *simulator.Context, req *types.HttpNfcLeaseProgress) soap.HasFault {
	if req.Percent < 0 || req.Percent > 100 {
		return &methods.HttpNfcLeaseProgressBody{Fault_: simulator.Fault("percent must be 0-100", &types.InvalidArgument{InvalidProperty: "percent"})}
	}
	l.TransferProgress = req.Percent
	return &methods.HttpNfcLeaseProgressBody{Res: new(types.HttpNfcLeaseProgressResponse)}
}

func (l *nfcLease) HttpNfcLeaseComplete(ctx *simulator.Context, req *types.HttpNfcLeaseComplete) soap.HasFault {
	l.State = types.HttpNfcLeaseStateDone
	l.finish(ctx)
	return &methods.HttpNfcLeaseCompleteBody{Res: new(types.HttpNfcLeaseCompleteResponse)}
}

func (l *nfcLease) HttpNfcLeaseAbort(ctx *simulator.Context, req *types.HttpNfcLeaseAbort) soap.HasFault {
	l.State = types.HttpNfcLeaseStateError
	l.finish(ctx)
	if l.importing {
		if vm, ok := simulator.Map.Get(l.Info.Entity).(*simulator.VirtualMachine); ok {
			simulator.Map.WithLock(vm, func() {
				callAs(ctx, vm.Self, func() soap.HasFault {
					return vm.DestroyTask(ctx, &types.Destroy_Task{This: vm.Self})
				})
			})
		}
	}
	return &methods.HttpNfcLeaseAbortBody{Res: new(types.HttpNfcLeaseAbortResponse)}
}

func (l *nfcLease) HttpNfcLeaseGetManifest(ctx *simulator.Context, req *types.HttpNfcLeaseGetManifest) soap.HasFault {
	return &methods.HttpNfcLeaseGetManifestBody{Res: new(types.HttpNfcLeaseGetManifestResponse)}
}

// newNfcLease makes the lease of vm's files (only disks for an export).
func newNfcLease(ctx *simulator.Context, vm *simulator.VirtualMachine, importing bool) *nfcLease {
	id := fmt.Sprintf("virtesx-lease-%d", atomic.AddInt64(&nfcLeaseSeq, 1))
	lease := &nfcLease{importing: importing, files: map[string]string{}}
	lease.Self = types.ManagedObjectReference{Type: "HttpNfcLease", Value: id}
	lease.State = types.HttpNfcLeaseStateReady
	lease.Info = &types.HttpNfcLeaseInfo{Lease: lease.Self, Entity: vm.Self, LeaseTimeout: 300}
	devices := object.VirtualDeviceList(vm.Config.Hardware.Device)
	counts := map[string]int{}
	for _, device := range devices {
		backing, ok := device.GetVirtualDevice().Backing.(types.BaseVirtualDeviceFileBackingInfo)
		if !ok {
			continue
		}
		_, isDisk := device.(*types.VirtualDisk)
		if !importing && !isDisk {
			continue
		}
		local, found := localPath(backing.GetVirtualDeviceFileBackingInfo().FileName)
		if !found {
			continue
		}
		name := filepath.Base(local)
		kind := devices.Type(device)
		n := counts[kind]
		counts[kind]++
		lease.files[name] = local
		var size int64
		if info, err := os.Stat(local); err == nil && !importing {
			size = info.Size()
		}
		lease.Info.DeviceUrl = append(lease.Info.DeviceUrl, types.HttpNfcLeaseDeviceUrl{
			Key:       fmt.Sprintf("/%s/%s:%d", vm.Self.Value, kind, n),
			ImportKey: fmt.Sprintf("/%s/%s:%d", vm.Name, kind, n),
			Url:       "https://*" + nfcPathPrefix + id + "/" + name,
			Disk:      types.NewBool(isDisk),
			TargetId:  name,
			FileSize:  size,
		})
	}
	nfcLeases.Store(id, lease)
	ctx.Session.Put(lease)
	return lease
}

// serveNFC answers the lease URLs; false for any other request.
func serveNFC(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, nfcPathPrefix) {
		return false
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, nfcPathPrefix), "/")
	if len(parts) != 2 {
		http.NotFound(w, r)
		return true
	}
	found, ok := nfcLeases.Load(parts[0])
	if !ok {
		http.Error(w, "no such lease", http.StatusNotFound)
		return true
	}
	lease := found.(*nfcLease)
	local, ok := lease.files[parts[1]]
	if !ok {
		http.Error(w, "no such device file", http.StatusNotFound)
		return true
	}
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		if !lease.importing {
			http.Error(w, "an export lease is read only", http.StatusMethodNotAllowed)
			return true
		}
		if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		out, err := os.Create(local)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		_, copyErr := io.Copy(out, r.Body)
		closeErr := out.Close()
		if copyErr != nil || closeErr != nil {
			http.Error(w, "upload failed", http.StatusInternalServerError)
			return true
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		if lease.importing {
			http.Error(w, "an import lease is write only", http.StatusMethodNotAllowed)
			return true
		}
		http.ServeFile(w, r, local)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
	return true
}

// datacenterAbove walks up the inventory from any entity (register.go's datacenterOf starts at a VM).
func datacenterAbove(ref types.ManagedObjectReference) *simulator.Datacenter {
	for depth := 0; depth < 64; depth++ {
		obj := simulator.Map.Get(ref)
		if dc, ok := obj.(*simulator.Datacenter); ok {
			return dc
		}
		entity, ok := obj.(mo.Entity)
		if !ok || entity.Entity().Parent == nil {
			return nil
		}
		ref = *entity.Entity().Parent
	}
	return nil
}

func (p *questionProxy) ImportVApp(ctx *simulator.Context, req *types.ImportVApp) soap.HasFault {
	body := new(methods.ImportVAppBody)
	spec, ok := req.Spec.(*types.VirtualMachineImportSpec)
	if !ok {
		body.Fault_ = simulator.Fault("only a VirtualMachineImportSpec can be imported", &types.InvalidArgument{InvalidProperty: "spec"})
		return body
	}
	folderRef := req.Folder
	if folderRef == nil {
		dc := datacenterAbove(p.target)
		if dc == nil {
			body.Fault_ = notFound(p.target)
			return body
		}
		folderRef = &dc.VmFolder
	}
	creator := &questionProxy{Self: p.Self, target: *folderRef, book: p.book}
	res := creator.CreateVMTask(ctx, &types.CreateVM_Task{This: *folderRef, Config: spec.ConfigSpec, Pool: p.target, Host: req.Host})
	created, isBody := res.(*methods.CreateVM_TaskBody)
	if !isBody || created.Res == nil {
		body.Fault_ = simulator.Fault("the VM could not be created", &types.InvalidArgument{InvalidProperty: "spec"})
		return body
	}
	if task, found := simulator.Map.Get(created.Res.Returnval).(*simulator.Task); found && task.Info.Error != nil {
		body.Fault_ = simulator.Fault(task.Info.Error.LocalizedMessage, task.Info.Error.Fault)
		return body
	}
	vm := createdVM(res)
	if vm == nil {
		body.Fault_ = simulator.Fault("the VM could not be created", &types.InvalidArgument{InvalidProperty: "spec"})
		return body
	}
	lease := newNfcLease(ctx, vm, true)
	body.Res = &types.ImportVAppResponse{Returnval: lease.Self}
	return body
}

func (p *questionProxy) ExportVm(ctx *simulator.Context, req *types.ExportVm) soap.HasFault {
	body := new(methods.ExportVmBody)
	vm, ok := simulator.Map.Get(p.target).(*simulator.VirtualMachine)
	if !ok {
		body.Fault_ = notFound(p.target)
		return body
	}
	if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		body.Fault_ = simulator.Fault("The attempted operation cannot be performed in the current state (Powered on).",
			&types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOff, ExistingState: vm.Runtime.PowerState})
		return body
	}
	lease := newNfcLease(ctx, vm, false)
	body.Res = &types.ExportVmResponse{Returnval: lease.Self}
	return body
}

// CreateDescriptor ------------------------------------------------------------------------------

type ovfWriter struct{ bytes.Buffer }

func (w *ovfWriter) text(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&quot;")
}

func (w *ovfWriter) line(format string, args ...interface{}) {
	fmt.Fprintf(w, format+"\n", args...)
}


func (w *ovfWriter) item(fields ...[2]string) {
	w.line("      <Item>")
	for _, f := range fields {
		w.line("        <rasd:%s>%s</rasd:%s>", f[0], w.text(f[1]), f[0])
	}
	w.line("      </Item>")
}

func scsiSubType(device types.BaseVirtualDevice) (string, bool) {
	switch device.(type) {
	case *types.VirtualLsiLogicController:
		return "lsilogic", true
	case *types.VirtualBusLogicController:
		return "buslogic", true
	case *types.ParaVirtualSCSIController:
		return "VirtualSCSI", true
	case *types.VirtualLsiLogicSASController:
		return "lsilogicsas", true
	}
	return "", false
}

func nicSubType(device types.BaseVirtualDevice) string {
	switch device.(type) {
	case *types.VirtualE1000e:
		return "E1000e"
	case *types.VirtualVmxnet3:
		return "VmxNet3"
	case *types.VirtualPCNet32:
		return "PCNet32"
	}
	return "E1000"
}

func nicNetwork(device types.BaseVirtualDevice) string {
	switch backing := device.GetVirtualDevice().Backing.(type) {
	case *types.VirtualEthernetCardNetworkBackingInfo:
		return backing.DeviceName
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		for _, obj := range simulator.Map.All("DistributedVirtualPortgroup") {
			if pg, ok := obj.(*simulator.DistributedVirtualPortgroup); ok && pg.Key == backing.Port.PortgroupKey {
				return pg.Name
			}
		}
	}
	return ""
}

func (p *questionProxy) CreateDescriptor(ctx *simulator.Context, req *types.CreateDescriptor) soap.HasFault {
	body := new(methods.CreateDescriptorBody)
	vm, ok := simulator.Map.Get(req.Obj).(*simulator.VirtualMachine)
	if !ok {
		body.Fault_ = simulator.Fault("only a VM can be described", &types.InvalidArgument{InvalidProperty: "obj"})
		return body
	}
	name := req.Cdp.Name
	if name == "" {
		name = vm.Name
	}
	files := map[string]types.OvfFile{}
	for _, file := range req.Cdp.OvfFiles {
		files[file.DeviceId] = file
	}
	devices := object.VirtualDeviceList(vm.Config.Hardware.Device)

	w := &ovfWriter{}
	w.line(`<?xml version="1.0" encoding="UTF-8"?>`)
	w.line(`<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" ` +
		`xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" ` +
		`xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" ` +
		`xmlns:vmw="http://www.vmware.com/schema/ovf">`)

	type diskRef struct {
		disk   *types.VirtualDisk
		fileID string
		diskID string
	}
	var disks []diskRef
	diskCount := 0
	w.line("  <References>")
	for _, device := range devices {
		disk, isDisk := device.(*types.VirtualDisk)
		if !isDisk {
			continue
		}
		key := fmt.Sprintf("/%s/%s:%d", vm.Self.Value, devices.Type(device), diskCount)
		diskCount++
		ref := diskRef{disk: disk, diskID: fmt.Sprintf("vmdisk%d", diskCount)}
		if file, found := files[key]; found {
			ref.fileID = fmt.Sprintf("file%d", diskCount)
			w.line(`    <File ovf:href="%s" ovf:id="%s" ovf:size="%d"/>`, w.text(path.Base(file.Path)), ref.fileID, file.Size)
		}
		disks = append(disks, ref)
	}
	w.line("  </References>")
	w.line("  <DiskSection>")
	w.line("    <Info>Virtual disk information</Info>")
	for _, ref := range disks {
		fileRef := ""
		if ref.fileID != "" {
			fileRef = fmt.Sprintf(` ovf:fileRef="%s"`, ref.fileID)
		}
		capacity := ref.disk.CapacityInBytes
		if capacity == 0 {
			capacity = ref.disk.CapacityInKB * 1024
		}
		w.line(`    <Disk ovf:capacity="%d" ovf:capacityAllocationUnits="byte" ovf:diskId="%s"%s `+
			`ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>`, capacity, ref.diskID, fileRef)
	}
	w.line("  </DiskSection>")
	networks := []string{}
	seen := map[string]bool{}
	for _, device := range devices {
		if _, isNic := device.(types.BaseVirtualEthernetCard); isNic {
			if network := nicNetwork(device); network != "" && !seen[network] {
				seen[network] = true
				networks = append(networks, network)
			}
		}
	}
	w.line("  <NetworkSection>")
	w.line("    <Info>The list of logical networks</Info>")
	for _, network := range networks {
		w.line(`    <Network ovf:name="%s">`, w.text(network))
		w.line("      <Description>The %s network</Description>", w.text(network))
		w.line("    </Network>")
	}
	w.line("  </NetworkSection>")
	w.line(`  <VirtualSystem ovf:id="%s">`, w.text(name))
	w.line("    <Info>A virtual machine</Info>")
	w.line("    <Name>%s</Name>", w.text(name))
	w.line(`    <OperatingSystemSection ovf:id="1" vmw:osType="%s">`, w.text(vm.Config.GuestId))
	w.line("      <Info>The kind of installed guest operating system</Info>")
	w.line("    </OperatingSystemSection>")
	w.line("    <VirtualHardwareSection>")
	w.line("      <Info>Virtual hardware requirements</Info>")
	w.line("      <System>")
	w.line("        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>")
	w.line("        <vssd:InstanceID>0</vssd:InstanceID>")
	w.line("        <vssd:VirtualSystemIdentifier>%s</vssd:VirtualSystemIdentifier>", w.text(name))
	w.line("        <vssd:VirtualSystemType>%s</vssd:VirtualSystemType>", w.text(vm.Config.Version))
	w.line("      </System>")
	instance := 1
	next := func() string { instance++; return fmt.Sprint(instance - 1) }
	w.item([2]string{"AllocationUnits", "hertz * 10^6"}, [2]string{"Description", "Number of Virtual CPUs"},
		[2]string{"ElementName", fmt.Sprintf("%d virtual CPU(s)", vm.Config.Hardware.NumCPU)},
		[2]string{"InstanceID", next()}, [2]string{"ResourceType", "3"},
		[2]string{"VirtualQuantity", fmt.Sprint(vm.Config.Hardware.NumCPU)})
	w.item([2]string{"AllocationUnits", "byte * 2^20"}, [2]string{"Description", "Memory Size"},
		[2]string{"ElementName", fmt.Sprintf("%dMB of memory", vm.Config.Hardware.MemoryMB)},
		[2]string{"InstanceID", next()}, [2]string{"ResourceType", "4"},
		[2]string{"VirtualQuantity", fmt.Sprint(vm.Config.Hardware.MemoryMB)})
	controllers := map[int32]string{}
	for _, device := range devices {
		key := device.GetVirtualDevice().Key
		if subType, isSCSI := scsiSubType(device); isSCSI {
			id := next()
			controllers[key] = id
			w.item([2]string{"Address", fmt.Sprint(device.(types.BaseVirtualSCSIController).GetVirtualSCSIController().BusNumber)},
				[2]string{"Description", "SCSI Controller"}, [2]string{"ElementName", "SCSI controller " + id},
				[2]string{"InstanceID", id}, [2]string{"ResourceSubType", subType}, [2]string{"ResourceType", "6"})
		}
		if ide, isIDE := device.(*types.VirtualIDEController); isIDE {
			id := next()
			controllers[key] = id
			w.item([2]string{"Address", fmt.Sprint(ide.BusNumber)}, [2]string{"Description", "IDE Controller"},
				[2]string{"ElementName", "IDE " + fmt.Sprint(ide.BusNumber)}, [2]string{"InstanceID", id}, [2]string{"ResourceType", "5"})
		}
	}
	for index, ref := range disks {
		parent, found := controllers[ref.disk.ControllerKey]
		if !found {
			continue
		}
		unit := int32(0)
		if ref.disk.UnitNumber != nil {
			unit = *ref.disk.UnitNumber
		}
		w.item([2]string{"AddressOnParent", fmt.Sprint(unit)}, [2]string{"ElementName", fmt.Sprintf("Hard disk %d", index+1)},
			[2]string{"HostResource", "ovf:/disk/" + ref.diskID}, [2]string{"InstanceID", next()},
			[2]string{"Parent", parent}, [2]string{"ResourceType", "17"})
	}
	nic := 0
	for _, device := range devices {
		if _, isNic := device.(types.BaseVirtualEthernetCard); !isNic {
			continue
		}
		nic++
		w.item([2]string{"AddressOnParent", fmt.Sprint(6 + nic)}, [2]string{"AutomaticAllocation", "true"},
			[2]string{"Connection", nicNetwork(device)}, [2]string{"ElementName", fmt.Sprintf("Network adapter %d", nic)},
			[2]string{"InstanceID", next()}, [2]string{"ResourceSubType", nicSubType(device)}, [2]string{"ResourceType", "10"})
	}
	w.line("    </VirtualHardwareSection>")
	w.line("  </VirtualSystem>")
	w.line("</Envelope>")

	body.Res = &types.CreateDescriptorResponse{Returnval: types.OvfCreateDescriptorResult{OvfDescriptor: w.String()}}
	return body
}
