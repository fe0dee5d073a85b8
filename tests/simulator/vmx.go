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
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// A real .vmx file for every VM, as a host keeps it.
//
// The stock simulator leaves a 0-byte .vmx. Here each VM's file is written
// from its configuration at start-up and after every call that changes it
// (CreateVM, RegisterVM, ReconfigVM, Rename, CloneVM; see vmcalls.go), in
// VMware's format: `key = "value"` lines, UTF-8 with `.encoding`.
//
// Writing merges rather than replaces, as hostd does: the keys this program
// models (displayName, guestOS, memsize, numvcpus, uuids, annotation, hardware
// version, firmware, the disk/CD-ROM/NIC/controller device keys and the
// extraConfig entries) are set from the VM's configuration; keys of a device
// that no longer exists are dropped; every other key of the file (an uploaded
// file's sched.*, pciBridge*, tools.* ...) stays as it was.

type vmxEntry struct {
	key   string
	value string
}

// vmxFile is an ordered list of entries; keys compare case-insensitively.
type vmxFile struct {
	entries []vmxEntry
}

func (f *vmxFile) index(key string) int {
	for i, e := range f.entries {
		if strings.EqualFold(e.key, key) {
			return i
		}
	}
	return -1
}

func (f *vmxFile) get(key string) (string, bool) {
	if i := f.index(key); i >= 0 {
		return f.entries[i].value, true
	}
	return "", false
}

func (f *vmxFile) set(key, value string) {
	if i := f.index(key); i >= 0 {
		f.entries[i].value = value
		return
	}
	f.entries = append(f.entries, vmxEntry{key, value})
}

func (f *vmxFile) remove(drop func(key string) bool) {
	kept := f.entries[:0]
	for _, e := range f.entries {
		if !drop(e.key) {
			kept = append(kept, e)
		}
	}
	f.entries = kept
}

// parseVMX reads `key = "value"` lines; comments, blank and malformed lines
// are skipped (a host does the same with what it cannot read).
func parseVMX(text string) *vmxFile {
	f := &vmxFile{}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		eq := strings.Index(line, "=")
		if eq <= 0 {
			continue
		}
		key := strings.TrimSpace(line[:eq])
		value := strings.TrimSpace(line[eq+1:])
		if len(value) >= 2 && strings.HasPrefix(value, `"`) && strings.HasSuffix(value, `"`) {
			value = value[1 : len(value)-1]
		}
		f.entries = append(f.entries, vmxEntry{key, value})
	}
	return f
}

// escapeVMXValue keeps a value on one quoted line: '"' and control
// characters as |XX, and '|' itself, as VMware writes them.
func escapeVMXValue(value string) string {
	var b strings.Builder
	for _, r := range value {
		if r == '|' || r == '"' || r < 0x20 {
			fmt.Fprintf(&b, "|%02X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unescapeVMXValue decodes |XX sequences (bytes of UTF-8 text).
func unescapeVMXValue(value string) string {
	if !strings.Contains(value, "|") {
		return value
	}
	var out []byte
	for i := 0; i < len(value); i++ {
		if value[i] == '|' && i+2 < len(value) {
			if n, err := strconv.ParseUint(value[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(n))
				i += 2
				continue
			}
		}
		out = append(out, value[i])
	}
	return string(out)
}

func (f *vmxFile) format() string {
	var b strings.Builder
	for _, e := range f.entries {
		fmt.Fprintf(&b, "%s = \"%s\"\n", e.key, e.value)
	}
	return b.String()
}

// vmxTopKeys are the top-level keys this program owns: they are dropped from
// a file when the configuration has no value for them.
var vmxTopKeys = []string{
	".encoding", "config.version", "virtualHW.version", "displayName", "guestOS", "memsize", "numvcpus",
	"cpuid.coresPerSocket", "uuid.bios", "vc.uuid", "annotation", "firmware", "templateVM",
}

var vmxDevicePrefix = regexp.MustCompile(`^(?i)(scsi[0-9]+|sata[0-9]+|nvme[0-9]+|ide[0-9]+|(?:scsi|sata|nvme|ide)[0-9]+:[0-9]+|ethernet[0-9]+|floppy[0-9]+)\.`)

// vmxDeviceOf returns the device prefix of a key ("scsi0:1", "ethernet0"), lower case.
func vmxDeviceOf(key string) string {
	m := vmxDevicePrefix.FindStringSubmatch(key)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// isModeledKey tells whether a key's value comes from the VM's configuration
// (and so is not an extraConfig entry).
func isModeledKey(key string) bool {
	for _, k := range vmxTopKeys {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return vmxDeviceOf(key) != ""
}

// vmxGuestOS maps a vSphere guestId to the .vmx guestOS value:
// otherGuest64 -> other-64, rhel7_64Guest -> rhel7-64, winXPProGuest -> winxppro.
func vmxGuestOS(guestID string) string {
	// A few ids put the 64 after "Guest" (otherGuest64).
	id := guestID
	if strings.HasSuffix(id, "Guest64") {
		id = strings.TrimSuffix(id, "Guest64") + "64"
	} else {
		id = strings.TrimSuffix(id, "Guest")
	}
	id = strings.ToLower(id)
	switch {
	case strings.HasSuffix(id, "_64"):
		id = strings.TrimSuffix(id, "_64") + "-64"
	case strings.HasSuffix(id, "64") && !strings.HasSuffix(id, "-64"):
		id = strings.TrimSuffix(id, "64") + "-64"
	}
	if id == "" {
		return "other"
	}
	return id
}

// guestIDFromVMX maps a .vmx guestOS value back to a vSphere guestId.
func guestIDFromVMX(value string) string {
	want := strings.ToLower(strings.TrimSpace(value))
	for _, id := range simulator.GuestID {
		if vmxGuestOS(string(id)) == want {
			return string(id)
		}
	}
	return string(types.VirtualMachineGuestOsIdentifierOtherGuest)
}

// vmxUUID writes a UUID as VMware does: "56 4d 12 ... 34-56 78 ...".
func vmxUUID(id string) string {
	hex := strings.ReplaceAll(strings.ToLower(id), "-", "")
	if len(hex) != 32 {
		return ""
	}
	var parts []string
	for i := 0; i < 32; i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	return strings.Join(parts[:8], " ") + "-" + strings.Join(parts[8:], " ")
}

// uuidFromVMX reads a VMware-style UUID into the API's form.
func uuidFromVMX(value string) string {
	hex := strings.NewReplacer(" ", "", "-", "").Replace(strings.ToLower(value))
	if len(hex) != 32 {
		return ""
	}
	if _, err := strconv.ParseUint(hex[:16], 16, 64); err != nil {
		return ""
	}
	if _, err := strconv.ParseUint(hex[16:], 16, 64); err != nil {
		return ""
	}
	return hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:]
}

var scsiVirtualDev = map[string]string{
	"*types.VirtualLsiLogicController":    "lsilogic",
	"*types.VirtualBusLogicController":    "buslogic",
	"*types.ParaVirtualSCSIController":    "pvscsi",
	"*types.VirtualLsiLogicSASController": "lsisas1068",
}

func nicVirtualDev(card types.BaseVirtualEthernetCard) string {
	switch card.(type) {
	case *types.VirtualE1000:
		return "e1000"
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	case *types.VirtualVmxnet2:
		return "vmxnet2"
	case *types.VirtualVmxnet:
		return "vmxnet"
	case *types.VirtualPCNet32:
		return "vlance"
	case *types.VirtualSriovEthernetCard:
		return "sriov"
	}
	return "e1000"
}

func boolText(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// datastoreDirectory returns the local directory of a datastore by name.
func datastoreDirectory(name string) (string, bool) {
	for _, obj := range simulator.Map.All("Datastore") {
		if ds, ok := obj.(*simulator.Datastore); ok && ds.Name == name {
			return ds.Info.GetDatastoreInfo().Url, true
		}
	}
	return "", false
}

// localPath resolves "[ds] dir/file" to the file on this machine.
func localPath(dsPath string) (string, bool) {
	var p object.DatastorePath
	if !p.FromString(dsPath) {
		return "", false
	}
	dir, ok := datastoreDirectory(p.Datastore)
	if !ok {
		return "", false
	}
	return filepath.Join(dir, filepath.FromSlash(p.Path)), true
}

// vmxFileName is how a .vmx names a file: relative to the VM's directory when
// it is inside it, else /vmfs/volumes/<datastore>/<path>.
func vmxFileName(vmxPath, dsPath string) string {
	var vmx, file object.DatastorePath
	if !file.FromString(dsPath) {
		return dsPath
	}
	if vmx.FromString(vmxPath) && vmx.Datastore == file.Datastore {
		dir := path.Dir(vmx.Path)
		if path.Dir(file.Path) == dir {
			return path.Base(file.Path)
		}
	}
	return "/vmfs/volumes/" + file.Datastore + "/" + file.Path
}

// dsPathFromVMX is the reverse of vmxFileName.
func dsPathFromVMX(vmxPath, name string) string {
	var vmx object.DatastorePath
	vmx.FromString(vmxPath)
	if strings.HasPrefix(name, "/vmfs/volumes/") {
		rest := strings.TrimPrefix(name, "/vmfs/volumes/")
		parts := strings.SplitN(rest, "/", 2)
		if len(parts) == 2 {
			return "[" + parts[0] + "] " + parts[1]
		}
		return name
	}
	if strings.HasPrefix(name, "[") {
		return name
	}
	return "[" + vmx.Datastore + "] " + path.Join(path.Dir(vmx.Path), name)
}

// modeledVMX is what the VM's configuration says about the keys this program
// owns: the top-level values and, per device prefix, its entries.
func modeledVMX(vm *simulator.VirtualMachine) (*vmxFile, map[string]bool) {
	f := &vmxFile{}
	devices := map[string]bool{}
	c := vm.Config
	f.set(".encoding", "UTF-8")
	f.set("config.version", "8")
	f.set("virtualHW.version", strings.TrimPrefix(c.Version, "vmx-"))
	f.set("displayName", escapeVMXValue(vm.Name))
	f.set("guestOS", vmxGuestOS(c.GuestId))
	f.set("memsize", strconv.Itoa(int(c.Hardware.MemoryMB)))
	f.set("numvcpus", strconv.Itoa(int(c.Hardware.NumCPU)))
	if c.Hardware.NumCoresPerSocket > 1 {
		f.set("cpuid.coresPerSocket", strconv.Itoa(int(c.Hardware.NumCoresPerSocket)))
	}
	if u := vmxUUID(c.Uuid); u != "" {
		f.set("uuid.bios", u)
	}
	if u := vmxUUID(c.InstanceUuid); u != "" {
		f.set("vc.uuid", u)
	}
	if c.Annotation != "" {
		f.set("annotation", escapeVMXValue(c.Annotation))
	}
	if c.Firmware == string(types.GuestOsDescriptorFirmwareTypeEfi) {
		f.set("firmware", "efi")
	}
	if c.Template {
		f.set("templateVM", "TRUE")
	}

	list := object.VirtualDeviceList(c.Hardware.Device)
	busOf := map[int32]string{} // controller key -> "scsi0", "ide1", ...
	for _, d := range c.Hardware.Device {
		switch ctl := d.(type) {
		case *types.VirtualIDEController:
			busOf[ctl.Key] = fmt.Sprintf("ide%d", ctl.BusNumber)
		case *types.VirtualAHCIController:
			name := fmt.Sprintf("sata%d", ctl.BusNumber)
			busOf[ctl.Key] = name
			devices[name] = true
			f.set(name+".present", "TRUE")
		case *types.VirtualNVMEController:
			name := fmt.Sprintf("nvme%d", ctl.BusNumber)
			busOf[ctl.Key] = name
			devices[name] = true
			f.set(name+".present", "TRUE")
		case types.BaseVirtualSCSIController:
			scsi := ctl.GetVirtualSCSIController()
			name := fmt.Sprintf("scsi%d", scsi.BusNumber)
			busOf[scsi.Key] = name
			devices[name] = true
			f.set(name+".present", "TRUE")
			if dev, ok := scsiVirtualDev[fmt.Sprintf("%T", d)]; ok {
				f.set(name+".virtualDev", dev)
			}
		}
	}

	vmxPath := c.Files.VmPathName
	nics := 0
	var ethernets []types.BaseVirtualEthernetCard
	for _, d := range c.Hardware.Device {
		v := d.GetVirtualDevice()
		switch dev := d.(type) {
		case *types.VirtualDisk:
			bus, ok := busOf[v.ControllerKey]
			if !ok || v.UnitNumber == nil {
				continue
			}
			name := fmt.Sprintf("%s:%d", bus, *v.UnitNumber)
			devices[name] = true
			f.set(name+".present", "TRUE")
			if strings.HasPrefix(bus, "scsi") {
				f.set(name+".deviceType", "scsi-hardDisk")
			}
			if b, ok := v.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
				f.set(name+".fileName", escapeVMXValue(vmxFileName(vmxPath, b.GetVirtualDeviceFileBackingInfo().FileName)))
			}
			if b, ok := v.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && b.DiskMode != "" &&
				b.DiskMode != string(types.VirtualDiskModePersistent) {
				f.set(name+".mode", strings.ReplaceAll(b.DiskMode, "_", "-"))
			}
			_ = dev
		case *types.VirtualCdrom:
			bus, ok := busOf[v.ControllerKey]
			if !ok || v.UnitNumber == nil {
				continue
			}
			name := fmt.Sprintf("%s:%d", bus, *v.UnitNumber)
			devices[name] = true
			f.set(name+".present", "TRUE")
			switch b := v.Backing.(type) {
			case *types.VirtualCdromIsoBackingInfo:
				f.set(name+".deviceType", "cdrom-image")
				f.set(name+".fileName", escapeVMXValue(vmxFileName(vmxPath, b.FileName)))
			case *types.VirtualCdromRemotePassthroughBackingInfo, *types.VirtualCdromRemoteAtapiBackingInfo:
				f.set(name+".deviceType", "atapi-cdrom")
				f.set(name+".clientDevice", "TRUE")
				f.set(name+".fileName", "")
			case *types.VirtualCdromAtapiBackingInfo:
				f.set(name+".deviceType", "atapi-cdrom")
				if b.DeviceName == "" {
					f.set(name+".fileName", "auto detect")
				} else {
					f.set(name+".fileName", escapeVMXValue(b.DeviceName))
				}
			case *types.VirtualCdromPassthroughBackingInfo:
				f.set(name+".deviceType", "cdrom-raw")
				f.set(name+".fileName", escapeVMXValue(b.DeviceName))
			default:
				f.set(name+".deviceType", "atapi-cdrom")
				f.set(name+".fileName", "auto detect")
			}
			if v.Connectable != nil {
				f.set(name+".startConnected", boolText(v.Connectable.StartConnected))
			}
		case types.BaseVirtualEthernetCard:
			ethernets = append(ethernets, dev)
		}
	}
	sort.SliceStable(ethernets, func(i, j int) bool {
		return ethernets[i].GetVirtualEthernetCard().Key < ethernets[j].GetVirtualEthernetCard().Key
	})
	used := map[int]bool{}
	for _, card := range ethernets {
		e := card.GetVirtualEthernetCard()
		index := int(e.Key) - 4000
		if index < 0 || index > 9 || used[index] {
			index = 0
			for used[index] {
				index++
			}
		}
		used[index] = true
		nics++
		name := fmt.Sprintf("ethernet%d", index)
		devices[name] = true
		f.set(name+".present", "TRUE")
		f.set(name+".virtualDev", nicVirtualDev(card))
		switch b := e.Backing.(type) {
		case *types.VirtualEthernetCardNetworkBackingInfo:
			f.set(name+".networkName", escapeVMXValue(b.DeviceName))
		case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
			f.set(name+".dvs.switchId", b.Port.SwitchUuid)
			f.set(name+".dvs.portgroupId", b.Port.PortgroupKey)
			// A host always writes the port and connection ids (libvirt requires them);
			// the simulator connects a NIC without a port key, so the NIC's index stands in.
			port := b.Port.PortKey
			if port == "" {
				port = strconv.Itoa(index)
			}
			f.set(name+".dvs.portId", port)
			f.set(name+".dvs.connectionId", strconv.Itoa(int(b.Port.ConnectionCookie)))
		}
		switch strings.ToLower(e.AddressType) {
		case "manual":
			f.set(name+".addressType", "static")
			f.set(name+".address", e.MacAddress)
		case "assigned":
			f.set(name+".addressType", "vpx")
			f.set(name+".generatedAddress", e.MacAddress)
		default:
			f.set(name+".addressType", "generated")
			f.set(name+".generatedAddress", e.MacAddress)
		}
		if e.Connectable != nil {
			f.set(name+".startConnected", boolText(e.Connectable.StartConnected))
		}
	}
	_ = list

	for _, option := range c.ExtraConfig {
		value := option.GetOptionValue()
		if isModeledKey(value.Key) {
			continue
		}
		f.set(value.Key, escapeVMXValue(fmt.Sprint(value.Value)))
	}
	return f, devices
}

// mergeVMX updates base (the file as it is) with the modeled values: owned
// keys without a modeled value and keys of devices that are gone are dropped,
// extraConfig keys no longer configured are dropped, everything else stays.
func mergeVMX(base *vmxFile, modeled *vmxFile, devices map[string]bool, extraKeys map[string]bool) *vmxFile {
	out := &vmxFile{entries: append([]vmxEntry(nil), base.entries...)}
	out.remove(func(key string) bool {
		if _, ok := modeled.get(key); ok {
			return false
		}
		if device := vmxDeviceOf(key); device != "" {
			return !devices[device] || isModeledDeviceField(key)
		}
		for _, k := range vmxTopKeys {
			if strings.EqualFold(k, key) {
				return true
			}
		}
		// A key that was an extraConfig entry and is not one any more.
		return extraKeys[strings.ToLower(key)]
	})
	for _, e := range modeled.entries {
		out.set(e.key, e.value)
	}
	return out
}

var modeledDeviceFields = []string{
	"present", "virtualdev", "devicetype", "filename", "mode", "clientdevice", "startconnected",
	"networkname", "dvs.switchid", "dvs.portgroupid", "dvs.portid", "dvs.connectionid",
	"addresstype", "address", "generatedaddress",
}

// isModeledDeviceField: a field of a device key this program writes (and so
// drops when the configuration no longer has it).
func isModeledDeviceField(key string) bool {
	device := vmxDeviceOf(key)
	field := strings.ToLower(strings.TrimPrefix(strings.ToLower(key), device+"."))
	for _, f := range modeledDeviceFields {
		if f == field {
			return true
		}
	}
	return false
}

// vmxExtraKeys remembers, per VM, which keys were extraConfig entries when
// its file was last written, so a removed entry also leaves the file.
var (
	vmxExtraKeys   = map[string]map[string]bool{}
	vmxExtraKeysMu sync.Mutex
)

// writeVMX writes vm's .vmx, merged into the file's current content. The
// caller holds the VM's lock.
func writeVMX(vm *simulator.VirtualMachine) error {
	return writeVMXOnto(vm, "")
}

// writeVMXOnto is writeVMX with another file's content as the base (a clone
// starts from its source's file).
func writeVMXOnto(vm *simulator.VirtualMachine, baseFile string) error {
	if vm.Config == nil || vm.Config.Files.VmPathName == "" {
		return nil
	}
	file, ok := localPath(vm.Config.Files.VmPathName)
	if !ok {
		return fmt.Errorf("cannot resolve %s", vm.Config.Files.VmPathName)
	}
	if baseFile == "" {
		baseFile = file
	}
	base := &vmxFile{}
	if data, err := ioutil.ReadFile(baseFile); err == nil {
		base = parseVMX(string(data))
	}
	modeled, devices := modeledVMX(vm)
	current := map[string]bool{}
	for _, option := range vm.Config.ExtraConfig {
		current[strings.ToLower(option.GetOptionValue().Key)] = true
	}
	vmxExtraKeysMu.Lock()
	previous := vmxExtraKeys[vm.Self.Value]
	vmxExtraKeys[vm.Self.Value] = current
	vmxExtraKeysMu.Unlock()
	merged := mergeVMX(base, modeled, devices, previous)
	tmp := file + ".virtesx-tmp"
	if err := ioutil.WriteFile(tmp, []byte(merged.format()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// writeVMXLogged is writeVMX for callers that cannot report an error.
func writeVMXLogged(vm *simulator.VirtualMachine) {
	if err := writeVMX(vm); err != nil {
		log.Printf("vcsim-virt-esx: .vmx of %s (%s): %v", vm.Name, vm.Self.Value, err)
	}
}

// writeAllVMX writes the file of every VM of the model. It runs before the
// server starts, so no lock is needed.
func writeAllVMX() {
	for _, obj := range simulator.Map.All("VirtualMachine") {
		if vm, ok := obj.(*simulator.VirtualMachine); ok {
			moveModelCdrom(vm)
			writeVMXLogged(vm)
		}
	}
}

// moveModelCdrom puts the model's CD-ROM on the secondary IDE channel: the
// stock model attaches it to the SCSI controller, on the disk's unit.
func moveModelCdrom(vm *simulator.VirtualMachine) {
	devices := vm.Config.Hardware.Device
	var secondary *types.VirtualIDEController
	for _, d := range devices {
		if ide, ok := d.(*types.VirtualIDEController); ok && ide.BusNumber == 1 {
			secondary = ide
		}
	}
	if secondary == nil {
		return
	}
	for _, d := range devices {
		cdrom, ok := d.(*types.VirtualCdrom)
		if !ok {
			continue
		}
		if _, onIDE := object.VirtualDeviceList(devices).FindByKey(cdrom.ControllerKey).(*types.VirtualIDEController); onIDE {
			continue
		}
		cdrom.ControllerKey = secondary.Key
		cdrom.UnitNumber = types.NewInt32(0)
		if atapi, ok := cdrom.Backing.(*types.VirtualCdromAtapiBackingInfo); ok {
			atapi.DeviceName = ""
		}
		secondary.Device = append(secondary.Device, cdrom.Key)
	}
}
