# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open the built docs site in headless Chromium as a reader would, and check what it shows.

    python tests/docs-check.py SITE_HTML_DIR SCREENSHOT_DIR

Chromium renders the index and the virt.esx.vm module page (scripts run, as in a browser); the DOM it
ends with must hold the guides and the plugin index (index), and the options table with the module's
options and the examples (module page). A screenshot of each goes to SCREENSHOT_DIR (CI keeps them under
tests/output). Standard library only.
"""

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
                  '--disable-dev-shm-usage']


def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    sys.exit('docs-check: no Chromium found (Debian package chromium; tests/install-system-deps.sh docs installs it)')


class Page(HTMLParser):
    """The parts of a rendered page the checks look at."""

    def __init__(self):
        super().__init__()
        self.links, self.option_names, self.example_text = set(), [], []
        self.option_tables = 0
        self._stack = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get('class') or '').split()
        if tag == 'a' and attrs.get('href'):
            self.links.add(attrs['href'].split('#', 1)[0])
        if tag == 'table' and 'ansible-option-table' in classes:
            self.option_tables += 1
        self._stack.append((tag, attrs.get('id'), classes))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(tag == 'strong' for tag, _id, _classes in self._stack) and \
                any('ansible-option-title' in classes for _tag, _id, classes in self._stack):
            self.option_names.append(data.strip())
        if any(element_id == 'examples' for _tag, element_id, _classes in self._stack) and \
                any(tag == 'pre' for tag, _id, _classes in self._stack):
            self.example_text.append(data)


def render(browser, path, screenshot):
    url = 'file://' + os.path.abspath(path)
    dom = subprocess.run([browser] + CHROMIUM_FLAGS + ['--dump-dom', url], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    subprocess.run([browser] + CHROMIUM_FLAGS + ['--window-size=1280,1600', '--screenshot=' + screenshot, url],
                   capture_output=True, timeout=120, check=True)
    with open(screenshot, 'rb') as handle:
        if handle.read(8) != b'\x89PNG\r\n\x1a\n' or os.path.getsize(screenshot) < 20000:
            sys.exit('docs-check: Chromium wrote no real screenshot of %s' % path)
    page = Page()
    page.feed(dom)
    return page


def main(site, shots):
    os.makedirs(shots, exist_ok=True)
    browser = chromium()
    failures = []
    index = render(browser, os.path.join(site, 'index.html'), os.path.join(shots, 'index.png'))
    for link in ('guides/getting-started.html', 'guides/vms.html', 'collections/index.html'):
        if link not in index.links:
            failures.append('the index does not link to %s' % link)
    module = render(browser, os.path.join(site, 'collections', 'virt', 'esx', 'vm_module.html'),
                    os.path.join(shots, 'vm_module.png'))
    if module.option_tables < 1:
        failures.append('the vm module page shows no options table')
    for option in ('name', 'xml', 'vcpus', 'memory_mb', 'state', 'auto_answer', 'hostname', 'password'):
        if option not in module.option_names:
            failures.append('the options table lacks %s' % option)
    examples = ''.join(module.example_text)
    if 'virt.esx.vm:' not in examples:
        failures.append('the vm module page shows no example using virt.esx.vm')
    if failures:
        sys.exit('docs-check: ' + '; '.join(failures))
    print('docs-check: Chromium rendered the index (%d links) and the vm module page (%d options, %d example lines);'
          ' screenshots in %s' % (len(index.links), len(module.option_names), examples.count('\n'), shots))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
