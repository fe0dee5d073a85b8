// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"net"
	"net/http"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// What a host reports that the stock model leaves unset, and guest facts as
// VMware Tools reports them:
//
//   - host.capability (nil in the stock model): maxSupportedVcpus and the
//     other limits of an ESXi 7.0 host, read by libvirt's domainGetMaxVcpus;
//   - POST <control>/guest?vm=NAME&hostname=H&ip=ADDR/PREFIX[&ip=...]
//     sets guest.hostName and the first NIC's guest.net entry (ipAddress and
//     ipConfig.ipAddress with prefix lengths, as Tools fills them), and
//     guest.ipAddress to the first address; no ip clears them.
func init() {
	extraControlHandlers[controlPath+"/guest"] = serveGuestControl
}

// ESXi 7.0's limits (configuration maximums).
const (
	hostMaxSupportedVcpus = 768
	hostMaxRunningVMs     = 1024
	hostMaxSupportedVMs   = 1024
)

func installHostCapabilities() {
	for _, obj := range simulator.Map.All("HostSystem") {
		host, ok := obj.(*simulator.HostSystem)
		if !ok {
			continue
		}
		simulator.Map.WithLock(host, func() {
			host.Capability = &types.HostCapability{
				MaxSupportedVcpus:        hostMaxSupportedVcpus,
				MaxRunningVMs:            hostMaxRunningVMs,
				MaxSupportedVMs:          hostMaxSupportedVMs,
				VmotionSupported:         true,
				StorageVMotionSupported:  types.NewBool(true),
				MaintenanceModeSupported: true,
			}
		})
	}
}

func serveGuestControl(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodPost) {
		return
	}
	query := r.URL.Query()
	name := query.Get("vm")
	var vm *simulator.VirtualMachine
	for _, obj := range simulator.Map.All("VirtualMachine") {
		if candidate, ok := obj.(*simulator.VirtualMachine); ok && candidate.Name == name {
			vm = candidate
		}
	}
	if vm == nil {
		writeError(w, http.StatusNotFound, "no VM named %q", name)
		return
	}
	var plain []string
	var configured []types.NetIpConfigInfoIpAddress
	for _, text := range query["ip"] {
		ip, network, err := net.ParseCIDR(text)
		if err != nil {
			writeError(w, http.StatusBadRequest, "ip=%s is not ADDRESS/PREFIX", text)
			return
		}
		prefix, _ := network.Mask.Size()
		plain = append(plain, ip.String())
		state := "preferred"
		if strings.HasPrefix(ip.String(), "fe80:") {
			state = "unknown"
		}
		configured = append(configured, types.NetIpConfigInfoIpAddress{IpAddress: ip.String(), PrefixLength: int32(prefix), State: state})
	}
	hostName := query.Get("hostname")
	simulator.Map.WithLock(vm, func() {
		guest := vm.Guest
		guest.HostName = hostName
		guest.IpAddress = ""
		if len(plain) > 0 {
			guest.IpAddress = plain[0]
		}
		if len(guest.Net) > 0 {
			guest.Net[0].IpAddress = plain
			guest.Net[0].IpConfig = nil
			if len(configured) > 0 {
				guest.Net[0].IpConfig = &types.NetIpConfigInfo{IpAddress: configured}
			}
		}
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "guest", Val: guest}})
		if vm.Summary.Guest != nil {
			vm.Summary.Guest.HostName = hostName
			vm.Summary.Guest.IpAddress = guest.IpAddress
		}
	})
	writeJSON(w, http.StatusOK, map[string]interface{}{"vm": name, "hostName": hostName, "ipAddress": plain})
}
