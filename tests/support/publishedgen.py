"""A province for the periodic-report tests: the demo ward center and a second commune center under
a provincial center, plus one center outside it, each with dossiers and ratings spread over a
quarter and the months around it. Every generated dossier and rating is kept in plain records
so that a test computes the expected figures on its own, without the report code."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from server.models import Center, Service, Ticket
from server.models.admin import Rating
from tests.support.daygen import HANOI

FIELDS = {"TPHT": "Tư pháp – Hộ tịch – Chứng thực", "DD": "Đất đai", "VHXH": "Văn hóa – Xã hội"}
PROCEDURES = [("1.001193", "Đăng ký khai sinh", "TPHT"), ("2.000908", "Chứng thực bản sao từ bản chính", "TPHT"),
              ("1.004227", "Đăng ký biến động quyền sử dụng đất", "DD"), ("1.005402", "Hưởng trợ cấp xã hội hằng tháng", "VHXH")]
# The generated span: December before the quarter to April after it, so the edges are exercised.
SPAN_START, SPAN_DAYS = date(2025, 12, 1), 151


@dataclass
class GenDossier:
    center: str
    procedure: str            # national procedure code
    field: str                # the field's code (the dossier's own, or its procedure's)
    channel: str              # direct | online | post
    received: datetime        # local time
    returned: datetime | None = None
    return_channel: str = "counter"
    result_class: str | None = None
    refused: tuple[str, datetime] | None = None  # ("rejected" | "stopped", local time of the change)


@dataclass
class GenRating:
    center: str
    field: str
    level: str
    at: datetime  # local time


@dataclass
class Province:
    province_id: int
    center_ids: dict[str, int]                      # code → id, the province's centers and the outsider
    members: tuple[str, ...]                         # codes of the centers in the province
    dossiers: list[GenDossier] = field(default_factory=list)
    ratings: list[GenRating] = field(default_factory=list)


def _local(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=HANOI) + timedelta(minutes=minutes)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def build_province(db, *, seed: int = 14, per_center: int = 360) -> Province:
    """Add a provincial center above the demo center (id 1), a second commune center under it and a
    center outside it; give the three centers dossiers and ratings; return what was written."""
    from server.models.dossiers import Dossier, DossierEvent, Procedure

    rng = random.Random(seed)
    with db.write() as s:
        demo = s.get(Center, 1)
        province = Center(code="TTHCC-TINH", name="Trung tâm Phục vụ hành chính công tỉnh", level="province")
        s.add(province)
        s.flush()
        demo.parent_id = province.id
        commune = Center(code="XA-2", name="Bộ phận một cửa xã Hai", level="commune", parent_id=province.id)
        outsider = Center(code="NGOAI", name="Trung tâm tỉnh khác", level="province")
        s.add_all([commune, outsider])
        s.flush()
        centers = {"DEMO": demo, "XA-2": commune, "NGOAI": outsider}
        world = Province(province.id, {k: c.id for k, c in centers.items()} | {"TINH": province.id}, ("DEMO", "XA-2"))
        fields: dict[tuple[str, str], int] = {}
        for key, center in centers.items():
            for order, (code, name) in enumerate(FIELDS.items()):
                found = s.scalar(select(Service).where(Service.center_id == center.id, Service.code == code))
                if found is None:
                    found = Service(center_id=center.id, code=code, name=name, kind="submit", number_start=1 + 1000 * order,
                                    number_digits=4, sort_order=order)
                    s.add(found)
                    s.flush()
                fields[(key, code)] = found.id
        procedures: dict[tuple[str, str], Procedure] = {}
        for key, center in centers.items():
            for order, (code, name, field_code) in enumerate(PROCEDURES):
                p = Procedure(center_id=center.id, code=code, name=name, name_en="", service_id=fields[(key, field_code)],
                              processing_days=5, fee="", documents=[], active=True, sort_order=order)
                s.add(p)
                procedures[(key, code)] = p
        s.flush()
        seq = 0
        for key, center in centers.items():
            for _ in range(per_center):
                seq += 1
                code, _name, field_code = rng.choice(PROCEDURES)
                received = _local(SPAN_START + timedelta(days=rng.randrange(SPAN_DAYS)), rng.randrange(0, 24 * 60))
                g = GenDossier(key, code, field_code, rng.choices(["direct", "online", "post"], [6, 3, 1])[0], received)
                fate = rng.choices(["open", "returned", "rejected", "stopped"], [3, 8, 1, 1])[0]
                if fate == "returned":
                    g.returned = received + timedelta(days=rng.randrange(0, 40), minutes=rng.randrange(600))
                    g.return_channel = rng.choices(["counter", "post", "online"], [7, 2, 1])[0]
                    g.result_class = rng.choices(["early", "on_time", "late", None], [5, 3, 2, 1])[0]
                elif fate != "open":
                    g.refused = (fate, received + timedelta(minutes=10 if fate == "rejected" else 60 * 24 * rng.randrange(1, 20)))
                own_field = rng.random() < 0.8  # else the clerk left it empty: the procedure's field counts
                d = Dossier(center_id=center.id, code=f"G-{seq:06d}", procedure_id=procedures[(key, code)].id,
                            service_id=fields[(key, field_code)] if own_field else None, channel=g.channel,
                            return_channel=g.return_channel, received_at=_utc(received), created_at=_utc(received),
                            updated_at=_utc(received), state="processing", applicant_name="(test)", documents=[],
                            appointment_at=_utc(received + timedelta(days=7)))
                s.add(d)
                s.flush()
                if g.returned is not None:
                    d.state, d.returned_at, d.result_class = "returned", _utc(g.returned), g.result_class
                    if g.return_channel == "post":
                        d.posted_at = d.returned_at
                if g.refused is not None:
                    d.state = g.refused[0]
                    s.add(DossierEvent(dossier_id=d.id, center_id=center.id, at=_utc(g.refused[1]), action=g.refused[0][:-2],
                                       from_state="processing", to_state=g.refused[0], data={}))
                world.dossiers.append(g)
            for n in range(per_center // 2):
                at = _local(SPAN_START + timedelta(days=rng.randrange(SPAN_DAYS)), rng.randrange(7 * 60, 17 * 60))
                field_code = rng.choice(list(FIELDS))
                level = rng.choices(["very_satisfied", "satisfied", "unsatisfied"], [5, 4, 1])[0]
                sid = fields[(key, field_code)]
                ticket = Ticket(center_id=center.id, service_id=sid, origin_service_id=sid, day=at.date(), seq=n + 1,
                                number=n + 1, display=str(n + 1), state="done", token=secrets.token_urlsafe(18),
                                issued_at=_utc(at), sort_at=_utc(at), finished_at=_utc(at))
                s.add(ticket)
                s.flush()
                s.add(Rating(ticket_id=ticket.id, center_id=center.id, service_id=sid, level=level, source="phone",
                             created_at=_utc(at), ticket_finished_at=_utc(at)))
                world.ratings.append(GenRating(key, field_code, level, at))
    return world


# ------------------------------------------------------------------ what the report must say, computed here
TARGETS = {"on_time_rate": (0.90, 20.0), "online_share": (0.50, 12.0), "postal_share": (0.10, 2.0), "satisfaction": (0.80, 18.0)}


def expected_figures(world: Province, members: tuple[str, ...], first: date, last: date) -> dict:
    """Counts, rates and 766 points of ``members`` over the local days ``first``–``last``, by hand."""
    def inside(moment: datetime | None) -> bool:
        return moment is not None and first <= moment.date() <= last

    mine = [d for d in world.dossiers if d.center in members]
    received = [d for d in mine if inside(d.received)]
    returned = [d for d in mine if inside(d.returned)]
    refused = [d for d in mine if d.refused and inside(d.refused[1])]
    rated = [r for r in world.ratings if r.center in members and inside(r.at)]
    early = sum(d.result_class == "early" for d in returned)
    on_time = sum(d.result_class == "on_time" for d in returned)
    late = sum(d.result_class == "late" for d in returned)
    good = sum(r.level in ("very_satisfied", "satisfied") for r in rated)
    out = {
        "received": len(received), "received_online": sum(d.channel == "online" for d in received),
        "received_post": sum(d.channel == "post" for d in received),
        "received_direct": sum(d.channel == "direct" for d in received),
        "returned": len(returned), "returned_post": sum(d.return_channel == "post" for d in returned),
        "returned_online": sum(d.return_channel == "online" for d in returned),
        "early": early, "on_time": on_time, "late": late,
        "rejected": sum(d.refused[0] == "rejected" for d in refused), "stopped": sum(d.refused[0] == "stopped" for d in refused),
        "ratings": len(rated),
    }
    out["online_share"] = out["received_online"] / out["received"]
    out["postal_share"] = out["received_post"] / out["received"]
    out["on_time_rate"] = (early + on_time) / (early + on_time + late)
    out["satisfaction"] = good / len(rated)
    out["points"] = {k: round(points if out[k] >= target else out[k] * points / target, 2)
                     for k, (target, points) in TARGETS.items()}
    out["by_field"] = {code: (sum(d.field == code for d in received), sum(d.field == code for d in returned))
                       for code in FIELDS}
    out["by_procedure"] = {code: (sum(d.procedure == code for d in received), sum(d.procedure == code for d in returned))
                           for code, _n, _f in PROCEDURES}
    return out


def dots(n: int) -> str:
    """3544 → "3.544", written out digit group by digit group (not with the report's helper)."""
    digits = str(n)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join(groups)


def expected_paragraph(fig: dict, phrase: str, label: str) -> str:
    """The seed news style, assembled clause by clause."""
    rate = f"{fig['on_time_rate'] * 100:.1f}".replace(".", ",").removesuffix(",0")
    inside = [f"{dots(fig['received_online'])} hồ sơ trực tuyến"] if fig["received_online"] else []
    inside += [f"{dots(fig['received_post'])} hồ sơ qua dịch vụ bưu chính công ích"] if fig["received_post"] else []
    text = (f"{phrase}, {label} tiếp nhận {dots(fig['received'])} hồ sơ"
            + (f" (trong đó {', '.join(inside)})" if inside else "")
            + f", trả {dots(fig['returned'])} hồ sơ, trong đó trả đúng hạn {dots(fig['early'] + fig['on_time'])} hồ sơ"
            + f" (đạt {rate}%)")
    if fig["rejected"] + fig["stopped"]:
        text += f", trả lại công dân do không đủ điều kiện giải quyết {dots(fig['rejected'] + fig['stopped'])} hồ sơ"
    if fig["returned_post"]:
        text += f"; trả kết quả qua dịch vụ bưu chính công ích {dots(fig['returned_post'])} hồ sơ"
    satisfied = f"{fig['satisfaction'] * 100:.1f}".replace(".", ",").removesuffix(",0")
    return text + f". Tỷ lệ hài lòng (rất hài lòng và hài lòng) đạt {satisfied}% trên {dots(fig['ratings'])} lượt đánh giá."
