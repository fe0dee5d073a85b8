# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt 9.0.0's virsh and the collection's converters on the same inputs, both directions.

Inputs: libvirt's conformance corpus (VIRT_ESX_CONFORMANCE, see tests/unit/.../formats/conformance.py),
its file names moved onto the simulated host's datastore, and generated ones: hypothesis strategies
over VMX keys and values and over domain XML elements, twice the profile's max_examples per direction
(HYPOTHESIS_PROFILE=ci: 2,000). All inputs of a direction go to ONE virsh process.

Each input must give identical output, be refused by both, or differ only by a deliberate departure
of docs/vmx-mapping.md; the figures are printed at the end of the run (conftest.py).
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import conftest
import differential
from ansible_collections.virt.esx.tests.unit.plugins.module_utils.formats import conformance

DATASTORE = 'LocalDS_0'


def _examples():
    return 2 * settings().max_examples


@pytest.fixture(scope='module')
def host(libvirt):
    """The simulated host as libvirt sees it: its datastores' mount paths and the virtualHW.version it writes."""
    names = [line.strip() for line in libvirt.run([['pool-list', '--all', '--name']])[0].output.splitlines()
             if line.strip()]
    answers = libvirt.run([['pool-dumpxml', name] for name in names])
    datastores = {name: re.search(r'<path>([^<]+)</path>', answer.output).group(1) for name, answer in zip(names, answers)}
    assert DATASTORE in datastores, datastores
    return dict(files=differential.HostFiles(datastores), mount=datastores[DATASTORE])


@pytest.fixture(scope='module')
def hw_version(libvirt, tmp_path_factory):
    probe = tmp_path_factory.mktemp('probe') / 'probe.xml'
    probe.write_text("<domain type='vmware'><name>probe</name><memory>4096</memory><os><type>hvm</type></os></domain>")
    answer = libvirt.run([['domxml-to-native', 'vmware-vmx', str(probe)]])[0].output
    return int(re.search(r'virtualHW\.version = "([0-9]+)"', answer).group(1))


def _run(direction, libvirt, inputs, compare):
    """Every input through one virsh process, then compared; fails listing the unexplained differences."""
    command = 'domxml-from-native' if direction.endswith('vmx2xml') else 'domxml-to-native'
    answers = libvirt.run([[command, 'vmware-vmx', path] for path, _data in inputs])
    failures = []
    for (path, data), answer in zip(inputs, answers):
        outcome, departure, detail = compare(data, answer.output)
        conftest.record(direction, outcome, departure)
        if outcome == 'different':
            failures.append('%s:\n%s\n%s' % (path, data if isinstance(data, str) else data.decode('latin-1'), detail))
    if failures and os.environ.get('VIRT_ESX_ORACLE_FAILURES'):
        with open(os.environ['VIRT_ESX_ORACLE_FAILURES'], 'a', encoding='utf-8') as handle:
            handle.write('\n\n'.join(failures) + '\n\n')
    assert not failures, '%d of %d %s inputs differ from libvirt without a documented departure; the first:\n%s' % (
        len(failures), len(inputs), direction, '\n\n'.join(failures[:3]))


def _write(directory, index, suffix, data):
    path = os.path.join(str(directory), '%05d%s' % (index, suffix))
    with open(path, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    return path


# The corpus --------------------------------------------------------------------------------------

def _on_host(text, mount):
    """Corpus file names moved onto the simulated host: its datastores are 'datastore' and 'testing' there."""
    for name in ('datastore', 'testing'):
        text = text.replace('/vmfs/volumes/%s/' % name, '%s/' % mount).replace('[%s]' % name, '[%s]' % DATASTORE)
    return text


def _corpus(direction):
    if conformance.CORPUS is None:
        pytest.fail(conformance.SKIP_REASON)
    return [case for case in conformance.load_cases() if case['direction'] == direction]


def test_corpus_vmx2xml(libvirt, host, tmp_path):
    inputs = [(_write(tmp_path, i, '.vmx', _on_host(conformance.read_text(case['input']), host['mount'])), None)
              for i, case in enumerate(_corpus('vmx2xml'))]
    inputs = [(path, open(path, 'rb').read()) for path, _none in inputs]
    _run('corpus vmx2xml', libvirt, inputs, lambda data, theirs: differential.compare_vmx2xml(data, theirs, host['files']))


def test_corpus_xml2vmx(libvirt, host, hw_version, tmp_path):
    inputs = []
    for i, case in enumerate(_corpus('xml2vmx')):
        # Every datastore the inputs name ('storage', '498076b2-...') is the host's one datastore here.
        text = re.sub(r"\[[^\]']+\]", '[%s]' % DATASTORE, _on_host(conformance.read_text(case['input']), host['mount']))
        inputs.append((_write(tmp_path, i, '.xml', text), text))
    _run('corpus xml2vmx', libvirt, inputs,
         lambda data, theirs: differential.compare_xml2vmx(data, theirs, host['files'], hw_version))


# Generated VMX -----------------------------------------------------------------------------------

_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x17f, blacklist_characters='"\\'), max_size=12)
_PIPE_TEXT = st.lists(st.one_of(_TEXT, st.sampled_from(['|0A', '|22', '|7C', '|7c', '|0d', '|', '|zz'])), max_size=4).map(''.join)


def _mostly(valid, invalid, rate=0.05):
    """A value a host writes, and one it would not with probability ``rate``: an input both refuse teaches
    little. (sampled_from leans towards the ends of its list; this draw does not.)"""
    return st.randoms(use_true_random=True).map(
        lambda rnd: rnd.choice(invalid) if rnd.random() < rate else rnd.choice(valid))


_NUMBER = _mostly(['1', '2', '4', '8', '16', '64', '256', '1024', '4096', '1000', '3', '12', '70000'],
                  ['0', '-1', '', 'x', '4.5', '0x10', '007'], 0.1)
_BOOL = _mostly(['true', 'true', 'true', 'false', 'TRUE'], ['yes', 'maybe'])
_MAC = st.one_of(st.sampled_from(['00:50:56:11:22:33', '00:0c:29:aa:bb:cc', '00:50:56:81:00:01', '00:50:56:11:22:33xyz',
                                  '00:1a:2b:3c:4d:5e', '00-50-56-11-22-33', '00:50:56:11:22']),
                 st.binary(min_size=6, max_size=6).map(lambda b: ':'.join('%02x' % c for c in b)))


def _file_name(suffix):
    return st.sampled_from(['disk.%s' % suffix, '/vmfs/volumes/%s/vm/disk.%s' % (DATASTORE, suffix),
                            '/vmfs/volumes/nosuch/vm/disk.%s' % suffix, '/usr/lib/vmware/disk.%s' % suffix,
                            'sub/dir/disk.%s' % suffix, '/vmfs/volumes/%s' % DATASTORE, 'emptyBackingString',
                            '/dev/cdrom', 'auto detect', ''])


def _entries(prefix, options):
    """Some of ``options`` (key suffix -> strategy of values) for one device ``prefix``."""
    keys = sorted(key for key in options if key != '.present')
    chosen = st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))
    if '.present' in options:
        chosen = chosen.map(lambda rest: ['.present'] + rest)  # a device is there, or says it is not
    return chosen.flatmap(lambda picked: st.tuples(*[options[key].map(lambda value, key=key: ('%s%s' % (prefix, key), value))
                                                     for key in picked]))


_TOP = {
    'displayName': _PIPE_TEXT, 'annotation': _PIPE_TEXT, 'memsize': _NUMBER, 'sched.mem.max': _NUMBER,
    'sched.mem.minsize': _NUMBER, 'numvcpus': _NUMBER, 'cpuid.coresPerSocket': _NUMBER, 'sched.cpu.affinity':
    st.sampled_from(['all', '0,1', '0, 3', '1,x', '']), 'sched.cpu.shares': st.sampled_from(['low', 'normal', 'high',
                                                                                             '1000', 'x']),
    'guestOS': st.sampled_from(['other', 'other-64', 'winxppro', 'ubuntu-64', 'bogus']),
    'uuid.bios': _mostly(['56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15', '56 4d 9b ef ac d9 b4 e0 c8 f0 ae a8 b9 10 35 15'],
                         ['56 4d 9b ef', 'zz']),
    'firmware': st.sampled_from(['efi', 'bios', 'EFI', 'none']),
    'RemoteDisplay.vnc.enabled': _BOOL, 'RemoteDisplay.vnc.port': _NUMBER,
    'RemoteDisplay.vnc.password': _TEXT, 'RemoteDisplay.vnc.keymap': st.sampled_from(['de', 'en-us']),
    'svga.vramSize': _NUMBER, 'vmci0.present': _BOOL,
}
_ETHERNET = {
    '.present': _BOOL, '.virtualDev': st.sampled_from(['e1000', 'e1000e', 'vmxnet', 'vmxnet2', 'vmxnet3', 'vlance', 'x']),
    '.addressType': st.sampled_from(['static', 'generated', 'vpx', 'other']), '.address': _MAC,
    '.generatedAddress': _MAC, '.generatedAddressOffset': _NUMBER, '.networkName': _TEXT,
    '.connectionType': st.sampled_from(['bridged', 'hostonly', 'nat', 'custom', 'x']), '.vnet': _TEXT,
    '.features': st.sampled_from(['15', '0', 'x']),
}
_SCSI = {'.present': _BOOL, '.virtualDev': st.sampled_from(['lsilogic', 'buslogic', 'pvscsi', 'lsisas1068', 'x'])}
_DISK = {
    '.present': _BOOL, '.deviceType': st.sampled_from(['scsi-hardDisk', 'disk', 'ata-hardDisk', 'cdrom-image',
                                                      'atapi-cdrom', 'cdrom-raw', 'scsi-passthru', 'x']),
    '.fileName': st.one_of(_file_name('vmdk'), _file_name('iso')), '.mode': st.sampled_from(
        ['persistent', 'independent-nonpersistent', 'x']), '.writeThrough': _BOOL, '.startConnected': _BOOL,
    '.autodetect': _BOOL, '.clientDevice': _BOOL,
}
_FLOPPY = {'.present': _BOOL, '.fileType': st.sampled_from(['file', 'device', 'x']), '.fileName': _file_name('flp'),
           '.startConnected': _BOOL}
_PORT = {'.present': _BOOL, '.fileType': st.sampled_from(['device', 'file', 'pipe', 'network', 'thinprint', 'x']),
         '.fileName': st.sampled_from(['/dev/ttyS0', 'serial.file', '/vmfs/volumes/%s/serial.txt' % DATASTORE,
                                       'serial0.pipe', 'telnet://127.0.0.1:42001', 'tcp://a:1', '']),
         '.pipe.endPoint': st.sampled_from(['client', 'server', 'x']), '.tryNoRxLoss': _BOOL,
         '.network.endPoint': st.sampled_from(['client', 'server']), '.vspc': _TEXT, '.yieldOnMsrRead': _BOOL}


@st.composite
def vmx_documents(draw):
    entries = [('.encoding', draw(_mostly(['UTF-8'] * 9 + ['windows-1252'], ['X-BOGUS']))),
               ('config.version', draw(_mostly(['8'], ['7']))),
               ('virtualHW.version', draw(_mostly(['4', '7', '13'], ['3', 'x'])))]
    entries += list(draw(_entries('', _TOP)))
    for _nic in range(draw(st.integers(0, 2))):
        entries += list(draw(_entries('ethernet%d' % draw(st.integers(0, 3)), _ETHERNET)))
    for controller in draw(st.lists(st.integers(0, 1), unique=True, max_size=2)):
        entries += list(draw(_entries('scsi%d' % controller, _SCSI)))
        for _disk in range(draw(st.integers(0, 2))):
            entries += list(draw(_entries('scsi%d:%d' % (controller, draw(st.sampled_from([0, 1, 7, 16]))), _DISK)))
    for _ide_slot in range(draw(st.integers(0, 2))):
        entries += list(draw(_entries('ide%d:%d' % (draw(st.integers(0, 1)), draw(st.integers(0, 1))), _DISK)))
    if draw(st.booleans()):
        entries += list(draw(_entries('floppy%d' % draw(st.integers(0, 1)), _FLOPPY)))
    if draw(st.booleans()):
        entries += list(draw(_entries('%s%d' % (draw(st.sampled_from(['serial', 'parallel'])), draw(st.integers(0, 3))),
                                      _PORT)))
    seen, lines = set(), []
    for key, value in entries:
        if key.lower() in seen:
            continue  # a key written twice is a different question (libvirt keeps the last, a host the first)
        seen.add(key.lower())
        key = key.upper() if draw(st.integers(0, 20)) == 0 else key
        lines.append('%s = "%s"\n' % (key, value))
    encoding = dict(entries).get('.encoding', 'UTF-8')
    codec = 'windows-1252' if encoding == 'windows-1252' else 'utf-8'
    return ''.join(lines).encode(codec, 'replace')


def _collect(strategy):
    collected = []

    @settings(max_examples=_examples(), database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(strategy)
    def collect(document):
        collected.append(document)

    collect()  # pylint: disable=no-value-for-parameter
    return collected


def test_generated_vmx2xml(libvirt, host, tmp_path):
    documents = _collect(vmx_documents())
    assert len(documents) >= _examples() * 0.9
    inputs = [(_write(tmp_path, i, '.vmx', data), data) for i, data in enumerate(documents)]
    _run('generated vmx2xml', libvirt, inputs,
         lambda data, theirs: differential.compare_vmx2xml(data, theirs, host['files']))


# Generated domain XML ----------------------------------------------------------------------------

def _attr(name, values):
    return st.one_of(st.just(''), st.sampled_from(values).map(lambda v: " %s='%s'" % (name, v)))


def _xml_text(alphabet_max=0x17f):
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=alphabet_max, blacklist_characters='<>&\'"'),
                   max_size=12)


_SOURCES = ['[%s] vm/disk.vmdk' % DATASTORE, '[%s] vm/cd.iso' % DATASTORE, '[%s] vm/f.flp' % DATASTORE,
            '[nosuch] vm/disk.vmdk', '/vmfs/volumes/%s/vm/disk.vmdk' % DATASTORE, '/dev/cdrom', '/dev/fd0', 'relative.iso',
            '/vmfs/devices/cdrom/mpx.vmhba1:C0:T0:L0']


@st.composite
def disk_elements(draw):
    device = draw(st.sampled_from(['disk', 'cdrom', 'floppy', 'lun']))
    disk_type = draw(st.sampled_from(['file', 'block', 'network']))
    bus = draw(st.sampled_from(['scsi', 'ide', 'fdc', 'sata']))
    prefix = {'scsi': 'sd', 'ide': 'hd', 'fdc': 'fd', 'sata': 'sd'}[bus]
    target = '%s%s' % (prefix, draw(st.sampled_from('abcdq')))
    source = ''
    if draw(st.integers(0, 3)):
        attribute = 'file' if disk_type == 'file' else 'dev'
        source = "<source %s='%s'%s/>" % (attribute, draw(st.sampled_from(_SOURCES)),
                                          draw(_attr('startupPolicy', ['optional', 'mandatory'])))
    elif draw(st.booleans()):
        source = "<source startupPolicy='optional'/>"
    driver = draw(st.sampled_from(['', "<driver name='lsilogic'/>", "<driver name='buslogic'/>",
                                   "<driver cache='writethrough'/>", "<driver name='qemu'/>"]))
    extra = draw(st.sampled_from(['', '<readonly/>', '<transient/>']))
    return "<disk type='%s' device='%s'>%s%s<target dev='%s' bus='%s'/>%s</disk>" % (
        disk_type, device, driver, source, target, bus, extra)


@st.composite
def interface_elements(draw):
    kind = draw(_mostly(['bridge', 'bridge', 'user'], ['network', 'ethernet']))
    parts = ["<source bridge='%s'/>" % draw(_xml_text()) if kind == 'bridge' else '']
    if draw(st.booleans()):
        parts.append("<mac address='%s'/>" % draw(_MAC))
    if draw(st.booleans()):
        parts.append("<model type='%s'/>" % draw(st.sampled_from(['e1000', 'e1000e', 'vmxnet3', 'vlance', 'virtio',
                                                                  'vmxnet2', 'netfront'])))
    return "<interface type='%s'>%s</interface>" % (kind, ''.join(parts))


@st.composite
def char_elements(draw):
    tag = draw(st.sampled_from(['serial', 'parallel', 'console']))
    kind = draw(st.sampled_from(['dev', 'file', 'pipe', 'tcp', 'pty']))
    source = {'dev': "<source path='/dev/ttyS0'/>", 'file': "<source path='[%s] serial.txt'/>" % DATASTORE,
              'pipe': "<source path='serial0.pipe'/>", 'tcp': "<source mode='connect' host='127.0.0.1' service='42001'/>",
              'pty': ''}[kind]
    return "<%s type='%s'>%s<target port='%d'/></%s>" % (tag, kind, source, draw(st.integers(0, 4)), tag)


@st.composite
def domain_documents(draw):
    parts = ["<domain type='%s'>" % draw(_mostly(['vmware'], ['kvm']))]
    name = draw(_xml_text())
    parts.append('<name>%s</name>' % (name or 'vm') if draw(_mostly([True], [False])) else '')
    if draw(st.integers(0, 3)):
        parts.append('<uuid>%s</uuid>' % draw(_mostly(['564d9bef-acd9-b4e0-c8f0-aea8b9103515',
                                                       '00000000-0000-0000-0000-000000000000'], ['not-a-uuid'])))
    if draw(st.booleans()):
        parts.append('<description>%s</description>' % draw(st.lists(st.one_of(_xml_text(), st.sampled_from(
            ['\n', '|', '|0A', '\t'])), max_size=3).map(''.join)))
    parts.append("<memory unit='%s'>%s</memory>" % draw(_mostly([('KiB', '4096'), ('MiB', '4'), ('KiB', '1048576'),
                                                                 ('MiB', '1024')], [('b', '4096'), ('KiB', '4100'),
                                                                                    ('KiB', '0')])))
    if draw(st.booleans()):
        parts.append('<currentMemory>%s</currentMemory>' % draw(st.sampled_from(['2048', '4096', '8192'])))
    vcpus = draw(_mostly([1, 2, 4], [3]))
    parts.append("<vcpu%s>%d</vcpu>" % (draw(_attr('cpuset', ['0-1', '0,3', '0-3,^2'])), vcpus))
    if draw(st.booleans()):
        sockets = draw(st.sampled_from([s for s in (1, 2, 4) if vcpus % s == 0]))
        cores = draw(_mostly([vcpus // sockets], [vcpus // sockets + 1]))
        parts.append("<cpu><topology sockets='%d' dies='1' cores='%d' threads='1'/></cpu>" % (sockets, cores))
    if draw(st.booleans()):
        parts.append("<cputune><shares>%s</shares></cputune>" % draw(st.sampled_from(['1000', '2000', '500', '7'])))
    firmware = draw(_attr('firmware', ['efi', 'bios']))
    arch = draw(_mostly(['', " arch='i686'", " arch='x86_64'"], [" arch='aarch64'"]))
    parts.append("<os%s><type%s>hvm</type></os>" % (firmware, arch))
    devices = draw(st.lists(st.one_of(disk_elements(), interface_elements(), char_elements(), st.sampled_from([
        "<controller type='scsi' index='0' model='lsilogic'/>", "<controller type='scsi' index='1' model='vmpvscsi'/>",
        "<controller type='scsi' index='0' model='virtio-scsi'/>", "<video><model type='vmvga' vram='8192'/></video>",
        "<graphics type='vnc' port='5903' autoport='no' keymap='de' passwd='secret'/>",
        "<graphics type='spice'/>", "<filesystem type='mount'><source dir='/srv'/><target dir='srv'/></filesystem>"])),
        max_size=4))
    if devices:
        parts.append('<devices>%s</devices>' % ''.join(devices))
    parts.append('</domain>')
    return ''.join(parts)


def test_generated_xml2vmx(libvirt, host, hw_version, tmp_path):
    documents = _collect(domain_documents())
    assert len(documents) >= _examples() * 0.9
    inputs = [(_write(tmp_path, i, '.xml', text), text) for i, text in enumerate(documents)]
    _run('generated xml2vmx', libvirt, inputs,
         lambda data, theirs: differential.compare_xml2vmx(data, theirs, host['files'], hw_version))


def test_every_departure_is_documented():
    path = os.path.join(conftest.ROOT, 'docs', 'vmx-mapping.md')
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    missing = [name for name in differential.DEPARTURE_NAMES if '`%s`' % name not in text]
    assert not missing, 'departures the oracle allows but docs/vmx-mapping.md does not list: %s' % missing
