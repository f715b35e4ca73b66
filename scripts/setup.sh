#!/usr/bin/env bash
# Set up callscope on a fresh machine: a virtual environment in .venv with everything installed.
#   scripts/setup.sh          what the product needs
#   scripts/setup.sh --test   plus what the test suite needs
# Nothing is downloaded at run time afterwards: the models come with the Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"

py=""
for candidate in "${PYTHON:-}" python3.11 python3; do
  if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    py="$candidate"; break
  fi
done
if [[ -z "$py" ]]; then
  echo "callscope needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
echo "callscope is installed in .venv (run .venv/bin/callscope --help)" >&2
