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

# Widen this list as server/, kiosk/, display/ and tests/ become clean
# (`.venv/bin/ruff check server kiosk display tests --statistics`).
LINT_PATHS=(audio hardware bench run.py tests/integration/system/test_guard_rails.py server/bootstrap.py server/extensions.py server/domain/events.py server/web/api/blueprint.py server/web/api/__init__.py server/models/__init__.py server/adapters/__init__.py server/web/__init__.py)

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
