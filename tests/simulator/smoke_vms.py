# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke test of the simulator's VM features (vmx.go, vmcalls.go, register.go,
autostart.go, files.go): real .vmx files kept current, RegisterVM from an
uploaded .vmx, DuplicateName, extraConfig replace/remove, RebootGuest, the
HostAutoStartManager and DELETE over /folder.

Run: /work/main/.venv/bin/python tests/simulator/smoke_vms.py [--binary PATH] [--mode vpx|esx]
"""

from __future__ import annotations

import argparse
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

from pyVim.connect import Disconnect
from pyVmomi import vim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smoke import DEFAULT_BINARY, CheckFailed, Report, Simulator, vms_by_name, wait_task  # noqa: E402  pylint: disable=wrong-import-position


def folder_request(sim, si, method, ds_path, data=None):
    datastore, path = ds_path[1:].split("] ", 1)
    dc_path = "ha-datacenter" if sim.info["mode"] == "esx" else "DC0"
    url = "https://%s:%d/folder/%s?dcPath=%s&dsName=%s" % (
        sim.info["host"], sim.info["port"], urllib.parse.quote(path), dc_path, urllib.parse.quote(datastore))
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Cookie", si._stub.cookie.split(";")[0])  # pylint: disable=protected-access
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=sim.info["ca_file"])) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def parse_vmx(text):
    entries = {}
    for line in text.decode("utf-8").splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            entries[key.strip().lower()] = value.strip().strip('"')
    return entries


def vmx_of(sim, si, vm):
    status, body = folder_request(sim, si, "GET", vm.config.files.vmPathName)
    return parse_vmx(body) if status == 200 else None


def task_fault(task):
    info = wait_task(task)
    return None if info.state == vim.TaskInfo.State.success else info.error


UPLOADED = """.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "reg|7Cistered"
guestOS = "ubuntu-64"
memsize = "512"
numvcpus = "2"
uuid.bios = "42 1c 00 11 22 33 44 55-66 77 88 99 aa bb cc dd"
annotation = "line one|0Aline two"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "reg.vmdk"
ide1:0.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "/vmfs/volumes/LocalDS_0/iso/boot.iso"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:01:02:03"
sched.cpu.shares = "high"
custom.key = "kept"
"""

DESCRIPTOR = b"""# Disk DescriptorFile
version=1
createType="vmfs"
RW 2097152 VMFS "reg-flat.vmdk"
"""


def check_vmx(r, sim, si, content, mode):
    vms = vms_by_name(content)
    vm = sorted(vms, key=lambda v: v.name)[0]
    vmx = vmx_of(sim, si, vm)
    r.check(vmx is not None and vmx.get("displayname") == vm.name, "%s: model VM has a real .vmx with displayName" % mode)
    r.check(vmx["memsize"] == str(vm.config.hardware.memoryMB) and vmx["numvcpus"] == str(vm.config.hardware.numCPU),
            "%s: memsize and numvcpus match the configuration" % mode)
    r.check((vmx.get("ethernet0.networkname") or vmx.get("ethernet0.dvs.switchid")) and vmx.get("scsi0:0.filename") and vmx.get("ide1:0.devicetype"),
            "%s: NIC, disk and CD-ROM keys are written" % mode)

    spec = vim.vm.ConfigSpec(memoryMB=256, annotation='a "quoted" note', extraConfig=[
        vim.option.OptionValue(key="test.one", value="1"), vim.option.OptionValue(key="test.two", value="2")])
    r.check(task_fault(vm.ReconfigVM_Task(spec)) is None, "%s: reconfigure succeeds" % mode)
    vmx = vmx_of(sim, si, vm)
    r.check(vmx["memsize"] == "256" and vmx.get("test.one") == "1" and vmx.get("annotation") == "a |22quoted|22 note",
            "%s: .vmx follows a reconfigure (memsize, extraConfig, pipe-escaped annotation)" % mode)
    spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key="test.one", value="one"),
                                          vim.option.OptionValue(key="test.two", value="")])
    task_fault(vm.ReconfigVM_Task(spec))
    extra = [(o.key, o.value) for o in vm.config.extraConfig if o.key.startswith("test.")]
    r.check(extra == [("test.one", "one")], "%s: extraConfig key replaced in place and removed by an empty value" % mode)
    vmx = vmx_of(sim, si, vm)
    r.check(vmx.get("test.one") == "one" and "test.two" not in vmx, "%s: .vmx follows extraConfig replace/remove" % mode)

    other = [v for v in vms if v != vm and v.parent == vm.parent][0]
    fault = task_fault(vm.Rename_Task(other.name))
    r.check(isinstance(fault, vim.fault.DuplicateName), "%s: rename to a taken name fails with DuplicateName" % mode)
    new_name = vm.name + " renamed"
    r.check(task_fault(vm.Rename_Task(new_name)) is None and vm.config.name == new_name,
            "%s: rename updates name and config.name" % mode)
    r.check(vmx_of(sim, si, vm).get("displayname") == new_name, "%s: .vmx displayName follows a rename" % mode)

    if mode == "vpx":
        spec = vim.vm.CloneSpec(location=vim.vm.RelocateSpec())
        fault = task_fault(vm.CloneVM_Task(folder=vm.parent, name=other.name, spec=spec))
        r.check(isinstance(fault, vim.fault.DuplicateName), "vpx: clone to a taken name fails with DuplicateName")
        info = wait_task(vm.CloneVM_Task(folder=vm.parent, name="clone-of-vm", spec=spec))
        clone = info.result
        cvmx = vmx_of(sim, si, clone)
        r.check(cvmx.get("displayname") == "clone-of-vm" and cvmx.get("test.one") == "one"
                and clone.config.annotation == vm.config.annotation,
                "vpx: a clone keeps annotation and extraConfig, with its own .vmx")

    pool = vm.resourcePool
    config = vim.vm.ConfigSpec(name=other.name, files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"), guestId="otherGuest")
    fault = task_fault(vm.parent.CreateVM_Task(config=config, pool=pool))
    r.check(isinstance(fault, vim.fault.DuplicateName), "%s: CreateVM with a taken name fails with DuplicateName" % mode)
    config = vim.vm.ConfigSpec(name="created", files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"), guestId="rhel7_64Guest",
                               memoryMB=64, numCPUs=1)
    created = wait_task(vm.parent.CreateVM_Task(config=config, pool=pool)).result
    cvmx = vmx_of(sim, si, created)
    r.check(cvmx.get("guestos") == "rhel7-64" and cvmx.get("memsize") == "64", "%s: CreateVM writes the .vmx" % mode)


def check_register(r, sim, si, content, mode):
    vms = vms_by_name(content)
    any_vm = sorted(vms, key=lambda v: v.name)[0]
    status, body = folder_request(sim, si, "PUT", "[LocalDS_0] reg/reg.vmx", UPLOADED.encode())
    folder_request(sim, si, "PUT", "[LocalDS_0] reg/reg.vmdk", DESCRIPTOR)
    r.check(status in (200, 201, 204), "%s: .vmx uploaded over /folder" % mode)
    r.check(folder_request(sim, si, "GET", "[LocalDS_0] reg/reg.nvram")[0] == 404, "%s: no .nvram beside the upload" % mode)
    info = wait_task(any_vm.parent.RegisterVM_Task(path="[LocalDS_0] reg/reg.vmx", asTemplate=False, pool=any_vm.resourcePool))
    r.check(info.state == vim.TaskInfo.State.success, "%s: RegisterVM of an uploaded .vmx without .nvram/vmware.log" % mode)
    vm = info.result
    hw = vm.config.hardware
    r.check(vm.name == "reg|istered" and hw.memoryMB == 512 and hw.numCPU == 2 and vm.config.guestId == "ubuntu64Guest"
            and vm.config.uuid == "421c0011-2233-4455-6677-8899aabbccdd" and vm.config.annotation == "line one\nline two"
            and vm.config.version == "vmx-14",
            "%s: registered VM takes name, memory, CPUs, guest, uuid, annotation, version from the file" % mode)
    disks = [d for d in hw.device if isinstance(d, vim.vm.device.VirtualDisk)]
    nics = [d for d in hw.device if isinstance(d, vim.vm.device.VirtualEthernetCard)]
    cdroms = [d for d in hw.device if isinstance(d, vim.vm.device.VirtualCdrom)]
    r.check(len(disks) == 1 and disks[0].backing.fileName == "[LocalDS_0] reg/reg.vmdk" and disks[0].capacityInKB == 1048576,
            "%s: registered disk with its descriptor's capacity (%s)" % (mode, [(d.backing.fileName, d.capacityInKB) for d in disks]))
    r.check(len(nics) == 1 and isinstance(nics[0], vim.vm.device.VirtualVmxnet3) and nics[0].macAddress == "00:50:56:01:02:03"
            and nics[0].addressType == "manual" and nics[0].backing.deviceName == "VM Network",
            "%s: registered NIC (model, static MAC, network)" % mode)
    r.check(len(cdroms) == 1 and cdroms[0].backing.fileName == "[LocalDS_0] iso/boot.iso", "%s: registered CD-ROM image" % mode)
    extra = {o.key: o.value for o in vm.config.extraConfig}
    r.check(extra.get("custom.key") == "kept" and "memsize" not in extra, "%s: other keys become extraConfig" % mode)
    vmx = vmx_of(sim, si, vm)
    r.check(vmx.get("sched.cpu.shares") == "high" and vmx.get("custom.key") == "kept" and vmx.get("ethernet0.address") == "00:50:56:01:02:03",
            "%s: the registered .vmx keeps the uploaded keys" % mode)
    fault = task_fault(any_vm.parent.RegisterVM_Task(path="[LocalDS_0] reg/reg.vmx", name=any_vm.name, asTemplate=False,
                                                     pool=any_vm.resourcePool))
    r.check(isinstance(fault, (vim.fault.DuplicateName, vim.fault.AlreadyExists)), "%s: registering again is refused" % mode)
    fault = task_fault(any_vm.parent.RegisterVM_Task(path="[LocalDS_0] none/none.vmx", asTemplate=False, pool=any_vm.resourcePool))
    r.check(isinstance(fault, vim.fault.NotFound), "%s: RegisterVM of a missing file fails with NotFound" % mode)

    status, _body = folder_request(sim, si, "DELETE", "[LocalDS_0] reg/reg.nvram")
    r.check(status == 404, "%s: DELETE of a missing file answers 404" % mode)
    folder_request(sim, si, "PUT", "[LocalDS_0] reg/scratch.txt", b"x")
    status, _body = folder_request(sim, si, "DELETE", "[LocalDS_0] reg/scratch.txt")
    r.check(status == 204 and folder_request(sim, si, "GET", "[LocalDS_0] reg/scratch.txt")[0] == 404,
            "%s: DELETE over /folder deletes the file" % mode)


def check_reboot_autostart(r, sim, si, content, mode):
    vms = vms_by_name(content)
    vm = sorted(vms, key=lambda v: v.name)[-1]
    if vm.runtime.powerState != "poweredOn":
        wait_task(vm.PowerOnVM_Task())
    before = vm.runtime.bootTime
    vm.RebootGuest()
    r.check(vm.runtime.powerState == "poweredOn" and vm.runtime.bootTime != before, "%s: RebootGuest keeps the VM on, new boot time" % mode)
    wait_task(vm.PowerOffVM_Task())
    try:
        vm.RebootGuest()
        refused = False
    except vim.fault.InvalidPowerState:
        refused = True
    r.check(refused, "%s: RebootGuest of a powered-off VM fails with InvalidPowerState" % mode)

    host = vm.runtime.host
    manager = host.configManager.autoStartManager
    r.check(manager is not None and manager.config.defaults.enabled is False, "%s: host has an autostart manager, disabled" % mode)
    spec = vim.host.AutoStartManager.Config(
        defaults=vim.host.AutoStartManager.SystemDefaults(enabled=True),
        powerInfo=[vim.host.AutoStartManager.AutoPowerInfo(key=vm, startOrder=-1, startDelay=-1, waitForHeartbeat="systemDefault",
                                                           startAction="powerOn", stopDelay=-1, stopAction="systemDefault")])
    manager.ReconfigureAutostart(spec)
    config = manager.config
    r.check(config.defaults.enabled and [(p.key, p.startAction) for p in config.powerInfo] == [(vm, "powerOn")],
            "%s: ReconfigureAutostart enables and lists the VM" % mode)
    manager.AutoStartPowerOn()
    r.check(vm.runtime.powerState == "poweredOn", "%s: AutoStartPowerOn powers the listed VM on" % mode)
    spec = vim.host.AutoStartManager.Config(
        powerInfo=[vim.host.AutoStartManager.AutoPowerInfo(key=vm, startOrder=-1, startDelay=-1, waitForHeartbeat="systemDefault",
                                                           startAction="none", stopDelay=-1, stopAction="systemDefault")])
    manager.ReconfigureAutostart(spec)
    r.check(not manager.config.powerInfo, "%s: startAction none drops the VM from the list" % mode)


def check_snapshots(r, content, mode):
    vm = sorted(vms_by_name(content), key=lambda v: v.name)[0]
    first = wait_task(vm.CreateSnapshot_Task(name="first", memory=False, quiesce=False)).result
    wait_task(vm.CreateSnapshot_Task(name="second", memory=False, quiesce=False))
    wait_task(first.RevertToSnapshot_Task())
    info = wait_task(first.RemoveSnapshot_Task(removeChildren=False))
    names = [tree.name for tree in vm.snapshot.rootSnapshotList] if vm.snapshot else []
    r.check(info.state == vim.TaskInfo.State.success and names == ["second"] and vm.snapshot.currentSnapshot is None,
            "%s: removing the current root snapshot keeps its child, no current snapshot" % mode)


def check_destroy_with_disks(r, sim, si, content, mode):
    vm = sorted(vms_by_name(content), key=lambda v: v.name)[-1]
    disks = [d.backing.fileName for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
    r.check(bool(disks), "%s: the model VM %s has a disk to destroy" % (mode, vm.name))
    if vm.runtime.powerState != vim.VirtualMachine.PowerState.poweredOff:
        wait_task(vm.PowerOffVM_Task())
    info = wait_task(vm.Destroy_Task())
    r.check(info.state == vim.TaskInfo.State.success, "%s: Destroy_Task of a VM with disks succeeds" % mode)
    status = folder_request(sim, si, "GET", disks[0])[0]
    r.check(status == 404, "%s: its disk %s is gone with it (GET %s)" % (mode, disks[0], status))


def run_mode(r, binary, mode):
    print("== %s mode (VM features)" % mode, flush=True)
    sim = Simulator(binary, "-mode", mode, "-username", "smoke-user", "-password", "smoke-pass")
    si = None
    try:
        si = sim.connect()
        content = si.RetrieveContent()
        for name, section in [
            ("vmx", lambda: check_vmx(r, sim, si, content, mode)),
            ("register", lambda: check_register(r, sim, si, content, mode)),
            ("reboot/autostart", lambda: check_reboot_autostart(r, sim, si, content, mode)),
            ("snapshots", lambda: check_snapshots(r, content, mode)),
            ("destroy", lambda: check_destroy_with_disks(r, sim, si, content, mode)),
        ]:
            try:
                section()
            except CheckFailed:
                pass
            except Exception as exc:  # pylint: disable=broad-except
                r.error("%s %s" % (mode, name), exc)
    finally:
        if si is not None:
            Disconnect(si)
        sim.stop()
        if r.failed:
            print("---- simulator log (%s) ----\n%s" % (mode, sim.log()))
        sim.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--mode", choices=["vpx", "esx"], action="append")
    args = parser.parse_args(argv)
    report = Report()
    for mode in args.mode or ["vpx", "esx"]:
        run_mode(report, args.binary, mode)
    print("== %d checks passed, %d failed" % (report.passed, len(report.failed)))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
