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
if [[ -n "$extras" && ! -x /usr/bin/chromium ]]; then
  # The report tests open eval reports in Debian's Chromium (never a browser that Playwright downloads).
  if [[ "$(id -u)" == 0 ]]; then
    apt_get=(apt-get)
  elif command -v sudo >/dev/null 2>&1; then
    apt_get=(sudo apt-get)
  else
    apt_get=()
  fi
  if (( ${#apt_get[@]} )) && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package) for the report tests" >&2
    "${apt_get[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing and cannot be installed here (needs root, sudo and apt-get);" \
      "install Debian's 'chromium' package, or the report test is skipped" >&2
  fi
fi
echo "callscope is installed in .venv (run .venv/bin/callscope --help)" >&2
