# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Conversions per second over libvirt 9.0.0's VMX <-> XML corpus.

Run from the repository root:  .venv/bin/python benchmarks/vmx.py [--seconds N] [--corpus DIR]
The collection is made importable through a temporary ansible_collections/virt/esx link.
"""

from __future__ import annotations

import argparse
import atexit
import os
import platform
import shutil
import sys
import tempfile
import time

REPOSITORY_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _make_importable():
    base = tempfile.mkdtemp(prefix="virt-esx-bench-")
    atexit.register(shutil.rmtree, base, True)  # removes the link, never the repository behind it
    namespace = os.path.join(base, "ansible_collections", "virt")
    os.makedirs(namespace)
    os.symlink(REPOSITORY_ROOT, os.path.join(namespace, "esx"))
    sys.path.insert(0, base)


def _measure(function, inputs, seconds):
    """Runs over all inputs until ``seconds`` passed; returns (conversions, elapsed)."""
    count = 0
    started = time.perf_counter()
    while True:
        for item in inputs:
            function(item)
        count += len(inputs)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    parser.add_argument("--corpus", help="corpus directory (default: as the unit tests find it)")
    options = parser.parse_args(argv)
    if options.corpus:
        os.environ["VIRT_ESX_CONFORMANCE"] = options.corpus

    _make_importable()
    from ansible_collections.virt.esx.plugins.module_utils.formats.domain import domain_xml_to_vmx, vmx_to_domain_xml
    from ansible_collections.virt.esx.plugins.module_utils.formats.vmx import parse_vmx
    from ansible_collections.virt.esx.tests.unit.plugins.module_utils.formats import conformance

    if conformance.CORPUS is None:
        sys.exit(conformance.SKIP_REASON)
    cases = [case for case in conformance.load_cases() if not case["should_fail"]]
    vmx_inputs = [(conformance.read_text(c["input"]), c["datacenter_path"]) for c in cases if c["direction"] == "vmx2xml"]
    xml_inputs = [(conformance.read_text(c["input"]), c["virtual_hw_version"]) for c in cases if c["direction"] == "xml2vmx"]

    rows = [
        ("vmx2xml (vmx_to_domain_xml)", vmx_inputs,
         lambda item: vmx_to_domain_xml(item[0], resolve_file=conformance.resolve_file, datacenter_path=item[1], secure=True)),
        ("xml2vmx (domain_xml_to_vmx)", xml_inputs,
         lambda item: domain_xml_to_vmx(item[0], virtual_hw_version=item[1], format_file=conformance.format_file,
                                        autodetect_scsi_model=conformance.autodetect_scsi_model)),
        ("VMX parse only (vmx.parse_vmx)", vmx_inputs, lambda item: parse_vmx(item[0])),
    ]
    print("virt.esx VMX <-> XML benchmark: Python %s on %s, corpus %s" % (
        platform.python_version(), platform.machine(), conformance.CORPUS_NAME))
    print("| direction | inputs | conversions | seconds | conversions/s | ms/conversion |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, inputs, function in rows:
        for item in inputs:  # warm-up, and a failure shows before timing starts
            function(item)
        count, elapsed = _measure(function, inputs, options.seconds)
        print("| %s | %d | %d | %.2f | %.0f | %.3f |" % (label, len(inputs), count, elapsed, count / elapsed,
                                                         1000.0 * elapsed / count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
