"""The clerk's console in a real browser (Debian chromium): when the fairness rule gives a regular
citizen the turn, the waiting list shows that citizen first, and "Gọi số tiếp" (F1) calls them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import Center
from tests.support.console_browser import open_console, sit_down

pytestmark = pytest.mark.browser


def listed(page) -> list[str]:
    return page.eval_on_selector_all("#waiting-list li[data-number]", "els => els.map(e => e.dataset.number)")


def test_the_console_lists_first_the_regular_citizen_whose_turn_fairness_gives(app, browser, live_server, artifacts):
    core = app.extensions["motcua"]
    with core.db.write() as s:
        s.scalars(select(Center)).first().max_priority_streak = 1
    queue = core.queue
    regular = queue.issue_ticket(1, 1)["number"]
    first = queue.issue_ticket(1, 1, priority="elderly")["number"]
    second = queue.issue_ticket(1, 1, priority="disabled")["number"]
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        sit_down(page, 1)
        page.wait_for_function("document.querySelectorAll('#waiting-list li[data-number]').length === 3")
        assert listed(page) == [first, regular, second]  # the order of the calls to come: fairness included
        page.keyboard.press("F1")
        page.wait_for_function(f"document.getElementById('current-number').textContent === '{first}'")
        page.wait_for_function("document.querySelectorAll('#waiting-list li[data-number]').length === 2")
        assert listed(page) == [regular, second]  # one priority call in a row: the regular citizen's turn
        page.screenshot(path=str(artifacts / "console-waiting-fairness-turn.png"))
        queue.finish(1)  # the demo center has the clerk finish a ticket before calling the next
        page.keyboard.press("F1")
        page.wait_for_function(f"document.getElementById('current-number').textContent === '{regular}'")
        page.wait_for_function("document.querySelectorAll('#waiting-list li[data-number]').length === 1")
        assert listed(page) == [second]
        page.screenshot(path=str(artifacts / "console-waiting-fairness-called.png"))
    finally:
        context.close()
