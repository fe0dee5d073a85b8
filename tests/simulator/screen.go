// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// The console screenshot endpoint of a host (and of a vCenter), as libvirt's
// domainScreenshot reads it: GET /screen?id=<VM moid> with the session cookie
// answers the VM's console as a PNG. As on a real server: no cookie is 401,
// an unknown id 404, a VM that is not powered on 409 (a powered-off VM has
// no console). The picture is a 720x400 text-mode console whose colours come
// from the VM's name and whose cursor row follows its boot time, so two VMs,
// or the same VM after a reboot, give different images.
const screenWidth, screenHeight = 720, 400

func serveScreen(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/screen" {
		return false
	}
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return true
	}
	if cookie, err := r.Cookie("vmware_soap_session"); err != nil || cookie.Value == "" {
		http.Error(w, "not authenticated", http.StatusUnauthorized)
		return true
	}
	id := r.URL.Query().Get("id")
	vm, ok := simulator.Map.Get(types.ManagedObjectReference{Type: "VirtualMachine", Value: id}).(*simulator.VirtualMachine)
	if !ok {
		http.Error(w, "no virtual machine with id "+strconv.Quote(id), http.StatusNotFound)
		return true
	}
	var name string
	var powerState types.VirtualMachinePowerState
	var boot int64
	simulator.Map.WithLock(vm, func() {
		name, powerState = vm.Name, vm.Runtime.PowerState
		if vm.Runtime.BootTime != nil {
			boot = vm.Runtime.BootTime.UnixNano()
		}
	})
	if powerState != types.VirtualMachinePowerStatePoweredOn {
		http.Error(w, "the virtual machine is "+string(powerState)+": it has no console to capture", http.StatusConflict)
		return true
	}
	var encoded bytes.Buffer
	if err := png.Encode(&encoded, consoleImage(name, boot)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return true
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(encoded.Len()))
	_, _ = w.Write(encoded.Bytes())
	return true
}

func consoleImage(name string, boot int64) image.Image {
	hash := fnv.New32a()
	_, _ = hash.Write([]byte(name))
	sum := hash.Sum32()
	background := color.RGBA{R: uint8(sum), G: uint8(sum >> 8), B: uint8(sum >> 16), A: 255}
	foreground := color.RGBA{R: 255 - background.R, G: 255 - background.G, B: 255 - background.B, A: 255}
	picture := image.NewRGBA(image.Rect(0, 0, screenWidth, screenHeight))
	const cell = 16
	cursorRow := int(uint64(boot)%uint64(screenHeight/cell)) * cell
	for y := 0; y < screenHeight; y++ {
		for x := 0; x < screenWidth; x++ {
			c := background
			// A "prompt" line of the name's bits, and the cursor block.
			if y >= cursorRow && y < cursorRow+cell && x < cell*(1+int(sum%32)) && (x/cell)%2 == 0 {
				c = foreground
			}
			picture.SetRGBA(x, y, c)
		}
	}
	return picture
}
