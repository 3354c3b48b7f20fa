"""A board that was offline through many calls, in Debian chromium: within 2 s of the network
returning it has resynced, lists every call it missed (as many as it is set to show, here 12,
not the 10 the snapshot used to hold), and speaks only the fresh one — not a backlog of stale
numbers nobody is waiting for any more."""

from __future__ import annotations

import time

import pytest

from tests.support.display import FAST, issue, played, recent_call_ids, rows, wait_connected

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms; waits are for states (one short pause checks that nothing more is said)
RESYNC_WITHIN_S = 2.0  # the promise: network back → board complete again


def wait(page, predicate: str, timeout: int = TIMEOUT) -> None:
    page.wait_for_function(f"() => {predicate}", timeout=timeout)


def all_rows_visible(page) -> bool:
    """Every listed call lies inside the recent-calls panel (none cut off at its bottom or right edge)."""
    return page.evaluate("""() => {
        const panel = document.querySelector('section.recent').getBoundingClientRect();
        return [...document.querySelectorAll('#recent-calls tr')].every(tr => {
            const r = tr.getBoundingClientRect();
            return r.height > 0 && r.bottom <= panel.bottom + 1 && r.right <= panel.right + 1;
        });
    }""")


def call_and_finish(clerks, client, counter: int = 1) -> int:
    """A citizen takes a ticket, counter 1 calls it and finishes; returns the call's event id."""
    issue(client, "TPHT")
    clerks.call_next(counter)
    event_id = recent_call_ids(client)[-1]
    clerks.post(counter, "finish")
    return event_id


def test_a_board_back_from_an_outage_lists_every_missed_call_and_speaks_only_the_fresh_one(
    speaking_server, board_page, make_display, clerks, client, clock, display_artifacts
):
    token = make_display(config={"sound": True, "recent": 12})
    page = board_page(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")
    wait_connected(page)
    before = call_and_finish(clerks, client)
    wait(page, "window.__played.length === 1")
    page.evaluate("window.__failedAttempts = 0; window.__socket.io.on('reconnect_error', () => window.__failedAttempts++)")

    page.context.set_offline(True)
    page.evaluate("window.__socket.io.engine.close()")
    page.wait_for_selector("#offline", state="visible", timeout=TIMEOUT)
    stale = [call_and_finish(clerks, client) for _ in range(14)]  # a long outage…
    clock.advance(minutes=5)
    fresh = call_and_finish(clerks, client)  # …and the citizen called just now
    missed = stale + [fresh]
    assert len(missed) == 15 and page.evaluate("window.__played.length") == 1

    # The worst moment for the network to return: the board has backed off to its longest wait,
    # and an attempt has just failed, so it sits out a whole wait before the next one.
    wait(page, "window.__failedAttempts >= 4")
    failed = page.evaluate("window.__failedAttempts")
    wait(page, f"window.__failedAttempts > {failed}")
    back_at = time.monotonic()
    page.context.set_offline(False)
    wait(page, f"window.__board.lastEventId >= {fresh} && document.body.dataset.online === 'true'")
    resynced_in = time.monotonic() - back_at
    assert resynced_in < RESYNC_WITHIN_S, f"the board took {resynced_in:.1f} s to resync"

    wait(page, "document.querySelectorAll('#recent-calls tr').length === 12")
    assert [r["event_id"] for r in rows(page)] == missed[::-1][:12]  # the newest 12 of the 15, newest on top
    assert all_rows_visible(page)  # in two columns: a list of 12 is not cut off after the fourth
    kept = page.evaluate("Object.keys(window.__board.calls).map(Number)")
    assert set(missed) <= set(kept)  # the 3 that do not fit the list were received too, not lost
    assert page.inner_text("#now-number") == client.get("/api/v1/centers/1/queue").get_json()["recent_calls"][0]["number"]

    wait(page, "window.__played.length >= 2")
    page.wait_for_timeout(600)  # time enough for any stale announcement to have been queued and started
    assert played(page) == [before, fresh]  # 14 five-minute-old numbers are shown, not read out
    assert page.evaluate("window.__sound.pending.length") == 0
    page.screenshot(path=str(display_artifacts / "board-after-outage-12-calls.png"))


def test_a_board_set_to_twelve_calls_lists_twelve_from_its_first_snapshot(
    speaking_server, board_page, make_display, clerks, client
):
    ids = [call_and_finish(clerks, client) for _ in range(13)]
    token = make_display(config={"sound": False, "recent": 12})
    page = board_page(f"{speaking_server.url}/display/board?device={token}")
    wait_connected(page)
    wait(page, "document.querySelectorAll('#recent-calls tr').length === 12")
    assert [r["event_id"] for r in rows(page)] == ids[::-1][:12]
    assert all_rows_visible(page)
