"""Result pickup on the screens, in Debian chromium: the board, the counter screen and the ticket's phone
page all call the number on the citizen's pickup ticket (8001), the board and counter screen with the dossier
code whole as the line under it (the phone page keeps the code off: anyone holding the ticket can open it);
the board's "Hồ sơ đã có kết quả" list shows every code whole and large enough for 10 m, a page
at a time; and a board loaded just after a call says that call once."""

from __future__ import annotations

from tests.support.display import FAST, issue, pickup_ticket, played, ready_dossiers, recent_call_ids, rows, wait_connected

TIMEOUT = 20_000  # ms; waits are for states, never fixed sleeps
PICKUP_SENTENCE = "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"
PERSONAL = (
    "Trần Thị Hương",
    "Hương",
    "0987654321",
    "huong.tran@example.vn",
)  # the applicant of tests/support/display.py ready_dossiers


def _agency_and_key(code: str) -> tuple[str, str]:
    agency, day, seq = code.rsplit("-", 2)
    return agency + "-", f"{day}-{seq}"


def test_the_board_calls_the_number_on_the_pickup_ticket_with_the_dossier_code_as_the_line_under_it(
    app, speaking_server, board_page, make_display, clerks, client, display_artifacts
):
    code, ticket = pickup_ticket(app)
    assert ticket["number"] == "8001"  # what the kiosk told the citizen: "Số thứ tự nhận kết quả … là 8001"
    token = make_display(config={"sound": True})
    page = board_page(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")
    wait_connected(page)

    clerks.call_next(7)
    event_id = recent_call_ids(client)[-1]
    page.wait_for_function(f"document.getElementById('now').dataset.eventId === '{event_id}'", timeout=TIMEOUT)
    assert page.inner_text("#now-number") == "8001"
    assert page.inner_text("#now-label") == "MỜI SỐ NHẬN KẾT QUẢ"
    assert page.inner_text("#now-counter") == "7"
    # The dossier code is the second line, whole, its distinguishing part emphasised.
    assert " ".join(page.inner_text("#now-code").split()) == f"Hồ sơ {code}"
    assert page.inner_text("#now-code .code-key") == _agency_and_key(code)[1]
    assert page.evaluate("(() => { const n = document.getElementById('now-code'); return n.scrollWidth <= n.clientWidth; })()")
    assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('now-code')).fontSize)") >= 40
    first_row = rows(page)[0]
    assert first_row["event_id"] == event_id and first_row["text"].startswith("8001") and "nhận kết quả" in first_row["text"]

    said = client.get(f"/api/v1/announcements/{event_id}").get_json()
    assert said["kind"] == "pickup" and said["number"] == "8001" and said["dossier_code"] == code
    assert said["text"] == PICKUP_SENTENCE
    page.wait_for_function(f"window.__played.some(p => p.event_id === {event_id})", timeout=TIMEOUT)
    html = page.content()
    for personal in PERSONAL:
        assert personal not in html and personal not in said["text"]
    page.wait_for_timeout(300)
    page.screenshot(path=str(display_artifacts / "board-pickup-call.png"))

    # The snapshot after a reload tells the same story (no event needed).
    page.reload()
    wait_connected(page)
    page.wait_for_function("document.querySelectorAll('#recent-calls tr').length >= 1", timeout=TIMEOUT)
    assert page.inner_text("#now-number") == "8001"
    assert " ".join(page.inner_text("#now-code").split()) == f"Hồ sơ {code}"


def test_the_counter_screen_shows_the_pickup_number_and_the_dossier_code(
    app, speaking_server, board_page, make_display, clerks, display_artifacts
):
    code, ticket = pickup_ticket(app)
    token = make_display("counter_screen", name="Màn hình quầy 7", config={})
    page = board_page(f"{speaking_server.url}/display/counter/7?device={token}")
    wait_connected(page)
    clerks.call_next(7)
    page.wait_for_function("document.getElementById('counter-current').innerText === '8001'", timeout=TIMEOUT)
    assert page.inner_text("#counter-state") == "Mời số nhận kết quả"
    assert " ".join(page.inner_text("#counter-code").split()) == f"Hồ sơ {code}"
    assert page.evaluate(
        "(() => { const n = document.getElementById('counter-code'); return n.scrollWidth <= n.clientWidth; })()"
    )
    page.screenshot(path=str(display_artifacts / "counter-screen-pickup.png"))

    # A counter screen opened while the pickup is being served shows the same (from the snapshot).
    clerks.post(7, "start")
    again = board_page(f"{speaking_server.url}/display/counter/7?device={token}")
    wait_connected(again)
    again.wait_for_function("document.getElementById('counter-current').innerText === '8001'", timeout=TIMEOUT)
    assert again.inner_text("#counter-state") == "Đang phục vụ số nhận kết quả"
    assert " ".join(again.inner_text("#counter-code").split()) == f"Hồ sơ {code}"


def test_the_phone_page_of_a_pickup_ticket_says_go_to_the_counter_to_collect_the_result(
    app, speaking_server, browser, clerks, display_artifacts
):
    code, ticket = pickup_ticket(app)
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(f"{speaking_server.url}/t/{ticket['token']}")
        page.wait_for_selector("#live.on", timeout=TIMEOUT)
        assert page.inner_text("#number") == "8001"
        clerks.call_next(7)
        page.wait_for_selector("#turn:not([hidden])", timeout=TIMEOUT)
        assert page.inner_text("#turn-vi") == "Đến lượt Ông/Bà — mời đến quầy số 7 nhận kết quả"
        assert " ".join(page.inner_text("#turn-en").split()) == "It's your turn — please go to counter 7 to collect your result"
        page.screenshot(path=str(display_artifacts / "phone-pickup-called.png"))
        # The page holds no personal data, and not the dossier code either (anyone with the ticket can open it).
        for private in (*PERSONAL, code):
            assert private not in page.inner_text("body")

        # Opened (or reloaded) once already called: the page says the same from the start.
        page.reload()
        page.wait_for_selector("#live.on", timeout=TIMEOUT)
        assert page.inner_text("#turn-vi") == "Đến lượt Ông/Bà — mời đến quầy số 7 nhận kết quả"
        assert page.inner_text("#number") == "8001"
    finally:
        context.close()


READY_MEASURE = """() => {
  const list = document.getElementById('ready');
  const box = list.getBoundingClientRect();
  return Array.from(list.children).map(li => {
    const r = li.getBoundingClientRect();
    const size = sel => parseFloat(getComputedStyle(li.querySelector(sel)).fontSize);
    return {code: li.dataset.code, text: li.innerText.replace(/\\s+/g, ''), visible: !li.hidden,
            whole: li.scrollWidth <= li.clientWidth && getComputedStyle(li).textOverflow !== 'ellipsis',
            inside: li.hidden || (r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.right <= box.right + 1),
            agencyPx: size('.code-agency'), keyPx: size('.code-key'),
            keyWeight: getComputedStyle(li.querySelector('.code-key')).fontWeight};
  });
}"""


def test_the_results_ready_list_shows_every_code_whole_and_large_a_page_at_a_time(
    app, speaking_server, board_page, display_artifacts
):
    codes = ready_dossiers(app, 30)
    page = board_page(f"{speaking_server.url}/display/board?center=1")
    wait_connected(page)
    page.wait_for_function("document.querySelectorAll('#ready li').length === 30", timeout=TIMEOUT)
    items = page.evaluate(READY_MEASURE)
    page.screenshot(path=str(display_artifacts / "board-ready-30.png"))
    assert [i["code"] for i in items] == codes
    for item in items:
        assert item["text"] == item["code"]  # the whole code, nothing cut or added
        assert item["whole"], item  # no ellipsis, nothing scrolled out of sight
        assert item["agencyPx"] >= 40 and item["keyPx"] >= 40, item  # readable from 10 m on a 1080p TV
        assert item["keyPx"] > item["agencyPx"] and int(item["keyWeight"]) >= 700  # date and sequence emphasised
        assert item["inside"], item  # a shown code lies inside its panel
    # The list is shown a page at a time; the pages hold every code once, in order.
    pages = page.evaluate("window.__board.readyPages()")
    assert len(pages) > 1 and [c for p in pages for c in p] == codes
    visible = [i["code"] for i in items if i["visible"]]
    assert visible == pages[0]
    assert page.inner_text("#ready-page") == f"Trang 1/{len(pages)}"

    # The pages turn by themselves.
    page.wait_for_function("document.getElementById('ready-page').innerText.startsWith('Trang 2/')", timeout=TIMEOUT)
    items = page.evaluate(READY_MEASURE)
    assert [i["code"] for i in items if i["visible"]] == pages[1]
    assert all(i["inside"] for i in items)
    page.screenshot(path=str(display_artifacts / "board-ready-30-page-2.png"))


def test_a_short_results_ready_list_is_one_still_page(app, speaking_server, board_page):
    codes = ready_dossiers(app, 2)
    page = board_page(f"{speaking_server.url}/display/board?center=1")
    wait_connected(page)
    page.wait_for_function("document.querySelectorAll('#ready li').length === 2", timeout=TIMEOUT)
    assert page.evaluate("window.__board.readyPages()") == [codes]
    assert page.is_hidden("#ready-page")
    assert all(i["visible"] and i["whole"] for i in page.evaluate(READY_MEASURE))


def test_a_board_loaded_just_after_a_call_says_it_once_and_a_later_reload_does_not_repeat_it(
    app, clock, speaking_server, board_page, make_display, clerks, client, display_artifacts
):
    token = make_display(config={"sound": True})
    issue(client, "TPHT")
    clerks.call_next(1)  # the call is made while the TV is (re)loading its page
    event_id = recent_call_ids(client)[-1]
    page = board_page(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")
    wait_connected(page)
    page.wait_for_function("window.__played.length >= 1", timeout=TIMEOUT)
    assert played(page) == [event_id]
    page.wait_for_timeout(1500)
    assert played(page) == [event_id]  # once

    # Reloaded right away (same tab): already said here, not said again.
    page.reload()
    wait_connected(page)
    page.wait_for_timeout(1500)
    assert played(page) == [] and rows(page)[0]["event_id"] == event_id

    # A board opened later (a new tab, after a few seconds) lists the call but does not replay it.
    clock.advance(seconds=10)
    later = board_page(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")
    wait_connected(later)
    later.wait_for_timeout(1500)
    assert played(later) == [] and rows(later)[0]["event_id"] == event_id
