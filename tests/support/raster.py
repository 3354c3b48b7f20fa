"""Read QR codes back out of ESC/POS bytes (what a printer would have printed).

    from tests.support.raster import read_qr_texts, decode_images

    texts = read_qr_texts(printer.received())    # ["http://host:8000/t/TOKEN"]

API (stable; other test suites use it):

``decode_images(data: bytes) -> list[PIL.Image.Image]``
    The ``GS v 0`` rasters in ``data`` (fragments merged), mode "1", via
    :func:`hardware.raster.decode_escpos_rasters`.
``read_qr_texts(data: bytes) -> list[str]``
    Every QR code text found in those rasters, top to bottom per image, using
    zxing-cpp.  Empty list when there is no raster or no readable QR.
``read_qr_texts_from_image(image) -> list[str]``
    The same for one Pillow image (e.g. a rendered ticket before printing).
"""
from __future__ import annotations

import zxingcpp
from PIL import Image

from hardware.raster import decode_escpos_rasters

__all__ = ["decode_images", "read_qr_texts", "read_qr_texts_from_image"]


def decode_images(data: bytes) -> list[Image.Image]:
    """The rasters in ESC/POS ``data`` as Pillow images (0 = black)."""
    return decode_escpos_rasters(data)


def read_qr_texts_from_image(image: Image.Image) -> list[str]:
    """QR texts in one image, ordered top to bottom."""
    gray = image.convert("L")  # zxing-cpp reads 8-bit grayscale directly
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    found = sorted(found, key=lambda b: (b.position.top_left.y, b.position.top_left.x))
    return [b.text for b in found]


def read_qr_texts(data: bytes) -> list[str]:
    """Every QR text in the rasters of ESC/POS ``data``."""
    texts: list[str] = []
    for image in decode_images(data):
        texts.extend(read_qr_texts_from_image(image))
    return texts
