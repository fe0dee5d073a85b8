# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt 9.0.0's vmx2xml and xml2vmx test cases, run through the domain.py facade.

One test per case of cases.json (test id = case id). The pass counts per direction are
printed at the end of the run by tests/unit/conftest.py.
"""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import VirtEsxError
from ansible_collections.virt.esx.tests.unit.plugins.module_utils.formats import conformance

CASES = conformance.load_cases()
pytestmark = pytest.mark.skipif(conformance.CORPUS is None, reason=conformance.SKIP_REASON)


def _case_params(direction):
    cases = [case for case in CASES if case["direction"] == direction]
    if not cases:
        return [pytest.param(None, id="%s/corpus-absent" % direction)]
    return [pytest.param(case, id=case["id"]) for case in cases]


def _domain():
    from ansible_collections.virt.esx.plugins.module_utils.formats import domain

    return domain


@pytest.mark.parametrize("case", _case_params("vmx2xml"))
def test_vmx2xml(case, record_property):
    record_property("conformance", "vmx2xml")
    vmx_text = conformance.read_text(case["input"])
    convert = _domain().vmx_to_domain_xml
    if case["should_fail"]:
        with pytest.raises(VirtEsxError):
            convert(vmx_text, resolve_file=conformance.resolve_file,
                    datacenter_path=case["datacenter_path"], secure=True)
        return
    actual = convert(vmx_text, resolve_file=conformance.resolve_file,
                     datacenter_path=case["datacenter_path"], secure=True)
    difference = conformance.xml_difference(conformance.read_text(case["expected"]), actual)
    assert difference is None, "%s: domain XML differs from %s:\n%s" % (case["id"], case["expected"], difference)


@pytest.mark.parametrize("case", _case_params("xml2vmx"))
def test_xml2vmx(case, record_property):
    record_property("conformance", "xml2vmx")
    xml_text = conformance.read_text(case["input"])
    convert = _domain().domain_xml_to_vmx
    kwargs = dict(virtual_hw_version=case["virtual_hw_version"], format_file=conformance.format_file,
                  autodetect_scsi_model=conformance.autodetect_scsi_model, datacenter_path=case["datacenter_path"])
    if case["should_fail"]:
        with pytest.raises(VirtEsxError):
            convert(xml_text, **kwargs)
        return
    actual = convert(xml_text, **kwargs)
    difference = conformance.vmx_difference(conformance.read_text(case["expected"]), actual)
    assert difference is None, "%s: VMX differs from %s:\n%s" % (case["id"], case["expected"], difference)


def test_corpus_is_complete():
    """The manifest's counts match its cases and every referenced file exists."""
    import json
    import os

    with open(conformance.corpus_path("cases.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    for direction, counts in manifest["counts"].items():
        cases = [case for case in CASES if case["direction"] == direction]
        assert len(cases) == counts["cases"]
        assert sum(1 for case in cases if case["should_fail"]) == counts["should_fail"]
    for case in CASES:
        assert os.path.isfile(conformance.corpus_path(case["input"])), case["input"]
        assert case["should_fail"] == (case["expected"] is None)
        if case["expected"]:
            assert os.path.isfile(conformance.corpus_path(case["expected"])), case["expected"]
