"""The board in Debian chromium at 1920×1080: calls appear in event order and are spoken one after
another, a recall is spoken again, a dropped connection is marked and heals without losing or
repeating a call, a result pickup shows its ticket number and dossier code (never a name), unregistered TVs get setup."""

from __future__ import annotations

from sqlalchemy import select

from audio import announcement_text
from server.app import services
from tests.support.display import FAST, issue, played, recent_call_ids, rows, wait_connected

TIMEOUT = 20_000  # ms; every wait below is for a state, never a fixed sleep


def test_three_calls_at_once_show_in_order_and_play_one_after_another_then_a_recall_plays_again(
    speaking_server, board_page, make_display, clerks, client, display_artifacts
):
    token = make_display(config={"sound": True})
    page = board_page(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")
    wait_connected(page)
    assert "device=" not in page.url  # the token is kept by the browser, not left in the address bar
    for code in ("TPHT", "TPHT", "DD"):
        issue(client, code)

    clerks.call_at_once([1, 2, 3])
    ids = recent_call_ids(client)
    assert len(ids) == 3
    page.wait_for_function("document.querySelectorAll('#recent-calls tr').length === 3", timeout=TIMEOUT)
    assert [r["event_id"] for r in rows(page)] == ids[::-1]  # newest on top, in event order
    assert page.inner_text("#now-number") == client.get("/api/v1/centers/1/queue").get_json()["recent_calls"][0]["number"]
    page.wait_for_timeout(300)
    page.screenshot(path=str(display_artifacts / "board-1920x1080-calls.png"))

    page.wait_for_function("window.__played.length >= 3", timeout=TIMEOUT)
    assert played(page) == ids
    assert page.evaluate("window.__played.every(p => p.src.endsWith('/api/v1/announcements/' + p.event_id + '.wav'))")
    # One at a time: each announcement started only after the one before it had ended.
    spans = page.evaluate("window.__played.map(p => [p.started, p.at])")
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)), spans

    clerks.post(2, "recall")
    recall_id = recent_call_ids(client)[-1]
    page.wait_for_function("window.__played.length >= 4", timeout=TIMEOUT)
    assert played(page) == ids + [recall_id]
    assert page.evaluate("window.__soundErrors.length") == 0
    assert rows(page)[0]["event_id"] == recall_id and "gọi lại" in rows(page)[0]["text"]
    assert len(rows(page)) == 3  # the recalled ticket moves up; it is not listed twice


def test_a_dropped_connection_is_marked_and_the_call_made_meanwhile_arrives_once(
    speaking_server, board_page, make_display, clerks, client, display_artifacts, browser
):
    token = make_display(config={"sound": True})
    page = board_page(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")
    wait_connected(page)
    issue(client, "TPHT")
    issue(client, "DD")
    clerks.call_next(1)
    first = recent_call_ids(client)
    page.wait_for_function("window.__played.length === 1", timeout=TIMEOUT)

    page.context.set_offline(True)
    page.evaluate("window.__socket.io.engine.close()")
    page.wait_for_selector("#offline", state="visible", timeout=TIMEOUT)
    assert "Mất kết nối" in page.inner_text("#offline")
    page.screenshot(path=str(display_artifacts / "board-offline.png"))

    clerks.call_next(3)  # made while the board is offline
    missed = recent_call_ids(client)[-1]
    page.wait_for_timeout(200)
    assert page.is_visible("#offline") and len(rows(page)) == 1

    page.context.set_offline(False)
    page.wait_for_selector("#offline", state="hidden", timeout=TIMEOUT)
    page.wait_for_function("document.querySelectorAll('#recent-calls tr').length === 2", timeout=TIMEOUT)
    assert [r["event_id"] for r in rows(page)] == [missed] + first
    page.wait_for_function("window.__played.length >= 2", timeout=TIMEOUT)
    assert played(page) == first + [missed]

    # A second snapshot (the periodic resync) changes nothing: no call shown or played twice.
    page.evaluate("window.__socket.emit('resync', {center_id: 1})")
    page.wait_for_function(f"window.__board.lastEventId >= {missed}", timeout=TIMEOUT)
    page.wait_for_timeout(500)
    assert [r["event_id"] for r in rows(page)] == [missed] + first
    assert played(page) == first + [missed]


def _ready_dossier_pickup(app, client) -> tuple[str, str]:
    """A dossier received at counter 1, its result ready, its receipt scanned: a pickup ticket waits.
    Returns (the dossier code, the pickup ticket's number)."""
    from server.demo_procedures import seed_demo_procedures

    with services(app).db.write() as s:
        seed_demo_procedures(s, 1)
    from tests.support.demo import login

    desk = app.test_client()
    csrf = login(desk, "quay1")
    h = {"X-CSRF-Token": csrf}
    issue(client, "TPHT")
    assert desk.post("/api/v1/counters/1/call-next", headers=h).status_code == 200
    received = desk.post(
        "/api/v1/counters/1/dossiers",
        headers=h,
        json={
            "procedure_code": "TPHT-KH",
            "applicant_name": "Nguyễn Thị Hoa",
            "applicant_phone": "0912 345 678",
            "applicant_email": "hoa@example.vn",
            "documents": ["Tờ khai đăng ký kết hôn"],
            "print": False,
        },
    )
    assert received.status_code == 201, received.get_json()
    code = received.get_json()["dossier"]["code"]
    desk.post("/api/v1/counters/1/finish", headers=h)
    assert desk.post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers=h).status_code == 200
    answer = desk.post("/api/v1/centers/1/dossier-pickup", json={"code": code}, headers=h).get_json()
    assert answer["outcome"] == "ticket_issued"
    return code, answer["ticket"]["number"]


def test_a_result_pickup_shows_its_ticket_number_and_dossier_code_and_says_the_pickup_sentence_without_any_name(
    app, speaking_server, board_page, clerks, client, display_artifacts
):
    code, number = _ready_dossier_pickup(app, client)
    page = board_page(f"{speaking_server.url}/display/board?center=1")
    wait_connected(page)
    page.wait_for_function(f"document.getElementById('ready').innerText.includes('{code}')", timeout=TIMEOUT)

    clerks.call_next(7)
    event_id = recent_call_ids(client)[-1]
    page.wait_for_function(f"document.getElementById('now').dataset.eventId === '{event_id}'", timeout=TIMEOUT)
    assert page.inner_text("#now-number") == number == "8001"  # the number on the citizen's pickup ticket, as said
    assert page.get_attribute("#now-code", "data-code") == code and page.inner_text("#now-counter") == "7"
    assert rows(page)[0]["text"].startswith(number) and "nhận kết quả" in rows(page)[0]["text"]
    said = client.get(f"/api/v1/announcements/{event_id}").get_json()
    assert said["kind"] == "pickup" and said["text"] == announcement_text("pickup", number, 7)
    assert said["text"] == "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"
    html = page.content()
    for personal in ("Nguyễn", "Hoa", "0912", "hoa@example.vn"):
        assert personal not in html and personal not in said["text"]
    assert page.evaluate("window.__played.length") == 0  # a demo board (?center=) is silent
    page.screenshot(path=str(display_artifacts / "board-pickup.png"))

    # After a reconnect the pickup is still shown with its code (the snapshot carries it).
    page.reload()
    wait_connected(page)
    page.wait_for_function("document.querySelectorAll('#recent-calls tr').length >= 1", timeout=TIMEOUT)
    assert page.get_attribute("#now-code", "data-code") == code and page.inner_text("#now-number") == number


def test_the_waiting_counts_follow_each_issue_and_call_from_the_ticket_event_alone(
    speaking_server, board_page, make_display, clerks, client
):
    """One message per change (issue 17): the board reads the new counts from the ticket event's ``counts``."""
    token = make_display(config={})
    page = board_page(f"{speaking_server.url}/display/board?device={token}")
    wait_connected(page)
    count = "document.querySelector('#waiting li[data-service=\"TPHT\"] .count').innerText"
    assert page.evaluate(count) == "0"
    issue(client, "TPHT")
    issue(client, "TPHT")
    page.wait_for_function(f"{count} === '2'", timeout=TIMEOUT)
    clerks.call_next(1)
    page.wait_for_function(f"{count} === '1' && document.querySelectorAll('#recent-calls tr').length === 1", timeout=TIMEOUT)


def test_the_counter_screen_shows_its_number_and_the_ticket_it_serves(
    speaking_server, board_page, clerks, client, make_display, display_artifacts
):
    token = make_display("counter_screen", name="Màn hình quầy 3", config={})
    page = board_page(f"{speaking_server.url}/display/counter/3?device={token}")
    wait_connected(page)
    assert page.inner_text("#counter-number") == "3"
    assert page.inner_text("#counter-current") == "—"
    ticket = issue(client, "DD")
    issue(client, "TPHT")
    clerks.call_next(1)  # another counter: this screen does not change
    clerks.call_next(3)
    page.wait_for_function(f"document.getElementById('counter-current').innerText === '{ticket['number']}'", timeout=TIMEOUT)
    assert page.inner_text("#counter-state") == "Mời số"
    clerks.post(3, "start")
    page.wait_for_function("document.getElementById('counter-state').innerText === 'Đang phục vụ số'", timeout=TIMEOUT)
    page.screenshot(path=str(display_artifacts / "counter-screen.png"))
    clerks.post(3, "finish")
    page.wait_for_function("document.getElementById('counter-current').innerText === '—'", timeout=TIMEOUT)


def test_an_unregistered_browser_gets_the_setup_page(speaking_server, board_page, app):
    page = board_page(f"{speaking_server.url}/display/board")
    page.wait_for_selector("#view-setup", state="visible", timeout=TIMEOUT)
    assert "chưa được đăng ký" in page.inner_text("#view-setup")
    assert page.is_hidden("#view-main")

    page.fill("#setup-token", "not-a-real-token")
    page.click("#setup-form button")
    page.wait_for_selector("#setup-error", state="visible", timeout=TIMEOUT)
    assert "thu hồi" in page.inner_text("#setup-error")

    from server.models import Device

    with services(app).db.read() as s:
        assert s.scalars(select(Device).where(Device.kind == "display")).first() is None
    kiosk_page = board_page(f"{speaking_server.url}/display/board?device=revoked-or-wrong")
    kiosk_page.wait_for_selector("#view-setup", state="visible", timeout=TIMEOUT)
    assert kiosk_page.is_visible("#setup-error")
