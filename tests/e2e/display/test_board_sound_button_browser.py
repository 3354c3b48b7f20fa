"""A TV whose Chromium was started without the autoplay flag: the browser refuses sound until
someone touches the page. The board still shows the call, offers one large "🔊 Bật âm thanh"
button, and once it is tapped says the waiting announcement — and every later one, untouched.

Nothing here may look into the page before the tap: Playwright runs every evaluate, wait and
locator check with ``userGesture: true``, which would count as the tap and let the sound play.
So the page reports what it shows through console messages from an init script, the test waits
for those, screenshots through the DevTools protocol, and taps the button with the mouse at the
place the page reported for it."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.display import FAST, issue, recent_call_ids

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms
# Every other test browser runs with this flag, as a center's unattended TV should; this one does not.
AUTOPLAY_FLAG = "--autoplay-policy=no-user-gesture-required"
PREFIX = "board-report "

# Runs in every page of the context before board.js; reports through the console only.
REPORTER = """(() => {
  const report = (kind, data) => console.log(PREFIX_LITERAL + JSON.stringify(Object.assign({kind: kind}, data)));
  document.addEventListener("DOMContentLoaded", () => {
    const body = document.body, button = document.getElementById("sound-button"), audio = document.getElementById("announcer");
    const shown = () => ({
      now: document.getElementById("now-number").textContent,
      counter: document.getElementById("now-counter").textContent,
      rows: [...document.querySelectorAll("#recent-calls tr")].map(tr => +tr.dataset.eventId),
      played: window.__played.length, errors: window.__soundErrors.length,
      activated: navigator.userActivation.hasBeenActive
    });
    new MutationObserver(() => report("online", {online: body.dataset.online === "true"}))
      .observe(body, {attributes: true, attributeFilter: ["data-online"]});
    new MutationObserver(() => {
      if (button.hidden) { return; }
      const r = button.getBoundingClientRect();
      report("sound-button", Object.assign({x: r.x + r.width / 2, y: r.y + r.height / 2, text: button.textContent}, shown()));
    }).observe(button, {attributes: true, attributeFilter: ["hidden"]});
    audio.addEventListener("playing", () => report("playing", {src: audio.currentSrc}));
    audio.addEventListener("ended", () => report("ended", {src: audio.currentSrc}));
  });
})();""".replace("PREFIX_LITERAL", repr(PREFIX))


@pytest.fixture(scope="module")
def browser_without_autoplay(playwright) -> Iterator[Any]:
    """A second chromium from the session's one Playwright: the TV flags minus autoplay."""
    args = [arg for arg in CHROMIUM_ARGS if arg != AUTOPLAY_FLAG]
    assert len(args) == len(CHROMIUM_ARGS) - 1, "the shared launch flags changed: update this test"
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    yield chromium
    chromium.close()


@pytest.fixture
def tv(browser_without_autoplay) -> Iterator[Any]:
    """A fresh 1920×1080 page on that browser, reporting what the board shows and plays."""
    context = browser_without_autoplay.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN",
                                                   timezone_id="Asia/Ho_Chi_Minh")
    context.add_init_script(REPORTER)
    yield context.new_page()
    context.close()


def expect_report(page, kind: str, **match: Any):
    """Wait (around the action that causes it) for the page to report ``kind``."""

    def wanted(message) -> bool:
        if not message.text.startswith(PREFIX):
            return False
        report = json.loads(message.text[len(PREFIX):])
        return report["kind"] == kind and all(report.get(k) == v for k, v in match.items())

    return page.expect_console_message(wanted, timeout=TIMEOUT)


def report_of(info) -> dict[str, Any]:
    return json.loads(info.value.text[len(PREFIX):])


def test_without_the_autoplay_flag_one_tap_turns_the_sound_on_and_the_waiting_call_is_said(
    speaking_server, tv, make_display, clerks, client, display_artifacts
):
    token = make_display(config={"sound": True})
    with expect_report(tv, "online", online=True):
        tv.goto(f"{speaking_server.url}/display/board?device={token}&playback_rate={FAST}")

    ticket = issue(client, "TPHT")
    with expect_report(tv, "sound-button") as button_shown:
        clerks.call_next(2)
    call_id = recent_call_ids(client)[-1]

    # The browser refused to play: the board asks for a tap, and shows the call all the same.
    shown = report_of(button_shown)
    assert shown["activated"] is False, "something touched the page before the tap: the test proves nothing"
    assert "Bật âm thanh" in shown["text"]
    assert shown["now"] == ticket["number"] and shown["counter"] == "2" and shown["rows"] == [call_id]
    assert shown["played"] == 0 and shown["errors"] == 0  # refused is not failed: the call waits for the tap
    tv.screenshot(path=str(display_artifacts / "board-sound-button.png"))

    with expect_report(tv, "ended"):
        tv.mouse.click(shown["x"], shown["y"])  # the tap, where the page drew the button
    assert tv.evaluate("window.__played.map(p => p.event_id)") == [call_id]
    assert tv.evaluate(f"window.__played[0].src.endsWith('/api/v1/announcements/{call_id}.wav')")
    assert tv.is_hidden("#sound-button")

    # One tap lasts until the page is reloaded: the next call is said with nobody touching the TV.
    issue(client, "DD")
    with expect_report(tv, "ended"):
        clerks.call_next(3)
    next_id = recent_call_ids(client)[-1]
    assert tv.evaluate("window.__played.map(p => p.event_id)") == [call_id, next_id]
    assert tv.is_hidden("#sound-button") and tv.evaluate("window.__soundErrors.length") == 0
