# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""escaping.py: libvirt's esx_util vectors plus the behaviour the rest of the collection relies on."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats import escaping
from ansible_collections.virt.esx.plugins.module_utils.errors import EscapingError, VirtEsxError
from ansible_collections.virt.esx.tests.unit.plugins.module_utils.formats import conformance

ESX_UTIL = conformance.load_esx_util()
needs_corpus = pytest.mark.skipif(conformance.CORPUS is None, reason=conformance.SKIP_REASON)


def _vectors(table):
    vectors = ESX_UTIL.get(table, [])
    if not vectors:
        return [pytest.param(None, id="%s-corpus-absent" % table)]
    return [pytest.param(vector, id="%s-%d" % (table, vector["index"])) for vector in vectors]


@needs_corpus
@pytest.mark.parametrize("vector", _vectors("datastore_paths"))
def test_datastore_path_vectors(vector, record_property):
    record_property("conformance", "esx_util")
    if not vector["ok"]:
        with pytest.raises(EscapingError):
            escaping.parse_datastore_path(vector["input"])
        return
    parsed = escaping.parse_datastore_path(vector["input"])
    assert (parsed.datastore, parsed.directory, parsed.directory_and_file) == (
        vector["datastore_name"], vector["directory_name"], vector["directory_and_file_name"])


@needs_corpus
@pytest.mark.parametrize("vector", _vectors("date_times"))
def test_date_time_vectors(vector, record_property):
    record_property("conformance", "esx_util")
    if vector["should_fail"]:
        with pytest.raises(EscapingError):
            escaping.parse_xsd_datetime(vector["input"])
        return
    assert escaping.parse_xsd_datetime(vector["input"]) == vector["expected_epoch"]


@needs_corpus
@pytest.mark.parametrize("vector", _vectors("datastore_item_escaping"))
def test_datastore_item_vectors(vector, record_property):
    record_property("conformance", "esx_util")
    assert vector["input"].encode("utf-8").hex() == vector["input_utf8_hex"]
    assert escaping.escape_datastore_item(vector["input"]) == vector["expected"]


@needs_corpus
@pytest.mark.parametrize("vector", _vectors("windows1252_to_utf8"))
def test_windows1252_vectors(vector, record_property):
    record_property("conformance", "esx_util")
    text = escaping.windows1252_to_text(bytes.fromhex(vector["input_hex"]))
    assert text == vector["expected"]
    assert text.encode("utf-8").hex() == vector["expected_utf8_hex"]


# VM names, displayName, annotation ------------------------------------------------


@pytest.mark.parametrize("name, escaped", [
    ("plain", "plain"),
    ("50%/a\\b", "50%25%2fa%5cb"),
    ("a|b\"c", "a|b\"c"),
])
def test_vm_name_escaping(name, escaped):
    assert escaping.escape_vm_name(name) == escaped
    assert escaping.unescape_vm_name(escaped) == name


@pytest.mark.parametrize("name, display_name", [
    ("annotation", "annotation"),
    ("a|b", "a|7cb"),
    ('say "hi"', "say |22hi|22"),
    ("50%/a\\b", "50%25%2fa%5cb"),
    ("|%", "|7c%25"),
])
def test_display_name_escaping(name, display_name):
    assert escaping.escape_display_name(name) == display_name
    assert escaping.unescape_display_name(display_name) == name


def test_display_name_reading_accepts_upper_case_hex_and_utf8_sequences():
    assert escaping.unescape_display_name("a|7Cb%2Fc%C3%A4") == "a|b/cä"


def test_annotation_matches_libvirt_corpus_text():
    description = 'Some |text| to test the "escaping": ||""||"| Unescaped!'
    expected = "Some |7ctext|7c to test the |22escaping|22: |7c|7c|22|22|7c|7c|22|7c Unescaped!"
    assert escaping.escape_annotation(description) == expected
    assert escaping.unescape_annotation(expected) == description
    # What VMware itself writes: upper-case hex, any byte.
    assert escaping.unescape_annotation("|45|73|63|61|70|65|64|21") == "Escaped!"


@pytest.mark.parametrize("text", ["|", "|7", "|zz", "a|4", "%g0", "%"])
def test_bad_escape_sequences_are_errors(text):
    with pytest.raises(EscapingError):
        escaping.unescape_display_name(text)


def test_escape_sequences_must_decode_to_utf8():
    with pytest.raises(EscapingError):
        escaping.unescape_annotation("|ff|fe")


def test_escaping_errors_belong_to_the_collection_error_family():
    assert issubclass(EscapingError, VirtEsxError)


# Datastore items and paths -----------------------------------------------------------


@pytest.mark.parametrize("name", ["", ".", ".."])
def test_datastore_item_names_that_would_leave_the_folder_are_refused(name):
    with pytest.raises(EscapingError):
        escaping.escape_datastore_item(name)


@pytest.mark.parametrize("name", ["../etc", "a/../../b", "/", "//", "...", "./x", "a\\..\\b"])
def test_datastore_item_escaping_never_yields_a_path(name):
    escaped = escaping.escape_datastore_item(name)
    assert "/" not in escaped and escaped not in ("", ".", "..")


def test_datastore_item_nul_is_refused():
    with pytest.raises(EscapingError):
        escaping.escape_datastore_item("a\0b")


def test_datastore_path_without_bracket_is_an_error():
    with pytest.raises(EscapingError):
        escaping.parse_datastore_path("datastore/file")


def test_datastore_path_without_closing_bracket_takes_all_as_datastore():
    assert tuple(escaping.parse_datastore_path("[datastore")) == ("datastore", "", "")


@pytest.mark.parametrize("datastore, path, text", [
    ("ds", "dir/a.vmdk", "[ds] dir/a.vmdk"),
    ("ds", "", "[ds]"),
    ("my ds", "a b/c.vmx", "[my ds] a b/c.vmx"),
])
def test_format_datastore_path_round_trips(datastore, path, text):
    assert escaping.format_datastore_path(datastore, path) == text
    parsed = escaping.parse_datastore_path(text)
    assert (parsed.datastore, parsed.directory_and_file) == (datastore, path)


@pytest.mark.parametrize("datastore", ["", "a]b", None])
def test_format_datastore_path_refuses_bad_datastores(datastore):
    with pytest.raises(EscapingError):
        escaping.format_datastore_path(datastore, "x")


# Dates -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, epoch", [
    ("2000-02-29T00:00:00Z", 951782400),
    ("2010-04-08T14:45:11.5", 1270737911),
    ("10000-01-01T00:00:00Z", 253402300800),
    ("1969-12-31T23:59:59Z", -1),
])
def test_xsd_datetime_beyond_the_vectors(text, epoch):
    assert escaping.parse_xsd_datetime(text) == epoch


@pytest.mark.parametrize("text", [
    "", "2010-04-08", "2010-04-08 12:45:11", "2010-13-01T00:00:00Z", "2010-02-30T00:00:00Z",
    "2011-02-29T00:00:00Z", "2010-04-08T24:00:00Z", "2010-04-08T12:45:11+15:00", "2010-04-08T12:45:11+0200",
    "0000-01-01T00:00:00Z", None,
])
def test_invalid_xsd_datetimes_are_errors(text):
    with pytest.raises(EscapingError):
        escaping.parse_xsd_datetime(text)


def test_windows1252_undefined_bytes_are_kept_as_c1_controls():
    assert escaping.windows1252_to_text(b"\x81\x8d\x8f\x90\x9d") == "\x81\x8d\x8f\x90\x9d"
