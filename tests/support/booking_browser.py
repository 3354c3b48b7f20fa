"""The public booking pages on a phone in a real browser: a 360×740 context, every response body it
received kept for the privacy check, the width check, screenshots under test-artifacts/booking/."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.support.browser import ARTIFACTS

PHONE = {"width": 360, "height": 740}
BOOKING_ARTIFACTS = ARTIFACTS / "booking"


def open_phone(browser):
    """A fresh phone-sized context (Vietnamese locale, Hà Nội time) and its page; close the context after."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    return context, page


def page_width(page) -> int:
    """How wide the page's content is: wider than the viewport means a sideways scroll."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def shot(page, name: str, full_page: bool = True) -> Path:
    BOOKING_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = BOOKING_ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def visible_step(page) -> str:
    """The id of the booking page's step on screen."""
    return page.evaluate("[...document.querySelectorAll('section.step')].filter(s => !s.hidden).map(s => s.id).join(',')")


SMALLEST_TEXT_JS = """() => {
  const seen = [];
  for (const node of document.querySelectorAll('body *')) {
    const own = [...node.childNodes].some(c => c.nodeType === 3 && c.textContent.trim());
    const box = node.getBoundingClientRect();
    if (!own || !box.width || !box.height || node.closest('[hidden]')) continue;
    seen.push([parseFloat(getComputedStyle(node).fontSize), node.textContent.trim().slice(0, 40)]);
  }
  return seen.sort((a, b) => a[0] - b[0])[0] || [0, ''];
}"""
SMALLEST_TARGET_JS = """() => {
  const seen = [];
  for (const node of document.querySelectorAll('button, a.button, .choice, input')) {
    const box = node.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    seen.push([Math.min(box.height, box.width), (node.id || node.textContent.trim()).slice(0, 40)]);
  }
  return seen.sort((a, b) => a[0] - b[0])[0] || [999, ''];
}"""


def smallest_text(page) -> tuple[float, str]:
    """The smallest font size (px) of any text on screen, and the text."""
    size, text = page.evaluate(SMALLEST_TEXT_JS)
    return size, text


def smallest_target(page) -> tuple[float, str]:
    """The smallest side (px) of any button, link-button, choice or input on screen, and which."""
    size, which = page.evaluate(SMALLEST_TARGET_JS)
    return size, which
