# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoints read at the same time: results in endpoint order, bounded, the first error wins."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.virt.esx.plugins.plugin_utils.endpoints import fetch_all


def test_endpoints_overlap_and_results_keep_their_order():
    running, peak, lock = [0], [0], threading.Lock()

    def fetch(endpoint):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2 if endpoint == 'a' else 0.05)  # the first endpoint answers last
        with lock:
            running[0] -= 1
        return [endpoint]

    started = time.monotonic()
    assert fetch_all(['a', 'b', 'c', 'd', 'e'], fetch, max_workers=3) == [['a'], ['b'], ['c'], ['d'], ['e']]
    assert peak[0] == 3
    assert time.monotonic() - started < 0.2 + 0.05 * 4  # less than the sum of the waits


def test_the_first_failing_endpoint_fails_the_run():
    def fetch(endpoint):
        if endpoint in ('b', 'c'):
            time.sleep(0.05 if endpoint == 'b' else 0)
            raise ValueError(endpoint)
        return [endpoint]

    with pytest.raises(ValueError, match='b'):
        fetch_all(['a', 'b', 'c'], fetch)


def test_one_endpoint_needs_no_thread():
    assert fetch_all(['a'], lambda endpoint: threading.current_thread().name) == [threading.main_thread().name]
