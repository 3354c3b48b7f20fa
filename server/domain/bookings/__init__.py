"""Bookings (đặt lịch hẹn): a citizen books a time for a field ahead, then checks in at the kiosk.

- ``settings``: the center's booking rules (``Center.settings["booking"]``) with their defaults;
- ``codes``: the booking code shown, printed and put in the QR, and how a scan is read back.

Plain Python over the database, no Flask (the domain's rule).
"""
