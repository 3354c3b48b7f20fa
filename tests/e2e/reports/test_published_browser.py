"""The periodic report section (báo cáo định kỳ) in a real browser: the paragraph ready to copy,
the 766 table, its two charts drawn, and the scope of a province."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.support.admin_browser import admin_login, run_browser, running_server, shot
from tests.support.publishedgen import expected_figures, expected_paragraph

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-E")
DRAWN = """id => { const c = document.getElementById(id); const ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


@pytest.fixture
def province_server(province_file, tmp_path):
    with running_server(province_file[0], tmp_path) as srv:
        yield srv


def test_a_province_account_reads_copies_and_sees_the_charts_of_the_quarter(province_server, province_world, browser):
    world = province_world
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    paragraph = expected_paragraph(fig, "Quý I năm 2026", "Trung tâm Phục vụ hành chính công tỉnh và các đơn vị trực thuộc")

    def scenario(context):
        page = context.new_page()
        admin_login(page, province_server.url, "admin",
                    next_path=f"/admin/reports?center={world.province_id}&scope=province&period=quarter&year=2026&quarter=1")
        page.wait_for_function("window.motcuaPublishedCharts && Object.keys(window.motcuaPublishedCharts).length === 2")
        assert page.input_value("#published-paragraph") == paragraph
        assert page.get_attribute("#published-paragraph", "readonly") is not None
        for canvas in ("chart-published-ontime", "chart-published-channels"):
            assert page.evaluate(DRAWN, canvas) > 500, f"{canvas} looks empty"
        assert page.evaluate("Chart.getChart('chart-published-ontime').data.labels") == ["01/2026", "02/2026", "03/2026"]
        page.click("#published-copy")
        page.wait_for_function("document.getElementById('published-copied').textContent.length > 0")
        assert page.evaluate("document.activeElement.id") == "published-paragraph"  # selected for Ctrl+C too
        points = page.inner_text("table.published-766 tbody tr:first-child td:last-child")
        assert points == f"{fig['points']['on_time_rate']:.2f}".replace(".", ",")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#published").screenshot(path=str(SHOTS / "published-section.png"))
        page.screenshot(path=str(SHOTS / "published-top.png"))
        shot(page, "published-province", full_page=True)

    run_browser(browser, scenario)
