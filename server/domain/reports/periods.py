"""Report periods: a day, an ISO week, a month, the reporting kinds (quarter, half, nine months,
year) on the calendar or the state's data cut-off, or a range of local days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.clock import utc
from server.domain.errors import DomainError

MAX_RANGE_DAYS = 400


# ------------------------------------------------------------------ periods
PERIOD_KINDS = ("day", "week", "month", "quarter", "half", "nine_months", "year", "range")
# Kinds a center sends up the line (kỳ báo cáo định kỳ): quarter, 6 months, 9 months, year.
REPORTING_KINDS = ("quarter", "half", "nine_months", "year")
BASES = ("calendar", "cutoff")
MIN_YEAR, MAX_YEAR = 2000, 2100
ROMAN = ("I", "II", "III", "IV")


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _reporting_months(kind: str, year: int, quarter: int, half: int) -> tuple[int, int]:
    """First and last month (1..12) of a reporting period in calendar terms.

    6 months, 9 months and the year run from 1 January (lũy kế từ đầu năm), as the
    centers' periodic reports do; the second half (``half=2``) runs July–December."""
    if kind == "quarter":
        return 3 * quarter - 2, 3 * quarter
    if kind == "half":
        return (1, 6) if half == 1 else (7, 12)
    if kind == "nine_months":
        return 1, 9
    return 1, 12


def _bad_period(vi: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid_period", vi, en, status=400, **extra)


@dataclass(frozen=True)
class Period:
    """A range of local calendar days, both ends included.

    ``basis`` only matters for the reporting kinds (quarter, half, nine_months, year):
    ``calendar`` takes the calendar months (Q4 = 1/10–31/12); ``cutoff`` takes the data
    cut-off of the state's periodic reports (Nghị định 09/2019/NĐ-CP, Điều 12: from the 15th
    of the month before the period to the 14th of its last month, e.g. Q4 = 15/9–14/12, the
    year = 15/12 of the year before – 14/12)."""

    kind: str  # day | week | month | quarter | half | nine_months | year | range
    start: date
    end: date
    basis: str = "calendar"

    @staticmethod
    def of(kind: str = "day", day: date | None = None, start: date | None = None, end: date | None = None,
           *, today: date | None = None, year: int | None = None, quarter: int | None = None, half: int | None = None,
           basis: str = "calendar") -> Period:
        """The day / ISO week (Mon–Sun) / month containing ``day``; the quarter, half-year,
        nine months or year ``year`` (default: ``day``'s); or the range ``start``–``end``.

        Raises ``DomainError("invalid_period", status=400)`` on anything else."""
        day = day or today or date.today()
        if kind == "day":
            return Period("day", day, day)
        if kind == "week":
            monday = day - timedelta(days=day.weekday())
            return Period("week", monday, monday + timedelta(days=6))
        if kind == "month":
            first = day.replace(day=1)
            return Period("month", first, _month_end(first.year, first.month))
        if kind in REPORTING_KINDS:
            return Period._reporting(kind, day, year, quarter, half, basis)
        if kind in ("range", "custom"):
            if start is None or end is None:
                raise _bad_period("Hãy chọn ngày bắt đầu và ngày kết thúc.", "Choose a start and an end date.")
            if end < start:
                raise _bad_period("Ngày kết thúc phải sau ngày bắt đầu.", "The end date is before the start date.")
            if (end - start).days > MAX_RANGE_DAYS:
                raise _bad_period(f"Khoảng thời gian tối đa {MAX_RANGE_DAYS} ngày.", f"At most {MAX_RANGE_DAYS} days.")
            return Period("range", start, end)
        raise _bad_period("Kỳ báo cáo không hợp lệ.", "Unknown period kind.", allowed=list(PERIOD_KINDS))

    @staticmethod
    def _reporting(kind: str, day: date, year: int | None, quarter: int | None, half: int | None, basis: str) -> Period:
        year = day.year if year is None else year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise _bad_period(f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.", f"The year must be {MIN_YEAR}–{MAX_YEAR}.")
        quarter = (day.month - 1) // 3 + 1 if quarter is None else quarter
        if quarter not in (1, 2, 3, 4):
            raise _bad_period("Quý phải là 1, 2, 3 hoặc 4.", "The quarter must be 1, 2, 3 or 4.")
        half = 1 if half is None else half
        if half not in (1, 2):
            raise _bad_period("Chọn 6 tháng đầu năm (1) hoặc 6 tháng cuối năm (2).", "The half must be 1 or 2.")
        if basis not in BASES:
            raise _bad_period("Cách chốt số liệu không hợp lệ.", "Unknown cut-off basis.", allowed=list(BASES))
        first, last = _reporting_months(kind, year, quarter, half)
        if basis == "cutoff":
            before = date(year, first, 1) - timedelta(days=1)  # last day of the month before the period
            return Period(kind, before.replace(day=15), date(year, last, 14), "cutoff")
        return Period(kind, date(year, first, 1), _month_end(year, last))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def utc_bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as aware UTC instants."""
        zone = ZoneInfo(tz)
        begin = datetime.combine(self.start, time(0), tzinfo=zone)
        finish = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone)
        return utc(begin), utc(finish)

    @property
    def year(self) -> int:
        """The year a reporting period belongs to (its last day's: a cut-off year starts in December before)."""
        return self.end.year

    @property
    def quarter(self) -> int:
        return (self.end.month - 1) // 3 + 1

    @property
    def half(self) -> int:
        return 1 if self.end.month <= 6 else 2

    @property
    def label_vi(self) -> str:
        if self.kind == "day":
            return f"Ngày {self.start:%d/%m/%Y}"
        if self.kind == "week":
            return f"Tuần {self.start:%d/%m} – {self.end:%d/%m/%Y}"
        if self.kind == "month":
            return f"Tháng {self.start:%m/%Y}"
        if self.kind in REPORTING_KINDS:
            name = {"quarter": f"Quý {ROMAN[self.quarter - 1]} năm {self.year}",
                    "half": f"6 tháng {'đầu' if self.half == 1 else 'cuối'} năm {self.year}",
                    "nine_months": f"9 tháng đầu năm {self.year}", "year": f"Năm {self.year}"}[self.kind]
            return f"{name} (từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y})"
        return f"Từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"

    @property
    def phrase_vi(self) -> str:
        """The period as a periodic report's sentence opens with it: "Quý I năm 2026", "6 tháng đầu năm
        2026", "9 tháng đầu năm 2026", "Năm 2026", "Tháng 3 năm 2026", "Ngày 05/03/2026", or
        "Từ ngày 01/03/2026 đến ngày 15/03/2026" (a week or a custom range).

        A reporting period keeps its name on the cut-off basis too (Quý IV năm 2026 = 15/9–14/12):
        that is how the reports name it; the dates are in :attr:`label_vi`."""
        if self.kind in REPORTING_KINDS:
            return {"quarter": f"Quý {ROMAN[self.quarter - 1]} năm {self.year}",
                    "half": f"6 tháng {'đầu' if self.half == 1 else 'cuối'} năm {self.year}",
                    "nine_months": f"9 tháng đầu năm {self.year}", "year": f"Năm {self.year}"}[self.kind]
        if self.kind == "month":
            return f"Tháng {self.start.month} năm {self.start.year}"
        if self.kind == "day":
            return f"Ngày {self.start:%d/%m/%Y}"
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    def months(self) -> list[tuple[date, date]]:
        """The calendar months the period touches, each cut to the period: [(first day, last day), …]."""
        out, first = [], self.start
        while first <= self.end:
            last = min(_month_end(first.year, first.month), self.end)
            out.append((first, last))
            first = last + timedelta(days=1)
        return out

    @property
    def label_en(self) -> str:
        if self.kind == "day":
            return f"{self.start:%d/%m/%Y}"
        if self.kind == "month":
            return f"{self.start:%m/%Y}"
        if self.kind in REPORTING_KINDS:
            name = {"quarter": f"Q{self.quarter} {self.year}", "half": f"H{self.half} {self.year}",
                    "nine_months": f"9 months {self.year}", "year": f"Year {self.year}"}[self.kind]
            return f"{name} ({self.start:%d/%m/%Y} – {self.end:%d/%m/%Y})"
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                               "label_vi": self.label_vi, "label_en": self.label_en}
        if self.kind in REPORTING_KINDS:
            out.update(year=self.year, basis=self.basis)
            if self.kind == "quarter":
                out["quarter"] = self.quarter
            if self.kind == "half":
                out["half"] = self.half
        return out
