"""Serve browser libraries from npm packages installed by the setup command.

Centers run offline on a LAN: no page may load anything from a CDN.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

from server.config import ROOT

NODE_MODULES = ROOT / "node_modules"

# public folder → folder inside node_modules (only these are served)
VENDOR_DIRS = {
    "socket.io": "socket.io-client/dist",
    "swagger-ui": "swagger-ui-dist",
    "barcode-detector": "barcode-detector/dist",
    "zxing-wasm": "zxing-wasm/dist",
    "chart.js": "chart.js/dist",
}

vendor_bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@vendor_bp.get("/<name>/<path:filename>")
def asset(name: str, filename: str):
    folder = VENDOR_DIRS.get(name)
    if folder is None:
        abort(404)
    base = NODE_MODULES / folder
    if not base.is_dir():
        abort(404)
    return send_from_directory(Path(base), filename, max_age=86400)
