# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""virt.esx.ovf: deploy a VM from an OVA or OVF, export a VM to an OVF folder.

    result = manage_ovf(session, module.params, check_mode=module.check_mode)

Deploy (``state: present``), the way vSphere's own clients do it:

1. the descriptor is read on the controller (``formats.ovf``): file references checked to stay in the
   package, the ``networks``, ``properties`` and ``deployment_option`` checked against it;
2. a VM of that name in the datacenter is the deployed VM (``changed`` false: the package is not
   compared with it); it is only brought to ``power_on``;
3. ``OvfManager.CreateImportSpec`` with the datastore, resource pool, network mapping, property
   values and disk provisioning; its errors fail the run, its warnings are shown;
4. ``ResourcePool.ImportVApp`` gives an HttpNfcLease; each file of the import spec is sent to its
   device URL in chunks straight from the OVA (no extraction) or the OVF's folder, with
   ``HttpNfcLeaseProgress`` every few seconds so the lease does not expire; a manifest (``.mf``)
   digest that does not match aborts the lease, and vSphere removes the half-imported VM;
5. ``HttpNfcLeaseComplete``, then ``power_on``.

Export (``state: exported``): ``VirtualMachine.ExportVm`` gives a lease whose disks are downloaded
into ``dest``; ``OvfManager.CreateDescriptor`` (given the files' device ids and sizes) writes the
descriptor; a SHA-256 manifest is written beside it. An existing ``<name>.ovf`` in ``dest`` is the
export already done (``force`` exports again).
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
import time

from ansible_collections.virt.esx.plugins.module_utils.errors import DatastoreError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.ovf import OvfError, check_deploy_options, check_href, read_ovf_descriptor
from ansible_collections.virt.esx.plugins.module_utils.resources.vm import Inventory, Networks, find_vm
from ansible_collections.virt.esx.plugins.module_utils.resources.volume import find_pool, read_pools
from ansible_collections.virt.esx.plugins.module_utils.vsphere.api import vim, vmodl
from ansible_collections.virt.esx.plugins.module_utils.vsphere.faults import fault_text, vsphere_call
from ansible_collections.virt.esx.plugins.module_utils.vsphere.properties import retrieve_one
from ansible_collections.virt.esx.plugins.module_utils.vsphere.tasks import DEFAULT_TIMEOUT, run_vm_task
from ansible_collections.virt.esx.plugins.module_utils.vsphere.transfer import LeaseTransfer

STATES = ('present', 'exported')
DISK_PROVISIONING = {'thin': 'thin', 'thick_lazy_zeroed': 'thick', 'thick_eager_zeroed': 'eagerZeroedThick'}
MAX_DESCRIPTOR_BYTES = 10 * 1024 * 1024
_MANIFEST_RE = re.compile(r'^\s*(SHA1|SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9A-Fa-f]+)\s*$')


class OvfDeployError(VirtEsxError):
    """An OVF package, deploy or export that cannot go ahead."""


# The package on the controller -------------------------------------------------------------------

class OvfPackage(object):
    """An .ova (uncompressed tar, as the OVF standard says) or an .ovf with its files beside it."""

    def __init__(self, path):
        if not path or not os.path.isfile(path):
            raise OvfDeployError('src %r is not a file' % (path,))
        self.path = path
        self.members = None
        if tarfile.is_tarfile(path):
            self._read_ova()
        else:
            if os.path.getsize(path) > MAX_DESCRIPTOR_BYTES:
                raise OvfDeployError('src %r is neither an OVA (tar) nor an OVF descriptor of at most %d bytes'
                                     % (path, MAX_DESCRIPTOR_BYTES))
            with open(path, 'rb') as handle:
                self.descriptor_text = handle.read()
            self.folder = os.path.dirname(os.path.abspath(path))
            base = os.path.splitext(path)[0]
            self.manifest_text = None
            if os.path.isfile(base + '.mf'):
                with open(base + '.mf', 'rb') as handle:
                    self.manifest_text = handle.read(MAX_DESCRIPTOR_BYTES).decode('utf-8', 'replace')

    def _read_ova(self):
        self.members = {}
        descriptor = manifest = None
        try:
            with tarfile.open(self.path, 'r:') as archive:
                for member in archive:
                    if not member.isfile():
                        continue
                    try:
                        check_href(member.name)
                    except OvfError as exc:
                        raise OvfDeployError('src %r: %s' % (self.path, exc))
                    self.members[member.name] = (member.offset_data, member.size)
                    if descriptor is None and member.name.lower().endswith('.ovf'):
                        descriptor = member
                    elif manifest is None and member.name.lower().endswith('.mf'):
                        manifest = member
                if descriptor is None:
                    raise OvfDeployError('src %r is a tar file without an .ovf descriptor' % self.path)
                if descriptor.size > MAX_DESCRIPTOR_BYTES:
                    raise OvfDeployError('The OVF descriptor of %r is larger than %d bytes' % (self.path, MAX_DESCRIPTOR_BYTES))
                self.descriptor_text = archive.extractfile(descriptor).read()
                self.manifest_text = None
                if manifest is not None and manifest.size <= MAX_DESCRIPTOR_BYTES:
                    self.manifest_text = archive.extractfile(manifest).read().decode('utf-8', 'replace')
        except tarfile.TarError as exc:
            raise OvfDeployError('src %r is not a readable OVA: %s' % (self.path, exc))

    @property
    def is_ova(self):
        return self.members is not None

    def locate(self, href):
        """(file, offset, size) of a referenced file."""
        check_href(href)
        if self.is_ova:
            if href not in self.members:
                raise OvfDeployError('The OVA %s has no file %s, which its descriptor references' % (self.path, href))
            offset, size = self.members[href]
            return self.path, offset, size
        local = os.path.join(self.folder, *href.split('/'))
        if not os.path.isfile(local):
            raise OvfDeployError('The OVF references %s, which is not beside it (%s)' % (href, local))
        return local, 0, os.path.getsize(local)

    def manifest(self):
        """{href: (algorithm, hex digest)} of the package's manifest ({} without one)."""
        found = {}
        for line in (self.manifest_text or '').splitlines():
            match = _MANIFEST_RE.match(line)
            if match:
                found[match.group(2).strip()] = (match.group(1).lower(), match.group(3).lower())
        return found


def safe_file_base(name):
    """A VM name as the base of local file names: no separators, no leading dot."""
    base = re.sub(r'[^A-Za-z0-9._-]+', '_', name).lstrip('.')
    return base or 'vm'


# The lease -----------------------------------------------------------------------------------------

def wait_for_lease(lease, timeout, sleep=time.sleep, clock=time.monotonic):
    """Wait until the lease is ready; its info."""
    deadline = clock() + timeout
    delay = 0.2
    while True:
        with vsphere_call('Reading the import/export lease', OvfDeployError):
            state = str(lease.state)
        if state == 'ready':
            return lease.info
        if state == 'error':
            raise OvfDeployError('The lease failed: %s' % fault_text(lease.error))
        if state == 'done':
            raise OvfDeployError('The lease ended before any file was moved')
        if clock() >= deadline:
            raise OvfDeployError('The lease was not ready after %ss' % timeout)
        sleep(delay)
        delay = min(delay * 2, 2.0)


def _abort(lease, message):
    try:
        lease.HttpNfcLeaseAbort(fault=vmodl.fault.SystemError(msg=message, reason=message))
    except Exception:  # pylint: disable=broad-except  # the first error is the one to report
        pass


def _progress_reporter(lease):
    def report(percent):
        with vsphere_call('Reporting the lease progress', OvfDeployError):
            lease.HttpNfcLeaseProgress(percent=percent)
    return report


# Deploy --------------------------------------------------------------------------------------------

def _import_spec_params(name, params, network_map, property_values):
    cisp = vim.OvfManager.CreateImportSpecParams(entityName=name, locale='')
    if params.get('deployment_option'):
        cisp.deploymentOption = params['deployment_option']
    if params.get('disk_provisioning'):
        cisp.diskProvisioning = DISK_PROVISIONING[params['disk_provisioning']]
    cisp.networkMapping = [vim.OvfManager.NetworkMapping(name=ovf_name, network=network)
                           for ovf_name, network in sorted(network_map.items())]
    cisp.propertyMapping = [vim.KeyValue(key=key, value=value) for key, value in sorted(property_values.items())]
    return cisp


def _messages(faults):
    return [fault_text(getattr(item, 'fault', None) or item) if not getattr(item, 'localizedMessage', None)
            else item.localizedMessage for item in faults or ()]


def _network_objects(session, datacenter, mapping):
    if not mapping:
        return {}
    networks = Networks(session, datacenter)
    found = {}
    for ovf_name, name in mapping.items():
        matches = [item for item in networks.items if item['name'] == name]
        if not matches:
            raise OvfDeployError('networks: no network or port group named %s for the OVF network %s (networks: %s)'
                                 % (name, ovf_name, ', '.join(sorted(set(item['name'] for item in networks.items)))))
        found[ovf_name] = matches[0]['_obj']
    return found


def _vm_result(session, vm):
    item = retrieve_one(session.content, vm, ['name', 'config.uuid', 'runtime.powerState'])
    return dict(name=item.get('name'), moid=vm._moId, uuid=item.get('config.uuid'),
                power_state=str(item.get('runtime.powerState')))


def _ensure_power(session, vm, params, check_mode):
    if not params.get('power_on'):
        return False
    state = str(retrieve_one(session.content, vm, ['runtime.powerState'])['runtime.powerState'])
    if state == 'poweredOn':
        return False
    if not check_mode:
        run_vm_task(vm, vm.PowerOnVM_Task, auto_answer=params.get('auto_answer') or False,
                    timeout=params.get('task_timeout') or DEFAULT_TIMEOUT, description='powering on %s' % vm.name)
    return True


def _summary(descriptor):
    return dict(name=descriptor['name'], networks=descriptor['networks'],
                properties=[prop['key'] for prop in descriptor['properties']],
                disks=[dict(id=disk['id'], capacity=disk['capacity']) for disk in descriptor['disks']],
                deployment_options=[option['id'] for option in descriptor['deployment_options']])


def deploy(session, params, check_mode=False):
    package = OvfPackage(params.get('src'))
    try:
        descriptor = read_ovf_descriptor(package.descriptor_text)
        property_values = check_deploy_options(descriptor, networks=params.get('networks'),
                                               properties=params.get('properties'),
                                               deployment_option=params.get('deployment_option'))
    except OvfError as exc:
        raise OvfDeployError('src %s: %s' % (params.get('src'), exc))
    name = params.get('name') or descriptor['name']
    if not name:
        raise OvfDeployError('The OVF names no virtual machine: give name')
    result = dict(changed=False, ovf=_summary(descriptor), warnings=[], transfer=None)

    inventory = Inventory(session)
    datacenter = inventory.datacenter(params.get('datacenter'))
    existing = find_vm(session, dict(name=name), datacenter=datacenter)
    if existing is not None:
        result['changed'] = _ensure_power(session, existing, params, check_mode)
        result['vm'] = _vm_result(session, existing)
        result['diff'] = dict(before=dict(name=name, state='present'), after=dict(name=name, state='present'))
        return result

    folder = inventory.folder(datacenter, params.get('folder'))
    pool, host, _compute = inventory.placement(datacenter, params)
    if not params.get('datastore'):
        raise OvfDeployError('datastore is required to deploy %s' % name)
    try:
        datastore = find_pool(read_pools(session, datacenter['name']), params['datastore'])
    except VirtEsxError as exc:
        raise OvfDeployError('datastore: %s' % exc)
    network_map = _network_objects(session, datacenter, params.get('networks'))
    cisp = _import_spec_params(name, params, network_map, property_values)
    manager = session.content.ovfManager
    with vsphere_call('CreateImportSpec for %s' % name, OvfDeployError):
        spec = manager.CreateImportSpec(ovfDescriptor=package.descriptor_text.decode('utf-8'),
                                        resourcePool=pool['_obj'], datastore=datastore['_obj'], cisp=cisp)
    errors = _messages(spec.error)
    result['warnings'] = ['CreateImportSpec: %s' % text for text in _messages(spec.warning)]
    if errors:
        raise OvfDeployError('vSphere cannot import %s: %s' % (params.get('src'), '; '.join(errors)))
    files = []
    for item in spec.fileItem or ():
        local, offset, size = package.locate(item.path)
        files.append((item, local, offset, size))
    result['changed'] = True
    result['diff'] = dict(before=dict(name=name, state='absent'), after=dict(name=name, state='present'))
    if check_mode:
        result['vm'] = dict(name=name, moid=None, uuid=None, power_state='poweredOn' if params.get('power_on') else 'poweredOff')
        return result

    timeout = params.get('task_timeout') or DEFAULT_TIMEOUT
    with vsphere_call('ImportVApp of %s' % name, OvfDeployError):
        lease = pool['_obj'].ImportVApp(spec=spec.importSpec, folder=folder['_obj'], host=host['_obj'] if host else None)
    try:
        info = wait_for_lease(lease, timeout)
        urls = dict((device.importKey, device.url) for device in info.deviceUrl or ())
        manifest = package.manifest()
        transfer = LeaseTransfer(session, sum(size for _i, _l, _o, size in files), _progress_reporter(lease))
        for item, local, offset, size in files:
            url = urls.get(item.deviceId)
            if url is None:
                raise OvfDeployError('The lease has no device URL for %s (%s)' % (item.path, item.deviceId))
            expected = manifest.get(item.path)
            digest = hashlib.new(expected[0]) if expected else None
            transfer.upload(url, local, offset, size, method='PUT' if item.create else 'POST', digest=digest)
            if digest is not None and digest.hexdigest() != expected[1]:
                raise OvfDeployError('%s does not match its %s digest in the manifest' % (item.path, expected[0].upper()))
        with vsphere_call('Completing the import of %s' % name, OvfDeployError):
            lease.HttpNfcLeaseProgress(percent=100)
            lease.HttpNfcLeaseComplete()
    except (VirtEsxError, OSError) as exc:
        _abort(lease, str(exc))
        raise
    result['transfer'] = transfer.progress().as_dict()
    vm = info.entity
    _ensure_power(session, vm, params, check_mode)
    result['vm'] = _vm_result(session, vm)
    return result


# Export --------------------------------------------------------------------------------------------

def export(session, params, check_mode=False):
    name = params.get('name')
    dest = params.get('dest')
    if not name:
        raise OvfDeployError('name is required to export a VM')
    if not dest:
        raise OvfDeployError('dest is required to export a VM')
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise OvfDeployError('dest %r is not a folder' % dest)
    inventory = Inventory(session)
    datacenter = inventory.datacenter(params.get('datacenter'))
    vm = find_vm(session, dict(name=name), datacenter=datacenter)
    if vm is None:
        raise OvfDeployError('No VM named %s to export' % name)
    base = safe_file_base(name)
    ovf_path = os.path.join(dest, base + '.ovf')
    result = dict(changed=False, vm=_vm_result(session, vm), ovf_path=ovf_path, files=[], transfer=None, warnings=[])
    if os.path.exists(ovf_path) and not params.get('force'):
        result['files'] = sorted(os.listdir(dest))
        return result
    if result['vm']['power_state'] == 'poweredOn':
        raise OvfDeployError('VM %s is powered on: power it off before exporting it' % name)
    result['changed'] = True
    if check_mode:
        return result
    if not os.path.isdir(dest):
        os.makedirs(dest)
    timeout = params.get('task_timeout') or DEFAULT_TIMEOUT
    with vsphere_call('ExportVm of %s' % name, OvfDeployError):
        lease = vm.ExportVm()
    written = []
    try:
        info = wait_for_lease(lease, timeout)
        disks = [device for device in info.deviceUrl or () if device.disk]
        transfer = LeaseTransfer(session, sum(int(device.fileSize or 0) for device in disks), _progress_reporter(lease))
        ovf_files = []
        for index, device in enumerate(disks, 1):
            file_name = '%s-disk%d.vmdk' % (base, index)
            digest = hashlib.sha256()
            size = transfer.download(device.url, os.path.join(dest, file_name), digest=digest)
            written.append((file_name, digest.hexdigest()))
            ovf_files.append(vim.OvfManager.OvfFile(deviceId=device.key, path=file_name, size=size))
        with vsphere_call('Completing the export of %s' % name, OvfDeployError):
            lease.HttpNfcLeaseProgress(percent=100)
            lease.HttpNfcLeaseComplete()
    except (VirtEsxError, OSError) as exc:
        _abort(lease, str(exc))
        raise
    with vsphere_call('CreateDescriptor for %s' % name, OvfDeployError):
        described = session.content.ovfManager.CreateDescriptor(
            obj=vm, cdp=vim.OvfManager.CreateDescriptorParams(name=name, ovfFiles=ovf_files))
    errors = _messages(described.error)
    if errors:
        raise OvfDeployError('vSphere cannot describe %s: %s' % (name, '; '.join(errors)))
    result['warnings'] = ['CreateDescriptor: %s' % text for text in _messages(described.warning)]
    descriptor = described.ovfDescriptor.encode('utf-8')
    with open(ovf_path, 'wb') as handle:
        handle.write(descriptor)
    written.append((base + '.ovf', hashlib.sha256(descriptor).hexdigest()))
    with open(os.path.join(dest, base + '.mf'), 'w') as handle:
        for file_name, hexdigest in sorted(written):
            handle.write('SHA256(%s)= %s\n' % (file_name, hexdigest))
    result['files'] = sorted([file_name for file_name, _digest in written] + [base + '.mf'])
    result['transfer'] = transfer.progress().as_dict()
    return result


def manage_ovf(session, params, check_mode=False):
    state = params.get('state') or 'present'
    if state not in STATES:
        raise OvfDeployError('state must be one of %s, not %r' % (', '.join(STATES), state))
    if params.get('disk_provisioning') and params['disk_provisioning'] not in DISK_PROVISIONING:
        raise OvfDeployError('disk_provisioning must be one of %s' % ', '.join(DISK_PROVISIONING))
    try:
        if state == 'exported':
            return export(session, params, check_mode)
        return deploy(session, params, check_mode)
    except DatastoreError as exc:
        raise OvfDeployError(str(exc))
