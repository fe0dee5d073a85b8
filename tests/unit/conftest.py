# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest set-up of the unit tests.

- Hypothesis profiles, chosen with HYPOTHESIS_PROFILE: ``ci`` (1,000 examples per
  property, the default), ``dev`` (100) and ``quick`` (20). ``ci`` is the default
  because ``ansible-test units`` (``make units``) passes no environment variables
  through to the tests; set HYPOTHESIS_PROFILE=dev for quicker runs of plain pytest.
- A summary line of the libvirt conformance results, e.g.
  ``conformance: vmx2xml 57/58 passed, xml2vmx 48/48 passed; esx_util 39/39``.
  Tests join a group with ``record_property("conformance", "<group>")``; the counts
  come from the test reports, so they are right under pytest-xdist too.
"""

from __future__ import annotations

import os
from collections import OrderedDict

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is a test requirement
    settings = None

if settings is not None:
    _COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("ci", max_examples=1000, **_COMMON)
    settings.register_profile("dev", max_examples=100, **_COMMON)
    settings.register_profile("quick", max_examples=20, **_COMMON)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_GROUP_ORDER = ("vmx2xml", "xml2vmx", "esx_util")
_RESULTS = OrderedDict()


def pytest_runtest_logreport(report):
    group = dict(report.user_properties).get("conformance") if report.user_properties else None
    if group is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        counts = _RESULTS.setdefault(group, {"passed": 0, "total": 0, "skipped": 0})
        if report.skipped:
            counts["skipped"] += 1
            return
        counts["total"] += 1
        if report.passed:
            counts["passed"] += 1


def _summary_line():
    parts = []
    groups = [g for g in _GROUP_ORDER if g in _RESULTS] + [g for g in _RESULTS if g not in _GROUP_ORDER]
    for group in groups:
        counts = _RESULTS[group]
        text = "%s %d/%d passed" % (group, counts["passed"], counts["total"])
        if counts["skipped"]:
            text += " (%d skipped)" % counts["skipped"]
        parts.append(text)
    directions = [p for p, g in zip(parts, groups) if g != "esx_util"]
    rest = [p for p, g in zip(parts, groups) if g == "esx_util"]
    return "conformance: " + "; ".join(x for x in (", ".join(directions), ", ".join(rest)) if x)


def pytest_terminal_summary(terminalreporter):
    if _RESULTS:
        terminalreporter.write_line(_summary_line())
