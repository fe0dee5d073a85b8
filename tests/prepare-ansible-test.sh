#!/usr/bin/env bash
# ansible-test --venv bootstraps pip with a script it downloads from a host outside the
# registries this machine reaches; give it our stand-in from its cache instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${1:-python3}
version=$("$python" - <<'PY'
import re, ansible_test, os
path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
print(re.search(r"pip='([0-9.]+)'", open(path).read()).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
mkdir -p "$(dirname "$cache")"
cmp -s "$here/ansible-test-get-pip.py" "$cache" 2>/dev/null || cp "$here/ansible-test-get-pip.py" "$cache"
