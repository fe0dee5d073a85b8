// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// VM questions, which the stock simulator lacks.
//
// A VM is marked by the extraConfig key virtesx.question ("blocking" or
// "cancelable"; the last entry wins, as ReconfigVM only appends). Powering on
// a marked, powered-off VM starts a task that stays "running" while the VM
// asks the "moved or copied" question in runtime.question, until AnswerVM or
// (for "cancelable") CancelTask ends it.
//
// The simulator dispatches a SOAP call by reflection on the object registered
// under _this, and many of its code paths assert the concrete VM type, so the
// methods cannot live on a VM wrapper kept in the registry. Instead the front
// handler rewrites _this of the calls listed in routedCalls to a proxy object
// of our own (registered once per target) and rewrites the proxy's reference
// back in the answer. Sessions, locking, delays and fault encoding stay the
// simulator's.

const questionMarkerKey = "virtesx.question"

type questionMode string

const (
	questionNone       questionMode = "none"
	questionBlocking   questionMode = "blocking"
	questionCancelable questionMode = "cancelable"
)

// parseQuestionMode accepts the marker values; ok is false for anything else.
func parseQuestionMode(value string) (questionMode, bool) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "blocking":
		return questionBlocking, true
	case "cancelable", "cancellable":
		return questionCancelable, true
	case "none", "":
		return questionNone, true
	}
	return questionNone, false
}

// markedMode reads a VM's marker from its extraConfig; unknown values count as
// no marker. The caller holds the VM's lock.
func markedMode(vm *simulator.VirtualMachine) questionMode {
	mode := questionNone
	if vm.Config == nil {
		return mode
	}
	for _, option := range vm.Config.ExtraConfig {
		value := option.GetOptionValue()
		if !strings.EqualFold(value.Key, questionMarkerKey) {
			continue
		}
		text, _ := value.Value.(string)
		mode, _ = parseQuestionMode(text)
	}
	return mode
}

// The answers of the "moved or copied" question a host asks when a VM's
// configuration file has moved.
const (
	answerCancel = "0"
	answerMoved  = "1"
	answerCopied = "2"
)

const uuidAlteredText = "This virtual machine might have been moved or copied.\n" +
	"In order to configure certain management and networking features, VMware ESX needs to know " +
	"if this virtual machine was moved or copied.\n\nIf you don't know, answer \"I copied it\"."

func uuidAlteredQuestion(id string) *types.VirtualMachineQuestionInfo {
	choice := func(key, label string) types.BaseElementDescription {
		return &types.ElementDescription{Description: types.Description{Label: label, Summary: label}, Key: key}
	}
	return &types.VirtualMachineQuestionInfo{
		Id:   id,
		Text: uuidAlteredText,
		Choice: types.ChoiceOption{
			ChoiceInfo: []types.BaseElementDescription{
				choice(answerCancel, "Cancel"),
				choice(answerMoved, "I moved it"),
				choice(answerCopied, "I copied it"),
			},
			DefaultIndex: 2,
		},
		Message: []types.VirtualMachineMessage{{Id: "msg.uuid.altered", Text: uuidAlteredText}},
	}
}

func choiceKeys(question *types.VirtualMachineQuestionInfo) []string {
	var keys []string
	for _, c := range question.Choice.ChoiceInfo {
		element := c.GetElementDescription()
		keys = append(keys, fmt.Sprintf("%s (%s)", element.Key, element.Label))
	}
	return keys
}

func isChoice(question *types.VirtualMachineQuestionInfo, answer string) bool {
	for _, c := range question.Choice.ChoiceInfo {
		if c.GetElementDescription().Key == answer {
			return true
		}
	}
	return false
}

type pendingQuestion struct {
	vm       types.ManagedObjectReference
	task     *simulator.Task
	question *types.VirtualMachineQuestionInfo
	mode     questionMode
}

// questionBook holds the pending questions. Lock order: a VM's registry lock,
// then mu.
type questionBook struct {
	mu       sync.Mutex
	byVM     map[types.ManagedObjectReference]*pendingQuestion
	byTask   map[types.ManagedObjectReference]*pendingQuestion
	answered map[string]types.ManagedObjectReference // question id -> VM, once answered or canceled
	lastID   int
	proxies  map[types.ManagedObjectReference]bool
}

func newQuestionBook() *questionBook {
	return &questionBook{
		byVM:     map[types.ManagedObjectReference]*pendingQuestion{},
		byTask:   map[types.ManagedObjectReference]*pendingQuestion{},
		answered: map[string]types.ManagedObjectReference{},
		proxies:  map[types.ManagedObjectReference]bool{},
	}
}

func (b *questionBook) pendingForVM(vm types.ManagedObjectReference) *pendingQuestion {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byVM[vm]
}

func (b *questionBook) pendingForTask(task types.ManagedObjectReference) *pendingQuestion {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byTask[task]
}

func (b *questionBook) add(p *pendingQuestion) {
	b.mu.Lock()
	b.byVM[p.vm] = p
	b.byTask[p.task.Self] = p
	b.mu.Unlock()
}

func (b *questionBook) retire(p *pendingQuestion) {
	b.mu.Lock()
	delete(b.byVM, p.vm)
	delete(b.byTask, p.task.Self)
	b.answered[p.question.Id] = p.vm
	b.mu.Unlock()
}

func (b *questionBook) wasAnswered(id string, vm types.ManagedObjectReference) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	ref, ok := b.answered[id]
	return ok && ref == vm
}

func (b *questionBook) nextQuestionID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastID++
	return fmt.Sprintf("_vmx%d", b.lastID)
}

// routedCalls lists the calls served by a proxy: method -> type of _this.
var routedCalls = map[string]string{
	"PowerOnVM_Task":      "VirtualMachine",
	"AnswerVM":            "VirtualMachine",
	"CancelTask":          "Task",
	"PowerOnMultiVM_Task": "Datacenter",
}

const (
	proxyTypePrefix  = "VirtesxProxy"
	proxyValuePrefix = "virtesx-proxy-"
)

// route returns the proxy that serves call, registering it on first use. Calls
// on objects that do not exist stay with the simulator, which answers
// ManagedObjectNotFound.
func (b *questionBook) route(call *soapCall) (types.ManagedObjectReference, bool) {
	if want, ok := routedCalls[call.Method]; !ok || want != call.ThisType {
		return types.ManagedObjectReference{}, false
	}
	target := types.ManagedObjectReference{Type: call.ThisType, Value: call.ThisValue}
	if simulator.Map.Get(target) == nil {
		return types.ManagedObjectReference{}, false
	}
	proxyRef := types.ManagedObjectReference{Type: proxyTypePrefix + target.Type, Value: proxyValuePrefix + target.Value}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.proxies[proxyRef] {
		simulator.Map.Put(&questionProxy{Self: proxyRef, target: target, book: b})
		b.proxies[proxyRef] = true
	}
	return proxyRef, true
}

// restoreReferences turns proxy references in an answer back into the
// original ones (faults such as NotAuthenticated name _this).
func restoreReferences(body []byte) []byte {
	body = replaceAll(body, proxyTypePrefix, "")
	return replaceAll(body, proxyValuePrefix, "")
}

// questionProxy receives the routed calls for one VM, task or datacenter.
type questionProxy struct {
	// The simulator's scans of every registered object (FindByDatastorePath)
	// need an embedded mo type first.
	mo.ExtensibleManagedObject
	Self   types.ManagedObjectReference
	target types.ManagedObjectReference
	book   *questionBook
}

func (p *questionProxy) Reference() types.ManagedObjectReference { return p.Self }

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("The object '%s:%s' has already been deleted or has not been completely created",
		ref.Type, ref.Value), &types.ManagedObjectNotFound{Obj: ref})
}

// callAs runs a stock method as if the simulator had dispatched it to ref, so
// that its own ctx.WithLock(ref) calls see the lock as already held.
func callAs(ctx *simulator.Context, ref types.ManagedObjectReference, call func() soap.HasFault) soap.HasFault {
	saved := ctx.Caller
	ctx.Caller = &ref
	defer func() { ctx.Caller = saved }()
	return call()
}

func (p *questionProxy) PowerOnVMTask(ctx *simulator.Context, req *types.PowerOnVM_Task) soap.HasFault {
	vm, ok := simulator.Map.Get(p.target).(*simulator.VirtualMachine)
	if !ok {
		return &methods.PowerOnVM_TaskBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		res = p.book.powerOn(ctx, vm, req.Host)
	})
	return res
}

// powerOn powers vm on, or starts a task that waits for the VM's question if
// the VM is marked. The caller holds the VM's lock.
func (b *questionBook) powerOn(ctx *simulator.Context, vm *simulator.VirtualMachine, host *types.ManagedObjectReference) soap.HasFault {
	if pending := b.pendingForVM(vm.Self); pending != nil {
		return &methods.PowerOnVM_TaskBody{Fault_: simulator.Fault("Another task is already in progress.",
			&types.TaskInProgress{Task: pending.task.Self})}
	}
	mode := markedMode(vm)
	if mode == questionNone || vm.Config.Template || vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
		res := callAs(ctx, vm.Self, func() soap.HasFault {
			return vm.PowerOnVMTask(ctx, &types.PowerOnVM_Task{This: vm.Self, Host: host})
		})
		guestFollowsPower(vm)
		return res
	}

	task := simulator.CreateTask(vm, "powerOn", nil)
	question := uuidAlteredQuestion(b.nextQuestionID())
	simulator.Map.Update(task, []types.PropertyChange{
		// The WSDL method name, as a real server sends it: pyVim's WaitForTask
		// resolves it while the task runs (the stock "PowerOn" does not resolve).
		{Name: "info.name", Val: "PowerOnVM_Task"},
		{Name: "info.startTime", Val: time.Now()},
		{Name: "info.state", Val: types.TaskInfoStateRunning},
		{Name: "info.cancelable", Val: mode == questionCancelable},
	})
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "runtime.question", Val: question},
		{Name: "summary.runtime.question", Val: question},
	})
	b.add(&pendingQuestion{vm: vm.Self, task: task, question: question, mode: mode})

	return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: task.Self}}
}

func clearQuestion(vm *simulator.VirtualMachine) {
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "runtime.question", Val: nil},
		{Name: "summary.runtime.question", Val: nil},
	})
}

// completeTask ends a task that waited for a question: success without a
// fault, else error with the fault.
func completeTask(task *simulator.Task, fault types.BaseMethodFault, message string, canceled bool) {
	changes := []types.PropertyChange{{Name: "info.completeTime", Val: time.Now()}}
	if fault == nil {
		changes = append(changes, types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateSuccess})
	} else {
		changes = append(changes,
			types.PropertyChange{Name: "info.error", Val: &types.LocalizedMethodFault{Fault: fault, LocalizedMessage: message}},
			types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateError},
		)
	}
	if canceled {
		changes = append(changes, types.PropertyChange{Name: "info.cancelled", Val: true})
	}
	simulator.Map.Update(task, changes)
}

func (p *questionProxy) AnswerVM(ctx *simulator.Context, req *types.AnswerVM) soap.HasFault {
	vm, ok := simulator.Map.Get(p.target).(*simulator.VirtualMachine)
	if !ok {
		return &methods.AnswerVMBody{Fault_: notFound(p.target)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		res = p.book.answer(ctx, vm, req.QuestionId, req.AnswerChoice)
	})
	return res
}

// answer applies AnswerVM. The caller holds the VM's lock.
func (b *questionBook) answer(ctx *simulator.Context, vm *simulator.VirtualMachine, id, choice string) soap.HasFault {
	pending := b.pendingForVM(vm.Self)
	if pending == nil || pending.question.Id != id {
		if b.wasAnswered(id, vm.Self) {
			return &methods.AnswerVMBody{Fault_: simulator.Fault(
				fmt.Sprintf("The question %q of virtual machine %q has already been answered.", id, vm.Name),
				&types.ConcurrentAccess{})}
		}
		return &methods.AnswerVMBody{Fault_: simulator.Fault(
			fmt.Sprintf("A specified parameter was not correct: questionId (virtual machine %q has no pending question %q)", vm.Name, id),
			&types.InvalidArgument{InvalidProperty: "questionId"})}
	}
	if !isChoice(pending.question, choice) {
		return &methods.AnswerVMBody{Fault_: simulator.Fault(
			fmt.Sprintf("A specified parameter was not correct: answerChoice (%q is not one of %s)", choice,
				strings.Join(choiceKeys(pending.question), ", ")),
			&types.InvalidArgument{InvalidProperty: "answerChoice"})}
	}

	b.retire(pending)
	clearQuestion(vm)
	recordAnswer(vm, choice)

	if choice == answerCancel {
		completeTask(pending.task, &types.GenericVmConfigFault{Reason: "The operation was canceled by the user."},
			"The operation was canceled by the user.", false)
	} else {
		fault, message := b.powerOnNow(ctx, vm)
		completeTask(pending.task, fault, message, false)
	}
	return &methods.AnswerVMBody{Res: &types.AnswerVMResponse{}}
}

// powerOnNow powers vm on with the stock method (events, boot time, guest
// customization) and drops the stock method's own task, which a real host
// would not have: the question's task is the power-on task.
func (b *questionBook) powerOnNow(ctx *simulator.Context, vm *simulator.VirtualMachine) (types.BaseMethodFault, string) {
	res := callAs(ctx, vm.Self, func() soap.HasFault {
		return vm.PowerOnVMTask(ctx, &types.PowerOnVM_Task{This: vm.Self})
	})
	if f := res.Fault(); f != nil {
		fault, _ := f.VimFault().(types.BaseMethodFault)
		if fault == nil {
			fault = &types.SystemError{Reason: f.String}
		}
		return fault, f.String
	}
	ref := res.(*methods.PowerOnVM_TaskBody).Res.Returnval
	inner, ok := simulator.Map.Get(ref).(*simulator.Task)
	if !ok {
		return nil, ""
	}
	var fault types.BaseMethodFault
	var message string
	if inner.Info.Error != nil {
		fault, message = inner.Info.Error.Fault, inner.Info.Error.LocalizedMessage
	}
	forgetTask(ref)
	guestFollowsPower(vm)
	return fault, message
}

// forgetTask removes a task from the registry and from TaskManager.recentTask.
func forgetTask(ref types.ManagedObjectReference) {
	content := simulator.Map.Get(serviceInstanceRef).(*simulator.ServiceInstance).Content
	if content.TaskManager == nil {
		simulator.Map.Remove(ref)
		return
	}
	if manager, ok := simulator.Map.Get(*content.TaskManager).(*simulator.TaskManager); ok {
		simulator.Map.WithLock(manager, func() {
			var kept []types.ManagedObjectReference
			for _, r := range manager.RecentTask {
				if r != ref {
					kept = append(kept, r)
				}
			}
			simulator.Map.Update(manager, []types.PropertyChange{{Name: "recentTask", Val: kept}})
		})
	}
	simulator.Map.Remove(ref)
}

func (p *questionProxy) CancelTask(ctx *simulator.Context, req *types.CancelTask) soap.HasFault {
	task, ok := simulator.Map.Get(p.target).(*simulator.Task)
	if !ok {
		return &methods.CancelTaskBody{Fault_: notFound(p.target)}
	}
	pending := p.book.pendingForTask(task.Self)
	if pending == nil {
		// Stock tasks finish before the call that created them returns.
		return &methods.CancelTaskBody{Fault_: simulator.Fault("The task has already completed.", &types.InvalidState{})}
	}
	vm, ok := simulator.Map.Get(pending.vm).(*simulator.VirtualMachine)
	if !ok {
		return &methods.CancelTaskBody{Fault_: notFound(pending.vm)}
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() {
		res = p.book.cancel(vm, task)
	})
	return res
}

// cancel applies CancelTask to a task waiting for vm's question. The caller
// holds the VM's lock.
func (b *questionBook) cancel(vm *simulator.VirtualMachine, task *simulator.Task) soap.HasFault {
	pending := b.pendingForTask(task.Self)
	if pending == nil {
		return &methods.CancelTaskBody{Fault_: simulator.Fault("The task has already completed.", &types.InvalidState{})}
	}
	if pending.mode != questionCancelable {
		return &methods.CancelTaskBody{Fault_: simulator.Fault(
			fmt.Sprintf("The task %s cannot be canceled: powering on virtual machine %q waits for the answer to question %s.",
				task.Self.Value, vm.Name, pending.question.Id),
			&types.NotSupported{})}
	}
	b.retire(pending)
	clearQuestion(vm)
	completeTask(task, &types.RequestCanceled{}, "The task was canceled by a user.", true)
	return &methods.CancelTaskBody{Res: &types.CancelTaskResponse{}}
}

func (p *questionProxy) PowerOnMultiVMTask(ctx *simulator.Context, req *types.PowerOnMultiVM_Task) soap.HasFault {
	dc, ok := simulator.Map.Get(p.target).(*simulator.Datacenter)
	if !ok {
		return &methods.PowerOnMultiVM_TaskBody{Fault_: notFound(p.target)}
	}
	if simulator.Map.IsESX() {
		return callAs(ctx, dc.Self, func() soap.HasFault {
			stock := *req
			stock.This = dc.Self
			return dc.PowerOnMultiVMTask(ctx, &stock)
		})
	}

	task := simulator.CreateTask(dc, "powerOnMultiVM", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		result := &types.ClusterPowerOnVmResult{}
		for _, ref := range req.Vm {
			vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
			if !ok {
				result.NotAttempted = append(result.NotAttempted, types.ClusterNotAttemptedVmInfo{
					Vm:    ref,
					Fault: types.LocalizedMethodFault{Fault: &types.ManagedObjectNotFound{Obj: ref}, LocalizedMessage: "The object has already been deleted or has not been completely created"},
				})
				continue
			}
			var res soap.HasFault
			simulator.Map.WithLock(vm, func() {
				res = p.book.powerOn(ctx, vm, nil)
			})
			if f := res.Fault(); f != nil {
				fault, _ := f.VimFault().(types.BaseMethodFault)
				result.NotAttempted = append(result.NotAttempted, types.ClusterNotAttemptedVmInfo{
					Vm:    ref,
					Fault: types.LocalizedMethodFault{Fault: fault, LocalizedMessage: f.String},
				})
				continue
			}
			started := res.(*methods.PowerOnVM_TaskBody).Res.Returnval
			result.Attempted = append(result.Attempted, types.ClusterAttemptedVmInfo{Vm: ref, Task: &started})
		}
		return result, nil
	})
	return &methods.PowerOnMultiVM_TaskBody{Res: &types.PowerOnMultiVM_TaskResponse{Returnval: task.Run()}}
}
