"""The composition root: every service of the app is built here, once, in one place.

``build_services(settings, clock)`` makes the database, the domain services and the
infrastructure around them, and wires the one event bus they publish to. The order of the
bus's subscribers is the order in which a committed change reaches the outside world:

1. realtime: boards, consoles, kiosks and phone pages over Socket.IO (with the kiosks' and
   phones' derived pushes);
2. the announcer: each call's WAV prepared before the boards ask for it (and the server
   speaker, where the center has one).

Nothing patches a service at run time; a later subscriber (webhooks, say) is one more line
here. ``create_app`` (server/app.py) calls this and keeps the result in ``app.extensions``;
views reach it through ``server.extensions.services()``.
"""
from __future__ import annotations

import atexit
from dataclasses import dataclass

from server.adapters import realtime
from server.adapters.announcer import Announcer
from server.adapters.printing import PrintService
from server.clock import Clock, SystemClock
from server.config import Settings
from server.db import Database
from server.domain.admin import AdminService
from server.domain.alerts import AlertService
from server.domain.dossiers.service import DossierArea, DossierService
from server.domain.events import EventBus
from server.domain.notices import NoticeService
from server.domain.procedures import ProcedureCatalogue
from server.domain.queue import QueueService
from server.domain.ratings import RatingService


@dataclass
class Services:
    """What every layer of the app shares (kept in ``app.extensions['motcua']``)."""

    settings: Settings
    db: Database
    clock: Clock
    bus: EventBus
    queue: QueueService
    alerts: AlertService
    admin: AdminService
    ratings: RatingService
    procedures: ProcedureCatalogue
    dossiers: DossierArea
    printing: PrintService
    announcer: Announcer


def build_services(settings: Settings, clock: Clock | None = None, *, db: Database | None = None) -> Services:
    """Build and wire every service of one app over ``settings`` (database already migrated)."""
    clock = clock or SystemClock()
    db = db or Database(settings.database_url)
    bus = EventBus()
    queue = QueueService(db, clock, publish=bus)
    alerts = AlertService(db, clock, publish=bus)
    # One print service, one queue: a printer serving tickets and receipts prints one job at a time.
    printing = PrintService(alerts, bus, retries=settings.print_retries, retry_delay=settings.print_retry_delay)
    # A clean shutdown lets queued tickets finish printing instead of dropping them.
    atexit.register(printing.close, 5.0)
    notices = NoticeService(db, clock)
    dossiers = DossierArea(dossiers=DossierService(db, clock, queue, publish=bus, notices=notices), notices=notices)
    # A test app speaks ahead only when its test hands it a synthesizer (see Announcer.use_synthesizer).
    announcer = Announcer(db, alerts, instance_path=settings.instance_path, prewarm=not settings.testing)

    bus.subscribe(realtime.publish)
    bus.subscribe(realtime.CitizenPush(queue).follow)
    bus.subscribe(announcer.on_event)

    return Services(
        settings=settings, db=db, clock=clock, bus=bus, queue=queue, alerts=alerts,
        admin=AdminService(db, clock, publish=bus), ratings=RatingService(db, clock, publish=bus),
        procedures=ProcedureCatalogue(db, clock),
        dossiers=dossiers, printing=printing, announcer=announcer,
    )


__all__ = ["Services", "build_services"]
