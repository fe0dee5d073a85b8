// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// RegisterVM_Task that reads the .vmx, as a real host does.
//
// The stock RegisterVM ignores the file's content (the VM gets the default
// devices and settings) and needs <name>.nvram and vmware.log beside the .vmx.
// Here the file decides: name (the call's name, else the file's displayName),
// guestOS, memsize, numvcpus, cpuid.coresPerSocket, uuid.bios, vc.uuid,
// annotation, virtualHW.version, firmware, the SCSI/SATA controllers, disks
// (scsiX:Y, sataX:Y, ideX:Y; capacity from a text descriptor's extents),
// CD-ROMs (image, host device, client device), NICs (ethernetN: virtualDev,
// networkName or dvs.*, addressType with generatedAddress/address,
// startConnected) and every other key as an extraConfig entry. The VM's
// .vmx is then rewritten by the merge of vmx.go, which keeps the keys this
// program does not model. A disk whose file is missing or a NIC on a network
// the datacenter lacks is kept as a device (a real host registers such a VM;
// powering it on would fail).
//
// Faults (task errors): NotFound for a missing .vmx, DuplicateName for a name
// taken in the folder, AlreadyExists for a .vmx already registered, InvalidArgument
// for a missing path or pool (as the stock method).

func (p *questionProxy) RegisterVMTask(ctx *simulator.Context, req *types.RegisterVM_Task) soap.HasFault {
	folder, ok := simulator.Map.Get(p.target).(*simulator.Folder)
	if !ok {
		return &methods.RegisterVM_TaskBody{Fault_: notFound(p.target)}
	}
	failed := func(fault types.BaseMethodFault) soap.HasFault {
		return &methods.RegisterVM_TaskBody{Res: &types.RegisterVM_TaskResponse{Returnval: failedTask(folder, "registerVm", fault)}}
	}
	file, resolved := localPath(req.Path)
	if req.Path == "" || !resolved {
		return failed(&types.InvalidArgument{InvalidProperty: "path"})
	}
	data, err := ioutil.ReadFile(file)
	if err != nil {
		return failed(&types.NotFound{})
	}
	vmx := parseVMX(string(data))
	name := req.Name
	if name == "" {
		if display, found := vmx.get("displayName"); found && display != "" {
			name = unescapeVMXValue(display)
		} else {
			name = strings.TrimSuffix(path.Base(filepath.ToSlash(file)), ".vmx")
		}
	}

	var res soap.HasFault
	var created []string
	simulator.Map.WithLock(folder, func() {
		if fault := duplicateInFolder(&folder.Self, name, types.ManagedObjectReference{}); fault != nil {
			res = failed(fault)
			return
		}
		// The stock method opens these two; a real host does not need them.
		for _, extra := range []string{filepath.Join(filepath.Dir(file), name+".nvram"), filepath.Join(filepath.Dir(file), "vmware.log")} {
			if _, err := os.Stat(extra); os.IsNotExist(err) {
				if f, err := os.Create(extra); err == nil {
					_ = f.Close()
					created = append(created, extra)
				}
			}
		}
		stock := *req
		stock.This = folder.Self
		stock.Name = name
		res = callAs(ctx, folder.Self, func() soap.HasFault { return folder.RegisterVMTask(ctx, &stock) })
	})
	for _, extra := range created {
		_ = os.Remove(extra)
	}
	vm := createdVM(res)
	if vm == nil {
		return res
	}
	simulator.Map.WithLock(vm, func() {
		applyVMX(ctx, vm, vmx)
		if err := writeVMXOnto(vm, file); err != nil {
			writeVMXLogged(vm)
		}
	})
	return res
}

// applyVMX configures a freshly registered VM from its file. The caller holds
// the VM's lock.
func applyVMX(ctx *simulator.Context, vm *simulator.VirtualMachine, vmx *vmxFile) {
	spec, direct := specFromVMX(vm, vmx)
	res := callAs(ctx, vm.Self, func() soap.HasFault {
		return vm.ReconfigVMTask(ctx, &types.ReconfigVM_Task{This: vm.Self, Spec: spec})
	})
	if body, ok := res.(*methods.ReconfigVM_TaskBody); ok && body.Res != nil {
		if task, found := simulator.Map.Get(body.Res.Returnval).(*simulator.Task); found && task.Info.Error != nil {
			log.Printf("vcsim-virt-esx: registering %s: the .vmx settings were not all applied: %s %#v",
				vm.Name, task.Info.Error.LocalizedMessage, task.Info.Error.Fault)
		}
		// Registration is one task: the inner reconfiguration is not shown.
		forgetTask(body.Res.Returnval)
	}
	if len(direct) > 0 {
		devices := append([]types.BaseVirtualDevice(nil), vm.Config.Hardware.Device...)
		list := object.VirtualDeviceList(devices)
		for _, device := range direct {
			d := device.GetVirtualDevice()
			if d.ControllerKey < 0 {
				// A controller of this spec: find its final key by bus.
				d.ControllerKey = controllerKeyFor(list, d.ControllerKey, spec)
			}
			if d.Key <= 0 || list.FindByKey(d.Key) != nil {
				d.Key = nextDeviceKey(list)
			}
			if d.DeviceInfo == nil {
				d.DeviceInfo = &types.Description{Label: list.Name(device), Summary: list.Name(device)}
			}
			list = append(list, device)
		}
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.hardware.device", Val: []types.BaseVirtualDevice(list)}})
	}
	applyExtraConfig(vm, extraConfigFromVMX(vmx))
}

func nextDeviceKey(list object.VirtualDeviceList) int32 {
	key := int32(1)
	for _, d := range list {
		if k := d.GetVirtualDevice().Key; k >= key {
			key = k + 1
		}
	}
	return key
}

// controllerKeyFor maps the temporary key of a controller of spec to the key
// the VM gave it (matched by type and bus number).
func controllerKeyFor(list object.VirtualDeviceList, temporary int32, spec types.VirtualMachineConfigSpec) int32 {
	for _, change := range spec.DeviceChange {
		device := change.GetVirtualDeviceConfigSpec().Device
		controller, ok := device.(types.BaseVirtualController)
		if !ok || device.GetVirtualDevice().Key != temporary {
			continue
		}
		for _, d := range list {
			if c, isController := d.(types.BaseVirtualController); isController &&
				fmt.Sprintf("%T", d) == fmt.Sprintf("%T", device) &&
				c.GetVirtualController().BusNumber == controller.GetVirtualController().BusNumber {
				return d.GetVirtualDevice().Key
			}
		}
	}
	return temporary
}

func vmxBool(vmx *vmxFile, key string, fallback bool) bool {
	value, found := vmx.get(key)
	if !found {
		return fallback
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "true", "yes", "1", "on":
		return true
	case "false", "no", "0", "off":
		return false
	}
	return fallback
}

func vmxInt(vmx *vmxFile, key string) (int64, bool) {
	value, found := vmx.get(key)
	if !found {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	return n, err == nil
}

func extraConfigFromVMX(vmx *vmxFile) []types.BaseOptionValue {
	var out []types.BaseOptionValue
	for _, e := range vmx.entries {
		if isModeledKey(e.key) || strings.HasPrefix(strings.ToLower(e.key), "floppy") {
			continue
		}
		value := unescapeVMXValue(e.value)
		if value == "" {
			continue
		}
		out = append(out, &types.OptionValue{Key: e.key, Value: value})
	}
	return out
}

var extentRE = regexp.MustCompile(`(?m)^\s*RW\s+([0-9]+)\s`)

// diskCapacityKB reads a text .vmdk descriptor's extents (sectors of 512 bytes).
func diskCapacityKB(dsPath string) (int64, bool) {
	file, ok := localPath(dsPath)
	if !ok {
		return 0, false
	}
	info, err := os.Stat(file)
	if err != nil {
		return 0, false
	}
	if info.Size() == 0 || info.Size() > 64*1024 {
		return 0, true
	}
	data, err := ioutil.ReadFile(file)
	if err != nil {
		return 0, true
	}
	var sectors int64
	for _, m := range extentRE.FindAllStringSubmatch(string(data), -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		sectors += n
	}
	return sectors / 2, true
}

var scsiControllerOf = map[string]func() types.BaseVirtualDevice{
	"lsilogic":   func() types.BaseVirtualDevice { return &types.VirtualLsiLogicController{} },
	"buslogic":   func() types.BaseVirtualDevice { return &types.VirtualBusLogicController{} },
	"pvscsi":     func() types.BaseVirtualDevice { return &types.ParaVirtualSCSIController{} },
	"lsisas1068": func() types.BaseVirtualDevice { return &types.VirtualLsiLogicSASController{} },
}

func nicOf(virtualDev string) types.BaseVirtualEthernetCard {
	switch strings.ToLower(virtualDev) {
	case "e1000":
		return &types.VirtualE1000{}
	case "e1000e":
		return &types.VirtualE1000e{}
	case "vmxnet3":
		return &types.VirtualVmxnet3{}
	case "vmxnet2":
		return &types.VirtualVmxnet2{}
	case "vmxnet":
		return &types.VirtualVmxnet{}
	}
	return &types.VirtualPCNet32{}
}

var devicePresentRE = regexp.MustCompile(`^(?i)(scsi|sata|ide|nvme)([0-9]+):([0-9]+)\.present$`)
var controllerPresentRE = regexp.MustCompile(`^(?i)(scsi|sata|nvme)([0-9]+)\.present$`)
var ethernetPresentRE = regexp.MustCompile(`^(?i)ethernet([0-9]+)\.present$`)

// specFromVMX is the configuration a .vmx describes, as a ReconfigVM spec for
// the registered VM, plus the devices to attach without the stock checks.
func specFromVMX(vm *simulator.VirtualMachine, vmx *vmxFile) (types.VirtualMachineConfigSpec, []types.BaseVirtualDevice) {
	spec := types.VirtualMachineConfigSpec{}
	if value, found := vmx.get("guestOS"); found {
		spec.GuestId = guestIDFromVMX(value)
	}
	if n, found := vmxInt(vmx, "memsize"); found && n > 0 {
		spec.MemoryMB = n
	}
	if n, found := vmxInt(vmx, "numvcpus"); found && n > 0 {
		spec.NumCPUs = int32(n)
	}
	if n, found := vmxInt(vmx, "cpuid.coresPerSocket"); found && n > 0 {
		spec.NumCoresPerSocket = int32(n)
	}
	if value, found := vmx.get("uuid.bios"); found {
		spec.Uuid = uuidFromVMX(value)
	}
	if value, found := vmx.get("vc.uuid"); found {
		spec.InstanceUuid = uuidFromVMX(value)
	}
	if value, found := vmx.get("annotation"); found {
		spec.Annotation = unescapeVMXValue(value)
	}
	if n, found := vmxInt(vmx, "virtualHW.version"); found && n > 0 {
		spec.Version = fmt.Sprintf("vmx-%02d", n)
	}
	if value, found := vmx.get("firmware"); found && strings.EqualFold(value, "efi") {
		spec.Firmware = string(types.GuestOsDescriptorFirmwareTypeEfi)
	}

	vmxPath := vm.Config.Files.VmPathName
	var direct []types.BaseVirtualDevice
	add := func(device types.BaseVirtualDevice) {
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: device})
	}
	controllers := map[string]int32{} // "scsi0" -> temporary key
	existing := object.VirtualDeviceList(vm.Config.Hardware.Device)
	for _, d := range existing {
		if ide, ok := d.(*types.VirtualIDEController); ok {
			controllers[fmt.Sprintf("ide%d", ide.BusNumber)] = ide.Key
		}
	}
	temporary := int32(-100)
	for _, e := range vmx.entries {
		m := controllerPresentRE.FindStringSubmatch(e.key)
		if m == nil || !vmxBool(vmx, e.key, false) {
			continue
		}
		kind, bus := strings.ToLower(m[1]), m[2]
		busNumber, _ := strconv.Atoi(bus)
		var device types.BaseVirtualDevice
		switch kind {
		case "scsi":
			dev, _ := vmx.get("scsi" + bus + ".virtualDev")
			make, ok := scsiControllerOf[strings.ToLower(dev)]
			if !ok {
				make = scsiControllerOf["lsilogic"]
			}
			device = make()
			scsi := device.(types.BaseVirtualSCSIController).GetVirtualSCSIController()
			scsi.SharedBus = types.VirtualSCSISharingNoSharing
		case "sata":
			device = &types.VirtualAHCIController{}
		case "nvme":
			device = &types.VirtualNVMEController{}
		}
		controller := device.(types.BaseVirtualController).GetVirtualController()
		controller.BusNumber = int32(busNumber)
		controller.Key = temporary
		controllers[kind+bus] = temporary
		temporary--
		add(device)
	}

	for _, e := range vmx.entries {
		m := devicePresentRE.FindStringSubmatch(e.key)
		if m == nil || !vmxBool(vmx, e.key, false) {
			continue
		}
		bus := strings.ToLower(m[1]) + m[2]
		unit, _ := strconv.Atoi(m[3])
		controllerKey, ok := controllers[bus]
		if !ok {
			continue
		}
		prefix := bus + ":" + m[3] + "."
		deviceType, _ := vmx.get(prefix + "deviceType")
		deviceType = strings.ToLower(deviceType)
		fileName, _ := vmx.get(prefix + "fileName")
		fileName = unescapeVMXValue(fileName)
		base := types.VirtualDevice{ControllerKey: controllerKey, UnitNumber: types.NewInt32(int32(unit))}
		connect := &types.VirtualDeviceConnectInfo{StartConnected: vmxBool(vmx, prefix+"startConnected", true), AllowGuestControl: true}
		isCdrom := strings.HasPrefix(deviceType, "cdrom") || deviceType == "atapi-cdrom"
		if !isCdrom && (strings.HasSuffix(deviceType, "harddisk") || deviceType == "disk" || strings.HasSuffix(strings.ToLower(fileName), ".vmdk")) {
			dsPath := dsPathFromVMX(vmxPath, fileName)
			mode, _ := vmx.get(prefix + "mode")
			diskMode := string(types.VirtualDiskModePersistent)
			if mode != "" {
				diskMode = strings.ReplaceAll(strings.ToLower(mode), "-", "_")
			}
			base.Backing = &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: dsPath},
				DiskMode:                     diskMode,
				ThinProvisioned:              types.NewBool(true),
			}
			disk := &types.VirtualDisk{VirtualDevice: base}
			capacity, exists := diskCapacityKB(dsPath)
			disk.CapacityInKB = capacity
			disk.CapacityInBytes = capacity * 1024
			// The stock device code wants the "-flat" extent as well; a host
			// registers the VM either way.
			if flat, ok := localPath(strings.TrimSuffix(dsPath, ".vmdk") + "-flat.vmdk"); !ok || !fileExists(flat) {
				exists = false
			}
			if exists {
				add(disk)
			} else {
				direct = append(direct, disk)
			}
			continue
		}
		if !isCdrom {
			continue
		}
		switch {
		case deviceType == "cdrom-image":
			base.Backing = &types.VirtualCdromIsoBackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: dsPathFromVMX(vmxPath, fileName)}}
		case vmxBool(vmx, prefix+"clientDevice", false):
			base.Backing = &types.VirtualCdromRemotePassthroughBackingInfo{
				VirtualDeviceRemoteDeviceBackingInfo: types.VirtualDeviceRemoteDeviceBackingInfo{UseAutoDetect: types.NewBool(false)}}
		case deviceType == "cdrom-raw":
			base.Backing = &types.VirtualCdromPassthroughBackingInfo{
				VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: fileName}}
		default:
			base.Backing = &types.VirtualCdromAtapiBackingInfo{
				VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: fileName}}
		}
		base.Connectable = connect
		add(&types.VirtualCdrom{VirtualDevice: base})
	}

	dc := datacenterOf(vm)
	for _, e := range vmx.entries {
		m := ethernetPresentRE.FindStringSubmatch(e.key)
		if m == nil || !vmxBool(vmx, e.key, false) {
			continue
		}
		index, _ := strconv.Atoi(m[1])
		prefix := "ethernet" + m[1] + "."
		virtualDev, _ := vmx.get(prefix + "virtualDev")
		card := nicOf(virtualDev)
		nic := card.GetVirtualEthernetCard()
		nic.Key = int32(4000 + index)
		nic.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: vmxBool(vmx, prefix+"startConnected", true), AllowGuestControl: true}
		addressType, _ := vmx.get(prefix + "addressType")
		switch strings.ToLower(addressType) {
		case "static":
			nic.AddressType = "manual"
			nic.MacAddress, _ = vmx.get(prefix + "address")
		case "vpx":
			nic.AddressType = "assigned"
			nic.MacAddress, _ = vmx.get(prefix + "generatedAddress")
		default:
			nic.AddressType = "generated"
			nic.MacAddress, _ = vmx.get(prefix + "generatedAddress")
		}
		known := true
		if switchID, found := vmx.get(prefix + "dvs.switchId"); found {
			portgroup, _ := vmx.get(prefix + "dvs.portgroupId")
			port, _ := vmx.get(prefix + "dvs.portId")
			nic.Backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
				Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: switchID, PortgroupKey: portgroup, PortKey: port}}
		} else {
			network, _ := vmx.get(prefix + "networkName")
			network = unescapeVMXValue(network)
			nic.Backing = &types.VirtualEthernetCardNetworkBackingInfo{
				VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: network}}
			known = dc != nil && simulator.Map.FindByName(network, dc.Network) != nil
		}
		if known {
			add(card.(types.BaseVirtualDevice))
		} else {
			if nic.MacAddress == "" {
				nic.MacAddress = fmt.Sprintf("00:0c:29:%02x:%02x:%02x", (len(vm.Self.Value)+index)&0xff, index, 0x40+index)
			}
			direct = append(direct, card.(types.BaseVirtualDevice))
		}
	}
	return spec, direct
}

func datacenterOf(vm *simulator.VirtualMachine) *simulator.Datacenter {
	var ref *types.ManagedObjectReference = vm.Parent
	for depth := 0; ref != nil && depth < 64; depth++ {
		obj := simulator.Map.Get(*ref)
		if dc, ok := obj.(*simulator.Datacenter); ok {
			return dc
		}
		entity, ok := obj.(mo.Entity)
		if !ok {
			return nil
		}
		ref = entity.Entity().Parent
	}
	return nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
