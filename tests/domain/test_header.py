"""The header control codes of spec §5.7: parsing, validation, expansion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.header import (
    DEFAULT_HEADER,
    HeaderContext,
    expand,
    parse_header,
    personalisation,
    validate_header,
)

NOW = datetime(2026, 7, 1, 12, 5, 9, tzinfo=UTC)  # a Wednesday, summer time in Europe


def context(page: int = 3, total: int = 12) -> HeaderContext:
    return HeaderContext(
        now=NOW,
        page=page,
        total=total,
        recipient_number="0049891234567",
        csid="+49 30 1234",
        personalisation="Ada",
    )


def one_line(text: str, ctx: HeaderContext | None = None) -> tuple[str, str, str]:
    (line,) = expand(parse_header(text), ctx or context())
    return line


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("%Y", "2026"), ("%y", "26"), ("%m", "07"), ("%d", "01"), ("%H", "12"), ("%M", "05"),
        ("%S", "09"), ("%I", "12"), ("%p", "PM"), ("%b", "Jul"), ("%B", "July"),
        ("%a", "Wed"), ("%A", "Wednesday"), ("%P", "03"), ("%R", "003"), ("%T", "12"),
        ("%K", "Ada"), ("%%", "%"), ("%#", "0049891234567"), ("%z", "+0000"),
        ("%Z", "UTC"), ("%C", "+49 30 1234"),
    ],
)  # fmt: skip
def test_each_value_code(code: str, value: str) -> None:
    assert one_line(f"<{code}>") == (f"<{value}>", "", "")


def test_time_zone_and_language() -> None:
    text = "%tz=Europe/Berlin;%l=de;%A %d. %B %Y %H:%M %Z %z"
    assert one_line(text)[0] == "Mittwoch 01. Juli 2026 14:05 CEST +0200"


def test_zone_abbreviation_ends_at_a_space_as_in_the_spec_example() -> None:
    text = "%tz=CEST Testfax: CSID: %C Recipient number: %# Date: %d.%m.%Y %H:%M %z"
    assert one_line(text)[0] == (
        "Testfax: CSID: +49 30 1234 Recipient number: 0049891234567 Date: 01.07.2026 14:05 +0200"
    )


def test_french_month_and_day() -> None:
    assert one_line("%l=fr;%A %B")[0] == "mercredi juillet"


def test_centre_and_right_alignment() -> None:
    assert one_line("left%ccentre%rPage %P/%T") == ("left", "centre", "Page 03/12")
    assert one_line("left%rright") == ("left", "", "right")


def test_newline_starts_a_new_left_aligned_line() -> None:
    lines = expand(parse_header("a%rb%nc%cd"), context())
    assert lines == [("a", "", "b"), ("c", "d", "")]


def test_default_header_has_date_csid_and_page_numbers() -> None:
    (line,) = expand(parse_header(DEFAULT_HEADER), context(page=1, total=2))
    assert line[0].startswith("2026-07-01 12:05 UTC")
    assert "+49 30 1234" in line[0]
    assert line[2] == "Page 01/2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc%", "lone '%' at position 3"),
        ("100% sure", "lone '%' at position 3"),
        ("a%rb%cc", "'%c' at position 4 comes after '%r'"),
        ("%c%c", "second '%c' at position 2"),
        ("%r%r", "second '%r' at position 2"),
        ("%Q", "unknown control code '%Q' at position 0"),
        ("%tz=Mars/Olympus;", "unknown time zone 'Mars/Olympus'"),
        ("%tz=;x", "has no value"),
        ("%l=tlh;", "unsupported header language 'tlh'"),
        ("%tz=../../etc/passwd;", "unknown time zone"),
    ],
)
def test_faults_are_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        validate_header(text)


def test_personalisation_prefers_explicit_keys() -> None:
    assert personalisation((("ToName", "Bob"), ("K", "Kay"))) == "Kay"
    assert personalisation((("toname", "Bob"),)) == "Bob"
    assert personalisation(()) == ""


_no_percent = st.text(st.characters(exclude_characters="%", exclude_categories=["Cs"]))


@given(_no_percent)
def test_text_without_percent_is_literal(text: str) -> None:
    assert one_line(text) == (text, "", "")


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_escaped_text_expands_to_itself(text: str) -> None:
    assert one_line(text.replace("%", "%%")) == (text, "", "")


_codes = st.sampled_from([f"%{c}" for c in "YymbBdaAHMSIpPRTK%#zZCn"] + ["%tz=UTC;", "%l=de;"])


@given(st.lists(st.one_of(_codes, _no_percent), max_size=12), st.integers(1, 999))
def test_valid_code_sequences_always_expand(parts: list[str], page: int) -> None:
    text = "".join(parts)
    validate_header(text)
    lines = expand(parse_header(text), context(page=page, total=999))
    assert len(lines) == text.replace("%%", "").count("%n") + 1


@given(_no_percent, _no_percent)
def test_a_trailing_lone_percent_is_always_rejected(before: str, after: str) -> None:
    with pytest.raises(ValueError, match="lone '%'"):
        validate_header(before.replace("%", "") + "%" + (" " + after if after else ""))


@given(st.integers(1, 9999), st.integers(1, 9999))
def test_page_numbers_have_their_widths(page: int, total: int) -> None:
    left, _, _ = one_line("%P|%R|%T", context(page=page, total=total))
    assert left == f"{page:02d}|{page:03d}|{total}"
