// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// The control endpoints under <control_url> let tests steer the simulator
// without a vSphere session. They are served only on the loopback listener.

func newControlHandler(questions *questionBook, counter *requestCounter) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(controlPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]interface{}{
			"endpoints": []string{
				"GET " + controlPath + "/counters",
				"POST " + controlPath + "/counters/reset",
				"GET " + controlPath + "/question?vm=NAME|moid=ID",
				"POST " + controlPath + "/question?vm=NAME|moid=ID&mode=blocking|cancelable|none",
			},
		})
	})
	mux.HandleFunc(controlPath+"/counters", func(w http.ResponseWriter, r *http.Request) {
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, counter.snapshot())
	})
	mux.HandleFunc(controlPath+"/counters/reset", func(w http.ResponseWriter, r *http.Request) {
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		counter.reset()
		writeJSON(w, http.StatusOK, counter.snapshot())
	})
	mux.HandleFunc(controlPath+"/question", func(w http.ResponseWriter, r *http.Request) {
		serveQuestionControl(w, r, questions)
	})
	for path, handler := range extraControlHandlers {
		mux.HandleFunc(path, handler)
	}
	return mux
}

// extraControlHandlers: control endpoints that other files of the program
// register in their init (path -> handler).
var extraControlHandlers = map[string]http.HandlerFunc{}

func writeJSON(w http.ResponseWriter, status int, value interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	_ = encoder.Encode(value)
}

func writeError(w http.ResponseWriter, status int, format string, args ...interface{}) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func allowMethod(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, "use %s", strings.Join(methods, " or "))
	return false
}

// findVMs returns the VMs named by the query: moid=<moref value> or
// vm=<name> (names are not unique in the simulator: all matches count).
func findVMs(r *http.Request) ([]*simulator.VirtualMachine, error) {
	query := r.URL.Query()
	moid, name := query.Get("moid"), query.Get("vm")
	if (moid == "") == (name == "") {
		return nil, fmt.Errorf("give either vm=<name> or moid=<managed object id>")
	}
	if moid != "" {
		vm, ok := simulator.Map.Get(types.ManagedObjectReference{Type: "VirtualMachine", Value: moid}).(*simulator.VirtualMachine)
		if !ok {
			return nil, nil
		}
		return []*simulator.VirtualMachine{vm}, nil
	}
	var found []*simulator.VirtualMachine
	for _, entity := range simulator.Map.All("VirtualMachine") {
		if vm, ok := entity.(*simulator.VirtualMachine); ok && vm.Name == name {
			found = append(found, vm)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Self.Value < found[j].Self.Value })
	return found, nil
}

type questionStatus struct {
	VM       string             `json:"vm"`
	Moid     string             `json:"moid"`
	Mode     questionMode       `json:"mode"`
	Question *pendingQuestionJS `json:"pending_question"`
}

type pendingQuestionJS struct {
	ID   string `json:"id"`
	Task string `json:"task"`
	Mode string `json:"mode"`
}

func serveQuestionControl(w http.ResponseWriter, r *http.Request, questions *questionBook) {
	if !allowMethod(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	vms, err := findVMs(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if len(vms) == 0 {
		writeError(w, http.StatusNotFound, "no such virtual machine")
		return
	}
	var mode questionMode
	if r.Method == http.MethodPost {
		var ok bool
		mode, ok = parseQuestionMode(r.URL.Query().Get("mode"))
		if !ok || r.URL.Query().Get("mode") == "" {
			writeError(w, http.StatusBadRequest, "mode must be blocking, cancelable or none")
			return
		}
	}

	var statuses []questionStatus
	for _, vm := range vms {
		simulator.Map.WithLock(vm, func() {
			if r.Method == http.MethodPost {
				setMarker(vm, mode)
			}
			status := questionStatus{VM: vm.Name, Moid: vm.Self.Value, Mode: markedMode(vm)}
			if pending := questions.pendingForVM(vm.Self); pending != nil {
				status.Question = &pendingQuestionJS{ID: pending.question.Id, Task: pending.task.Self.Value, Mode: string(pending.mode)}
			}
			statuses = append(statuses, status)
		})
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"vms": statuses})
}

// setMarker writes the marker into the VM's extraConfig, replacing any earlier
// entry, as a ReconfigVM that could replace keys would. A pending question is
// not affected. The caller holds the VM's lock.
func setMarker(vm *simulator.VirtualMachine, mode questionMode) {
	var kept []types.BaseOptionValue
	for _, option := range vm.Config.ExtraConfig {
		if !strings.EqualFold(option.GetOptionValue().Key, questionMarkerKey) {
			kept = append(kept, option)
		}
	}
	if mode != questionNone {
		kept = append(kept, &types.OptionValue{Key: questionMarkerKey, Value: string(mode)})
	}
	simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.extraConfig", Val: kept}})
}
