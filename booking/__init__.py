"""Booking pages (đặt lịch hẹn): the public, phone-first booking page (``/dat-lich``,
``/dat-lich/<center_id>``) and the booking's own page behind its secret link (``/lich-hen/<token>``,
with ``qr.png``, the image to save). The JSON the pages call lives in ``server/web/api/bookings.py``;
the rules live in ``server/domain/bookings/``.
"""
