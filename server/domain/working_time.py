"""Working time: appointment dates counted in working hours, as the law asks.

Nghị định 118/2025/NĐ-CP counts a dossier's processing time in working days of
8 hours. A dossier received during the lunch break starts counting at 13:30;
after closing, the next working morning. Hours are per weekday (``weekly``: e.g.
Monday–Friday 07:30–11:30 and 13:30–17:00, Saturday 07:30–11:30 only, Sunday closed),
so a Saturday morning counts its 4 hours and a closed afternoon counts none; without
``weekly``, Monday–Friday work ``hours`` and the weekend is off. Days off are the weekdays
without hours, the public holidays of the maintained ``holidays`` package (country VN: Tết and
Giỗ Tổ on the lunar calendar, observed days, 2/9 with its second day, 24/11
from 2026, and the government's announced swaps such as Saturday 22/8/2026
worked for Monday 31/8/2026), plus a center's own extra days off and make-up
working days.

All inputs are aware datetimes; computation happens in the center's local
time; results are aware local datetimes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
DEFAULT_HOURS: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
HOURS_PER_DAY = 8
_MAX_DAYS_SEARCHED = 400  # a year and a bit: no center is closed longer

Completion = Literal["early", "on_time", "late"]


@lru_cache(maxsize=64)
def _national_holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year, language="vi")


def parse_hours(spec: Sequence[Sequence[str]] | None) -> tuple[tuple[time, time], ...]:
    """Turn ``[["07:00", "11:30"], ["13:30", "17:00"]]`` (a center's setting) into periods."""
    if not spec:
        return DEFAULT_HOURS
    periods = []
    for start, end in spec:
        a, b = time.fromisoformat(str(start)), time.fromisoformat(str(end))
        if b <= a:
            raise ValueError(f"working period {start}–{end} ends before it starts")
        periods.append((a, b))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise ValueError("working periods overlap")
    return tuple(periods)


class WorkingCalendar:
    """A center's working days and hours."""

    def __init__(
        self,
        hours: Sequence[tuple[time, time]] = DEFAULT_HOURS,
        tz: str = DEFAULT_TZ,
        extra_days_off: Iterable[date] = (),
        make_up_days: Iterable[date] = (),
        country: str | None = "VN",
        hours_per_day: float = HOURS_PER_DAY,
        weekly: Mapping[int, Sequence[tuple[time, time]]] | None = None,
        makeup_hours: Sequence[tuple[time, time]] | None = None,
    ) -> None:
        """``hours``: a normal weekday's periods; ``weekly``: periods per weekday (0 = Monday …
        6 = Sunday; a missing or empty day is closed), default Monday–Friday ``hours``;
        ``makeup_hours``: the periods of a make-up working day that is closed by the week
        (a Saturday worked in exchange), default ``hours``."""
        self.hours = tuple(hours)
        self.weekly = {d: tuple(weekly.get(d) or ()) for d in range(7)} if weekly is not None else {
            d: self.hours if d < 5 else () for d in range(7)}
        self.makeup_hours = tuple(makeup_hours) if makeup_hours else self.hours
        self.tz = ZoneInfo(tz)
        self.extra_days_off = frozenset(extra_days_off)
        self.make_up_days = frozenset(make_up_days)
        self.country = country
        self.hours_per_day = hours_per_day

    # ------------------------------------------------------------------ days
    def holiday_name(self, d: date) -> str | None:
        """The Vietnamese name of a public holiday, or None (always None without a ``country``:
        a center that does not observe the national holidays)."""
        return _national_holidays(self.country, d.year).get(d) if self.country else None

    def is_working_day(self, d: date) -> bool:
        """Whether the center works on this local date."""
        if d in self.make_up_days:
            return True
        if d in self.extra_days_off:
            return False
        national = _national_holidays(self.country, d.year) if self.country else {}
        if d in getattr(national, "weekend_workdays", ()):  # a Saturday worked in exchange for a day off
            return True
        if d in national:
            return False
        return bool(self.weekly[d.weekday()])

    def periods(self, d: date) -> tuple[tuple[time, time], ...]:
        """The working periods of local date ``d`` (none on a day off; a make-up day closed by the
        week works ``makeup_hours``)."""
        if not self.is_working_day(d):
            return ()
        return self.weekly[d.weekday()] or self.makeup_hours

    def _periods_on(self, d: date) -> list[tuple[datetime, datetime]]:
        return [(datetime.combine(d, a, self.tz), datetime.combine(d, b, self.tz)) for a, b in self.periods(d)]

    # ----------------------------------------------------------------- hours
    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            raise ValueError("working-time functions need aware datetimes")
        return dt.astimezone(self.tz)

    def next_working_start(self, dt: datetime) -> datetime:
        """``dt`` itself if inside working hours, else the start of the next working period."""
        moment = self._local(dt)
        day = moment.date()
        for _ in range(_MAX_DAYS_SEARCHED):
            for start, end in self._periods_on(day):
                if moment < end:
                    return max(moment, start)
            day += timedelta(days=1)
        raise ValueError("no working day found within a year")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start``.

        Landing exactly at the end of a period stays there (17:00 today, not 07:00 tomorrow)."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = timedelta(hours=hours)
        moment = self.next_working_start(start)
        if not remaining:
            return moment
        day = moment.date()
        for _ in range(_MAX_DAYS_SEARCHED):
            for period_start, period_end in self._periods_on(day):
                if period_end <= moment:
                    continue
                begin = max(moment, period_start)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("appointment lies more than a year ahead")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """``days`` working days of ``hours_per_day`` hours after ``start``."""
        return self.add_working_hours(start, days * self.hours_per_day)

    def appointment(self, received_at: datetime, processing_days: float) -> datetime:
        """The appointment to return a dossier's result (giờ hẹn trả kết quả)."""
        return self.add_working_days(received_at, processing_days)

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours from ``a`` to ``b`` (negative when ``b`` is earlier)."""
        if b < a:
            return -self.working_hours_between(b, a)
        a, b = self._local(a), self._local(b)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            for start, end in self._periods_on(day):
                lo, hi = max(start, a), min(end, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600


def classify_completion(finished_at: datetime, appointment_at: datetime, tz: str = DEFAULT_TZ) -> Completion:
    """Early / on time / late, comparing local dates as the reports of the law do."""
    zone = ZoneInfo(tz)
    done, due = finished_at.astimezone(zone).date(), appointment_at.astimezone(zone).date()
    if done < due:
        return "early"
    if done == due:
        return "on_time"
    return "late"
