#!/usr/bin/env bash
# Run the whole suite. PostgreSQL/Redis tests skip with a reason on a machine
# without them, but under CI=true they must run (the fixtures fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
export ESCPOS_CAPABILITIES_PICKLE_DIR="${ESCPOS_CAPABILITIES_PICKLE_DIR:-$PWD/.cache/escpos}"
mkdir -p "$ESCPOS_CAPABILITIES_PICKLE_DIR" test-artifacts
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure for us, not a pass.
exit $rc
