"""`meta.jobValid`: when a job may be dialled (spec §4.1 JobValid).

Each bound is an ISO 8601 instant with a time zone (`Z`, `+02:00` or `+0200`) or an ISO 8601
duration counted from now (`PT80M`). A missing start is now; a missing end is one calendar
month after the start.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_DURATION = re.compile(
    r"P(?!$)(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


class InvalidValidity(ValueError):
    def __init__(self, field: str, fault: str) -> None:
        super().__init__(f"{field}: {fault}")
        self.field = field
        self.fault = fault


@dataclass(frozen=True)
class ValidityWindow:
    start: datetime
    end: datetime


def parse_bound(field: str, text: str, now: datetime) -> datetime:
    text = text.strip()
    duration = _DURATION.fullmatch(text.upper())
    if duration:
        parts = {k: float(v) for k, v in duration.groupdict().items() if v}
        try:
            return now + timedelta(**parts)
        except OverflowError:
            raise InvalidValidity(field, f"{text!r} reaches beyond the year 9999") from None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValidity(
            field, f"{text!r} is neither an ISO 8601 date-time nor a duration such as PT80M"
        ) from None
    if instant.tzinfo is None:
        raise InvalidValidity(field, f"{text!r} has no time zone (add Z or an offset like +02:00)")
    return instant


def add_one_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def validity_window(start: str | None, end: str | None, now: datetime) -> ValidityWindow:
    """The window of a job submitted at `now` (aware); raises InvalidValidity naming the field."""
    return window_of(
        parse_bound("meta.jobValid.start", start, now) if start else None,
        parse_bound("meta.jobValid.end", end, now) if end else None,
        now,
    )


def window_of(start: datetime | None, end: datetime | None, now: datetime) -> ValidityWindow:
    """The window from bounds already parsed (None: not given); the rules of validity_window."""
    start_at = now if start is None else start
    if end is not None:
        end_at = end
    else:
        try:
            end_at = add_one_month(start_at)
        except ValueError:
            raise InvalidValidity(
                "meta.jobValid.start", "too late: its default end would pass the year 9999"
            ) from None
    if end_at <= now:
        raise InvalidValidity("meta.jobValid.end", "the end is already in the past")
    if end_at <= start_at:
        raise InvalidValidity("meta.jobValid.end", "the end must come after the start")
    return ValidityWindow(start_at, end_at)
