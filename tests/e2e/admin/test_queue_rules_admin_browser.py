"""An admin sets a counter's call policy with its services' positions and weights, and a field's
range end, aging and wait target, in a real browser; a bad value shows a clear message."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.admin_browser import admin_login, run_browser, shot
from tests.support.demo import DEMO_PASSWORD
from tests.support.server_process import login_session

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-B")


def keep(path: Path) -> None:
    """A copy of the screenshot where the slice's reviewer looks."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_an_admin_sets_a_counters_ratio_and_a_fields_aging_on_the_pages(demo_server, browser):
    base = demo_server.url

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, next_path="/admin/c/1/counters")
        row = "#counters tr[data-number='4']"
        page.click(f"{row} details summary")
        page.select_option(f"{row} select[name=call_policy]", "ratio")
        page.fill(f"{row} input[name='links.3.weight']", "2")
        keep(shot(page, "counter-policy-form", full_page=True))
        page.click(f"{row} button[type=submit]")
        page.wait_for_selector(f"{row}:has-text('XDHKD×2')")
        keep(shot(page, "counters-after-ratio", full_page=True))

        page.goto(f"{base}/admin/c/1/services")
        service = "#services tr[data-code='TPHT']"
        page.click(f"{service} details summary")
        page.fill(f"{service} input[name=aging_minutes]", "30")
        page.fill(f"{service} input[name=wait_target_minutes]", "20")
        page.fill(f"{service} input[name=number_end]", "2500")  # runs into DD's 2001…
        page.click(f"{service} button[type=submit]")
        page.wait_for_selector(f"{service} .form-error:has-text('chồng lên')")
        keep(shot(page, "service-range-overlap-error", full_page=True))
        page.fill(f"{service} input[name=number_end]", "1999")
        page.click(f"{service} button[type=submit]")
        page.wait_for_selector(f"{service}:has-text('30 ph / 20 ph')")
        keep(shot(page, "services-after-aging", full_page=True))

    run_browser(browser, scenario)
    api = login_session(base, "admin", DEMO_PASSWORD)
    counter = next(c for c in api.get(f"{base}/api/v1/admin/centers/1/counters", timeout=5).json() if c["number"] == 4)
    assert counter["call_policy"] == "ratio" and [link["weight"] for link in counter["links"]] == [2, 1]
    service = next(s for s in api.get(f"{base}/api/v1/admin/centers/1/services", timeout=5).json() if s["code"] == "TPHT")
    assert (service["number_end"], service["aging_minutes"], service["wait_target_minutes"]) == (1999, 30, 20)
