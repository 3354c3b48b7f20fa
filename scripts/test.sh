#!/usr/bin/env bash
# Run the whole suite. PostgreSQL/Redis tests skip with a reason on a machine
# without them, but under CI=true they must run (the fixtures fail instead).
# First the guard rails (a second at most): the import rules of pyproject.toml
# (import-linter) and ruff on the paths that are clean today; a breach stops
# the run before pytest, so CI fails on it.
set -euo pipefail
cd "$(dirname "$0")/.."
export ESCPOS_CAPABILITIES_PICKLE_DIR="${ESCPOS_CAPABILITIES_PICKLE_DIR:-$PWD/.cache/escpos}"
mkdir -p "$ESCPOS_CAPABILITIES_PICKLE_DIR" test-artifacts

# Every Python file of the project; a new top-level folder of Python code is added here.
LINT_PATHS=(server kiosk display booking audio hardware bench tests deploy run.py)

if ! .venv/bin/lint-imports --no-cache; then
    echo "scripts/test.sh: import rules broken (see the contracts above, [tool.importlinter] in pyproject.toml); tests not run" >&2
    exit 1
fi
if ! .venv/bin/ruff check --no-cache "${LINT_PATHS[@]}"; then
    echo "scripts/test.sh: ruff found problems in ${LINT_PATHS[*]} (see above; [tool.ruff] in pyproject.toml); tests not run" >&2
    exit 1
fi

set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure for us, not a pass.
exit $rc
