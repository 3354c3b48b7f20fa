#!/usr/bin/env bash
# Install everything Một Cửa Queue needs, idempotently: Debian packages (as root),
# a virtualenv with the Python packages, and the npm browser assets served offline.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --dev    plus what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

# Debian packages: the Vietnamese voice, fonts with every Vietnamese glyph,
# aplay for the server speaker; for tests also Chromium (never a browser download).
APT_PKGS="espeak-ng fonts-dejavu-core alsa-utils"
[ "$DEV" = 1 ] && APT_PKGS="$APT_PKGS chromium sox"
command -v node >/dev/null 2>&1 || APT_PKGS="$APT_PKGS nodejs npm"
missing=""
for p in $APT_PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "!! missing Debian packages:$missing — install them (sudo apt-get install$missing) and run again" >&2
    exit 1
  fi
fi

# Python virtualenv; reinstall only when the requirement files change.
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
REQ=requirements.txt
[ "$DEV" = 1 ] && REQ=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt "$REQ" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> pip install -r $REQ"
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  touch "$stamp"
fi

# Browser assets (Socket.IO client, QR scanner, charts, API docs) from npm, served by the app.
npm_stamp="node_modules/.installed-$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)"
if [ ! -f "$npm_stamp" ]; then
  echo "==> npm ci"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts >/dev/null; else npm install --no-audit --no-fund --ignore-scripts >/dev/null; fi
  touch "$npm_stamp"
fi
echo "==> setup done"
