"""Import python-escpos without littering the temp folder.

python-escpos 3.1 pickles its printer-capabilities database into
``$ESCPOS_CAPABILITIES_PICKLE_DIR`` — or, when that is unset, into a *new*
``mkdtemp()`` folder at every import.  Worse, ``escpos.capabilities`` calls
``environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())``, so the empty temp
folder is created even when the variable *is* set.  This module:

* sets the variable (``os.environ.setdefault``) to a per-user cache folder,
* answers that one eager ``mkdtemp()`` (no arguments, importing thread only)
  with the cache folder, so no empty ``/tmp/tmpXXXX`` is left per process.

Every other ``hardware`` module imports escpos through :func:`escpos_modules`.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from types import ModuleType

ENV_VAR = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_lock = threading.Lock()


def _default_cache_dir() -> str:
    """A writable per-user cache folder for the capabilities pickle."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates = [os.path.join(base, "mot-cua-queue", "escpos")]
    uid = getattr(os, "getuid", lambda: "user")()
    candidates.append(os.path.join(tempfile.gettempdir(), f"mot-cua-queue-escpos-{uid}"))
    for cand in candidates:
        try:
            os.makedirs(cand, exist_ok=True)
            if os.access(cand, os.W_OK):
                return cand
        except OSError:
            continue
    return candidates[-1]


def escpos_modules() -> ModuleType:
    """Import ``escpos`` (capabilities, printers, exceptions) once and return the package."""
    with _lock:
        if "escpos.capabilities" not in sys.modules:
            os.environ.setdefault(ENV_VAR, _default_cache_dir())
            cache = os.environ[ENV_VAR]
            # escpos opens the pickle for writing without creating the folder.
            os.makedirs(cache, exist_ok=True)
            real_mkdtemp = tempfile.mkdtemp
            importer = threading.get_ident()

            def mkdtemp(*args: object, **kwargs: object) -> str:
                # escpos' eager default argument: hand back the cache folder
                # instead of creating an empty temp folder.  Other threads and
                # calls with arguments are untouched.
                if not args and not kwargs and threading.get_ident() == importer:
                    return cache
                return real_mkdtemp(*args, **kwargs)  # type: ignore[arg-type]

            tempfile.mkdtemp = mkdtemp  # type: ignore[assignment]
            try:
                import escpos.capabilities
            finally:
                tempfile.mkdtemp = real_mkdtemp
        import escpos
        import escpos.exceptions
        import escpos.printer

        return escpos
