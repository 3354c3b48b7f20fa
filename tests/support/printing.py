"""Waiting for a print job's outcome through the kiosk API."""
from __future__ import annotations

import time


def wait_for_job(client, token: str, job_id: str, timeout: float = 20.0) -> dict:
    """Ask the kiosk API until the print job is no longer pending (a deadline, not a speed check)."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/kiosk/print-jobs/{job_id}", headers={"X-Device-Token": token}).get_json()
        if job["status"] != "pending" or time.monotonic() > deadline:
            return job
        time.sleep(0.05)
