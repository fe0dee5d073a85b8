// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// iSCSI storage as a host reports it (libvirt's iSCSI storage backend reads
// it): a software iSCSI adapter (vmhba65) with static targets, and per target
// LUNs that are HostScsiDisk entries of config.storageDevice.scsiLun, linked
// to the target through config.storageDevice.scsiTopology. RescanHba of the
// host's storage system answers for a known adapter and refuses an unknown
// one with NotFound.
//
//	POST <control>/iscsi?host=NAME&target=IQN&address=ADDR[&port=3260][&luns=N][&size_mb=M]
//	    adds the target (and the adapter) on the host, with N LUNs of M MiB
//	POST <control>/iscsi?host=NAME&clear=1
//	    removes the adapter, its targets and LUNs
//
// The stock model shares one HostStorageDeviceInfo between all hosts; a host
// gets a copy of its own before it is changed.
func init() {
	extraControlHandlers[controlPath+"/iscsi"] = serveISCSIControl
	routedCalls["RescanHba"] = "HostStorageSystem"
}

const (
	iscsiDevice  = "vmhba65"
	iscsiHBAKey  = "key-vim.host.InternetScsiHba-" + iscsiDevice
	iscsiTopoKey = "key-vim.host.ScsiTopology.Interface-" + iscsiDevice
	lunBlockSize = 512
)

// ownStorageDevice gives the host a copy of its storage device info. The
// caller holds the host's lock.
func ownStorageDevice(host *simulator.HostSystem) *types.HostStorageDeviceInfo {
	shared := host.Config.StorageDevice
	own := &types.HostStorageDeviceInfo{}
	if shared != nil {
		*own = *shared
		own.HostBusAdapter = append([]types.BaseHostHostBusAdapter(nil), shared.HostBusAdapter...)
		own.ScsiLun = append([]types.BaseScsiLun(nil), shared.ScsiLun...)
		if shared.ScsiTopology != nil {
			topology := *shared.ScsiTopology
			topology.Adapter = append([]types.HostScsiTopologyInterface(nil), shared.ScsiTopology.Adapter...)
			own.ScsiTopology = &topology
		}
	}
	if own.ScsiTopology == nil {
		own.ScsiTopology = &types.HostScsiTopology{}
	}
	config := *host.Config
	config.StorageDevice = own
	host.Config = &config
	return own
}

func softwareAdapter(device *types.HostStorageDeviceInfo, host *simulator.HostSystem) *types.HostInternetScsiHba {
	for _, hba := range device.HostBusAdapter {
		if iscsi, ok := hba.(*types.HostInternetScsiHba); ok && iscsi.Device == iscsiDevice {
			return iscsi
		}
	}
	hba := &types.HostInternetScsiHba{
		HostHostBusAdapter: types.HostHostBusAdapter{
			Key: iscsiHBAKey, Device: iscsiDevice, Bus: 0, Status: "online", Model: "iSCSI Software Adapter",
			Driver: "iscsi_vmk", StorageProtocol: "scsi",
		},
		IsSoftwareBased: true,
		IScsiName:       "iqn.1998-01.com.vmware:" + strings.ToLower(host.Name),
	}
	device.HostBusAdapter = append(device.HostBusAdapter, hba)
	device.ScsiTopology.Adapter = append(device.ScsiTopology.Adapter,
		types.HostScsiTopologyInterface{Key: iscsiTopoKey, Adapter: iscsiHBAKey})
	return hba
}

func naaID(seed string) string {
	sum := md5.Sum([]byte("virt-esx-lun:" + seed))
	return fmt.Sprintf("naa.6%x", sum[:15])
}

func addTarget(host *simulator.HostSystem, iqn, address string, port int32, luns int, sizeMB int64) {
	device := ownStorageDevice(host)
	hba := softwareAdapter(device, host)
	for _, existing := range hba.ConfiguredStaticTarget {
		if existing.IScsiName == iqn {
			return
		}
	}
	hba.ConfiguredStaticTarget = append(hba.ConfiguredStaticTarget, types.HostInternetScsiHbaStaticTarget{
		Address: address, Port: port, IScsiName: iqn, DiscoveryMethod: "staticMethod"})
	var topology *types.HostScsiTopologyInterface
	for i := range device.ScsiTopology.Adapter {
		if device.ScsiTopology.Adapter[i].Key == iscsiTopoKey {
			topology = &device.ScsiTopology.Adapter[i]
		}
	}
	targetNumber := int32(len(topology.Target))
	target := types.HostScsiTopologyTarget{
		Key:       fmt.Sprintf("key-vim.host.ScsiTopology.Target-%s:0:%d", iscsiDevice, targetNumber),
		Target:    targetNumber,
		Transport: &types.HostInternetScsiTargetTransport{IScsiName: iqn, Address: []string{fmt.Sprintf("%s:%d", address, port)}},
	}
	for lun := 0; lun < luns; lun++ {
		id := naaID(fmt.Sprintf("%s/%d", iqn, lun))
		key := "key-vim.host.ScsiDisk-02000" + strconv.Itoa(lun) + "0000" + strings.TrimPrefix(id, "naa.")
		path := "/vmfs/devices/disks/" + id
		disk := &types.HostScsiDisk{
			ScsiLun: types.ScsiLun{
				HostDevice:       types.HostDevice{DeviceName: path, DeviceType: "disk"},
				Key:              key,
				Uuid:             "02000" + strconv.Itoa(lun) + "0000" + strings.TrimPrefix(id, "naa.") + "4c554e2020",
				CanonicalName:    id,
				DisplayName:      fmt.Sprintf("VIRTESX iSCSI Disk (%s)", id),
				LunType:          "disk",
				Vendor:           "VIRTESX ",
				Model:            "iSCSI LUN       ",
				OperationalState: []string{"ok"},
			},
			Capacity:   types.HostDiskDimensionsLba{BlockSize: lunBlockSize, Block: sizeMB * 1024 * 1024 / lunBlockSize},
			DevicePath: path,
			LocalDisk:  types.NewBool(false),
			Ssd:        types.NewBool(false),
		}
		device.ScsiLun = append(device.ScsiLun, disk)
		target.Lun = append(target.Lun, types.HostScsiTopologyLun{
			Key: fmt.Sprintf("key-vim.host.ScsiTopology.Lun-%s", key), Lun: int32(lun), ScsiLun: key})
	}
	topology.Target = append(topology.Target, target)
}

func clearISCSI(host *simulator.HostSystem) {
	device := ownStorageDevice(host)
	var adapters []types.BaseHostHostBusAdapter
	for _, hba := range device.HostBusAdapter {
		if hba.GetHostHostBusAdapter().Device != iscsiDevice {
			adapters = append(adapters, hba)
		}
	}
	device.HostBusAdapter = adapters
	dropped := map[string]bool{}
	var interfaces []types.HostScsiTopologyInterface
	for _, adapter := range device.ScsiTopology.Adapter {
		if adapter.Key != iscsiTopoKey {
			interfaces = append(interfaces, adapter)
			continue
		}
		for _, target := range adapter.Target {
			for _, lun := range target.Lun {
				dropped[lun.ScsiLun] = true
			}
		}
	}
	device.ScsiTopology.Adapter = interfaces
	var luns []types.BaseScsiLun
	for _, lun := range device.ScsiLun {
		if !dropped[lun.GetScsiLun().Key] {
			luns = append(luns, lun)
		}
	}
	device.ScsiLun = luns
}

func serveISCSIControl(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodPost) {
		return
	}
	query := r.URL.Query()
	name := query.Get("host")
	var host *simulator.HostSystem
	for _, obj := range simulator.Map.All("HostSystem") {
		if candidate, ok := obj.(*simulator.HostSystem); ok && candidate.Name == name {
			host = candidate
		}
	}
	if host == nil {
		writeError(w, http.StatusNotFound, "no host named %q", name)
		return
	}
	if query.Get("clear") == "1" {
		simulator.Map.WithLock(host, func() {
			clearISCSI(host)
			simulator.Map.Update(host, []types.PropertyChange{{Name: "config", Val: host.Config}})
		})
		writeJSON(w, http.StatusOK, map[string]string{"host": name, "iscsi": "cleared"})
		return
	}
	iqn, address := query.Get("target"), query.Get("address")
	if !strings.HasPrefix(iqn, "iqn.") || address == "" {
		writeError(w, http.StatusBadRequest, "give target=iqn.... and address=ADDR")
		return
	}
	port, luns, sizeMB := int64(3260), int64(1), int64(1024)
	for key, target := range map[string]*int64{"port": &port, "luns": &luns, "size_mb": &sizeMB} {
		if text := query.Get(key); text != "" {
			value, err := strconv.ParseInt(text, 10, 64)
			if err != nil || value <= 0 {
				writeError(w, http.StatusBadRequest, "%s=%s is not a positive number", key, text)
				return
			}
			*target = value
		}
	}
	simulator.Map.WithLock(host, func() {
		addTarget(host, iqn, address, int32(port), int(luns), sizeMB)
		simulator.Map.Update(host, []types.PropertyChange{{Name: "config", Val: host.Config}})
	})
	writeJSON(w, http.StatusOK, map[string]interface{}{"host": name, "target": iqn, "luns": luns})
}

// RescanHba of a host's storage system: the host's adapters are what its
// storage device info lists.
func (p *questionProxy) RescanHba(ctx *simulator.Context, req *types.RescanHba) soap.HasFault {
	for _, obj := range simulator.Map.All("HostSystem") {
		host, ok := obj.(*simulator.HostSystem)
		if !ok || host.ConfigManager.StorageSystem == nil || *host.ConfigManager.StorageSystem != p.target {
			continue
		}
		found := false
		simulator.Map.WithLock(host, func() {
			if host.Config != nil && host.Config.StorageDevice != nil {
				for _, hba := range host.Config.StorageDevice.HostBusAdapter {
					if hba.GetHostHostBusAdapter().Device == req.HbaDevice {
						found = true
					}
				}
			}
		})
		if found {
			return &methods.RescanHbaBody{Res: &types.RescanHbaResponse{}}
		}
		break
	}
	return &methods.RescanHbaBody{Fault_: simulator.Fault("The object or item referred to could not be found.",
		refusal("No host bus adapter "+req.HbaDevice, &types.NotFound{}))}
}
