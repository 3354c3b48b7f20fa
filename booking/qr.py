"""The booking's QR as an image a citizen saves on the phone: the QR (it holds the booking code
only, what the kiosk reads) with the code printed under it in large type, so the saved picture
explains itself and a clerk can still type the code when a camera fails."""
from __future__ import annotations

from PIL import Image, ImageDraw

from hardware import make_qr_image
from hardware.layout import load_font

WIDTH = 480  # px: sharp on a phone screen, small to send (a few KB)
MARGIN = 36  # with the QR's own 2-module border, the 4-module quiet zone scanners expect


def booking_qr_image(code: str, code_display: str, caption: str = "Mã lịch hẹn / Booking code") -> Image.Image:
    """A white image: the QR of ``code`` (raw, e.g. ``LHBC4K7M2Q``: QR alphanumeric mode), then
    ``caption`` and ``code_display`` (``LH-BC4K-7M2Q``) in large bold type under it."""
    qr = make_qr_image(code, WIDTH - 2 * MARGIN, border=2).convert("L")
    caption_font, code_font = load_font(26), load_font(_code_size(code_display), bold=True)
    caption_h, code_h = _height(caption, caption_font), _height(code_display, code_font)
    height = MARGIN + qr.height + 8 + caption_h + 12 + code_h + MARGIN
    image = Image.new("L", (WIDTH, height), 255)
    image.paste(qr, ((WIDTH - qr.width) // 2, MARGIN))
    draw = ImageDraw.Draw(image)
    y = MARGIN + qr.height + 8
    draw.text((WIDTH // 2, y), caption, font=caption_font, fill=60, anchor="mt")
    draw.text((WIDTH // 2, y + caption_h + 12), code_display, font=code_font, fill=0, anchor="mt")
    return image


def _code_size(text: str) -> int:
    """The largest bold size up to 56 px at which ``text`` fits the width (LH-BC4K-7M2Q: about 50 px)."""
    size = 56
    while size > 20 and load_font(size, bold=True).getlength(text) > WIDTH - 2 * MARGIN:
        size -= 2
    return size


def _height(text: str, font) -> int:
    left, top, right, bottom = font.getbbox(text, anchor="mt")
    return bottom - top


__all__ = ["booking_qr_image"]
