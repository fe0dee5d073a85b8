# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The --tags run of benchmarks/inventory.py: the inventory with and without tags and custom attributes.

    .venv/bin/python benchmarks/inventory.py --tags [--vms 1000 10000] [--runs 3] [--page-size 1000]

For each VM count it starts the simulator in vCenter mode with every VM carrying 3 tags (in 3
single-cardinality categories of 10 tags each) and 2 custom attributes (-vm-tags 3 -vm-attributes 2),
and runs ``ansible-inventory --list`` over two configurations of the same endpoint: without
``gather_tags`` (custom attributes only: they are in the same paged query) and with it. For each it
prints the median wall time and the HTTP requests counted at the simulator: SOAP calls, and the
Automation API requests (login, tag and category reads, bulk association reads, logout). It checks
that every VM got its 3 tags and 2 attributes, and that the requests beyond the property pages are
the same at every VM count (they depend on the tags, not on the VMs).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys

TAGS_PER_VM = 3
ATTRIBUTES_PER_VM = 2


def _config(workdir, info, name, page_size, gather_tags, username, password):
    path = os.path.join(workdir, '%s.esx.yml' % name)
    with open(path, 'w') as handle:
        handle.write('plugin: virt.esx.vms\nhostname: %s\nport: %d\nusername: %s\npassword: %s\nca_file: %s\n'
                     'page_size: %d\ngather_tags: %s\nkeyed_groups:\n  - key: esx_tags\n    prefix: tag\n'
                     % (info['host'], info['port'], username, password, info['ca_file'], page_size,
                        'true' if gather_tags else 'false'))
    return path


def measure_tags(bench, args, workdir, env, vms):
    """One VM count: {without, with} -> wall, SOAP requests, REST requests, pages."""
    # In vCenter mode the simulator's -vms is per host and per cluster (one of each by default).
    per_container = max(1, vms // 2)
    ready = os.path.join(workdir, 'ready-tags-%d.json' % vms)
    log = open(os.path.join(workdir, 'simulator-tags-%d.log' % vms), 'wb')
    command = [bench.BINARY, '-mode', 'vpx', '-vms', str(per_container), '-username', bench.USERNAME, '-password',
               bench.PASSWORD, '-ready-file', ready, '-vm-tags', str(TAGS_PER_VM), '-vm-attributes', str(ATTRIBUTES_PER_VM)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        import time
        deadline = time.time() + 300
        while not os.path.exists(ready):
            if process.poll() is not None or time.time() > deadline:
                raise SystemExit('the simulator did not start; see %s' % log.name)
            time.sleep(0.05)
        with open(ready) as handle:
            info = json.load(handle)
        inventory = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
        row = dict(vms=info['vms'], pages=math.ceil(info['vms'] / args.page_size))
        for label, gather in (('without', False), ('with', True)):
            config = _config(workdir, info, 'tags-%s-%d' % (label, vms), args.page_size, gather, bench.USERNAME, bench.PASSWORD)
            walls, soap, other = [], [], []
            listing = None
            for run in range(args.runs):
                bench.control(info, '/counters/reset', 'POST')
                output = os.path.join(workdir, 'listing.json')
                with open(output, 'wb') as handle:
                    elapsed, _peak, _stderr = bench.run_measured([inventory, '-i', config, '--list'], env, stdout=handle)
                counters = bench.control(info, '/counters')
                walls.append(elapsed)
                soap.append(counters['total'])
                other.append(sum(counters['other'].values()))
                if run == 0:
                    with open(output) as handle:
                        listing = json.load(handle)
            hostvars = listing['_meta']['hostvars']
            if len(hostvars) != info['vms']:
                raise SystemExit('%d VMs in the simulator, %d in the inventory' % (info['vms'], len(hostvars)))
            for name, variables in hostvars.items():
                if len(variables.get('esx_custom_attributes') or {}) != ATTRIBUTES_PER_VM:
                    raise SystemExit('%s has custom attributes %r' % (name, variables.get('esx_custom_attributes')))
                if gather and len(variables.get('esx_tags') or ()) != TAGS_PER_VM:
                    raise SystemExit('%s has tags %r' % (name, variables.get('esx_tags')))
            if gather and not any(group.startswith('tag_category_0_tag_') for group in listing):
                raise SystemExit('no keyed group from esx_tags: %s' % sorted(listing)[:20])
            row[label] = dict(wall=statistics.median(walls), soap=max(soap), rest=max(other))
    finally:
        process.terminate()
        process.wait(timeout=60)
    return row


def run(bench, args, workdir, env):
    rows = []
    for vms in args.vms:
        row = measure_tags(bench, args, workdir, env, vms)
        print(json.dumps(row), file=sys.stderr)
        rows.append(row)
    # Beyond the property pages, the requests must not depend on the number of VMs.
    fixed = set((row['with']['soap'] - row['pages'], row['with']['rest']) for row in rows)
    lines = [
        '| VMs | without tags: time | requests (SOAP + other) | with `gather_tags`: time | requests (SOAP + Automation API) '
        '| property pages |',
        '| --- | --- | --- | --- | --- | --- |',
    ]
    for row in rows:
        lines.append('| {vms:,} | {w[wall]:.2f} s | {w[soap]} + {w[rest]} | {t[wall]:.2f} s | {t[soap]} + {t[rest]} | {pages} |'
                     .format(w=row['without'], t=row['with'], **row))
    lines.append('')
    lines.append('vCenter mode, %d tags (of 30, in 3 single categories) and %d custom attributes per VM, page size %d, '
                 'median of %d `ansible-inventory --list` runs; requests counted at the simulator, login and logout '
                 'included. Requests beyond the pages the same at every VM count: %s.'
                 % (TAGS_PER_VM, ATTRIBUTES_PER_VM, args.page_size, args.runs, 'yes' if len(fixed) == 1 else 'NO %r' % fixed))
    text = '\n'.join(lines)
    print(text)
    if args.table:
        with open(args.table, 'w') as handle:
            handle.write(text + '\n')
    return 0 if len(fixed) == 1 else 1
