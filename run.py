"""Một Cửa Queue — one entry point.

    python run.py                 serve on http://0.0.0.0:8000 with gunicorn
                                  (creates and seeds the database on first start; Ctrl-C stops)
    python run.py init-db         create or migrate the database
    python run.py seed-demo       add the demo ward center (prints the accounts)
    python run.py create-user USERNAME --role admin [--center CODE]
    python run.py print-test --printer tcp://192.168.1.50:9100
    python run.py reset-password USERNAME            asks the new password twice; audited
    python run.py say "Xin mời công dân có số thứ tự 1023 đến quầy số 3" --play
                                  writes the WAV (prints its path); --play plays it
"""
from __future__ import annotations

import sys

if __name__ == "__main__":
    # First of all: serving with gevent patches the standard library before the app imports it
    # (server/worker_model.py). Inside the guard: the voice worker's spawned process re-imports this file.
    from server.worker_model import patch_for_serving

    patch_for_serving(sys.argv[1:])

    from server.cli import main

    sys.exit(main(sys.argv[1:]))
