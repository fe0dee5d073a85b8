#!/usr/bin/env bash
# The execution-environment declaration of the collection, as ansible-builder reads it (no container runtime):
# 1. the built tarball, installed, introspected: the Python and system requirements an EE build would add;
# 2. `ansible-builder create` on tests/ee/execution-environment.yml: the build context a user would build.
#   VIRT_ESX_VENV        the venv with ansible-core (default: .venv)
#   VIRT_ESX_TOOLS_VENV  the venv with ansible-builder (default: .venv-tools)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VIRT_ESX_VENV:-$root/.venv}
tools=${VIRT_ESX_TOOLS_VENV:-$root/.venv-tools}
work=$(mktemp -d "${TMPDIR:-/tmp}/virt-esx-ee.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "ee-check: $*" >&2; exit 1; }

"$venv/bin/ansible-galaxy" collection build --force --output-path "$work/dist" "$root" >/dev/null
tarball=$(ls "$work"/dist/virt-esx-*.tar.gz)
tar -tzf "$tarball" > "$work/contents"
grep -qx 'meta/execution-environment.yml' "$work/contents" || fail "the tarball lacks meta/execution-environment.yml"
grep -qx 'bindep.txt' "$work/contents" || fail "the tarball lacks bindep.txt"
ANSIBLE_COLLECTIONS_PATH="$work/collections" "$venv/bin/ansible-galaxy" collection install --offline --force \
    -p "$work/collections" "$tarball" >/dev/null

"$tools/bin/ansible-builder" introspect --sanitize "$work/collections" > "$work/introspect.txt"
for requirement in pyvmomi lxml; do
    grep -qE "^- '?$requirement[<>=!~ ].*# from collection virt\.esx" "$work/introspect.txt" \
        || { cat "$work/introspect.txt"; fail "introspection does not list $requirement from virt.esx"; }
done
if grep -qiE "^- '?ansible(-core)?[<>=!~ ]" "$work/introspect.txt"; then
    cat "$work/introspect.txt"; fail "ansible-core must not be an EE Python requirement (the EE brings its own)"
fi
grep -q "libxml2-devel \[compile platform:rpm\]" "$work/introspect.txt" || fail "bindep.txt entries are not introspected"
python_count=$(sed -n '/^python:/,/^system:/p' "$work/introspect.txt" | grep -c '^- ')
system_count=$(sed -n '/^system:/,$p' "$work/introspect.txt" | grep -c '^- ')

"$tools/bin/ansible-builder" create --file "$root/tests/ee/execution-environment.yml" --context "$work/context" \
    --output-filename Containerfile > "$work/create.log"
containerfile="$work/context/Containerfile"
[ -f "$containerfile" ] || { cat "$work/create.log"; fail "ansible-builder create wrote no Containerfile"; }
grep -q 'ansible-galaxy collection install' "$containerfile" || fail "the Containerfile installs no collection"
grep -q 'introspect' "$containerfile" || fail "the Containerfile does not introspect the collections"
grep -q 'ansible-core>=2.16,<2.20' "$containerfile" || fail "the Containerfile does not pin ansible-core as declared"
grep -qx -- '- name: virt.esx' "$work/context/_build/requirements.yml" || fail "_build/requirements.yml lacks virt.esx"
echo "ee-check: introspection gives $python_count Python and $system_count system requirements from virt.esx;" \
     "ansible-builder create wrote $(wc -l < "$containerfile")-line Containerfile and _build/"
