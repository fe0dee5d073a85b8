// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"sort"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// Inventory extras for inventory tests and benchmarks, off by default:
// -guest-info gives every other VM a guest IP address and host name, as VMware
// Tools reports them, and -vm-folders spreads the VMs of each datacenter over
// that many VM folders (folder0, folder1, ...), round-robin by VM name.

// modelVMs returns the model's VMs sorted by name, so the extras are the same at every start.
func modelVMs() []*simulator.VirtualMachine {
	var vms []*simulator.VirtualMachine
	for _, ref := range simulator.Map.All("VirtualMachine") {
		if vm, ok := simulator.Map.Get(ref.Reference()).(*simulator.VirtualMachine); ok {
			vms = append(vms, vm)
		}
	}
	sort.Slice(vms, func(i, j int) bool { return vms[i].Name < vms[j].Name })
	return vms
}

// applyGuestInfo sets guest.ipAddress (10.0.0.1, 10.0.0.2, ...), guest.hostName (<name>.example.test)
// and the first NIC's addresses of every other VM; the others have no guest info.
func applyGuestInfo() {
	for i, vm := range modelVMs() {
		if i%2 != 0 {
			continue
		}
		host := i/2 + 1 // 10.0.0.1, 10.0.0.2, ...: never a network address
		ip := fmt.Sprintf("10.%d.%d.%d", (host/65536)%256, (host/256)%256, host%256)
		hostName := vm.Name + ".example.test"
		vm.Guest.IpAddress = ip
		vm.Guest.HostName = hostName
		if len(vm.Guest.Net) > 0 {
			vm.Guest.Net[0].IpAddress = []string{ip}
		}
		if vm.Summary.Guest != nil {
			vm.Summary.Guest.IpAddress = ip
			vm.Summary.Guest.HostName = hostName
		}
	}
}

// spreadIntoFolders moves each datacenter's VMs into count new folders of its VM folder.
func spreadIntoFolders(count int) error {
	ctx := &simulator.Context{}
	byFolder := map[types.ManagedObjectReference][]types.ManagedObjectReference{}
	for _, vm := range modelVMs() {
		if vm.Parent != nil {
			byFolder[*vm.Parent] = append(byFolder[*vm.Parent], vm.Self)
		}
	}
	for _, ref := range simulator.Map.All("Datacenter") {
		dc, ok := simulator.Map.Get(ref.Reference()).(*simulator.Datacenter)
		if !ok {
			continue
		}
		parent, ok := simulator.Map.Get(dc.VmFolder).(*simulator.Folder)
		if !ok {
			return fmt.Errorf("datacenter %s has no VM folder", dc.Name)
		}
		vms := byFolder[dc.VmFolder]
		folders := make([]*simulator.Folder, count)
		for i := range folders {
			name := fmt.Sprintf("folder%d", i)
			body, ok := parent.CreateFolder(ctx, &types.CreateFolder{This: parent.Self, Name: name}).(*methods.CreateFolderBody)
			if !ok || body.Fault_ != nil || body.Res == nil {
				return fmt.Errorf("cannot create folder %s in datacenter %s", name, dc.Name)
			}
			created, ok := simulator.Map.Get(body.Res.Returnval).(*simulator.Folder)
			if !ok {
				return fmt.Errorf("folder %s of datacenter %s is missing after its creation", name, dc.Name)
			}
			folders[i] = created
		}
		// Moved by hand rather than with MoveIntoFolder_Task, which re-registers each VM
		// and took 10,000 VMs from 5 s to 35 s of start-up; no client is connected yet.
		moved := map[types.ManagedObjectReference]bool{}
		for j, ref := range vms {
			folder := folders[j%count]
			folder.ChildEntity = append(folder.ChildEntity, ref)
			if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok {
				self := folder.Self
				vm.Parent = &self
			}
			moved[ref] = true
		}
		kept := parent.ChildEntity[:0]
		for _, ref := range parent.ChildEntity {
			if !moved[ref] {
				kept = append(kept, ref)
			}
		}
		parent.ChildEntity = kept
	}
	return nil
}
