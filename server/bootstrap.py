"""The composition root: every service of the app is built here, once, in one place.

``build_services(settings, clock)`` makes the database, the domain services and the
infrastructure around them, and wires the one event bus they publish to. The order of the
bus's subscribers is the order in which a committed change reaches the outside world:

1. realtime: boards, consoles, kiosks and phone pages over Socket.IO (with the kiosks' and
   phones' derived pushes);
2. the announcer: each call's WAV prepared before the boards ask for it (and the server
   speaker, where the center has one).

Nothing patches a service at run time; a later subscriber (webhooks, say) is one more line
here. Every value a service needs comes from the ``Settings`` passed in (server/config.py):
no service reads the environment itself. ``create_app`` (server/app.py) calls this and keeps the
result in ``app.extensions``; views reach it through ``server.extensions.services()``.
"""
from __future__ import annotations

import atexit
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from audio import SpeakerQueue
from server.adapters import realtime
from server.adapters.announcer import Announcer, speech_engine
from server.adapters.printing import PrintService, lan_base_url
from server.adapters.upkeep import Upkeep
from server.clock import Clock, SystemClock
from server.config import Settings
from server.db import Database
from server.domain.admin import AdminService
from server.domain.alerts import AlertService
from server.domain.bookings import BookingService
from server.domain.bookings.reminders import SlotStarts, run_booking_jobs
from server.domain.dossiers.retention import purge_personal_data
from server.domain.dossiers.service import DossierArea, DossierService
from server.domain.events import EventBus
from server.domain.floor_messages import FloorMessageService
from server.domain.notices import NoticeConfig, NoticeService
from server.domain.procedures import ProcedureCatalogue
from server.domain.queue import QueueService
from server.domain.ratings import RatingService
from server.domain.service_levels import ServiceLevels


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
    floor: FloorMessageService
    levels: ServiceLevels
    upkeep: Upkeep
    bookings: BookingService


def open_database(settings: Settings) -> Database:
    """The database ``settings`` name, with its connection pool sized as configured."""
    return Database(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                    pool_timeout=settings.db_pool_timeout)


def notice_config(settings: Settings) -> NoticeConfig:
    """Where e-mail and SMS notices go, as configured (an empty host or URL turns that channel off)."""
    return NoticeConfig(
        smtp_host=settings.smtp_host, smtp_port=settings.smtp_port, smtp_from=settings.smtp_from or NoticeConfig.smtp_from,
        smtp_user=settings.smtp_user, smtp_password=settings.smtp_password, smtp_starttls=settings.smtp_starttls,
        smtp_ssl=settings.smtp_ssl, smtp_timeout=settings.smtp_timeout, sms_gateway_url=settings.sms_gateway_url,
        sms_gateway_token=settings.sms_gateway_token, sms_sender=settings.sms_sender, sms_unicode=settings.sms_unicode,
        max_attempts=settings.notice_max_attempts,
    )


def server_speech_engine(settings: Settings) -> Any:
    """The speech engine the voice settings describe (the announcer's, and ``run.py say``'s)."""
    return speech_engine(settings.voice_engine, voice=settings.voice, rate=settings.voice_rate, volume=settings.voice_volume,
                         model=settings.piper_model)


def build_services(settings: Settings, clock: Clock | None = None, *, db: Database | None = None) -> Services:
    """Build and wire every service of one app over ``settings`` (database already migrated)."""
    clock = clock or SystemClock()
    db = db or open_database(settings)
    bus = EventBus()
    queue = QueueService(db, clock, publish=bus)
    alerts = AlertService(db, clock, publish=bus)
    # One print service, one queue: a printer serving tickets and receipts prints one job at a time.
    printing = PrintService(alerts, bus, retries=settings.print_retries, retry_delay=settings.print_retry_delay)
    # A clean shutdown lets queued tickets finish printing instead of dropping them.
    atexit.register(printing.close, 5.0)
    notices = NoticeService(db, clock, config=notice_config(settings))
    # The instance's secret keys citizens' ID numbers (HMAC) and signs the kiosk's citizen links.
    dossier_service = DossierService(db, clock, queue, publish=bus, notices=notices, citizen_secret=settings.secret_key)
    dossiers = DossierArea(dossiers=dossier_service, notices=notices)
    announcer = Announcer(
        db, alerts, cache_dir=settings.audio_cache,
        # The engine is made with the first announcement: no speech process until someone speaks.
        make_engine=partial(server_speech_engine, settings),
        timeout=settings.announce_timeout, prewarm=settings.voice_prewarm,
        speaker=SpeakerQueue(device=settings.speaker_device) if settings.announce_on_server_speaker else None,
    )

    levels = ServiceLevels(db, clock, alerts)
    upkeep = build_upkeep(settings, clock, alerts, levels)
    # Personal data of returned dossiers past the center's retention (Luật 91/2025/QH15): checked hourly.
    upkeep.add("personal_data_retention", partial(purge_personal_data, db, clock), every=timedelta(hours=1))
    # Bookings: no-shows once their window has passed, the day-before reminders, contacts purged after the day.
    upkeep.add("bookings", partial(run_booking_jobs, db, clock, notices,
                                   base_url=lan_base_url(settings.port, settings.public_base_url)), every=timedelta(minutes=1))
    # Booked tickets whose slot has just started go ahead: their lines' phones are told at the next tick.
    upkeep.add("booked_tickets_ahead", SlotStarts(db, clock, bus))

    bus.subscribe(realtime.publish)
    # One process (no message queue) sees every phone in its own rooms: lines nobody follows are not read.
    bus.subscribe(realtime.CitizenPush(queue, listeners_known=not settings.socketio_message_queue).follow)
    bus.subscribe(announcer.on_event)

    return Services(
        settings=settings, db=db, clock=clock, bus=bus, queue=queue, alerts=alerts,
        admin=AdminService(db, clock, publish=bus), ratings=RatingService(db, clock, publish=bus),
        procedures=ProcedureCatalogue(db, clock),
        dossiers=dossiers, printing=printing, announcer=announcer, floor=FloorMessageService(db, clock, publish=bus),
        levels=levels, upkeep=upkeep,
        # Bookings key ID numbers and phones with the same instance secret as the dossier area.
        bookings=BookingService(db, clock, citizen_secret=settings.secret_key, publish=bus),
    )


def build_upkeep(settings: Settings, clock: Clock, alerts: AlertService, levels: ServiceLevels) -> Upkeep:
    """The process's one periodic scheduler and its checks (the realtime layer adds the displays'
    heartbeat first and starts it). Every check is idempotent over the database, so each server
    process may run it. Ticks at least twice per display grace period, so a connected display's
    heartbeat is never older than the grace."""
    grace = settings.display_offline_seconds
    interval = min(settings.upkeep_seconds, grace / 2) if grace > 0 and settings.upkeep_seconds > 0 else settings.upkeep_seconds
    upkeep = Upkeep(interval, now=clock.now)
    # A process that has just started gives its screens the grace period to reconnect before any is called offline.
    not_before = clock.now() + timedelta(seconds=grace)
    upkeep.add("display_offline", lambda: alerts.check_displays(grace, not_before=not_before))
    upkeep.add("wait_target", levels.check)
    return upkeep


__all__ = ["Services", "build_services", "build_upkeep", "notice_config", "open_database", "server_speech_engine"]
