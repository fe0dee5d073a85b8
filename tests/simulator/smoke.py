# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke test of the project's vSphere simulator (tests/simulator/vcsim-virt-esx).

Starts the simulator in vpx and esx mode and checks, through pyvmomi, what the
project's tests rely on: TLS with the generated CA, logins, properties, the
Fetch and task-entity fixes, VM questions with AnswerVM and CancelTask, the
request counter, idle session expiry and clean shutdown.

Run: /work/main/.venv/bin/python tests/simulator/smoke.py [--binary PATH] [--mode vpx|esx]
Exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import TaskBlocked, WaitForTask
from pyVmomi import vim, vmodl

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARY = os.path.join(HERE, "vcsim-virt-esx")
USER = "smoke-user"
PASSWORD = "smoke-pass"
MARKER = "virtesx.question"


class CheckFailed(Exception):
    pass


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print("ok    %s" % what, flush=True)
        else:
            self.failed.append(what)
            print("FAIL  %s" % what, flush=True)
            raise CheckFailed(what)

    def error(self, section, exc):
        what = "%s: unexpected %s: %s" % (section, type(exc).__name__, exc)
        self.failed.append(what)
        print("FAIL  %s" % what, flush=True)
        traceback.print_exc()


def state_root():
    """tmpfs keeps the simulator's datastore files off the disk and starts faster."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return None


class Simulator:
    """One simulator process, started with -ready-file and stopped with SIGTERM."""

    def __init__(self, binary, *args):
        self.workdir = tempfile.mkdtemp(prefix="vcsim-smoke-", dir=state_root())
        self.ready_file = os.path.join(self.workdir, "ready.json")
        self.stderr = open(os.path.join(self.workdir, "stderr.log"), "w+")
        command = [binary, "-dir", os.path.join(self.workdir, "state"), "-ready-file", self.ready_file] + list(args)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.stderr, universal_newlines=True)
        self.info = self._wait_ready()
        self.printed_url = self.process.stdout.readline().strip()

    def _wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.ready_file):
                with open(self.ready_file) as f:
                    return json.load(f)
            if self.process.poll() is not None:
                raise RuntimeError("simulator exited with %s: %s" % (self.process.returncode, self.log()))
            time.sleep(0.05)
        raise RuntimeError("simulator not ready after %ss" % timeout)

    def log(self):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def control(self, path, method="GET", context=None):
        request = urllib.request.Request(self.info["control_url"] + path, method=method)
        with urllib.request.urlopen(request, context=context or self.ca_context()) as response:
            return json.loads(response.read().decode("utf-8"))

    def ca_context(self):
        if not self.info["ca_file"]:
            return None
        return ssl.create_default_context(cafile=self.info["ca_file"])

    def connect(self, user=USER, password=PASSWORD, context=None, host=None, protocol="https"):
        kwargs = {"host": host or self.info["host"], "port": self.info["port"], "user": user, "pwd": password,
                  "protocol": protocol, "connectionPoolTimeout": -1}
        if protocol == "https":
            kwargs["sslContext"] = context or self.ca_context()
        return SmartConnect(**kwargs)

    def stop(self):
        """SIGTERM; returns (exit status, seconds to exit)."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self.process.stdout.close()
        return status, time.monotonic() - started

    def cleanup(self):
        self.stderr.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def expect_fault(call, fault_type):
    """Runs call; returns the fault it raised if it is a fault_type, else None."""
    try:
        call()
    except fault_type as fault:
        return fault
    except vmodl.MethodFault as fault:
        print("      (got %s: %s)" % (type(fault).__name__, getattr(fault, "msg", "")))
        return None
    return None


def wait_task(task, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = task.info
        if info.state in (vim.TaskInfo.State.success, vim.TaskInfo.State.error):
            return info
        time.sleep(0.05)
    raise RuntimeError("task %s still %s after %ss" % (task, task.info.state, timeout))


def vms_by_name(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return sorted(view.view, key=lambda vm: vm.name)
    finally:
        view.Destroy()


def retrieve(content, obj, obj_type, paths):
    """One RetrievePropertiesEx of paths on obj; returns {path: value}."""
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=obj, skip=False)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=paths, all=False)])
    result = content.propertyCollector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    values = {}
    for obj_content in result.objects:
        for prop in obj_content.propSet:
            values[prop.name] = prop.val
    return values


def set_marker(vm, mode):
    spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key=MARKER, value=mode)])
    wait_task(vm.ReconfigVM_Task(spec))


def power_off(vm):
    if vm.runtime.powerState != vim.VirtualMachinePowerState.poweredOff:
        wait_task(vm.PowerOffVM_Task())


def check_startup(r, sim, mode):
    info = sim.info
    r.check(info["mode"] == mode and info["pid"] == sim.process.pid, "%s: ready file names the mode and pid" % mode)
    r.check(info["url"] == "https://127.0.0.1:%d/sdk" % info["port"] and info["host"] == "127.0.0.1",
            "%s: ready file url %s" % (mode, info["url"]))
    r.check(info["control_url"] == "https://127.0.0.1:%d/virtesx" % info["port"], "%s: control_url %s" % (mode, info["control_url"]))
    r.check(sim.printed_url == info["url"], "%s: the URL is printed on stdout" % mode)
    r.check(os.path.isfile(info["ca_file"]), "%s: ca_file exists" % mode)
    print("      startup %.2fs, %d VMs" % (info["startup_seconds"], info["vms"]))


def check_tls(r, sim, mode):
    try:
        from cryptography import x509  # pylint: disable=import-outside-toplevel
        pem = ssl.get_server_certificate((sim.info["host"], sim.info["port"]))
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        r.check(cert.public_key().key_size == 2048, "%s: server key is 2048-bit RSA" % mode)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        r.check("localhost" in names.get_values_for_type(x509.DNSName)
                and "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)],
                "%s: certificate names localhost and 127.0.0.1" % mode)
    except ImportError:
        print("      (cryptography missing: key size not checked)")

    si = sim.connect()
    r.check(si.CurrentTime() is not None, "%s: pyvmomi connects verifying the certificate with ca_file" % mode)
    Disconnect(si)
    si = sim.connect(host="localhost")
    r.check(si.content.about.name != "", "%s: verification also passes for the name localhost" % mode)
    Disconnect(si)
    try:
        sim.connect(context=ssl.create_default_context())
        r.check(False, "%s: default verification without the CA must fail" % mode)
    except ssl.SSLError as exc:
        r.check("CERTIFICATE_VERIFY_FAILED" in str(exc), "%s: default verification without the CA fails: %s" % (mode, exc))
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    si = sim.connect(context=unverified)
    r.check(si.CurrentTime() is not None, "%s: pyvmomi connects with verification off" % mode)
    Disconnect(si)


def check_login(r, sim, mode):
    fault = expect_fault(lambda: sim.connect(password="wrong"), vim.fault.InvalidLogin)
    r.check(fault is not None, "%s: a wrong password gives vim.fault.InvalidLogin" % mode)
    fault = expect_fault(lambda: sim.connect(user="someone-else"), vim.fault.InvalidLogin)
    r.check(fault is not None, "%s: another user gives vim.fault.InvalidLogin" % mode)


def check_properties(r, content, mode):
    about = content.about
    r.check(about.apiType == ("VirtualCenter" if mode == "vpx" else "HostAgent"), "%s: about.apiType is %s" % (mode, about.apiType))
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    hosts = list(view.view)
    view.Destroy()
    r.check(len(hosts) == (4 if mode == "vpx" else 1), "%s: %d hosts in the default model" % (mode, len(hosts)))
    host = hosts[0]
    values = retrieve(content, host, vim.HostSystem, ["name", "summary.hardware.memorySize", "runtime.connectionState"])
    r.check(values.get("name") and values.get("summary.hardware.memorySize", 0) > 0 and values.get("runtime.connectionState") == "connected",
            "%s: host properties via RetrievePropertiesEx (%s)" % (mode, values.get("name")))
    vms = vms_by_name(content)
    r.check(len(vms) == (4 if mode == "vpx" else 2), "%s: %d VMs in the default model" % (mode, len(vms)))
    vm = vms[0]
    values = retrieve(content, vm, vim.VirtualMachine, ["name", "config.guestId", "runtime.powerState", "config.hardware.numCPU"])
    r.check(values.get("name") == vm.name and values.get("config.guestId") and values.get("runtime.powerState") == "poweredOn",
            "%s: VM properties via RetrievePropertiesEx (%s, %s)" % (mode, values.get("name"), values.get("config.guestId")))
    r.check(vm.config.hardware.numCPU >= 1 and vm.runtime.host is not None, "%s: VM properties via pyvmomi accessors" % mode)


def check_fetch_fix(r, content, mode):
    vm = vms_by_name(content)[0]
    r.check(vm.snapshot is None, "%s: reading the unset vm.snapshot gives None (Fetch fix)" % mode)
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    host = view.view[0]
    view.Destroy()
    network_system = host.configManager.networkSystem
    r.check(network_system.networkConfig is None, "%s: reading the unset networkSystem.networkConfig gives None" % mode)
    r.check(network_system.networkInfo is not None, "%s: the connection survives; set properties still read" % mode)


def check_task_entities(r, content, mode):
    datacenter = content.rootFolder.childEntity[0]
    file_manager = content.fileManager
    directory = "[LocalDS_0] smoke-%s" % mode
    file_manager.MakeDirectory(name=directory, datacenter=datacenter, createParentDirectories=True)
    info = wait_task(file_manager.DeleteDatastoreFile_Task(name=directory, datacenter=datacenter))
    r.check(info.state == "success" and info.entity is None, "%s: FileManager task: info readable, entity unset" % mode)

    disk_spec = vim.VirtualDiskManager.FileBackedVirtualDiskSpec(diskType="thin", adapterType="lsiLogic", capacityKb=1024)
    info = wait_task(content.virtualDiskManager.CreateVirtualDisk_Task(
        name="[LocalDS_0] smoke-%s.vmdk" % mode, datacenter=datacenter, spec=disk_spec))
    r.check(info.state == "success" and info.entity is None, "%s: VirtualDiskManager task: info readable, entity unset" % mode)

    vm = vms_by_name(content)[-1]
    info = wait_task(vm.CreateSnapshot_Task(name="smoke", memory=False, quiesce=False))
    r.check(info.state == "success" and info.entity == vm and info.entityName == vm.name,
            "%s: snapshot creation task names the VM %s" % (mode, info.entityName))
    snapshot = info.result
    info = wait_task(snapshot.RemoveSnapshot_Task(removeChildren=False))
    r.check(info.state == "success" and info.entity == vm, "%s: snapshot removal task names the snapshot's VM, not the snapshot" % mode)


def question_of(vm):
    return vm.runtime.question


def check_questions(r, sim, content, mode):
    vm, other = vms_by_name(content)[:2]

    # blocking marker via ReconfigVM extraConfig; answered with the default choice
    power_off(vm)
    set_marker(vm, "blocking")
    task = vm.PowerOnVM_Task()
    info = task.info
    r.check(info.state == "running" and info.cancelable is False, "%s: blocking: power-on task stays running, not cancelable" % mode)
    question = question_of(vm)
    r.check(question is not None and question.id.startswith("_vmx"), "%s: vm.runtime.question is set (%s)" % (mode, question and question.id))
    labels = [(c.key, c.label) for c in question.choice.choiceInfo]
    r.check(labels == [("0", "Cancel"), ("1", "I moved it"), ("2", "I copied it")] and question.choice.defaultIndex == 2,
            "%s: question choices %s, default index 2" % (mode, labels))
    r.check("moved or copied" in question.text and question.message[0].id == "msg.uuid.altered", "%s: question text and message id" % mode)
    values = retrieve(content, vm, vim.VirtualMachine, ["runtime.question", "summary.runtime.question", "runtime.powerState"])
    r.check(values.get("runtime.question") is not None and values["runtime.question"].id == question.id
            and values.get("summary.runtime.question") is not None,
            "%s: runtime.question via RetrievePropertiesEx" % mode)
    r.check(values.get("runtime.powerState") == "poweredOff", "%s: the VM stays powered off while it asks" % mode)
    status = sim.control("/question?moid=%s" % vm._moId)  # pylint: disable=protected-access
    r.check(status["vms"][0]["pending_question"]["id"] == question.id, "%s: the control endpoint shows the pending question" % mode)

    try:
        WaitForTask(task)
        blocked = False
    except TaskBlocked:
        blocked = True
    r.check(blocked, "%s: pyVim's WaitForTask sees the question (TaskBlocked)" % mode)

    fault = expect_fault(task.CancelTask, vmodl.fault.NotSupported)
    r.check(fault is not None, "%s: CancelTask of a blocking question's task: NotSupported (%s)" % (mode, fault and fault.msg))
    r.check(question_of(vm) is not None and task.info.state == "running", "%s: after the refused cancel the question stays" % mode)
    fault = expect_fault(vm.PowerOnVM_Task, vim.fault.TaskInProgress)
    r.check(fault is not None and fault.task == task, "%s: another power-on meanwhile: TaskInProgress naming the task" % mode)
    fault = expect_fault(lambda: vm.AnswerVM(questionId="_vmx0", answerChoice="2"), vmodl.fault.InvalidArgument)
    r.check(fault is not None, "%s: AnswerVM with a wrong question id: InvalidArgument" % mode)
    fault = expect_fault(lambda: vm.AnswerVM(questionId=question.id, answerChoice="7"), vmodl.fault.InvalidArgument)
    r.check(fault is not None, "%s: AnswerVM with an unknown choice: InvalidArgument" % mode)

    default = question.choice.choiceInfo[question.choice.defaultIndex].key
    vm.AnswerVM(questionId=question.id, answerChoice=default)
    info = wait_task(task)
    r.check(info.state == "success" and info.error is None, "%s: AnswerVM with the default choice: task success" % mode)
    r.check(vm.runtime.powerState == "poweredOn" and question_of(vm) is None, "%s: the VM is powered on, the question gone" % mode)
    fault = expect_fault(lambda: vm.AnswerVM(questionId=question.id, answerChoice=default), vim.fault.ConcurrentAccess)
    r.check(fault is not None, "%s: answering the same question again: ConcurrentAccess" % mode)

    # the marker persists: the next power-on asks again; "Cancel" fails the task
    power_off(vm)
    task = vm.PowerOnVM_Task()
    second = question_of(vm)
    r.check(second is not None and second.id != question.id, "%s: the next power-on asks again (%s)" % (mode, second and second.id))
    vm.AnswerVM(questionId=second.id, answerChoice="0")
    info = wait_task(task)
    r.check(info.state == "error" and isinstance(info.error, vim.fault.GenericVmConfigFault) and info.error.msg,
            "%s: answering Cancel fails the task: %s" % (mode, info.error and info.error.msg))
    r.check(vm.runtime.powerState == "poweredOff" and question_of(vm) is None, "%s: after Cancel the VM stays off, no question" % mode)

    # cancelable marker (appended: the last entry wins) and CancelTask
    set_marker(vm, "cancelable")
    task = vm.PowerOnVM_Task()
    r.check(task.info.state == "running" and task.info.cancelable is True, "%s: cancelable: task running and cancelable" % mode)
    task.CancelTask()
    info = wait_task(task)
    r.check(info.state == "error" and isinstance(info.error, vmodl.fault.RequestCanceled) and info.cancelled is True,
            "%s: CancelTask ends the task with RequestCanceled: %s" % (mode, info.error and info.error.msg))
    r.check(vm.runtime.powerState == "poweredOff" and question_of(vm) is None, "%s: after CancelTask the VM stays off, no question" % mode)
    fault = expect_fault(task.CancelTask, vim.fault.InvalidState)
    r.check(fault is not None, "%s: cancelling a finished task: InvalidState" % mode)

    if mode == "vpx":
        datacenter = content.rootFolder.childEntity[0]
        info = wait_task(datacenter.PowerOnMultiVM_Task(vm=[vm]))
        attempted = info.result.attempted if info.result else []
        inner = attempted[0].task if attempted else None
        r.check(inner is not None and inner.info.state == "running" and question_of(vm) is not None,
                "%s: PowerOnMultiVM of a marked VM: its power-on task waits for the question" % mode)
        inner.CancelTask()
        r.check(wait_task(inner).state == "error", "%s: that task is cancelable too" % mode)

    set_marker(vm, "none")
    info = wait_task(vm.PowerOnVM_Task())
    r.check(info.state == "success" and vm.runtime.powerState == "poweredOn", "%s: marker 'none': plain power-on" % mode)

    # marking through the control endpoint
    power_off(other)
    marked = sim.control("/question?vm=%s&mode=blocking" % urllib.request.quote(other.name), method="POST")
    r.check(marked["vms"][0]["mode"] == "blocking", "%s: control endpoint marks %s" % (mode, other.name))
    keys = [(o.key, o.value) for o in other.config.extraConfig if o.key == MARKER]
    r.check(keys == [(MARKER, "blocking")], "%s: the mark is visible in config.extraConfig" % mode)
    task = other.PowerOnVM_Task()
    question = question_of(other)
    r.check(task.info.state == "running" and question is not None, "%s: control-marked VM asks on power-on" % mode)
    sim.control("/question?vm=%s&mode=none" % urllib.request.quote(other.name), method="POST")
    r.check(question_of(other) is not None, "%s: unmarking leaves the pending question" % mode)
    other.AnswerVM(questionId=question.id, answerChoice="1")
    r.check(wait_task(task).state == "success" and other.runtime.powerState == "poweredOn", "%s: answer 'I moved it' powers on" % mode)
    power_off(other)
    info = wait_task(other.PowerOnVM_Task())
    r.check(info.state == "success" and question_of(other) is None, "%s: unmarked VM powers on without a question" % mode)


def check_counters(r, sim, si, mode):
    reset = sim.control("/counters/reset", method="POST")
    r.check(reset["total"] == 0 and reset["methods"] == {}, "%s: counters reset to zero" % mode)
    si.CurrentTime()
    si.CurrentTime()
    content = si.RetrieveContent()
    r.check(content.about.version != "", "%s: RetrieveServiceContent answered" % mode)
    counters = sim.control("/counters")
    methods = counters["methods"]
    r.check(methods.get("CurrentTime") == 2, "%s: counter counts CurrentTime twice (%s)" % (mode, methods))
    r.check(counters["total"] == sum(methods.values()) and counters["total"] >= 3, "%s: total %d = sum of methods" % (mode, counters["total"]))
    r.check(counters["bytes_in"] > 0 and counters["bytes_out"] > counters["bytes_in"] / 10, "%s: bytes in %d, out %d" % (
        mode, counters["bytes_in"], counters["bytes_out"]))
    sim.control("/counters/reset", method="POST")
    r.check(sim.control("/counters")["total"] == 0, "%s: counters read zero after a reset" % mode)


def check_idle_timeout_http_delay(r, binary, mode):
    sim = Simulator(binary, "-mode", mode, "-http", "-idle-timeout", "1s", "-delay", "50ms", "-vms", "1")
    try:
        r.check(sim.info["url"].startswith("http://") and sim.info["ca_file"] == "", "%s: -http serves plain HTTP" % mode)
        si = sim.connect(protocol="http")
        r.check(si.CurrentTime() is not None, "%s: pyvmomi works over plain HTTP" % mode)
        started = time.monotonic()
        for _call in range(4):
            si.CurrentTime()
        elapsed = time.monotonic() - started
        r.check(elapsed >= 0.2, "%s: -delay 50ms: 4 calls took %.3fs" % (mode, elapsed))
        time.sleep(3)
        fault = expect_fault(si.CurrentTime, vim.fault.NotAuthenticated)
        r.check(fault is not None, "%s: after -idle-timeout 1s and 3s idle: NotAuthenticated" % mode)
        si = sim.connect(protocol="http")
        r.check(si.CurrentTime() is not None, "%s: a new login works again" % mode)
    finally:
        sim.stop()
        sim.cleanup()


def check_shutdown(r, sim, mode):
    status, seconds = sim.stop()
    r.check(status == 0, "%s: SIGTERM: exit status 0 after %.2fs" % (mode, seconds))
    r.check(not os.path.exists(sim.ready_file), "%s: the ready file is removed at exit" % mode)
    datastores = os.path.join(sim.workdir, "state", "datastores")
    r.check(not os.path.isdir(datastores) or os.listdir(datastores) == [], "%s: datastore directories are removed at exit" % mode)


def run_mode(r, binary, mode):
    print("== %s mode" % mode, flush=True)
    sim = Simulator(binary, "-mode", mode, "-username", USER, "-password", PASSWORD)
    si = None
    try:
        sections = [
            ("startup", lambda: check_startup(r, sim, mode)),
            ("tls", lambda: check_tls(r, sim, mode)),
            ("login", lambda: check_login(r, sim, mode)),
        ]
        for name, section in sections:
            run_section(r, mode, name, section)
        si = sim.connect()
        content = si.RetrieveContent()
        for name, section in [
            ("properties", lambda: check_properties(r, content, mode)),
            ("fetch", lambda: check_fetch_fix(r, content, mode)),
            ("task entities", lambda: check_task_entities(r, content, mode)),
            ("questions", lambda: check_questions(r, sim, content, mode)),
            ("counters", lambda: check_counters(r, sim, si, mode)),
        ]:
            run_section(r, mode, name, section)
    except Exception as exc:  # pylint: disable=broad-except
        r.error("%s setup" % mode, exc)
    finally:
        if si is not None:
            try:
                Disconnect(si)
            except Exception:  # pylint: disable=broad-except
                pass
        run_section(r, mode, "shutdown", lambda: check_shutdown(r, sim, mode))
        if r.failed:
            print("---- simulator log (%s) ----\n%s" % (mode, sim.log()))
        sim.cleanup()
    run_section(r, mode, "idle timeout", lambda: check_idle_timeout_http_delay(r, binary, mode))


def run_section(r, mode, name, section):
    try:
        section()
    except CheckFailed:
        pass
    except Exception as exc:  # pylint: disable=broad-except
        r.error("%s %s" % (mode, name), exc)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=DEFAULT_BINARY, help="simulator binary (default: %(default)s)")
    parser.add_argument("--mode", choices=["vpx", "esx"], action="append", help="mode to test (default: both)")
    args = parser.parse_args(argv)
    if not os.access(args.binary, os.X_OK):
        print("simulator binary %s missing: run tests/simulator/build.sh first" % args.binary, file=sys.stderr)
        return 2
    report = Report()
    for mode in args.mode or ["vpx", "esx"]:
        run_mode(report, args.binary, mode)
    print("== %d checks passed, %d failed" % (report.passed, len(report.failed)))
    for what in report.failed:
        print("   failed: %s" % what)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
