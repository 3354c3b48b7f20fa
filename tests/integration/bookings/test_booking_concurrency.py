"""50 citizens book the last places of one slot at the same moment: exactly the places left are
booked, every other one is told the slot is full, and the slot is never overbooked — on SQLite
(the write lock taken up front) and on a real PostgreSQL (the field's row locked before counting)."""
from __future__ import annotations

import threading
from collections import Counter as Tally
from datetime import datetime

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.domain.bookings import BookingService
from server.domain.errors import DomainError
from server.models import Booking
from tests.support.booking_rows import set_booking_rules
from tests.support.demo import center_id, make_db, service_id
from tests.support.fixtures.bookings import VN

CLIENTS = 50
SLOT = datetime(2026, 11, 25, 9, 0, tzinfo=VN)
PLACES = 7  # Tư pháp: 2 counters × 30 min ÷ 8 min, all of it offered (share 100 %)
ALREADY_BOOKED = 4


def race(db: Database, clock) -> tuple[Tally, int]:
    """Fill the slot but for its last places, then let CLIENTS threads book it at once."""
    set_booking_rules(db, center_id(db), share_percent=100)
    service = BookingService(db, clock, citizen_secret="race")
    center, justice = center_id(db), service_id(db, "TPHT")
    for n in range(ALREADY_BOOKED):
        service.book(center, justice, SLOT, phone=f"0900000{n:03d}")
    start = threading.Barrier(CLIENTS)
    outcomes: Tally = Tally()
    lock = threading.Lock()

    def citizen(n: int) -> None:
        start.wait()
        try:
            service.book(center, justice, SLOT, phone=f"0910000{n:03d}")
            outcome = "booked"
        except DomainError as refused:
            outcome = refused.code
        except BaseException as exc:  # noqa: BLE001 - tallied, so the assertion shows what a worker met
            outcome = f"crash: {exc!r}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with db.read() as s:
        stored = s.scalar(select(func.count()).select_from(Booking).where(Booking.slot_start == datetime(2026, 11, 25, 2, 0)))
    return outcomes, stored


def test_fifty_citizens_never_overbook_the_last_places_on_sqlite(db, clock):
    outcomes, stored = race(db, clock)
    assert outcomes == {"booked": PLACES - ALREADY_BOOKED, "slot_full": CLIENTS - (PLACES - ALREADY_BOOKED)}
    assert stored == PLACES


@pytest.mark.postgres
def test_fifty_citizens_never_overbook_the_last_places_on_postgresql(pg_url, clock):
    db = make_db(pg_url)
    try:
        outcomes, stored = race(db, clock)
    finally:
        db.dispose()
    assert outcomes == {"booked": PLACES - ALREADY_BOOKED, "slot_full": CLIENTS - (PLACES - ALREADY_BOOKED)}
    assert stored == PLACES
