"""Generate dossiers around a day straight into the dossier area's tables, and keep an
independent record of what the report must count."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from server.models import Service
from tests.support.daygen import HANOI, at_local


@dataclass
class DossierTruth:
    received: list[dict] = field(default_factory=list)   # received on the day: {"channel", "service"}
    returned: list[dict] = field(default_factory=list)   # returned on the day: {"class", "by_post", "service"}
    rejected: list[dict] = field(default_factory=list)
    overdue_now: list[dict] = field(default_factory=list)


PROCEDURES = [  # code, name, service code, processing days
    ("1.001193", "Đăng ký khai sinh", "TPHT", 0.5),
    ("2.000908", "Chứng thực bản sao từ bản chính", "TPHT", 0.0),
    ("1.004227", "Đăng ký biến động quyền sử dụng đất", "DD", 10),
    ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XDHKD", 15),
    ("1.005402", "Hưởng trợ cấp xã hội hằng tháng", "VHXH", 7),
]


def generate_dossiers(db, day: date, now: datetime, *, seed: int = 5, count: int = 90) -> DossierTruth:
    from server.models.dossiers import Dossier, DossierEvent, Procedure

    rng = random.Random(seed)
    truth = DossierTruth()
    with db.write() as s:
        services = {sv.code: sv.id for sv in s.scalars(select(Service))}
        procs = []
        for i, (code, name, service, days) in enumerate(PROCEDURES):
            p = Procedure(center_id=1, code=code, name=name, service_id=services[service], processing_days=days, sort_order=i,
                          documents=[], fee="", active=True, name_en="")
            s.add(p)
            procs.append((p, service))
        s.flush()
        for i in range(count):
            proc, service = rng.choice(procs)
            channel = rng.choices(["direct", "online", "post"], [6, 3, 1])[0]
            kind = rng.choices(["received_today", "returned_today", "rejected_today", "open"], [5, 4, 1, 3])[0]
            if kind in ("received_today", "rejected_today"):
                received = at_local(day, 7, 30) + timedelta(minutes=rng.randrange(9 * 60))
            else:  # received in the two weeks before
                received = at_local(day - timedelta(days=rng.randrange(1, 15)), 8) + timedelta(minutes=rng.randrange(400))
            appointment = received + timedelta(days=rng.randrange(0, 10))
            d = Dossier(center_id=1, code=f"000.00.12.H26-{received.astimezone(HANOI):%y%m%d}-{i + 1:04d}", procedure_id=proc.id,
                        service_id=proc.service_id if rng.random() < 0.8 else None, channel=channel, received_at=received,
                        appointment_at=appointment, created_at=received, updated_at=received, state="received",
                        applicant_name="(test)", documents=[])
            s.add(d)
            s.flush()
            s.add(DossierEvent(dossier_id=d.id, center_id=1, at=received, action="receive", from_state=None, to_state="received"))
            if kind == "received_today":
                d.state = rng.choice(["received", "processing"])
                truth.received.append({"channel": channel, "service": service})
                if d.appointment_at < now:
                    truth.overdue_now.append({"service": service})
            elif kind == "rejected_today":
                d.state = "rejected"
                d.appointment_at = None
                s.add(DossierEvent(dossier_id=d.id, center_id=1, at=received + timedelta(minutes=5), action="reject",
                                   from_state="received", to_state="rejected"))
                truth.received.append({"channel": channel, "service": service})
                truth.rejected.append({"service": service})
            elif kind == "returned_today":
                if rng.random() < 0.3:  # due today: returned on time
                    d.appointment_at = appointment = at_local(day, 16)
                returned = at_local(day, 8) + timedelta(minutes=rng.randrange(8 * 60))
                d.state, d.returned_at, d.result_ready_at = "returned", returned, returned - timedelta(hours=2)
                done, due = returned.astimezone(HANOI).date(), appointment.astimezone(HANOI).date()
                cls = "early" if done < due else "on_time" if done == due else "late"
                d.result_class = cls if rng.random() < 0.8 else None  # some only have dates: the report compares them
                method = rng.choice([None, "counter", "post"])
                data = {"method": method} if method else {}
                s.add(DossierEvent(dossier_id=d.id, center_id=1, at=returned, action="return", from_state="result_ready",
                                   to_state="returned", data=data))
                by_post = method == "post" or (method is None and channel == "post")
                d.return_channel = "post" if by_post else "counter"  # the report reads the return channel
                truth.returned.append({"class": cls, "by_post": by_post, "service": service})
            else:  # still open, received earlier
                d.state = rng.choice(["processing", "supplement_requested", "result_ready"])
                if d.state != "result_ready" and d.appointment_at < now:
                    truth.overdue_now.append({"service": service})
    return truth
