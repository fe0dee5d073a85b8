// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"bufio"
	"crypto/md5"
	"crypto/rand"
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Virtual disks and datastores as a real ESX host keeps them.
//
// The stock VirtualDiskManager makes 0-byte .vmdk files, lacks ExtendVirtualDisk
// and ZeroFillVirtualDisk and ignores SetVirtualDiskUuid; its datastore browser
// reports no disk capacity; datastores are "local" (a hosted product's kind),
// have no mount path and report the free space of the machine's file system.
//
// Here a disk is a VMware descriptor (<name>.vmdk: extent size in sectors,
// ddb.uuid, ddb.adapterType, ddb.thinProvisioned) beside a sparse flat extent
// (<name>-flat.vmdk) whose apparent size is the capacity. Each datastore is a
// VMFS datastore of a fixed virtual capacity whose free space is that capacity
// less what its files take: a thick disk takes its capacity, a thin disk what
// its extent really holds, any other file its size. The figures are refreshed
// after every disk operation and datastore search.

const (
	datastoreVirtualCapacity = int64(1) << 40
	sectorSize               = 512
	diskBackingType          = "VirtualDiskFlatVer2BackingInfo"
)

var storageChanges sync.Mutex

// The simulator's own code (Destroy_Task deleting a VM's disks) reaches the disk manager through
// this interface, so the overriding methods keep its signatures.
var _ simulator.VirtualDiskManagerInterface = (*diskManager)(nil)

type diskManager struct {
	simulator.VirtualDiskManager
}

type datastoreBrowser struct {
	simulator.HostDatastoreBrowser
}

// installStorage replaces the disk manager and the datastore browsers and turns
// the datastores into VMFS datastores with mount paths. It runs before the
// server starts.
func installStorage() {
	if si, ok := simulator.Map.Get(serviceInstanceRef).(*simulator.ServiceInstance); ok && si.Content.VirtualDiskManager != nil {
		if stock, ok := simulator.Map.Get(*si.Content.VirtualDiskManager).(*simulator.VirtualDiskManager); ok {
			simulator.Map.Put(&diskManager{VirtualDiskManager: *stock})
		}
	}
	var browsers []types.ManagedObjectReference
	for _, obj := range simulator.Map.All("Datastore") {
		if ds, ok := obj.(*simulator.Datastore); ok {
			browsers = append(browsers, ds.Browser)
		}
	}
	for _, obj := range simulator.Map.All("HostSystem") {
		if host, ok := obj.(*simulator.HostSystem); ok && host.DatastoreBrowser.Value != "" {
			browsers = append(browsers, host.DatastoreBrowser)
		}
	}
	for _, ref := range browsers {
		if stock, ok := simulator.Map.Get(ref).(*simulator.HostDatastoreBrowser); ok {
			simulator.Map.Put(&datastoreBrowser{HostDatastoreBrowser: *stock})
		}
	}
	for _, obj := range simulator.Map.All("Datastore") {
		if ds, ok := obj.(*simulator.Datastore); ok {
			mountOnEveryHost(ds)
			makeVMFS(ds)
			refreshSpace(ds)
		}
	}
	dropDanglingDatastores()
	describeModelDisks()
	refreshAllSpace()
	followSpace(time.Second)
}

// describeModelDisks gives the disks of the model's VMs (empty files) a
// descriptor with the capacity their VM declares.
func describeModelDisks() {
	for _, obj := range simulator.Map.All("VirtualMachine") {
		vm, ok := obj.(*simulator.VirtualMachine)
		if !ok || vm.Config == nil {
			continue
		}
		for _, device := range vm.Config.Hardware.Device {
			disk, ok := device.(*types.VirtualDisk)
			if !ok {
				continue
			}
			backing, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
			if !ok || backing.FileName == "" {
				continue
			}
			_, file, fault := resolve(nil, backing.FileName)
			if fault != nil {
				continue
			}
			if fi, err := os.Stat(file); err != nil || fi.Size() != 0 {
				continue
			}
			_ = os.Remove(file)
			_ = os.Remove(flatName(file))
			_ = makeDisk(file, backing.FileName, disk.CapacityInKB*2, true, "lsilogic")
		}
	}
}

// mountOnEveryHost lists every host that has the datastore in ds.host: the
// stock model keeps only the last host of a shared local datastore.
func mountOnEveryHost(ds *simulator.Datastore) {
	mounted := map[string]bool{}
	for _, mount := range ds.Host {
		mounted[mount.Key.Value] = true
	}
	for _, obj := range simulator.Map.All("HostSystem") {
		host, ok := obj.(*simulator.HostSystem)
		if !ok || mounted[host.Self.Value] {
			continue
		}
		for _, ref := range host.Datastore {
			if ref == ds.Self {
				ds.Host = append(ds.Host, types.DatastoreHostMount{
					Key: host.Self,
					MountInfo: types.HostMountInfo{
						AccessMode: string(types.HostMountModeReadWrite),
						Mounted:    types.NewBool(true),
						Accessible: types.NewBool(true),
					},
				})
				mounted[host.Self.Value] = true
				break
			}
		}
	}
}

// dropDanglingDatastores removes datastore references to objects that do not
// exist (the stock ESX model's datacenter names a datastore it never creates).
func dropDanglingDatastores() {
	exists := func(ref types.ManagedObjectReference) bool { return simulator.Map.Get(ref) != nil }
	keep := func(refs []types.ManagedObjectReference) []types.ManagedObjectReference {
		out := refs[:0:0]
		for _, ref := range refs {
			if exists(ref) {
				out = append(out, ref)
			}
		}
		return out
	}
	for _, obj := range simulator.Map.All("Datacenter") {
		if dc, ok := obj.(*simulator.Datacenter); ok {
			dc.Datastore = keep(dc.Datastore)
		}
	}
	for _, obj := range simulator.Map.All("HostSystem") {
		if host, ok := obj.(*simulator.HostSystem); ok {
			host.Datastore = keep(host.Datastore)
		}
	}
}

// vmfsID is a stable VMFS-style volume id (8-8-4-12 hex digits) for a datastore.
func vmfsID(name string) string {
	sum := fmt.Sprintf("%x", md5.Sum([]byte("virt-esx-datastore:"+name)))
	return sum[0:8] + "-" + sum[8:16] + "-" + sum[16:20] + "-" + sum[20:32]
}

func makeVMFS(ds *simulator.Datastore) {
	if local, ok := ds.Info.(*types.LocalDatastoreInfo); ok {
		id := vmfsID(ds.Name)
		ds.Info = &types.VmfsDatastoreInfo{
			DatastoreInfo: local.DatastoreInfo,
			Vmfs: &types.HostVmfsVolume{
				HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: ds.Name, Capacity: datastoreVirtualCapacity},
				BlockSizeMb:          1,
				MaxBlocks:            63963136,
				MajorVersion:         6,
				Version:              "6.82",
				Uuid:                 id,
				Local:                types.NewBool(true),
			},
		}
		ds.Summary.Type = "VMFS"
	}
	mountPath := "/vmfs/volumes/" + vmfsID(ds.Name)
	for i := range ds.Host {
		ds.Host[i].MountInfo.Path = mountPath
	}
}

// diskInfo is what a descriptor says about a disk.
type diskInfo struct {
	sectors     int64
	uuid        string
	adapterType string
	thin        bool
	extent      string
}

var extentLine = regexp.MustCompile(`^(RW|RDONLY|NOACCESS)\s+([0-9]+)\s+(\S+)\s+"([^"]*)"`)

func readDescriptor(file string) (*diskInfo, error) {
	data, err := ioutil.ReadFile(file)
	if err != nil {
		return nil, err
	}
	info := &diskInfo{}
	scanner := bufio.NewScanner(strings.NewReader(string(data)))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if m := extentLine.FindStringSubmatch(line); m != nil {
			sectors, _ := strconv.ParseInt(m[2], 10, 64)
			info.sectors += sectors
			info.extent = m[4]
			continue
		}
		key, value, found := strings.Cut(line, "=")
		if !found {
			continue
		}
		key = strings.TrimSpace(key)
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch key {
		case "ddb.uuid":
			info.uuid = value
		case "ddb.adapterType":
			info.adapterType = value
		case "ddb.thinProvisioned":
			info.thin = value == "1"
		}
	}
	return info, nil
}

func writeDescriptor(file string, info *diskInfo) error {
	cylinders := info.sectors / (255 * 63)
	if cylinders > 65535 {
		cylinders = 65535
	}
	var b strings.Builder
	b.WriteString("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"vmfs\"\n\n")
	b.WriteString("# Extent description\n")
	fmt.Fprintf(&b, "RW %d VMFS \"%s\"\n\n", info.sectors, info.extent)
	b.WriteString("# The Disk Data Base\n#DDB\n\n")
	fmt.Fprintf(&b, "ddb.adapterType = \"%s\"\n", info.adapterType)
	fmt.Fprintf(&b, "ddb.geometry.cylinders = \"%d\"\nddb.geometry.heads = \"255\"\nddb.geometry.sectors = \"63\"\n", cylinders)
	if info.thin {
		b.WriteString("ddb.thinProvisioned = \"1\"\n")
	}
	fmt.Fprintf(&b, "ddb.uuid = \"%s\"\nddb.virtualHWVersion = \"14\"\n", info.uuid)
	return ioutil.WriteFile(file, []byte(b.String()), 0o600)
}

// newDiskUUID is a disk UUID in VMware's notation: "60 00 C2 9x xx xx xx xx-xx xx xx xx xx xx xx xx".
func newDiskUUID() string {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	raw[0], raw[1], raw[2] = 0x60, 0x00, 0xc2
	raw[3] = 0x90 | (raw[3] & 0x0f)
	return formatDiskUUID(raw[:])
}

func formatDiskUUID(raw []byte) string {
	parts := make([]string, 16)
	for i, b := range raw {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts[:8], " ") + "-" + strings.Join(parts[8:], " ")
}

// parseUUID accepts VMware's notation and the usual 8-4-4-4-12 form.
func parseUUID(text string) ([]byte, bool) {
	digits := strings.NewReplacer(" ", "", "-", "").Replace(text)
	if len(digits) != 32 {
		return nil, false
	}
	raw := make([]byte, 16)
	for i := range raw {
		v, err := strconv.ParseUint(digits[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		raw[i] = byte(v)
	}
	return raw, true
}

func flatName(descriptor string) string {
	return strings.TrimSuffix(descriptor, ".vmdk") + "-flat.vmdk"
}

// findDatastore finds a datastore by name, within the datacenter when one is given.
func findDatastore(dc *types.ManagedObjectReference, name string) *simulator.Datastore {
	var candidates []types.ManagedObjectReference
	if dc != nil {
		if datacenter, ok := simulator.Map.Get(*dc).(*simulator.Datacenter); ok {
			candidates = datacenter.Datastore
		}
	}
	if candidates == nil {
		for _, obj := range simulator.Map.All("Datastore") {
			candidates = append(candidates, obj.Reference())
		}
	}
	for _, ref := range candidates {
		if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok && ds.Name == name {
			return ds
		}
	}
	return nil
}

// resolve maps "[datastore] path" to its datastore and local file.
func resolve(dc *types.ManagedObjectReference, name string) (*simulator.Datastore, string, types.BaseMethodFault) {
	var p object.DatastorePath
	if !p.FromString(name) {
		return nil, "", &types.InvalidDatastorePath{DatastorePath: name}
	}
	ds := findDatastore(dc, p.Datastore)
	if ds == nil {
		return nil, "", &types.InvalidDatastore{Name: p.Datastore}
	}
	return ds, path.Join(ds.Info.GetDatastoreInfo().Url, p.Path), nil
}

func fileNotFound(name string) types.BaseMethodFault {
	return &types.FileNotFound{FileFault: types.FileFault{File: name}}
}

func fileFault(name string, err error) types.BaseMethodFault {
	if os.IsNotExist(err) {
		return fileNotFound(name)
	}
	if os.IsExist(err) {
		return &types.FileAlreadyExists{FileFault: types.FileFault{File: name}}
	}
	return &types.CannotAccessFile{FileFault: types.FileFault{File: name}}
}

// loadDisk reads the descriptor of an existing disk.
func loadDisk(dc *types.ManagedObjectReference, name string) (*simulator.Datastore, string, *diskInfo, types.BaseMethodFault) {
	ds, file, fault := resolve(dc, name)
	if fault != nil {
		return nil, "", nil, fault
	}
	info, err := readDescriptor(file)
	if err != nil {
		return nil, "", nil, fileFault(name, err)
	}
	if info.extent == "" {
		return nil, "", nil, &types.FileFault{File: name}
	}
	return ds, file, info, nil
}

func diskTypeIsThin(diskType string) bool {
	return diskType == string(types.VirtualDiskTypeThin) || diskType == "sparse" || diskType == "flatMonolithic" ||
		diskType == "sparseMonolithic" || diskType == "seSparse"
}

// makeDisk writes a new descriptor and extent.
func makeDisk(file string, name string, sectors int64, thin bool, adapterType string) types.BaseMethodFault {
	if _, err := os.Stat(file); err == nil {
		return &types.FileAlreadyExists{FileFault: types.FileFault{File: name}}
	}
	if _, err := os.Stat(path.Dir(file)); err != nil {
		return fileNotFound(name)
	}
	if adapterType == "" {
		adapterType = string(types.VirtualDiskAdapterTypeBusLogic)
	}
	extent := flatName(file)
	if err := os.WriteFile(extent, nil, 0o600); err != nil {
		return fileFault(name, err)
	}
	if err := os.Truncate(extent, sectors*sectorSize); err != nil {
		_ = os.Remove(extent)
		return fileFault(name, err)
	}
	info := &diskInfo{sectors: sectors, uuid: newDiskUUID(), adapterType: adapterType, thin: thin, extent: path.Base(extent)}
	if err := writeDescriptor(file, info); err != nil {
		_ = os.Remove(extent)
		return fileFault(name, err)
	}
	return nil
}

func diskTask(m *diskManager, name string, run func() (types.AnyType, types.BaseMethodFault)) types.ManagedObjectReference {
	task := simulator.CreateTask(m, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		storageChanges.Lock()
		defer storageChanges.Unlock()
		result, fault := run()
		refreshAllSpace()
		return result, fault
	})
	return task.Run()
}

func (m *diskManager) CreateVirtualDiskTask(ctx *simulator.Context, req *types.CreateVirtualDisk_Task) soap.HasFault {
	ref := diskTask(m, "createVirtualDisk", func() (types.AnyType, types.BaseMethodFault) {
		_, file, fault := resolve(req.Datacenter, req.Name)
		if fault != nil {
			return nil, fault
		}
		spec, ok := req.Spec.(*types.FileBackedVirtualDiskSpec)
		if !ok || spec.CapacityKb <= 0 {
			return nil, &types.InvalidArgument{InvalidProperty: "spec.capacityKb"}
		}
		if fault := makeDisk(file, req.Name, spec.CapacityKb*2, diskTypeIsThin(spec.DiskType), spec.AdapterType); fault != nil {
			return nil, fault
		}
		return req.Name, nil
	})
	return &methods.CreateVirtualDisk_TaskBody{Res: &types.CreateVirtualDisk_TaskResponse{Returnval: ref}}
}

func (m *diskManager) CopyVirtualDiskTask(ctx *simulator.Context, req *types.CopyVirtualDisk_Task) soap.HasFault {
	ref := diskTask(m, "copyVirtualDisk", func() (types.AnyType, types.BaseMethodFault) {
		_, _, source, fault := loadDisk(req.SourceDatacenter, req.SourceName)
		if fault != nil {
			return nil, fault
		}
		dc := req.DestDatacenter
		if dc == nil {
			dc = req.SourceDatacenter
		}
		_, file, fault := resolve(dc, req.DestName)
		if fault != nil {
			return nil, fault
		}
		if req.Force != nil && *req.Force {
			_ = os.Remove(file)
			_ = os.Remove(flatName(file))
		}
		// Without a spec the copy is preallocated with a BusLogic adapter, as the API documents;
		// a vCenter refuses a spec (as the stock simulator does).
		thin, adapterType := false, string(types.VirtualDiskAdapterTypeBusLogic)
		if req.DestSpec != nil {
			if simulator.Map.IsVPX() {
				return nil, new(types.NotImplemented)
			}
			spec := req.DestSpec.GetVirtualDiskSpec()
			thin = diskTypeIsThin(spec.DiskType)
			if spec.AdapterType != "" {
				adapterType = spec.AdapterType
			}
		}
		if fault := makeDisk(file, req.DestName, source.sectors, thin, adapterType); fault != nil {
			return nil, fault
		}
		return req.DestName, nil
	})
	return &methods.CopyVirtualDisk_TaskBody{Res: &types.CopyVirtualDisk_TaskResponse{Returnval: ref}}
}

func (m *diskManager) DeleteVirtualDiskTask(ctx *simulator.Context, req *types.DeleteVirtualDisk_Task) soap.HasFault {
	ref := diskTask(m, "deleteVirtualDisk", func() (types.AnyType, types.BaseMethodFault) {
		_, file, fault := resolve(req.Datacenter, req.Name)
		if fault != nil {
			return nil, fault
		}
		if err := os.Remove(file); err != nil {
			return nil, fileFault(req.Name, err)
		}
		_ = os.Remove(flatName(file))
		return nil, nil
	})
	return &methods.DeleteVirtualDisk_TaskBody{Res: &types.DeleteVirtualDisk_TaskResponse{Returnval: ref}}
}

func (m *diskManager) ExtendVirtualDiskTask(ctx *simulator.Context, req *types.ExtendVirtualDisk_Task) soap.HasFault {
	ref := diskTask(m, "extendVirtualDisk", func() (types.AnyType, types.BaseMethodFault) {
		_, file, info, fault := loadDisk(req.Datacenter, req.Name)
		if fault != nil {
			return nil, fault
		}
		sectors := req.NewCapacityKb * 2
		if sectors < info.sectors {
			return nil, &types.InvalidArgument{InvalidProperty: "newCapacityKb"}
		}
		if err := os.Truncate(path.Join(path.Dir(file), info.extent), sectors*sectorSize); err != nil {
			return nil, fileFault(req.Name, err)
		}
		info.sectors = sectors
		if err := writeDescriptor(file, info); err != nil {
			return nil, fileFault(req.Name, err)
		}
		return nil, nil
	})
	return &methods.ExtendVirtualDisk_TaskBody{Res: &types.ExtendVirtualDisk_TaskResponse{Returnval: ref}}
}

func (m *diskManager) ZeroFillVirtualDiskTask(ctx *simulator.Context, req *types.ZeroFillVirtualDisk_Task) soap.HasFault {
	ref := diskTask(m, "zeroFillVirtualDisk", func() (types.AnyType, types.BaseMethodFault) {
		_, file, info, fault := loadDisk(req.Datacenter, req.Name)
		if fault != nil {
			return nil, fault
		}
		extent := path.Join(path.Dir(file), info.extent)
		if err := os.Truncate(extent, 0); err != nil {
			return nil, fileFault(req.Name, err)
		}
		if err := os.Truncate(extent, info.sectors*sectorSize); err != nil {
			return nil, fileFault(req.Name, err)
		}
		return nil, nil
	})
	return &methods.ZeroFillVirtualDisk_TaskBody{Res: &types.ZeroFillVirtualDisk_TaskResponse{Returnval: ref}}
}

func (m *diskManager) QueryVirtualDiskUuid(ctx *simulator.Context, req *types.QueryVirtualDiskUuid) soap.HasFault {
	body := new(methods.QueryVirtualDiskUuidBody)
	_, file, fault := resolve(req.Datacenter, req.Name)
	if fault == nil {
		info, err := readDescriptor(file)
		switch {
		case err != nil:
			fault = fileFault(req.Name, err)
		case info.uuid != "":
			body.Res = &types.QueryVirtualDiskUuidResponse{Returnval: info.uuid}
			return body
		default:
			// A disk the stock simulator made (an empty file): a UUID derived from its path.
			sum := md5.Sum([]byte(file))
			body.Res = &types.QueryVirtualDiskUuidResponse{Returnval: formatDiskUUID(sum[:])}
			return body
		}
	}
	body.Fault_ = simulator.Fault(fmt.Sprintf("File %s was not found", req.Name), fault)
	return body
}

func (m *diskManager) SetVirtualDiskUuid(ctx *simulator.Context, req *types.SetVirtualDiskUuid) soap.HasFault {
	body := new(methods.SetVirtualDiskUuidBody)
	storageChanges.Lock()
	defer storageChanges.Unlock()
	_, file, info, fault := loadDisk(req.Datacenter, req.Name)
	if fault == nil {
		raw, ok := parseUUID(req.Uuid)
		if !ok {
			fault = &types.InvalidArgument{InvalidProperty: "uuid"}
		} else {
			info.uuid = formatDiskUUID(raw)
			if err := writeDescriptor(file, info); err != nil {
				fault = fileFault(req.Name, err)
			}
		}
	}
	if fault != nil {
		body.Fault_ = simulator.Fault("", fault)
		return body
	}
	body.Res = new(types.SetVirtualDiskUuidResponse)
	return body
}

// Space accounting ------------------------------------------------------------

func allocatedBytes(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}

// fileUsage is what a file takes on the datastore; extents count through their descriptor.
func fileUsage(dir string, fi os.FileInfo) int64 {
	name := fi.Name()
	if strings.HasSuffix(name, "-flat.vmdk") {
		return 0
	}
	if strings.HasSuffix(name, ".vmdk") {
		info, err := readDescriptor(filepath.Join(dir, name))
		if err == nil && info.extent != "" {
			extent, err := os.Stat(filepath.Join(dir, info.extent))
			if err == nil {
				if info.thin {
					return fi.Size() + allocatedBytes(extent)
				}
				return fi.Size() + extent.Size()
			}
		}
	}
	return fi.Size()
}

func usedSpace(root string) int64 {
	var used int64
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			used += fileUsage(filepath.Dir(p), fi)
		}
		return nil
	})
	return used
}

func refreshSpace(ds *simulator.Datastore) {
	info := ds.Info.GetDatastoreInfo()
	free := datastoreVirtualCapacity - usedSpace(info.Url)
	if free < 0 {
		free = 0
	}
	simulator.Map.WithLock(ds, func() {
		if ds.Summary.Capacity == datastoreVirtualCapacity && ds.Summary.FreeSpace == free {
			return
		}
		now := time.Now()
		info.FreeSpace = free
		info.MaxFileSize = free
		info.MaxMemoryFileSize = free
		info.Timestamp = &now
		summary := ds.Summary
		summary.Capacity = datastoreVirtualCapacity
		summary.FreeSpace = free
		simulator.Map.Update(ds, []types.PropertyChange{{Name: "summary", Val: summary}})
	})
}

// followSpace keeps the free space current while other calls (VM creation,
// file uploads) change the datastores, as a host does every few seconds.
func followSpace(every time.Duration) {
	go func() {
		for range time.Tick(every) {
			storageChanges.Lock()
			refreshAllSpace()
			storageChanges.Unlock()
		}
	}()
}

func refreshAllSpace() {
	for _, obj := range simulator.Map.All("Datastore") {
		if ds, ok := obj.(*simulator.Datastore); ok {
			refreshSpace(ds)
		}
	}
}

// Datastore browser -----------------------------------------------------------

type fileSearch struct {
	spec    *types.HostDatastoreBrowserSearchSpec
	ds      *simulator.Datastore
	results []types.HostDatastoreBrowserSearchResults
}

func hasQuery(spec *types.HostDatastoreBrowserSearchSpec) bool { return len(spec.Query) > 0 }

func (s *fileSearch) matches(fi os.FileInfo) bool {
	name := fi.Name()
	if len(s.spec.MatchPattern) > 0 {
		matched := false
		for _, pattern := range s.spec.MatchPattern {
			if ok, _ := path.Match(pattern, name); ok {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if !hasQuery(s.spec) {
		return true
	}
	ext := strings.ToLower(path.Ext(name))
	for _, q := range s.spec.Query {
		switch q.(type) {
		case *types.FileQuery:
			return true
		case *types.FolderFileQuery:
			if fi.IsDir() {
				return true
			}
		case *types.VmDiskFileQuery:
			if !fi.IsDir() && ext == ".vmdk" && !strings.HasSuffix(name, "-flat.vmdk") {
				return true
			}
		case *types.IsoImageFileQuery:
			if !fi.IsDir() && ext == ".iso" {
				return true
			}
		case *types.FloppyImageFileQuery:
			if !fi.IsDir() && (ext == ".flp" || ext == ".img") {
				return true
			}
		case *types.VmConfigFileQuery:
			if !fi.IsDir() && ext == ".vmx" {
				return true
			}
		case *types.VmLogFileQuery:
			if !fi.IsDir() && ext == ".log" {
				return true
			}
		case *types.VmNvramFileQuery:
			if !fi.IsDir() && ext == ".nvram" {
				return true
			}
		}
	}
	return false
}

func (s *fileSearch) fileInfo(dir string, fi os.FileInfo) types.BaseFileInfo {
	details := s.spec.Details
	if details == nil {
		details = &types.FileQueryFlags{}
	}
	base := types.FileInfo{Path: fi.Name()}
	if details.FileSize {
		base.FileSize = fileUsage(dir, fi)
	}
	if details.Modification {
		mtime := fi.ModTime()
		base.Modification = &mtime
	}
	if fi.IsDir() {
		return &types.FolderFileInfo{FileInfo: base}
	}
	ext := strings.ToLower(path.Ext(fi.Name()))
	switch {
	case ext == ".vmdk" && !strings.HasSuffix(fi.Name(), "-flat.vmdk"):
		disk := &types.VmDiskFileInfo{FileInfo: base, DiskType: diskBackingType}
		if info, err := readDescriptor(filepath.Join(dir, fi.Name())); err == nil && info.extent != "" {
			disk.CapacityKb = info.sectors / 2
			disk.Thin = types.NewBool(info.thin)
			disk.ControllerType = controllerType(info.adapterType)
			disk.HardwareVersion = 14
		}
		return disk
	case !details.FileType && hasQuery(s.spec):
		return &base
	case ext == ".iso":
		return &types.IsoImageFileInfo{FileInfo: base}
	case ext == ".flp" || ext == ".img":
		return &types.FloppyImageFileInfo{FileInfo: base}
	case ext == ".vmx":
		return &types.VmConfigFileInfo{FileInfo: base}
	case ext == ".log":
		return &types.VmLogFileInfo{FileInfo: base}
	case ext == ".nvram":
		return &types.VmNvramFileInfo{FileInfo: base}
	}
	return &base
}

func controllerType(adapterType string) string {
	switch adapterType {
	case "ide":
		return "VirtualIDEController"
	case "lsilogic":
		return "VirtualLsiLogicController"
	case "lsilogicsas", "lsisas1068":
		return "VirtualLsiLogicSASController"
	case "pvscsi":
		return "ParaVirtualSCSIController"
	default:
		return "VirtualBusLogicController"
	}
}

func (s *fileSearch) search(folder, dir string, recurse bool) error {
	entries, err := ioutil.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	result := types.HostDatastoreBrowserSearchResults{Datastore: &s.ds.Self, FolderPath: folder}
	for _, fi := range entries {
		if s.matches(fi) {
			result.File = append(result.File, s.fileInfo(dir, fi))
		}
	}
	s.results = append(s.results, result)
	if recurse {
		for _, fi := range entries {
			if fi.IsDir() {
				child := strings.TrimSuffix(folder, "/")
				if strings.HasSuffix(child, "]") {
					child += " " + fi.Name()
				} else {
					child += "/" + fi.Name()
				}
				if err := s.search(child, filepath.Join(dir, fi.Name()), true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (b *datastoreBrowser) runSearch(task string, datastorePath string, spec *types.HostDatastoreBrowserSearchSpec, recurse bool) types.ManagedObjectReference {
	t := simulator.CreateTask(b, task, func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		var p object.DatastorePath
		if !p.FromString(datastorePath) {
			return nil, &types.InvalidDatastorePath{DatastorePath: datastorePath}
		}
		var ds *simulator.Datastore
		for _, ref := range b.Datastore {
			if candidate, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok && candidate.Name == p.Datastore {
				ds = candidate
			}
		}
		if ds == nil {
			return nil, &types.InvalidDatastore{Name: p.Datastore}
		}
		t.Info.Entity = &ds.Self
		t.Info.EntityName = ds.Name
		if spec == nil {
			spec = &types.HostDatastoreBrowserSearchSpec{}
		}
		search := &fileSearch{spec: spec, ds: ds}
		storageChanges.Lock()
		defer storageChanges.Unlock()
		refreshSpace(ds)
		if err := search.search(datastorePath, path.Join(ds.Info.GetDatastoreInfo().Url, p.Path), recurse); err != nil {
			if os.IsNotExist(err) {
				return nil, fileNotFound(p.Path)
			}
			return nil, &types.InvalidArgument{InvalidProperty: p.Path}
		}
		if recurse {
			return types.ArrayOfHostDatastoreBrowserSearchResults{HostDatastoreBrowserSearchResults: search.results}, nil
		}
		return search.results[0], nil
	})
	return t.Run()
}

func (b *datastoreBrowser) SearchDatastoreTask(req *types.SearchDatastore_Task) soap.HasFault {
	ref := b.runSearch("searchDatastore", req.DatastorePath, req.SearchSpec, false)
	return &methods.SearchDatastore_TaskBody{Res: &types.SearchDatastore_TaskResponse{Returnval: ref}}
}

func (b *datastoreBrowser) SearchDatastoreSubFoldersTask(req *types.SearchDatastoreSubFolders_Task) soap.HasFault {
	ref := b.runSearch("searchDatastoreSubFolders", req.DatastorePath, req.SearchSpec, true)
	return &methods.SearchDatastoreSubFolders_TaskBody{Res: &types.SearchDatastoreSubFolders_TaskResponse{Returnval: ref}}
}
