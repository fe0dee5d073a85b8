#!/usr/bin/env bash
# make docs: the plugin docs linted by antsibull-docs, then the HTML docs site as docs.ansible.com renders a
# collection (antsibull-docs + Sphinx with the Ansible theme), with the guides of docs/ (Markdown, via MyST).
# Offline: the links to docs.ansible.com resolve through tests/docsite_inventory.py's inventory.
#   tests/docs-build.sh COLLECTIONS_DIR SITE_DIR   (COLLECTIONS_DIR holds ansible_collections/virt/esx)
#   VIRT_ESX_TOOLS_VENV  the venv with antsibull-docs and Sphinx (default: .venv-tools)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
collections=$(cd "$1" && pwd)
site=$2
tools=${VIRT_ESX_TOOLS_VENV:-$root/.venv-tools}
export PATH="$tools/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$collections"
started=$(date +%s%N)

(cd "$collections/ansible_collections/virt/esx" && antsibull-docs lint-collection-docs --plugin-docs .)
echo "antsibull-docs lint-collection-docs --plugin-docs: clean"

rm -rf "$site"
mkdir -p "$site" && chmod 700 "$site"   # antsibull-docs writes only into a directory no one else can write to
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$site" --project virt.esx --title virt.esx \
    --copyright "virt.esx contributors" --index-rst-source "$root/docs/docsite/index.rst" virt.esx >/dev/null
cd "$site"
mkdir -p rst && chmod og-w rst
antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current --fail-on-error \
    --dest-dir rst virt.esx >/dev/null
mkdir -p rst/guides rst/demo
cp "$root"/docs/*.md rst/guides/
cp "$root/demo/README.md" rst/demo/README.md
"$tools/bin/python" "$root/tests/docsite_inventory.py" ansible_devel.inv
cat >> conf.py <<'CONF'

# virt.esx: the guides are Markdown; links to docs.ansible.com resolve through a local inventory (offline build).
extensions.append('myst_parser')
myst_heading_anchors = 3
intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv')}
CONF
sphinx-build -M html rst build -c . -W --keep-going -q
pages=$(find build/html -name '*.html' | wc -l)
echo "docs site: $pages pages in $site/build/html in $(( ($(date +%s%N) - started) / 1000000 )) ms"
