#!/usr/bin/env bash
# Run the portal with demo data on the embedded SQLite database: install, migrate, create a
# signing key if there is none, load the demo data (idempotent), serve on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
export STELSEL_DATA_DIR=${STELSEL_DATA_DIR:-var}
stelsel=.venv/bin/stelsel
$stelsel db upgrade
if $stelsel keys --help >/dev/null 2>&1 && ! $stelsel check 2>/dev/null | grep -q "ok    signing keys"; then
  $stelsel keys generate
fi
$stelsel demo
exec $stelsel serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
