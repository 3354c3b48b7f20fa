"""A center's opening hours, days off and closing rules: may a kiosk issue a ticket now?

Everything lives in ``Center.settings`` (edited on the admin pages, exported with the center):

```
settings["opening_hours"] = {"mon": [["07:00", "11:30"], ["13:30", "17:00"]], …, "sat": [], "sun": [],
                             "makeup": [["07:00", "11:30"], ["13:30", "17:00"]]}   # hours of a make-up working day
settings["closing_rules"] = {"stop_minutes_before_close": 30,     # stop issuing N min before each session closes (0 = off)
                             "stop_when_wait_passes_close": True,  # stop when the estimated wait ends after closing
                             "open_early_minutes": 15}             # kiosks issue from N min before opening
settings["calendar"] = {"use_national_holidays": True,
                        "days_off": [{"date": "2026-12-31", "name": "…"}],
                        "workdays": [{"date": "2026-08-22", "name": "Làm bù"}]}
```

A center without ``opening_hours`` has no time rules: issuing is always allowed.
Pure functions, no database and no Flask: the kiosk calls :func:`issuing_allowed`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays

from audio.announcements import validate_templates
from audio.chime import CHIMES
from server.clock import local_time
from server.domain.errors import DomainError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_VI = {
    "mon": "Thứ Hai",
    "tue": "Thứ Ba",
    "wed": "Thứ Tư",
    "thu": "Thứ Năm",
    "fri": "Thứ Sáu",
    "sat": "Thứ Bảy",
    "sun": "Chủ nhật",
    "makeup": "Ngày làm bù",
}
# Monday first, as date.weekday() counts: the one list every page, paper and message names days by.
WEEKDAY_VI = tuple(WEEKDAYS_VI[d] for d in WEEKDAYS)
WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_names(day: date) -> tuple[str, str]:
    """The day's weekday in Vietnamese and English ("Thứ Ba", "Tuesday")."""
    return WEEKDAY_VI[day.weekday()], WEEKDAY_EN[day.weekday()]


DEFAULT_SESSIONS = [["07:00", "11:30"], ["13:30", "17:00"]]
DEFAULT_OPENING_HOURS: dict[str, list[list[str]]] = {
    **{d: [list(s) for s in DEFAULT_SESSIONS] for d in WEEKDAYS[:5]},
    "sat": [],
    "sun": [],
    "makeup": [list(s) for s in DEFAULT_SESSIONS],
}
DEFAULT_CLOSING_RULES: dict[str, Any] = {
    "stop_minutes_before_close": 0,
    "stop_when_wait_passes_close": False,
    "open_early_minutes": 0,
}


def _settings(center: Any) -> dict[str, Any]:
    return getattr(center, "settings", None) or (center if isinstance(center, dict) else {})


def parse_hhmm(text: str) -> time:
    """ "07:30" → time(7, 30); raises ValueError on anything else."""
    hours, minutes = str(text).strip().split(":")
    return time(int(hours), int(minutes))


def validate_opening_hours(value: Any) -> dict[str, list[list[str]]]:
    """Normalise an opening-hours mapping; raises ValueError with a readable reason."""
    if not isinstance(value, dict):
        raise ValueError("opening_hours must be an object")
    out: dict[str, list[list[str]]] = {}
    for key in (*WEEKDAYS, "makeup"):
        sessions = value.get(key, [] if key != "makeup" else None)
        if sessions is None:
            continue
        if not isinstance(sessions, list):
            raise ValueError(f"{key}: a list of [open, close] pairs")
        normal: list[list[str]] = []
        previous_close: time | None = None
        for pair in sessions:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"{key}: each session is [open, close]")
            start, end = parse_hhmm(pair[0]), parse_hhmm(pair[1])
            if end <= start:
                raise ValueError(f"{key}: {pair[0]}–{pair[1]} closes before it opens")
            if previous_close is not None and start < previous_close:
                raise ValueError(f"{key}: sessions overlap or are out of order")
            previous_close = end
            normal.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
        out[key] = normal
    unknown = set(value) - set(WEEKDAYS) - {"makeup"}
    if unknown:
        raise ValueError(f"unknown day keys: {sorted(unknown)}")
    return out


def opening_hours(center: Any) -> dict[str, list[list[str]]] | None:
    """The configured hours, or None when the center has no time rules."""
    hours = _settings(center).get("opening_hours")
    return hours if isinstance(hours, dict) and hours else None


def closing_rules(center: Any) -> dict[str, Any]:
    return {**DEFAULT_CLOSING_RULES, **(_settings(center).get("closing_rules") or {})}


def calendar(center: Any) -> dict[str, Any]:
    cal = _settings(center).get("calendar") or {}
    return {
        "use_national_holidays": cal.get("use_national_holidays", True),
        "days_off": list(cal.get("days_off") or []),
        "workdays": list(cal.get("workdays") or []),
    }


@lru_cache(maxsize=64)
def _national(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Vietnam's public holidays of a year (Vietnamese names) and its make-up working Saturdays."""
    table = holidays.country_holidays("VN", years=[year], language="vi")
    workdays = frozenset(d for d in getattr(table, "weekend_workdays", set()) if d.year == year)
    return dict(table.items()), workdays


def national_holidays(year: int) -> dict[date, str]:
    """Public holidays (and observed days off) in Vietnam in ``year``."""
    return dict(_national(year)[0])


def day_off_reason(center: Any, day: date) -> str | None:
    """Why ``day`` is not a working day (holiday name, "Thứ Bảy"…), or None when it is one."""
    cal = calendar(center)
    for item in cal["workdays"]:
        if str(item.get("date")) == day.isoformat():
            return None
    for item in cal["days_off"]:
        if str(item.get("date")) == day.isoformat():
            return item.get("name") or "Ngày nghỉ"
    if cal["use_national_holidays"]:
        names, workdays = _national(day.year)
        if day in workdays:
            return None
        if day in names:
            return names[day]
    hours = opening_hours(center) or DEFAULT_OPENING_HOURS
    if not hours.get(WEEKDAYS[day.weekday()]):
        return WEEKDAYS_VI[WEEKDAYS[day.weekday()]]
    return None


def is_working_day(center: Any, day: date) -> bool:
    """True on a day the center works (weekday with hours, or a make-up day), not a holiday."""
    return day_off_reason(center, day) is None


def sessions_on(center: Any, day: date) -> list[tuple[time, time]]:
    """The opening sessions of ``day`` (empty on a day off). Default hours when none are configured."""
    if not is_working_day(center, day):
        return []
    hours = opening_hours(center) or DEFAULT_OPENING_HOURS
    key = WEEKDAYS[day.weekday()]
    sessions = hours.get(key) or []
    if not sessions:  # a make-up working day (usually a Saturday)
        sessions = hours.get("makeup") or next((hours[d] for d in WEEKDAYS if hours.get(d)), DEFAULT_SESSIONS)
    return [(parse_hhmm(a), parse_hhmm(b)) for a, b in sessions]


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def issuing_allowed(center: Any, now: datetime, estimated_wait_minutes: float | None = None) -> tuple[bool, str, str]:
    """May a kiosk issue a ticket at ``now`` (aware UTC)? Returns (allowed, reason_vi, reason_en).

    ``estimated_wait_minutes`` (the wait the kiosk would show) enables the rule "stop when the
    estimated wait passes closing": the wait is counted in the working minutes left today.
    Reasons are empty when allowed. A center without opening hours always allows."""
    if opening_hours(center) is None:
        return True, "", ""
    rules = closing_rules(center)
    local = local_time(now, getattr(center, "timezone", None) or "Asia/Ho_Chi_Minh")
    day = local.date()
    reason = day_off_reason(center, day)
    if reason is not None:
        return (
            False,
            f"Hôm nay trung tâm không làm việc ({reason}). Xin mời quay lại vào ngày làm việc.",
            "The center is closed today. Please come back on a working day.",
        )
    sessions = sessions_on(center, day)
    if not sessions:
        return False, "Hôm nay trung tâm không làm việc.", "The center is closed today."
    early = timedelta(minutes=float(rules.get("open_early_minutes") or 0))
    stop = timedelta(minutes=float(rules.get("stop_minutes_before_close") or 0))
    clock = local.replace(tzinfo=None)
    at = lambda t: datetime.combine(day, t)  # noqa: E731 - local wall time of today
    for index, (start, end) in enumerate(sessions):
        window_start, window_end = at(start) - early, at(end) - stop
        if clock < window_start:
            if index == 0:
                return (
                    False,
                    f"Chưa đến giờ phát số. Trung tâm bắt đầu phát số lúc {window_start:%H:%M}.",
                    f"Tickets are issued from {window_start:%H:%M}.",
                )
            return (
                False,
                f"Đang ngoài giờ làm việc. Phát số trở lại lúc {window_start:%H:%M}.",
                f"Outside working hours. Tickets are issued again from {window_start:%H:%M}.",
            )
        if clock < window_end:
            if rules.get("stop_when_wait_passes_close") and estimated_wait_minutes is not None:
                if estimated_wait_minutes > _minutes_left(day, sessions, clock):
                    return (
                        False,
                        f"Số người đang chờ đã đủ đến hết giờ làm việc hôm nay ({_hhmm(sessions[-1][1])}). "
                        "Xin mời quay lại vào ngày làm việc tiếp theo.",
                        "The current wait already runs past today's closing time. Please come back on the next working day.",
                    )
            return True, "", ""
    if stop and clock < at(sessions[-1][1]):
        return (
            False,
            f"Đã ngừng phát số ({int(stop.total_seconds() // 60)} phút trước giờ đóng cửa {_hhmm(sessions[-1][1])}).",
            f"Ticket issuing has stopped ({int(stop.total_seconds() // 60)} min before closing at {_hhmm(sessions[-1][1])}).",
        )
    return False, "Đã hết giờ phát số hôm nay. Xin mời quay lại vào ngày làm việc tiếp theo.", "Ticket issuing is over for today."


def _minutes_left(day: date, sessions: list[tuple[time, time]], clock: datetime) -> float:
    """Working minutes from local wall time ``clock`` to the last closing of ``day`` (breaks excluded)."""
    return sum(
        max(0.0, (datetime.combine(day, end) - max(clock, datetime.combine(day, start))).total_seconds() / 60)
        for start, end in sessions
    )


def wait_past_closing(center: Any, now: datetime, estimated_wait_minutes: float | None) -> dict[str, str] | None:
    """When a wait of ``estimated_wait_minutes`` from ``now`` (aware) runs past today's closing —
    counted in the working minutes left today, breaks excluded — what the citizen is told:
    ``{"closes_at": "17:00", "message_vi": …, "message_en": …}``; None when it does not, or when
    the center has no opening hours (no time rules)."""
    if estimated_wait_minutes is None or opening_hours(center) is None:
        return None
    local = local_time(now, getattr(center, "timezone", None) or "Asia/Ho_Chi_Minh")
    sessions = sessions_on(center, local.date())
    if not sessions or estimated_wait_minutes <= _minutes_left(local.date(), sessions, local.replace(tzinfo=None)):
        return None
    closes = _hhmm(sessions[-1][1])
    return {
        "closes_at": closes,
        "message_vi": f"Thời gian chờ dự kiến vượt quá giờ làm việc hôm nay (đóng cửa lúc {closes}): "
        "Ông/Bà có thể chưa được phục vụ trong hôm nay.",
        "message_en": f"The estimated wait runs past today's closing time ({closes}): you may not be served today.",
    }


def working_calendar_args(center: Any) -> dict[str, Any]:
    """The center's settings as keyword arguments for the dossier area's
    ``server.domain.working_time.WorkingCalendar``: ``weekly`` (each weekday's sessions, 0 =
    Monday, from ``opening_hours``, else the default Monday–Friday 07:00–11:30, 13:30–17:00 —
    the same hours the kiosk follows), ``makeup_hours``, ``hours`` (a normal weekday's: the
    first configured of Monday…Friday), ``tz``, ``extra_days_off``, ``make_up_days`` and
    ``country`` (None when the center does not observe the national holidays)."""
    hours = opening_hours(center) or DEFAULT_OPENING_HOURS
    weekday = next((hours[d] for d in WEEKDAYS[:5] if hours.get(d)), None) or DEFAULT_SESSIONS
    makeup = hours.get("makeup") or weekday
    cal = calendar(center)
    periods = lambda sessions: tuple((parse_hhmm(a), parse_hhmm(b)) for a, b in sessions)  # noqa: E731 - local helper
    return {
        "hours": periods(weekday),
        "weekly": {index: periods(hours.get(day) or []) for index, day in enumerate(WEEKDAYS)},
        "makeup_hours": periods(makeup),
        "tz": getattr(center, "timezone", None) or "Asia/Ho_Chi_Minh",
        "extra_days_off": frozenset(date.fromisoformat(str(d["date"])) for d in cal["days_off"]),
        "make_up_days": frozenset(date.fromisoformat(str(d["date"])) for d in cal["workdays"]),
        "country": "VN" if cal["use_national_holidays"] else None,  # as day_off_reason: one rule for kiosk and dossiers
    }


SETTING_SECTIONS = ("opening_hours", "closing_rules", "calendar", "announcements", "board_notice", "ticket_footer", "ratings",
                    "privacy", "booking")

# settings["privacy"] = {"retention_days": 365}: how long a returned dossier keeps its applicant's
# personal fields (server/domain/dossiers/retention.py); a short floor so a typo cannot wipe this week's data.
DEFAULT_RETENTION_DAYS = 365
RETENTION_DAYS_RANGE = (30, 3650)


def retention_days(center: Any) -> int:
    """The center's retention period for personal data, in days (default :data:`DEFAULT_RETENTION_DAYS`)."""
    privacy = _settings(center).get("privacy") or {}
    try:
        days = int(privacy.get("retention_days") or DEFAULT_RETENTION_DAYS)
    except (TypeError, ValueError, AttributeError):
        return DEFAULT_RETENTION_DAYS
    return max(RETENTION_DAYS_RANGE[0], min(RETENTION_DAYS_RANGE[1], days))


# ------------------------------------------------------------------ settings validation (admin forms, import)
def validate_setting(section: str, value: Any) -> Any:
    """Check and normalise one settings section; raises a 400 DomainError with the reason."""
    try:
        return _VALIDATORS[section](value)
    except DomainError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise DomainError(
            "invalid_setting", f"Cài đặt «{section}» không hợp lệ: {exc}", f"Invalid “{section}” setting: {exc}", status=400
        ) from None


def _text(limit: int):
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(f"text of at most {limit} characters")
        return value.strip()

    return check


def _closing_rules(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an object")
    out = {
        "stop_minutes_before_close": int(value.get("stop_minutes_before_close") or 0),
        "stop_when_wait_passes_close": bool(value.get("stop_when_wait_passes_close", False)),
        "open_early_minutes": int(value.get("open_early_minutes") or 0),
    }
    if not (0 <= out["stop_minutes_before_close"] <= 240 and 0 <= out["open_early_minutes"] <= 120):
        raise ValueError("minutes out of range (0–240, 0–120)")
    return out


def _days(items: Any) -> list[dict[str, str]]:
    out = []
    for item in items or []:
        if isinstance(item, str):
            item = {"date": item}
        day = date.fromisoformat(str(item["date"]).strip())
        out.append({"date": day.isoformat(), "name": str(item.get("name") or "").strip()[:120]})
    return sorted({d["date"]: d for d in out}.values(), key=lambda d: d["date"])


def _calendar(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an object")
    days_off, workdays = _days(value.get("days_off")), _days(value.get("workdays"))
    both = {d["date"] for d in days_off} & {d["date"] for d in workdays}
    if both:
        raise ValueError(f"a day cannot be both a day off and a working day: {sorted(both)}")
    return {"use_national_holidays": bool(value.get("use_national_holidays", True)), "days_off": days_off, "workdays": workdays}


def _announcements(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an object")
    templates = value.get("templates") or {}
    if not isinstance(templates, dict):
        raise ValueError("templates: an object")
    templates = {k: v for k, v in templates.items() if v not in (None, "", {})}
    validate_templates(templates)
    dialect = value.get("dialect", "north")
    if dialect not in ("north", "south"):
        raise ValueError("dialect: north or south")
    return {
        "templates": templates,
        "dialect": dialect,
        "digit_by_digit": bool(value.get("digit_by_digit", False)),
        "english": bool(value.get("english", False)),
        "repeat": max(1, min(3, int(value.get("repeat") or 1))),
        **sound_settings(value),
    }


# The sound of a center's calls; a setting saved before these existed reads as these defaults.
SOUND_DEFAULTS: dict[str, Any] = {"chime": "ding-dong", "volume": 1.0, "rate": None, "repeat_gap_s": 1.0, "voice_pack_id": None}


def _number_in(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name}: a number {low}–{high}")
    number = float(value)
    if not low <= number <= high:  # also refuses NaN
        raise ValueError(f"{name}: {low}–{high}")
    return number


def sound_settings(value: dict[str, Any]) -> dict[str, Any]:
    """The sound fields of an announcements section, checked, with :data:`SOUND_DEFAULTS` for those absent:
    ``chime`` (one of :data:`audio.chime.CHIMES` or "none"), ``volume`` 0.1–1.0, ``rate`` (words per
    minute, 80–300, or null for the server's), ``repeat_gap_s`` 0.5–5 and ``voice_pack_id`` (null or
    an id; whether the pack exists is checked by :mod:`server.domain.voice_packs`, which sees the database)."""
    out = dict(SOUND_DEFAULTS)
    chime = value.get("chime", out["chime"])
    if chime not in (*CHIMES, "none"):
        raise ValueError(f"chime: one of {', '.join((*CHIMES, 'none'))}")
    out["chime"] = chime
    if value.get("volume") is not None:
        out["volume"] = round(_number_in(value["volume"], "volume", 0.1, 1.0), 2)
    if value.get("rate") not in (None, ""):
        out["rate"] = int(_number_in(value["rate"], "rate", 80, 300))
    if value.get("repeat_gap_s") is not None:
        out["repeat_gap_s"] = round(_number_in(value["repeat_gap_s"], "repeat_gap_s", 0.5, 5.0), 2)
    pack = value.get("voice_pack_id")
    if pack not in (None, "", 0):
        if isinstance(pack, bool) or not str(pack).isdigit() or not 1 <= int(pack) < 2**31:
            raise ValueError("voice_pack_id: a voice pack id or null")
        out["voice_pack_id"] = int(pack)
    return out


def _ratings(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an object")
    minutes = int(value.get("tablet_minutes") or 10)
    if not 1 <= minutes <= 120:
        raise ValueError("tablet_minutes: 1–120")
    return {"tablet_minutes": minutes}


def _privacy(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an object")
    raw = value.get("retention_days", DEFAULT_RETENTION_DAYS)
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit():
        raise ValueError("retention_days: a whole number of days")
    days = int(raw)
    low, high = RETENTION_DAYS_RANGE
    if not low <= days <= high:
        raise DomainError("invalid_setting", f"Thời hạn lưu dữ liệu cá nhân phải từ {low} đến {high} ngày.",
                          f"The personal-data retention must be {low}–{high} days.", status=400)
    return {"retention_days": days}


# settings["booking"] (server/domain/bookings/settings.py): each number's allowed range, and its label in the refusal.
BOOKING_RANGES: dict[str, tuple[int, int, str, str]] = {
    "slot_minutes": (10, 120, "Độ dài khung giờ", "Slot length"),
    "share_percent": (0, 100, "Tỷ lệ dành cho đặt lịch", "Share offered to bookings"),
    "days_ahead": (1, 60, "Số ngày được đặt trước", "Days ahead"),
    "checkin_before_minutes": (0, 120, "Thời gian đến sớm được nhận", "Check-in before"),
    "checkin_after_minutes": (0, 120, "Thời gian đến muộn được nhận", "Check-in after"),
    "per_person_per_day": (1, 5, "Số lịch hẹn mỗi người mỗi ngày", "Bookings per person per day"),
}
BOOKING_DEFAULTS: dict[str, Any] = {"slot_minutes": 30, "share_percent": 50, "days_ahead": 14, "checkin_before_minutes": 15,
                                    "checkin_after_minutes": 10, "per_person_per_day": 1}


def _booking(value: Any) -> dict[str, Any]:
    """The booking rules: ``enabled``, ``require_contact`` (booleans), the numbers of :data:`BOOKING_RANGES`
    (whole numbers in range; absent = the default) and ``service_ids`` (null = every submit / collect
    field, else a list of field ids)."""
    if not isinstance(value, dict):
        raise ValueError("an object")
    out: dict[str, Any] = {"enabled": bool(value.get("enabled", False)),
                           "require_contact": bool(value.get("require_contact", True))}
    for key, (low, high, label_vi, label_en) in BOOKING_RANGES.items():
        raw = value.get(key, BOOKING_DEFAULTS[key])
        if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit() \
                or not low <= int(raw) <= high:
            raise DomainError("invalid_setting", f"{label_vi} phải là số nguyên từ {low} đến {high}.",
                              f"{label_en} must be a whole number from {low} to {high}.", status=400)
        out[key] = int(raw)
    ids = value.get("service_ids")
    if ids is not None:
        if not isinstance(ids, list) or len(ids) > 200:
            raise ValueError("service_ids: a list of field ids or null")
        if any(isinstance(i, bool) or not str(i).strip().isdigit() or not 1 <= int(i) < 2**31 for i in ids):
            raise ValueError("service_ids: field ids")
        ids = sorted({int(i) for i in ids})
    out["service_ids"] = ids
    return out


_VALIDATORS = {
    "opening_hours": lambda v: None if v is None else validate_opening_hours(v),
    "closing_rules": _closing_rules,
    "calendar": _calendar,
    "announcements": _announcements,
    "board_notice": _text(1000),
    "ticket_footer": _text(300),
    "ratings": _ratings,
    "privacy": _privacy,
    "booking": _booking,
}


__all__ = [
    "WEEKDAY_VI",
    "WEEKDAY_EN",
    "weekday_names",
    "issuing_allowed",
    "is_working_day",
    "sessions_on",
    "day_off_reason",
    "opening_hours",
    "closing_rules",
    "calendar",
    "national_holidays",
    "validate_opening_hours",
    "working_calendar_args",
    "wait_past_closing",
    "validate_setting",
    "sound_settings",
    "SOUND_DEFAULTS",
    "SETTING_SECTIONS",
    "retention_days",
    "DEFAULT_RETENTION_DAYS",
    "BOOKING_RANGES",
    "DEFAULT_OPENING_HOURS",
    "DEFAULT_CLOSING_RULES",
    "WEEKDAYS",
    "WEEKDAYS_VI",
]
