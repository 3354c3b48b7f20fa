"""Return by post (dịch vụ bưu chính công ích): the delivery address chosen at intake, the day's
hand-over list for the post office, "đã giao bưu điện" and "đã phát".

The rules, in one place:

- a dossier whose result goes back by post (``return_channel == "post"``) needs a delivery
  address of 10–300 characters (whitespace collapsed); other return channels keep none;
- when its result is ready it is on the **hand-over list** until it is handed to the post
  office: state ``result_ready``, return channel ``post``, ``posted_at`` empty;
- handing it to the post office (:func:`mark_posted`, "đã giao bưu điện") **is** returning the
  result: the dossier becomes ``returned`` with ``returned_at = posted_at`` and its result
  class computed by the one return rule (:func:`.records.record_return`). Vietnamese practice
  (and the on-time figures of Quyết định 766/QĐ-TTg) counts a result sent by post as returned
  on the day it is handed to the post office: the days the post takes are not the agency's;
- the post office's delivery (:func:`mark_delivered`, "đã phát") is recorded apart in
  ``delivered_at``: a date not in the future and not before the hand-over;
- at the kiosk a post-return dossier already handed to the post office is refused politely
  (:func:`posted_pickup_answer`); one not yet posted may still be collected in person (the
  citizen came; the result is still here), the clerk then returns it at the counter.

The list carries names, phones and addresses: staff of the center only, never a board or an
event (the ``dossiers_posted`` event carries codes only).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import iso_utc, local_date, utc
from server.domain.dossiers.dates import moment_text
from server.domain.dossiers.records import dossier_by_code, log_event, record_return
from server.domain.dossiers.states import RETURN_CHANNEL_LABELS
from server.domain.errors import DomainError
from server.domain.events import DomainEvent, center_room
from server.models import Center
from server.models.dossiers import Dossier, DossierState, Procedure, ReturnChannel

ADDRESS_MIN, ADDRESS_MAX = 10, 300
MAX_CODES = 200  # one hand-over at a time: a day's list, not the whole archive
LIST_LIMIT = 500

# The CSV for the post office: Vietnamese headers (its staff open it in Excel), in this order.
CSV_HEADERS = ("STT", "Mã hồ sơ", "Người nhận", "Điện thoại", "Địa chỉ nhận kết quả", "Thủ tục", "Ngày có kết quả",
               "Ngày giao bưu điện")
# A text cell starting with one of these becomes a live formula in a spreadsheet (OWASP "CSV
# injection"); the same guard as server.domain.reports.exports.inert_text, kept here so the
# dossier area does not depend on the reports package (which reads dossiers).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def clean_return(return_channel: Any, delivery_address: Any) -> tuple[str, str]:
    """The return channel and delivery address as stored; a clear 400 when they do not fit.

    By post the address is required (10–300 characters once spaces are collapsed); at the
    counter or online no address is kept (it would be personal data with no use)."""
    channel = return_channel if isinstance(return_channel, str) else None
    if channel not in ReturnChannel.ALL:
        raise DomainError("invalid_return_channel", "Hình thức nhận kết quả không hợp lệ.", "Unknown return channel.",
                          status=400, allowed=list(ReturnChannel.ALL))
    if channel != ReturnChannel.POST:
        return channel, ""
    address = " ".join(delivery_address.split()) if isinstance(delivery_address, str) else ""
    if not address:
        raise DomainError("delivery_address_required",
                          "Công dân chọn nhận kết quả qua bưu chính công ích: hãy nhập địa chỉ nhận kết quả.",
                          "Return by post was chosen: enter the delivery address.", status=400)
    if not ADDRESS_MIN <= len(address) <= ADDRESS_MAX:
        raise DomainError("invalid_delivery_address",
                          f"Địa chỉ nhận kết quả phải dài từ {ADDRESS_MIN} đến {ADDRESS_MAX} ký tự "
                          "(số nhà, đường, phường/xã, tỉnh/thành phố).",
                          f"The delivery address must be {ADDRESS_MIN} to {ADDRESS_MAX} characters "
                          "(number, street, ward/commune, province).", status=400)
    return channel, address


def receipt_return_line(d: Dossier) -> str:
    """What the receipt (Mẫu 01) says about how the result comes back."""
    vi, _en = RETURN_CHANNEL_LABELS.get(d.return_channel, RETURN_CHANNEL_LABELS[ReturnChannel.COUNTER])
    if d.return_channel == ReturnChannel.POST:
        return f"Hình thức nhận kết quả: Qua dịch vụ bưu chính công ích — {d.delivery_address}"
    return f"Hình thức nhận kết quả: {vi}"


# ----------------------------------------------------------------------------- the hand-over list
def _local_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The local day ``day`` as UTC [begin, end)."""
    begin = datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))
    return utc(begin), utc(begin + timedelta(days=1))


def parse_day(text: Any, code: str = "invalid_day") -> date | None:
    """A ``YYYY-MM-DD`` day as typed or sent, or None when empty (the default: today); 400 otherwise."""
    raw = text.strip() if isinstance(text, str) else ""
    if not raw and text in (None, ""):
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(code, "Ngày không hợp lệ (YYYY-MM-DD).", "Invalid date (YYYY-MM-DD).", status=400) from None


def check_day(day: date | None, center: Center, now: datetime) -> date:
    """The list's day: today by default; a day after today is refused (nothing is ready tomorrow yet)."""
    today = local_date(now, center.timezone)
    if day is None:
        return today
    if day > today:
        raise DomainError("invalid_day", "Ngày của danh sách không được sau hôm nay.", "The list's day cannot be after today.",
                          status=400, today=today.isoformat())
    return day


def _item(session: Session, d: Dossier, tz: str) -> dict[str, Any]:
    procedure = session.get(Procedure, d.procedure_id)
    return {"code": d.code, "applicant_name": d.applicant_name, "applicant_phone": d.applicant_phone,
            "delivery_address": d.delivery_address, "procedure_name": procedure.name if procedure else "",
            "result_ready_at": iso_utc(d.result_ready_at), "result_ready_text": moment_text(d.result_ready_at, tz),
            "posted_at": iso_utc(d.posted_at), "posted_text": moment_text(d.posted_at, tz),
            "delivered_at": iso_utc(d.delivered_at), "delivered_text": moment_text(d.delivered_at, tz, with_time=False)}


def postal_list(session: Session, center: Center, day: date) -> dict[str, Any]:
    """The day's hand-over list: ``items`` to hand to the post office (result ready by the end of
    ``day``, return by post, not yet posted; oldest ready first) and ``posted``, those handed over
    that day (the record the post office's clerk signs)."""
    begin, end = _local_bounds(day, center.timezone)
    base = select(Dossier).where(Dossier.center_id == center.id, Dossier.return_channel == ReturnChannel.POST)
    pending = session.scalars(
        base.where(Dossier.state == DossierState.RESULT_READY, Dossier.posted_at.is_(None), Dossier.result_ready_at < end)
        .order_by(Dossier.result_ready_at, Dossier.id).limit(LIST_LIMIT)).all()
    posted = session.scalars(
        base.where(Dossier.posted_at >= begin, Dossier.posted_at < end).order_by(Dossier.posted_at, Dossier.id).limit(LIST_LIMIT)
    ).all()
    return {"center_id": center.id, "center_name": center.name, "day": day.isoformat(), "day_text": f"{day:%d/%m/%Y}",
            "items": [_item(session, d, center.timezone) for d in pending],
            "posted": [_item(session, d, center.timezone) for d in posted]}


def postal_csv(listing: dict[str, Any], which: str = "items") -> str:
    """The list as CSV for the post office: UTF-8 with a BOM, ``;`` between cells (Excel with
    Vietnamese regional settings splits on it), Vietnamese headers, text cells quoted.
    ``which``: ``items`` (to hand over) or ``posted`` (handed over)."""
    out = io.StringIO()
    # Every text cell quoted: an address is full of commas (and may hold a ";"), and a post
    # office's import tool that guesses the separator must not split it.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(CSV_HEADERS)
    for n, item in enumerate(listing["posted" if which == "posted" else "items"], start=1):
        writer.writerow([n, *(_inert(item[key]) for key in ("code", "applicant_name", "applicant_phone", "delivery_address",
                                                             "procedure_name", "result_ready_text", "posted_text"))])
    return "\ufeff" + out.getvalue()


def _inert(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# ----------------------------------------------------------------------------- đã giao bưu điện / đã phát
def clean_codes(codes: Any) -> list[str]:
    """The codes of one hand-over: a non-empty list of strings, each once, at most :data:`MAX_CODES`."""
    if not isinstance(codes, (list, tuple)) or not codes or not all(isinstance(c, str) and c.strip() for c in codes):
        raise DomainError("codes_required", "Hãy chọn ít nhất một hồ sơ để bàn giao bưu điện.",
                          "Choose at least one dossier to hand to the post office.", status=400)
    if len(codes) > MAX_CODES:
        raise DomainError("too_many_codes", f"Mỗi lần bàn giao tối đa {MAX_CODES} hồ sơ.",
                          f"At most {MAX_CODES} dossiers per hand-over.", status=400)
    return list(dict.fromkeys(c.strip() for c in codes))


def mark_posted(session: Session, center: Center, codes: list[str], actor: str, now: datetime) -> list[Dossier]:
    """Đã giao bưu điện: every listed dossier is handed to the post office now, or none is.

    Each must be this center's, returned by post, result ready and not yet posted; the first
    that is not names itself in the refusal. Each becomes ``returned`` (returned_at = posted_at)."""
    done: list[Dossier] = []
    for code in codes:
        d = dossier_by_code(session, code, center.id, lock=True)
        if d.return_channel != ReturnChannel.POST:
            raise DomainError("not_postal_return", f"Hồ sơ {d.code} không đăng ký nhận kết quả qua bưu chính công ích.",
                              f"Dossier {d.code} is not returned by post.", status=409, dossier_code=d.code)
        if d.posted_at is not None:
            posted = moment_text(d.posted_at, center.timezone)
            raise DomainError("already_posted", f"Hồ sơ {d.code} đã giao bưu điện lúc {posted}.",
                              f"Dossier {d.code} was already handed to the post office.", status=409, dossier_code=d.code)
        if d.state != DossierState.RESULT_READY:
            raise DomainError("not_ready_for_post", f"Hồ sơ {d.code} chưa có kết quả (hoặc đã trả), chưa thể giao bưu điện.",
                              f"Dossier {d.code} has no result waiting, so it cannot be posted.", status=409, dossier_code=d.code,
                              state=d.state)
        from_state = d.state
        d.posted_at = now
        record_return(d, center, now)
        d.updated_at = now
        session.flush()
        log_event(session, d, "posted", from_state, actor, now, method=ReturnChannel.POST, result_class=d.result_class)
        done.append(d)
    return done


def posted_event(center_id: int, day: date, codes: list[str], pending: int) -> DomainEvent:
    """``dossiers_posted``: codes handed to the post office and how many are left on the day's list (no names)."""
    return DomainEvent("dossiers_posted", center_id, {"center_id": center_id, "day": day.isoformat(), "codes": list(codes),
                                                       "pending": pending}, (center_room(center_id),))


def delivered_event(center_id: int, code: str, delivered_on: date) -> DomainEvent:
    """``dossier_delivered``: the post office delivered a result (code and date only)."""
    return DomainEvent("dossier_delivered", center_id, {"center_id": center_id, "code": code,
                                                         "delivered_on": delivered_on.isoformat()}, (center_room(center_id),))


def mark_delivered(session: Session, center: Center, code: str, delivered_on: date | None, actor: str,
                   now: datetime) -> tuple[Dossier, date]:
    """Đã phát: the post office delivered the result on ``delivered_on`` (default today).

    Refused for a dossier not yet handed to the post office, one already marked delivered, a
    date after today or before the hand-over."""
    d = dossier_by_code(session, code, center.id, lock=True)
    if d.return_channel != ReturnChannel.POST or d.posted_at is None:
        raise DomainError("not_posted", f"Hồ sơ {d.code} chưa giao bưu điện nên chưa thể ghi nhận đã phát.",
                          f"Dossier {d.code} has not been handed to the post office.", status=409, dossier_code=d.code)
    if d.delivered_at is not None:
        delivered = moment_text(d.delivered_at, center.timezone, with_time=False)
        raise DomainError("already_delivered", f"Hồ sơ {d.code} đã ghi nhận đã phát ngày {delivered}.",
                          f"Dossier {d.code} is already marked delivered.", status=409, dossier_code=d.code)
    today = local_date(now, center.timezone)
    posted_on = local_date(utc(d.posted_at), center.timezone)
    day = delivered_on or today
    if day > today:
        raise DomainError("invalid_delivered_on", "Ngày phát không được sau hôm nay.",
                          "The delivery date cannot be in the future.", status=400)
    if day < posted_on:
        raise DomainError("invalid_delivered_on", f"Ngày phát không được trước ngày giao bưu điện ({posted_on:%d/%m/%Y}).",
                          f"The delivery date cannot be before the hand-over ({posted_on.isoformat()}).", status=400)
    # Today: the moment it was recorded. An earlier day: noon of that day (only the date is
    # known), never before the hand-over itself.
    noon = utc(datetime.combine(day, time(12), tzinfo=ZoneInfo(center.timezone)))
    d.delivered_at = now if day == today else max(noon, utc(d.posted_at))
    d.updated_at = now
    session.flush()
    log_event(session, d, "delivered", d.state, actor, now, delivered_on=day.isoformat())
    return d, day


def posted_pickup_answer(d: Dossier, tz: str) -> dict[str, Any]:
    """The kiosk's polite refusal for a result already handed to the post office."""
    posted = moment_text(d.posted_at, tz, with_time=False)
    return {"outcome": "returned_by_post",
            "message_vi": f"Hồ sơ {d.code} được trả qua bưu điện tới địa chỉ đã đăng ký (đã giao bưu điện ngày {posted}). "
                          "Xin vui lòng chờ bưu điện phát, hoặc hỏi cán bộ nếu cần hỗ trợ.",
            "message_en": f"The result of dossier {d.code} is sent by post to the registered address (handed to the post "
                          f"office on {posted}). Please wait for the delivery, or ask staff."}
