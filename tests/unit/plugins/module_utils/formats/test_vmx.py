# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmx.py: reading and writing .vmx text."""

from __future__ import annotations

import glob
import os

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import VmxError
from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import VmxFile, format_vmx, is_valid_key, parse_vmx, quote_value
from ansible_collections.virt.esx.tests.unit.plugins.module_utils.formats import conformance


def _corpus_files(pattern):
    if conformance.CORPUS is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=conformance.SKIP_REASON), id="corpus-absent")]
    paths = sorted(glob.glob(os.path.join(conformance.CORPUS, pattern)))
    return [pytest.param(path, id=os.path.relpath(path, conformance.CORPUS)) for path in paths]


@pytest.mark.parametrize("path", _corpus_files("*/*.vmx"))
def test_every_corpus_vmx_file_parses(path):
    with open(path, "rb") as handle:
        data = handle.read()
    vmx = parse_vmx(data)
    assert vmx.get("config.version") == "8"
    assert len(vmx) == sum(1 for line in data.decode("ascii").splitlines() if "=" in line and not line.lstrip().startswith("#"))


@pytest.mark.parametrize("path", _corpus_files("xml2vmx/*.vmx"))
def test_libvirt_written_vmx_renders_back_identically(path):
    with open(path, "r", encoding="utf-8", newline="") as handle:
        text = handle.read()
    assert parse_vmx(text).render() == text
    assert format_vmx(parse_vmx(text).items()) == text


# Reading ---------------------------------------------------------------------------


def test_keys_match_regardless_of_case():
    vmx = parse_vmx('Scsi0:0.FileName = "a.vmdk"\nDISPLAYNAME = "x"\n')
    assert vmx.get("scsi0:0.fileName") == "a.vmdk"
    assert vmx.has("displayname") and "DisplayName" in vmx
    assert vmx.get("missing") is None and vmx.get("missing", "d") == "d"
    assert vmx.keys() == ["Scsi0:0.FileName", "DISPLAYNAME"]


def test_duplicate_keys_first_wins_like_libvirt_and_are_reported():
    vmx = parse_vmx('memsize = "512"\nnumvcpus = "2"\nMEMSIZE = "1024"\nmemsize = "4"\n')
    assert vmx.get("memsize") == "512"
    assert vmx.line_of("memsize") == 1
    assert vmx.duplicate_keys() == ["memsize"]
    assert vmx.items() == [("memsize", "512"), ("numvcpus", "2"), ("MEMSIZE", "1024"), ("memsize", "4")]


def test_value_forms_comments_and_separators():
    text = ('# header\n\n  a = "x y" # trailing\nb=\'say "hi"\'; c = bare\n'
            'd = """two\nlines"""\ne = ""\n\t f\t=\t"tab"\r\n')
    vmx = parse_vmx(text)
    assert vmx.items() == [("a", "x y"), ("b", 'say "hi"'), ("c", "bare"), ("d", "two\nlines"), ("e", ""), ("f", "tab")]
    assert vmx.line_of("d") == 5 and vmx.line_of("e") == 7 and vmx.line_of("f") == 8


def test_values_are_kept_as_written():
    vmx = parse_vmx('annotation = "a|22b|7cc"\ndisplayName = "x%2fy"\n')
    assert vmx.get("annotation") == "a|22b|7cc"
    assert vmx.get("displayName") == "x%2fy"


@pytest.mark.parametrize("text, line, fragment", [
    ('a = "x', 1, "unterminated"),
    ('a = "1"\nb "x"\n', 2, "expecting '='"),
    ('a = "1"\n\n1a = "x"\n', 3, "expecting a key"),
    ('a = "x" y\n', 1, "line break"),
    ('a = \nb = "c"', 1, "expecting a value"),
    ('a = "x\ny"', 1, "unterminated"),
    ('a = """x', 1, "unterminated"),
    ('a = [ "x" ]', 1, "expecting a value"),
    ('a = "1"\nb = "\x00"\n', 2, "NUL"),
])
def test_malformed_input_names_the_line(text, line, fragment):
    with pytest.raises(VmxError) as caught:
        parse_vmx(text)
    assert "line %d" % line in str(caught.value)
    assert fragment in str(caught.value)


def test_get_bool():
    vmx = parse_vmx('a = "TRUE"\nb = "false"\nc = "yes"\n')
    assert vmx.get_bool("a") is True and vmx.get_bool("b") is False
    assert vmx.get_bool("missing") is None and vmx.get_bool("missing", True) is True
    with pytest.raises(VmxError, match=r"'c' \(line 3\).*'yes'"):
        vmx.get_bool("c")


def test_get_int():
    vmx = parse_vmx('a = "42"\nb = "-7"\nc = " +3"\nd = "Unlimited"\ne = "4k"\nf = ""\ng = "99999999999999999999"\n')
    assert (vmx.get_int("a"), vmx.get_int("b"), vmx.get_int("c")) == (42, -7, 3)
    assert vmx.get_int("d") == -1 and vmx.get_int("d", unlimited=None) is None
    assert vmx.get_int("missing", 32) == 32
    for key in "efg":
        with pytest.raises(VmxError, match="'%s'" % key):
            vmx.get_int(key)


def test_keys_with_prefix():
    vmx = parse_vmx('ethernet0.present = "true"\nEthernet1.present = "true"\nethernetX = "1"\nfoo = "2"\n')
    assert vmx.keys_with_prefix("ethernet") == ["ethernet0.present", "Ethernet1.present", "ethernetX"]


# Encodings -------------------------------------------------------------------------


def test_declared_windows_1252_is_decoded():
    data = '.encoding = "windows-1252"\ndisplayName = "Caf\xe9 \u20ac"\n'.encode("cp1252")
    vmx = parse_vmx(data)
    assert vmx.get("displayName") == "Caf\xe9 \u20ac"
    assert vmx.encoding == "windows-1252"


def test_encoding_key_is_case_insensitive_and_any_python_codec_works():
    data = '.Encoding = "Shift_JIS"\nannotation = "\u65e5\u672c"\n'.encode("shift_jis")
    assert parse_vmx(data).get("annotation") == "\u65e5\u672c"


def test_utf8_is_assumed_without_encoding_and_bad_bytes_are_reported():
    assert parse_vmx('a = "\u00e4"\n'.encode("utf-8")).get("a") == "\u00e4"
    with pytest.raises(VmxError, match="line 2.*no .encoding"):
        parse_vmx(b'a = "1"\nb = "\xe4"\n')


def test_explicit_encoding_overrides_the_file():
    assert parse_vmx(b'.encoding = "UTF-8"\na = "\xe4"\n', encoding="latin-1").get("a") == "\u00e4"


@pytest.mark.parametrize("name", ["no-such-codec", "UTF-16", "base64", "utf-32"])
def test_unusable_encodings_are_refused(name):
    with pytest.raises(VmxError, match="encoding"):
        parse_vmx(('.encoding = "%s"\na = "1"\n' % name).encode("ascii"))


def test_byte_order_mark_is_ignored():
    assert parse_vmx(b'\xef\xbb\xbfa = "1"\n').get("a") == "1"
    assert parse_vmx('\ufeffa = "1"\n').get("a") == "1"


def test_text_with_surrogate_escapes_is_decoded_with_the_declared_encoding():
    raw = '.encoding = "windows-1252"\na = "\xe9"\n'.encode("cp1252")
    assert parse_vmx(raw.decode("utf-8", "surrogateescape")).get("a") == "\xe9"


def test_rendering_is_utf8_whatever_the_input_encoding():
    vmx = parse_vmx('.encoding = "windows-1252"\na = "\xe9"\n'.encode("cp1252"))
    assert vmx.to_bytes() == '.encoding = "UTF-8"\na = "\xe9"\n'.encode("utf-8")
    assert parse_vmx(vmx.to_bytes()).get("a") == "\xe9"


def test_bad_input_type():
    with pytest.raises(VmxError):
        parse_vmx(42)


# Writing ---------------------------------------------------------------------------


def test_writer_renders_like_libvirt():
    vmx = VmxFile()
    vmx.add("config.version", "8")
    vmx.add("virtualHW.version", "4")
    vmx.add("displayName", "a|7cb")
    assert vmx.render() == '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "4"\ndisplayName = "a|7cb"\n'


def test_writer_refuses_duplicates_bad_keys_and_non_text():
    vmx = VmxFile()
    vmx.add("memsize", "4")
    with pytest.raises(VmxError, match="already"):
        vmx.add("MEMSIZE", "8")
    for key in ("", "1abc", "a b", "a=b", 'a"', None):
        with pytest.raises(VmxError):
            vmx.add(key, "x")
    with pytest.raises(VmxError):
        vmx.add("numvcpus", 2)


def test_set_replaces_in_place_and_remove_drops_all():
    vmx = parse_vmx('a = "1"\nb = "2"\nA = "3"\n')
    vmx.set("B", "20")
    vmx.set("c", "30")
    assert vmx.items() == [("a", "1"), ("b", "20"), ("A", "3"), ("c", "30")]
    assert vmx.remove("a") == 2
    assert vmx.items() == [("b", "20"), ("c", "30")]


def test_characters_a_quoted_value_cannot_hold_are_pipe_encoded():
    assert quote_value('say "hi"\nbye\ttab|7c') == '"say |22hi|22|0abye\ttab|7c"'
    vmx = VmxFile()
    vmx.add("annotation", 'x"y\r\n')
    assert vmx.render().splitlines()[1] == 'annotation = "x|22y|0d|0a"'


def test_encoding_entries_are_rewritten_as_utf8_first_line():
    vmx = parse_vmx('a = "1"\n.encoding = "windows-1252"\n# note\nb = "2" # why\n')
    assert vmx.render() == '.encoding = "UTF-8"\na = "1"\n# note\nb = "2" # why\n'


@pytest.mark.parametrize("key, valid", [
    ("config.version", True), ("scsi0:0.fileName", True), (".encoding", True), ("a-b_c", True),
    ("0a", False), ("a b", False), ("", False), ("a/b", False),
])
def test_is_valid_key(key, valid):
    assert is_valid_key(key) is valid
