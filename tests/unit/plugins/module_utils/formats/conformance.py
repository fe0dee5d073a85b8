# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access to libvirt 9.0.0's VMX <-> XML conformance corpus, and its test callbacks.

The corpus lives outside the repository (see its README.md). It is found at, in order:
``$VIRT_ESX_CONFORMANCE``; ``<repository>/../shared/conformance/libvirt-9.0.0``; the
first ``shared/conformance/libvirt-9.0.0`` in a parent directory of this file or of
the current directory (tests also run from copies such as
``build/ansible_collections/virt/esx``).

The callbacks implement the file-name rules of libvirt's test programs that the
expected outputs depend on:

``resolve_file(name, allow_missing=False)``   VMX ``fileName`` -> XML source (vmx2xml);
    returns None for a missing file when ``allow_missing``, raises VirtEsxError otherwise.
``format_file(source)``                       XML source -> VMX ``fileName`` (xml2vmx).
``autodetect_scsi_model(*args, **kwargs)``    always ``"lsilogic"``.
"""

from __future__ import annotations

import difflib
import json
import os

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError

CORPUS_NAME = "libvirt-9.0.0"
_RELATIVE = os.path.join("shared", "conformance", CORPUS_NAME)
_HERE = os.path.dirname(os.path.abspath(__file__))
# tests/unit/plugins/module_utils/formats -> repository root
REPOSITORY_ROOT = os.path.abspath(os.path.join(_HERE, "..", "..", "..", "..", ".."))


def _is_corpus(path):
    return bool(path) and os.path.isfile(os.path.join(path, "cases.json"))


def _parents(start):
    current = os.path.abspath(start)
    while True:
        yield current
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


def corpus_candidates():
    """Every directory that is tried, in order."""
    candidates = []
    env = os.environ.get("VIRT_ESX_CONFORMANCE")
    if env:
        candidates.append(os.path.abspath(env))
    candidates.append(os.path.abspath(os.path.join(REPOSITORY_ROOT, "..", _RELATIVE)))
    for start in (REPOSITORY_ROOT, os.getcwd()):
        candidates.extend(os.path.join(parent, _RELATIVE) for parent in _parents(start))
    unique = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def find_corpus():
    """The corpus directory, or None."""
    env = os.environ.get("VIRT_ESX_CONFORMANCE")
    if env:
        # An explicit setting wins; a wrong one must not silently fall back to another copy.
        return os.path.abspath(env) if _is_corpus(env) else None
    for candidate in corpus_candidates():
        if _is_corpus(candidate):
            return candidate
    return None


CORPUS = find_corpus()
SKIP_REASON = (
    "libvirt conformance corpus not found (set VIRT_ESX_CONFORMANCE; tried %s)" % ", ".join(corpus_candidates())
    if CORPUS is None else "")


def corpus_path(relative):
    return os.path.join(CORPUS, relative)


def read_text(relative):
    with open(corpus_path(relative), "r", encoding="utf-8", newline="") as handle:
        return handle.read()


def load_cases():
    """The cases of cases.json (empty when the corpus is absent)."""
    if CORPUS is None:
        return []
    with open(corpus_path("cases.json"), encoding="utf-8") as handle:
        return json.load(handle)["cases"]


def load_esx_util():
    """esx_util.json as a dict (empty when the corpus is absent)."""
    if CORPUS is None:
        return {}
    with open(corpus_path("esx_util.json"), encoding="utf-8") as handle:
        return json.load(handle)


# The test callbacks ---------------------------------------------------------

_VMFS_PREFIX = "/vmfs/volumes/"


def _is_missing(datastore, path):
    return datastore == "missing" or path.startswith("missing")


def resolve_file(name, allow_missing=False):
    """VMX file name -> XML source, by the rules of libvirt's vmx2xml test."""
    if name.startswith(_VMFS_PREFIX):
        segments = name[len(_VMFS_PREFIX):].split("/")
        while segments and segments[0] == "":
            segments.pop(0)
        if not segments:
            raise VirtEsxError("file name %r has no datastore" % (name,))
        datastore = segments[0]
        path = "/".join(segments[1:])
        if path == "":
            raise VirtEsxError("file name %r has no path after the datastore" % (name,))
        if _is_missing(datastore, path):
            if allow_missing:
                return None
            raise VirtEsxError("file %r does not exist" % (name,))
        return "[%s] %s" % (datastore, path)
    if name.startswith("/"):
        return name
    if "/" in name:
        raise VirtEsxError("relative file name %r contains a '/'" % (name,))
    return "[datastore] directory/%s" % name


def format_file(source):
    """XML source -> VMX file name, by the rules of libvirt's xml2vmx test."""
    if source.startswith("["):
        close = source.find("]")
        if close < 0:
            datastore, path = source[1:], ""
        else:
            datastore, path = source[1:close], source[close + 1:].lstrip(" ")
        if datastore == "":
            raise VirtEsxError("source %r has an empty datastore name" % (source,))
        return "/vmfs/volumes/%s/%s" % (datastore, path)
    if source.startswith("/"):
        return source
    raise VirtEsxError("source %r is neither a datastore path nor an absolute path" % (source,))


def autodetect_scsi_model(*_args, **_kwargs):
    return "lsilogic"


# Comparison -----------------------------------------------------------------


def canonical_xml(text):
    """XML in canonical form: whitespace-only text dropped, then C14N (namespaces and attribute order normalised)."""
    from lxml import etree

    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)
    data = text.encode("utf-8") if isinstance(text, str) else text
    root = etree.fromstring(data, parser=parser)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(root, method="c14n").decode("utf-8")


def pretty_canonical_xml(text):
    from lxml import etree

    root = etree.fromstring(canonical_xml(text).encode("utf-8"))
    etree.indent(root)
    return etree.tostring(root, encoding="unicode")


def xml_difference(expected, actual):
    """None when the two XML texts are canonically equal, else a readable diff."""
    if canonical_xml(expected) == canonical_xml(actual):
        return None
    return "\n".join(difflib.unified_diff(pretty_canonical_xml(expected).splitlines(),
                                          pretty_canonical_xml(actual).splitlines(),
                                          "expected", "actual", lineterm=""))


def vmx_lines(text):
    return text.splitlines()


def vmx_difference(expected, actual):
    """None when the VMX texts have the same lines in the same order, else a diff."""
    if expected.endswith("\n") and not actual.endswith("\n"):
        actual += "\n"
    if vmx_lines(expected) == vmx_lines(actual) and expected.endswith("\n") == actual.endswith("\n"):
        return None
    return "\n".join(difflib.unified_diff(vmx_lines(expected), vmx_lines(actual), "expected", "actual", lineterm=""))
