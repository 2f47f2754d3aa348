#!/usr/bin/env bash
# Prepare this checkout: a virtual environment with the project installed, and (with --test) the
# tools the test suite uses: npm packages (Spectral, axe-core), and Debian's chromium and
# poppler-utils (pdftotext, to read the text of generated PDFs) for the browser tests. Safe to run
# again; it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_tools=0
[ "${1:-}" = "--test" ] && want_test_tools=1

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

extras=""
[ $want_test_tools = 1 ] && extras="[dev]"
stamp=".venv/.installed${extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing Python packages${extras:+ (with test tools)}"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras}"
  touch "$stamp"
fi

[ $want_test_tools = 1 ] || exit 0

if command -v npm >/dev/null 2>&1 && [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "bootstrap: installing npm test tools"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
  fi
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bootstrap: ${missing[*]} not installed (needs root: apt-get install ${missing[*]}); browser tests will be skipped"
  fi
fi
