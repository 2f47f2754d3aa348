#!/usr/bin/env bash
# What `make bench` needs beyond the project: wrk (Debian) for the load runs, and from PyPI into
# .venv: py-spy (profiles of the server under load) and httpx (the in-process query-plan check).
# Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench-deps: installing Debian's wrk"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench-deps: wrk is not installed (needs root: apt-get install wrk)" >&2
    exit 1
  fi
fi

missing=()
[ -x .venv/bin/py-spy ] || missing+=(py-spy)
.venv/bin/python -c "import httpx" 2>/dev/null || missing+=(httpx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench-deps: installing ${missing[*]} into .venv"
  .venv/bin/python -m pip install --quiet "${missing[@]}"
fi
