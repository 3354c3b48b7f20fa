"""The report page and the live dashboard in a real browser (Playwright + Debian chromium)."""

from __future__ import annotations

import io

import pytest
import requests
from openpyxl import load_workbook

from tests.support.admin_browser import admin_login, run_browser, running_server, shot
from tests.support.demo import DEMO_PASSWORD
from tests.support.reports import MONDAY
from tests.support.server_process import login_session

pytestmark = pytest.mark.browser

CANVASES = ["chart-load", "chart-wait", "chart-ratings", "chart-fourth"]
# How many pixels of a chart are drawn (not transparent): an empty canvas has none.
DRAWN = """id => { const c = document.getElementById(id); const ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


@pytest.fixture
def days_server(generated, tmp_path):
    with running_server(generated.path, tmp_path) as srv:
        yield srv


def test_report_page_draws_its_charts_and_offers_exports(days_server, generated, browser):
    base = days_server.url

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, "giamsat", next_path=f"/admin/reports?center=1&period=day&date={MONDAY.isoformat()}")
        page.wait_for_function("window.motcuaCharts && Object.keys(window.motcuaCharts).length === 4")
        for canvas in CANVASES:
            assert page.evaluate(f"!!Chart.getChart('{canvas}')"), canvas
            assert page.evaluate(DRAWN, canvas) > 500, f"{canvas} looks empty"
        assert page.evaluate("Chart.getChart('chart-load').data.datasets[0].data.reduce((a, b) => a + b, 0)") == len(
            generated.monday.issued
        )
        # The summary table shows the issued count; no range fields for a single day.
        assert page.inner_text("table[data-table=summary] tr:nth-child(1) td:last-child") == str(len(generated.monday.issued))
        assert not page.is_visible("input[name=start]")
        shot(page, "report-day", full_page=True)

        # The XLSX link downloads a workbook with the same rows.
        with page.expect_download() as download:
            page.click("#export-xlsx")
        book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
        values = {row[0].value: row[2].value for row in book["Tổng hợp"].iter_rows(min_row=3)}
        assert values["Số phiếu đã phát"] == len(generated.monday.issued)

        # A month: the wait trend follows the days.
        page.select_option("#period-kind", "month")
        page.click(".period-form button[type=submit]")
        page.wait_for_function("window.motcuaCharts && window.motcuaCharts.wait")
        assert page.evaluate("Chart.getChart('chart-wait').data.labels.length") == 30
        assert page.evaluate(DRAWN, "chart-wait") > 500
        shot(page, "report-month")

    run_browser(browser, scenario)


def test_dashboard_updates_live_when_a_ticket_is_issued(days_server, browser):
    base = days_server.url

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, "giamsat")
        assert "/admin/c/1/" in page.url
        page.wait_for_selector("#live-dot.on")
        before = int(page.inner_text("#s-waiting"))
        ticket = requests.post(f"{base}/api/v1/tickets", json={"center_id": 1, "service_id": 2}, timeout=5).json()
        page.wait_for_function(f"document.getElementById('s-waiting').textContent === '{before + 1}'", timeout=10000)
        assert ticket["number"] in page.inner_text("#services-table")
        clerk = login_session(base, "quay3", DEMO_PASSWORD)
        clerk.post(f"{base}/api/v1/counters/3/call-next", timeout=5)
        page.wait_for_function(f"document.getElementById('counters').textContent.includes('{ticket['number']}')", timeout=10000)
        shot(page, "dashboard-live", full_page=True)

    run_browser(browser, scenario)


def test_report_page_offers_a_quarter_and_the_excel_semicolon_csv(days_server, generated, browser):
    base = days_server.url

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, "giamsat", next_path=f"/admin/reports?center=1&period=day&date={MONDAY.isoformat()}")
        assert not page.is_visible("#period-quarter")
        page.select_option("#period-kind", "quarter")
        # Only the fields of a quarter: which quarter, the year, and how the data are cut off.
        assert page.is_visible("#period-quarter") and page.is_visible("#period-year") and page.is_visible("#period-basis")
        assert not page.is_visible("input[name=date]") and not page.is_visible("#period-half")
        page.select_option("#period-quarter", "4")
        page.fill("#period-year", "2026")
        page.click(".period-form button[type=submit]")
        page.wait_for_function("window.motcuaCharts && window.motcuaCharts.wait")
        assert "period=quarter" in page.url and "quarter=4" in page.url and "year=2026" in page.url
        assert "Quý IV năm 2026" in page.inner_text("h1")
        # Both generated days (Friday 20/11 and Monday 23/11) fall in the fourth quarter.
        issued = len(generated.monday.issued) + len(generated.friday.issued)
        assert page.inner_text("table[data-table=summary] tr:nth-child(1) td:last-child") == str(issued)
        assert page.evaluate("Chart.getChart('chart-wait').data.labels.length") == 92
        assert page.inner_text("table[data-table=by_day] tbody tr:first-child td:first-child") == "01/10/2026"
        shot(page, "report-quarter", full_page=False)

        link = page.locator("#t-summary + .table-wrap + .table-tools a.csv-excel")
        assert link.inner_text() == "CSV cho Excel (dấu ;)"
        with page.expect_download() as download:
            link.click()
        body = open(download.value.path(), "rb").read()
        assert body.startswith(b"\xef\xbb\xbf") and ";" in body.decode("utf-8").splitlines()[0]
        assert f";{issued}" in body.decode("utf-8")

    run_browser(browser, scenario)
