# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several endpoints of one inventory source, read at the same time.

A run over five vCenters spends most of its time waiting for each server to
build its answer; reading them one after the other adds those waits up.
:func:`fetch_all` reads them in a bounded pool of threads (each endpoint has its
own session and HTTP connections, nothing is shared between them) and returns
the results in the order of the endpoints, so that host names and groups do not
depend on which server answered first.  The first failing endpoint (in that
order) fails the run, as a sequential run would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

# Enough to overlap the waits of a few vCenters without opening dozens of connections at once.
MAX_CONCURRENT_ENDPOINTS = 4


def fetch_all(endpoints, fetch_one, max_workers=MAX_CONCURRENT_ENDPOINTS):
    """[fetch_one(endpoint) for endpoint in endpoints], up to ``max_workers`` at a time; raises the first error."""
    endpoints = list(endpoints)
    if len(endpoints) <= 1 or max_workers <= 1:
        return [fetch_one(endpoint) for endpoint in endpoints]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(endpoints)), thread_name_prefix='virt-esx-endpoint') as pool:
        futures = [pool.submit(fetch_one, endpoint) for endpoint in endpoints]
        # result() re-raises in endpoint order; the pool waits for the others before the error leaves.
        return [future.result() for future in futures]
