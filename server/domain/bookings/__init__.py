"""Bookings (đặt lịch hẹn): a citizen books a time for a field ahead, then checks in at the kiosk.

- ``settings``: the center's booking rules (``Center.settings["booking"]``) with their defaults;
- ``codes``: the booking code shown, printed and put in the QR, and how a scan is read back;
- ``slots``: a day's slots from the center's hours and the places each holds (pure arithmetic plus
  grouped reads);
- ``capacity``: the limits bookings and walk-ins share (``check_daily_cap``), counted under a lock;
- ``service``: :class:`BookingService`, book / view / move / cancel (by link token or, for the
  province's portal, by code).

Plain Python over the database, no Flask (the domain's rule).
"""
from server.domain.bookings.capacity import check_daily_cap
from server.domain.bookings.service import BookingService
from server.domain.bookings.settings import DEFAULT_BOOKING, booking_settings
from server.domain.bookings.slots import offered_places, slot_capacity, slot_times

__all__ = ["DEFAULT_BOOKING", "BookingService", "booking_settings", "check_daily_cap", "offered_places", "slot_capacity",
           "slot_times"]
