"""`meta.jobValid`: instants with a time zone or durations, defaults, and clear faults (§4.1)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.domain.job_validity import (
    InvalidValidity,
    ValidityWindow,
    add_one_month,
    parse_bound,
    validity_window,
)

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
START = "meta.jobValid.start"
END = "meta.jobValid.end"
aware_moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-05-10T14:00:00Z", datetime(2026, 5, 10, 14, 0, tzinfo=UTC)),
        ("2026-05-10T14:00:00+02:00", datetime(2026, 5, 10, 12, 0, tzinfo=UTC)),
        ("2026-05-10T14:00:00+0200", datetime(2026, 5, 10, 12, 0, tzinfo=UTC)),  # Go's form
        ("2026-05-10T08:00:00-0400", datetime(2026, 5, 10, 12, 0, tzinfo=UTC)),
        ("2026-05-10T14:00:00.372Z", datetime(2026, 5, 10, 14, 0, 0, 372000, tzinfo=UTC)),
        ("2026-05-10T14:00:00.5+02:00", datetime(2026, 5, 10, 12, 0, 0, 500000, tzinfo=UTC)),
        (" 2026-05-10T14:00:00Z ", datetime(2026, 5, 10, 14, 0, tzinfo=UTC)),
    ],
)
def test_instants_with_a_time_zone(text: str, moment: datetime) -> None:
    parsed = parse_bound(START, text, NOW)
    assert parsed.tzinfo is not None
    assert parsed == moment


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("PT80M", timedelta(minutes=80)),
        ("P1D", timedelta(days=1)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT45S", timedelta(seconds=45)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT0.5H", timedelta(minutes=30)),
        ("pt80m", timedelta(minutes=80)),
    ],
)
def test_durations_count_from_now(text: str, delta: timedelta) -> None:
    assert parse_bound(END, text, NOW) == NOW + delta


@pytest.mark.parametrize(
    "text", ["P", "PT", "80M", "PT80", "P1Y2X", "tomorrow", "2026-13-01T00:00Z"]
)
def test_neither_instant_nor_duration_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidValidity) as caught:
        parse_bound(END, text, NOW)
    assert caught.value.field == END
    assert str(caught.value).startswith(END)


@pytest.mark.parametrize("text", ["2026-05-10T14:00:00", "2026-05-10T14:00:00.372", "2026-05-10"])
def test_start_without_time_zone_is_refused_naming_meta_job_valid_start(text: str) -> None:
    with pytest.raises(InvalidValidity) as caught:
        validity_window(text, None, NOW)
    assert caught.value.field == START
    assert "time zone" in caught.value.fault
    assert str(caught.value).startswith("meta.jobValid.start:")


def test_end_without_time_zone_is_refused_naming_meta_job_valid_end() -> None:
    with pytest.raises(InvalidValidity) as caught:
        validity_window(None, "2026-06-10T14:00:00", NOW)
    assert caught.value.field == END
    assert "time zone" in caught.value.fault


def test_start_may_be_a_duration() -> None:
    window = validity_window("PT10M", None, NOW)
    assert window.start == NOW + timedelta(minutes=10)
    assert window.end == add_one_month(NOW + timedelta(minutes=10))


def test_explicit_window() -> None:
    window = validity_window("2026-05-10T14:00:00+0200", "PT80M", NOW)
    assert window == ValidityWindow(NOW, NOW + timedelta(minutes=80))


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidValidity) as caught:
        validity_window("2026-05-12T00:00:00Z", "2026-05-11T00:00:00Z", NOW)
    assert caught.value.field == END
    assert "after the start" in caught.value.fault


def test_end_equal_to_start_is_refused() -> None:
    with pytest.raises(InvalidValidity) as caught:
        validity_window("2026-05-12T00:00:00Z", "2026-05-12T02:00:00+02:00", NOW)
    assert caught.value.field == END


def test_end_as_duration_counts_from_now_not_from_start() -> None:
    with pytest.raises(InvalidValidity) as caught:
        validity_window("PT2H", "PT1H", NOW)
    assert caught.value.field == END


@pytest.mark.parametrize("end", ["2018-10-11T15:50:21.372Z", "2026-05-10T11:59:59Z", "PT0S"])
def test_end_in_the_past_is_refused(end: str) -> None:
    with pytest.raises(InvalidValidity) as caught:
        validity_window(None, end, NOW)
    assert caught.value.field == END
    assert "past" in caught.value.fault


def test_defaults_start_now_end_one_calendar_month_later() -> None:
    assert validity_window(None, None, NOW) == ValidityWindow(
        NOW, datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    )
    assert validity_window("", "", NOW) == ValidityWindow(
        NOW, datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("moment", "month_later"),
    [
        (datetime(2027, 1, 31, 9, 30, tzinfo=UTC), datetime(2027, 2, 28, 9, 30, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, 30, tzinfo=UTC), datetime(2028, 2, 29, 9, 30, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), datetime(2027, 1, 15, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), datetime(2027, 1, 31, 23, 59, tzinfo=UTC)),
        (datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC)),
    ],
)
def test_one_calendar_month(moment: datetime, month_later: datetime) -> None:
    assert add_one_month(moment) == month_later


def test_default_end_of_jan_31_is_end_of_february() -> None:
    jan31 = datetime(2028, 1, 31, 10, 0, tzinfo=UTC)
    assert validity_window(None, None, jan31).end == datetime(2028, 2, 29, 10, 0, tzinfo=UTC)


def test_default_end_follows_a_later_start() -> None:
    window = validity_window("2027-01-31T08:00:00Z", None, NOW)
    assert window.end == datetime(2027, 2, 28, 8, 0, tzinfo=UTC)


@settings(deadline=None)
@given(aware_moments)
def test_one_month_later_is_28_to_31_days_and_keeps_the_day_when_it_exists(
    moment: datetime,
) -> None:
    later = add_one_month(moment)
    assert timedelta(days=28) <= later - moment <= timedelta(days=31)
    assert later.time() == moment.time()
    assert later.month == moment.month % 12 + 1
    assert later.day == min(moment.day, calendar.monthrange(later.year, later.month)[1])


@settings(deadline=None)
@given(
    now=aware_moments,
    start_min=st.integers(0, 10**6),
    length_min=st.integers(1, 10**6),
)
def test_duration_windows_are_exact(now: datetime, start_min: int, length_min: int) -> None:
    end_min = start_min + length_min
    window = validity_window(f"PT{start_min}M", f"PT{end_min}M", now)
    assert window.start == now + timedelta(minutes=start_min)
    assert window.end == now + timedelta(minutes=end_min)


@settings(deadline=None)
@given(
    now=aware_moments,
    ahead=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=900)),
    offset_min=st.integers(-14 * 60, 14 * 60),
    colon=st.booleans(),
)
def test_an_instant_means_the_same_moment_in_any_offset_spelling(
    now: datetime, ahead: timedelta, offset_min: int, colon: bool
) -> None:
    moment = (now + ahead).replace(microsecond=(now + ahead).microsecond // 1000 * 1000)
    zone = timezone(timedelta(minutes=offset_min))
    local = moment.astimezone(zone)
    sign = "-" if offset_min < 0 else "+"
    hours, minutes = divmod(abs(offset_min), 60)
    offset = f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"
    text = local.replace(tzinfo=None).isoformat(timespec="milliseconds") + offset
    if moment <= now:
        return
    window = validity_window(None, text, now)
    assert window.end == moment


@settings(deadline=None)
@given(now=aware_moments, text=st.text(max_size=30))
def test_any_text_gives_a_window_or_a_fault_naming_the_field(now: datetime, text: str) -> None:
    try:
        window = validity_window(text, None, now)
    except InvalidValidity as exc:
        assert exc.field in {START, END}
        return
    assert window.start < window.end
    assert window.end > now


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, "P99999999D"),  # beyond datetime's range
        ("PT9999999999999H", None),
        ("9999-12-15T00:00:00Z", None),  # the default end would be in the year 10000
    ],
)
def test_bounds_out_of_the_calendar_are_a_fault_naming_the_field(
    start: str | None, end: str | None
) -> None:
    try:
        validity_window(start, end, NOW)
    except InvalidValidity as exc:
        assert exc.field in {START, END}
    except (OverflowError, ValueError) as exc:
        pytest.fail(
            f"BUG: validity_window({start!r}, {end!r}) raised {type(exc).__name__}: {exc}; "
            "it should raise InvalidValidity (a 400 naming the field), not escape as a 500"
        )


@settings(deadline=None)
@given(now=aware_moments, days=st.integers(0, 10**12), as_start=st.booleans())
def test_any_day_count_gives_a_window_or_a_fault_naming_the_field(
    now: datetime, days: int, as_start: bool
) -> None:
    text = f"P{days}D"
    try:
        validity_window(text if as_start else None, None if as_start else text, now)
    except InvalidValidity as exc:
        assert exc.field in {START, END}
    except (OverflowError, ValueError) as exc:
        pytest.fail(f"BUG: {text!r} raised {type(exc).__name__}: {exc} instead of InvalidValidity")
