"""What a person sees when the browser sends what no page can use: a plain bilingual message with a
way back, never an error trace (real headless chromium; screenshots in test-artifacts/)."""
from __future__ import annotations

from server.app import create_app
from tests.support.demo import DEMO_PASSWORD
from tests.support.live_server import LiveServer
from tests.support.settings import make_settings


def test_a_mangled_ticket_link_shows_not_found_with_a_way_back_on_postgresql(browser, pg_url, tmp_path, clock, artifacts):
    """PostgreSQL is where a NUL in the token used to give the system-error page."""
    app = create_app(make_settings(database_url=pg_url, instance_path=tmp_path, secret_key="nul-link"), clock=clock)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        with LiveServer(app) as server:
            response = page.goto(f"{server.url}/t/abc%00def")
            assert response.status == 404
            page.screenshot(path=str(artifacts / "bad-input-phone-nul-link.png"))
            text = page.inner_text("body")
        assert "Không tìm thấy" in text and "Quay lại / Back" in text
        assert "Traceback" not in text and "Đã có lỗi hệ thống" not in text
    finally:
        page.close()
        app.extensions["motcua"].db.dispose()


def test_a_login_form_carrying_a_nul_is_refused_in_plain_words(browser, live_server, artifacts):
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/console/login")
        # A scanner or a pasted text can carry a NUL that nobody sees; the form sends it as is.
        page.eval_on_selector("input[name=username]", "el => { el.value = 'quay1\\u0000'; }")
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        page.screenshot(path=str(artifacts / "bad-input-console-login-nul.png"))
        text = page.inner_text("body")
        assert "Dữ liệu gửi lên có ký tự không hợp lệ" in text and "The input holds a character that is not allowed" in text
        assert "Đã có lỗi hệ thống" not in text
    finally:
        page.close()


def test_a_counter_form_with_an_id_in_another_script_asks_to_choose_a_counter(browser, live_server, artifacts):
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/console/login")
        page.fill("input[name=username]", "quay1")
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        page.goto(f"{live_server.url}/console/counter")
        # What a tampered (or IME-mangled) form sends: "١", an Arabic-Indic one, is not counter 1.
        # Wait for the navigation the submit starts: a screenshot taken while the old page
        # is being torn down can hang until its timeout.
        with page.expect_navigation():
            page.eval_on_selector("form:has([name=counter_id])",
                                  "f => { const i = f.querySelector('[name=counter_id]'); i.value = '\\u0661'; "
                                  "if (i.type === 'radio') { i.checked = true; } f.submit(); }")
        page.screenshot(path=str(artifacts / "bad-input-console-counter-id.png"))
        assert "Hãy chọn một quầy." in page.inner_text("body")
        assert "/console/counter" in page.url
    finally:
        page.close()
