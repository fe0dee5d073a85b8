# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests of the VMX reader/writer, the escaping schemes and both converters.

Example counts come from the hypothesis profile (HYPOTHESIS_PROFILE=ci: 1,000 per
property; see tests/unit/conftest.py).
"""

from __future__ import annotations

import datetime
import glob
import os
import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ansible_collections.virt.esx.plugins.module_utils.formats import escaping
from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError, VirtEsxError, VmxError
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import VmxFile, parse_vmx
from ansible_collections.virt.esx.tests.unit.plugins.module_utils.formats import conformance

# Text without surrogates (which no UTF-8 file can carry).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
# Characters a double-quoted VMX value holds as they are.
VMX_VALUE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='"\x7f'
                                                + "".join(chr(c) for c in range(0x20) if c != 9)))
VMX_KEY = st.from_regex(r"\A[A-Za-z_.][A-Za-z0-9_:.\-]{0,30}\Z")
# Characters XML 1.0 can carry (lxml refuses the others in text).
XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"
                                          + "".join(chr(c) for c in range(0x20) if c not in (9, 10, 13))))


needs_corpus = pytest.mark.skipif(conformance.CORPUS is None, reason=conformance.SKIP_REASON)


def _corpus_texts(pattern):
    if conformance.CORPUS is None:
        return ["<absent/>"]
    texts = []
    for path in sorted(glob.glob(os.path.join(conformance.CORPUS, pattern))):
        with open(path, encoding="utf-8") as handle:
            texts.append(handle.read())
    return texts


CORPUS_VMX = _corpus_texts("vmx2xml/*.vmx")
CORPUS_XML = _corpus_texts("xml2vmx/*.xml") + _corpus_texts("vmx2xml/*.xml")
XML2VMX_CASES = [case for case in conformance.load_cases() if case["direction"] == "xml2vmx"]


# vmx.py --------------------------------------------------------------------------------


@given(st.one_of(TEXT, st.binary()))
@example('a = "1"\n' * 3)
@example(b'.encoding = "utf-16"\n')
def test_any_input_parses_or_raises_vmx_error(data):
    try:
        parse_vmx(data)
    except VmxError:
        pass


@given(st.lists(st.tuples(VMX_KEY, VMX_VALUE_TEXT), max_size=20, unique_by=lambda pair: pair[0].lower()))
def test_written_entries_read_back_unchanged(pairs):
    assume(all(key.lower() != ".encoding" for key, dummy in pairs))
    vmx = VmxFile()
    for key, value in pairs:
        vmx.add(key, value)
    for data in (vmx.render(), vmx.to_bytes()):
        assert parse_vmx(data).items() == [(".encoding", "UTF-8")] + pairs


@given(st.lists(st.tuples(VMX_KEY, TEXT.filter(lambda t: "\x00" not in t)), max_size=20))
def test_rendering_is_a_fixpoint_for_any_value(pairs):
    vmx = VmxFile()
    for key, value in pairs:
        vmx.set(key, value)
    rendered = vmx.render()
    assert parse_vmx(rendered).render() == rendered


# escaping.py --------------------------------------------------------------------------


@given(TEXT)
def test_name_escapes_are_reversible(name):
    assert escaping.unescape_vm_name(escaping.escape_vm_name(name)) == name
    assert escaping.unescape_display_name(escaping.escape_display_name(name)) == name
    assert escaping.unescape_annotation(escaping.escape_annotation(name)) == name


@given(TEXT)
def test_escaped_names_hold_no_special_characters(name):
    vm_name = escaping.escape_vm_name(name)
    assert "/" not in vm_name and "\\" not in vm_name
    display_name = escaping.escape_display_name(name)
    assert not set('"/\\') & set(display_name)
    assert re.fullmatch(r"([^%]|%[0-9a-f]{2})*", display_name, re.S)


@given(TEXT)
def test_unescaping_any_text_returns_text_or_raises_escaping_error(text):
    for unescape in (escaping.unescape_vm_name, escaping.unescape_display_name, escaping.unescape_annotation):
        try:
            assert isinstance(unescape(text), str)
        except EscapingError:
            pass


@given(TEXT)
@example("..")
@example(".")
@example("../../etc")
def test_datastore_items_never_leave_their_folder(name):
    try:
        escaped = escaping.escape_datastore_item(name)
    except EscapingError:
        assert name in ("", ".", "..") or "\x00" in name
        return
    assert "/" not in escaped and "\\" not in escaped
    assert escaped not in ("", ".", "..")
    assert re.fullmatch(r"[A-Za-z0-9'(),. _\-+]+", escaped)


@given(TEXT.filter(lambda t: t and "]" not in t), TEXT)
def test_datastore_paths_round_trip(datastore, path):
    path = path.lstrip(" ")
    parsed = escaping.parse_datastore_path(escaping.format_datastore_path(datastore, path))
    assert (parsed.datastore, parsed.directory_and_file) == (datastore, path)


@given(st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)),
       st.integers(min_value=-14 * 60, max_value=14 * 60), st.booleans())
def test_xsd_datetime_agrees_with_python(moment, offset_minutes, with_fraction):
    zone = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=zone, microsecond=0)
    sign = "-" if offset_minutes < 0 else "+"
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (aware.year, aware.month, aware.day, aware.hour, aware.minute, aware.second)
    text += ".%06d" % moment.microsecond if with_fraction else ""
    text += "%s%02d:%02d" % (sign, abs(offset_minutes) // 60, abs(offset_minutes) % 60)
    expected = (aware - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(seconds=1)
    assert escaping.parse_xsd_datetime(text) == expected


@given(st.binary())
def test_windows1252_decodes_every_byte(data):
    text = escaping.windows1252_to_text(data)
    assert len(text) == len(data)
    assert text.encode("cp1252", "ignore") == bytes(b for b in data if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))


# Converters: hostile and broken input --------------------------------------------------


def _to_xml(vmx_text, resolve_file=None):
    from ansible_collections.virt.esx.plugins.module_utils.formats.domain import vmx_to_domain_xml

    return vmx_to_domain_xml(vmx_text, resolve_file=resolve_file or conformance.resolve_file, secure=True)


def _to_vmx(xml_text, virtual_hw_version=8):
    from ansible_collections.virt.esx.plugins.module_utils.formats.domain import domain_xml_to_vmx

    return domain_xml_to_vmx(xml_text, virtual_hw_version=virtual_hw_version, format_file=conformance.format_file,
                             autodetect_scsi_model=conformance.autodetect_scsi_model)


@st.composite
def mutated_lines(draw, texts):
    lines = draw(st.sampled_from(texts)).splitlines(True)
    for dummy in range(draw(st.integers(min_value=1, max_value=6))):
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "value", "key", "bytes", "truncate", "insert"]))
        if not lines:
            lines = [draw(TEXT)]
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[index]
        if operation == "delete":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(draw(st.integers(min_value=0, max_value=len(lines))), line)
        elif operation == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        elif operation == "value" and "=" in line:
            value = draw(st.one_of(st.sampled_from(["", "-1", "0", "99999999999999999999", "true", "false", "unlimited",
                                                    "/vmfs/volumes/missing/x", "[ds] x", "../..", "%zz", "|zz", "x-64"]),
                                   VMX_VALUE_TEXT))
            lines[index] = '%s= "%s"\n' % (line.split("=", 1)[0], value)
        elif operation == "key" and "=" in line:
            key = draw(st.sampled_from(["scsi0:7", "scsi3:15", "ide1:1", "floppy1", "ethernet9", "ethernet65535",
                                        "serial3", "parallel2", "sharedFolder99", "sata0:29", "nvme0:0"]))
            suffix = line.split("=", 1)[0].split(".", 1)[-1]
            lines[index] = "%s.%s=%s" % (key, suffix.strip(), line.split("=", 1)[1])
        elif operation == "bytes":
            lines[index] = draw(TEXT) + line[draw(st.integers(min_value=0, max_value=len(line))):]
        elif operation == "truncate":
            lines[index] = line[:draw(st.integers(min_value=0, max_value=len(line)))]
        elif operation == "insert":
            lines.insert(index, draw(TEXT) + "\n")
    return "".join(lines)


def _only_virt_esx_errors(convert, text):
    try:
        result = convert(text)
    except VirtEsxError:
        return None
    assert isinstance(result, str)
    return result


@needs_corpus
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(mutated_lines(CORPUS_VMX))
def test_mutated_vmx_raises_only_virt_esx_errors(vmx_text):
    _only_virt_esx_errors(_to_xml, vmx_text)
    _only_virt_esx_errors(lambda text: _to_xml(text, resolve_file=None), vmx_text)


@given(st.one_of(TEXT, st.binary(), st.lists(st.tuples(VMX_KEY, VMX_VALUE_TEXT)).map(
    lambda pairs: "".join('%s = "%s"\n' % pair for pair in [("config.version", "8"), ("virtualHW.version", "7")] + pairs))))
def test_random_vmx_raises_only_virt_esx_errors(vmx_text):
    _only_virt_esx_errors(_to_xml, vmx_text)


@st.composite
def mutated_xml(draw, texts):
    from lxml import etree

    text = draw(st.sampled_from(texts))
    if draw(st.booleans()):
        return draw(mutated_lines([text]))
    root = etree.fromstring(text.encode("utf-8"))
    for dummy in range(draw(st.integers(min_value=1, max_value=5))):
        elements = list(root.iter())
        element = draw(st.sampled_from(elements))
        operation = draw(st.sampled_from(["delete", "duplicate", "text", "attribute", "drop-attribute", "child"]))
        parent = element.getparent()
        if operation == "delete" and parent is not None:
            parent.remove(element)
        elif operation == "duplicate" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(element)))
        elif operation == "text":
            element.text = draw(st.one_of(XML_TEXT, st.sampled_from(["0", "-1", "4294967296", "x", "", "  ", "1e3"])))
        elif operation == "attribute":
            names = list(element.attrib) or ["type"]
            value = draw(st.one_of(XML_TEXT, st.sampled_from(["0", "-1", "65536", "yes", "no", "sdz", "hdq", "fdc",
                                                              "auto", "x86_64", "ppc64", "/", "[] x", "[ds] ../x"])))
            element.set(draw(st.sampled_from(names)), value)
        elif operation == "drop-attribute" and element.attrib:
            del element.attrib[draw(st.sampled_from(sorted(element.attrib)))]
        elif operation == "child":
            tag = draw(st.sampled_from(["disk", "interface", "controller", "serial", "parallel", "video", "graphics",
                                        "filesystem", "address", "source", "target", "model", "vcpu", "memory"]))
            etree.SubElement(element, tag, {"type": draw(st.sampled_from(["file", "block", "bridge", "vnc", "scsi"]))})
    return etree.tostring(root, encoding="unicode")


@needs_corpus
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_xml(CORPUS_XML), st.sampled_from([4, 7, 8, 9, 10, 13, 19]))
def test_mutated_xml_raises_only_virt_esx_errors(xml_text, virtual_hw_version):
    _only_virt_esx_errors(lambda text: _to_vmx(text, virtual_hw_version), xml_text)


@given(st.one_of(TEXT, st.binary().map(lambda data: data.decode("latin-1")), XML_TEXT.map(
    lambda name: "<domain type='vmware'><name>%s</name><memory>4096</memory><os><type>hvm</type></os></domain>"
    % name.replace("&", "&amp;").replace("<", "&lt;"))))
def test_random_xml_raises_only_virt_esx_errors(xml_text):
    _only_virt_esx_errors(_to_vmx, xml_text)


# Converters: round trips -----------------------------------------------------------------


def _round_trip(xml_text, virtual_hw_version):
    """XML -> VMX -> XML -> VMX -> XML -> VMX: every generation's text, oldest first."""
    generations = [xml_text]
    for dummy in range(2):
        generations.append(_to_vmx(generations[-1], virtual_hw_version))
        generations.append(_to_xml(generations[-1]))
    generations.append(_to_vmx(generations[-1], virtual_hw_version))
    return generations


@needs_corpus
@pytest.mark.parametrize("case", [pytest.param(case, id=case["id"]) for case in XML2VMX_CASES] or [None])
def test_xml_vmx_round_trip_keeps_the_domain(case):
    """After one trip through VMX the domain is normalised (e.g. the default video device is added);
    from then on XML and VMX do not change any more."""
    _xml0, _vmx1, xml1, vmx2, xml2, vmx3 = _round_trip(conformance.read_text(case["input"]), case["virtual_hw_version"])
    difference = conformance.xml_difference(xml1, xml2)
    assert difference is None, "XML changed in the second round trip:\n%s" % difference
    difference = conformance.vmx_difference(vmx2, vmx3)
    assert difference is None, "VMX changed in the second round trip:\n%s" % difference


@needs_corpus
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(XML2VMX_CASES or [None]), XML_TEXT.filter(lambda t: t.strip()), XML_TEXT)
@example(XML2VMX_CASES[0] if XML2VMX_CASES else None, 'a|b"c%d/e\\f', 'x|22y"|"z\n')
@example(XML2VMX_CASES[0] if XML2VMX_CASES else None, "a\rb", "line 1\r\nline 2\t")
def test_names_and_descriptions_survive_both_conversions(case, name, description):
    _check_name_and_description(case, name, description)


def _check_name_and_description(case, name, description):
    from lxml import etree

    root = etree.fromstring(conformance.read_text(case["input"]).encode("utf-8"))
    root.find("name").text = name
    element = root.find("description")
    if element is None:
        element = etree.SubElement(root, "description")
    element.text = description
    try:
        vmx_text = _to_vmx(etree.tostring(root, encoding="unicode"), case["virtual_hw_version"])
    except VirtEsxError:
        return  # a name or description the converter refuses with a clear error
    xml = etree.fromstring(_to_xml(vmx_text).encode("utf-8"))
    assert xml.findtext("name") == name
    assert (xml.findtext("description") or "") == description
