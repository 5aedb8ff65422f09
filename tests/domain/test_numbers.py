"""Fax numbers: the normalised `00…` form used for dialling and `sentToNumber` (spec §4.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.domain.numbers import InvalidNumber, dialled_number, normalise

SEPARATORS = " -/()"
digit_groups = st.lists(st.text("0123456789", min_size=1, max_size=6), min_size=1, max_size=6)


@pytest.mark.parametrize(
    ("number", "normalised"),
    [
        ("+49 89 1234567-8900", "00498912345678900"),  # the spec's example
        ("+12015551000", "0012015551000"),
        ("0012012051598", "0012012051598"),
        ("+1 (201) 555-1000", "0012015551000"),
        ("+49/89/1234567", "0049891234567"),
        ("  +49 30\t123 456 ", "004930123456"),
        ("004930123456", "004930123456"),
        ("030 123456", "030123456"),
        ("+999 40 3", "00999403"),
    ],
)
def test_normalise(number: str, normalised: str) -> None:
    assert normalise(number) == normalised


@pytest.mark.parametrize(
    "number",
    [
        "",
        "+",
        "12",  # too short
        "1" * 25,  # too long
        "+" + "1" * 23,  # 25 digits once + became 00
        "+49 89 CALL-ME",
        "0049x30123",
        "49+30123456",  # + only at the start
        "++4930123456",
        "+49 30 123456 ext. 7",
        "+49;30123456",
        "tel:+4930123456",
    ],
)
def test_not_a_number_raises_invalid_number(number: str) -> None:
    with pytest.raises(InvalidNumber, match="not a fax number"):
        normalise(number)


def test_invalid_number_is_a_value_error() -> None:
    # wire_in relies on this: pydantic turns a ValueError into a 400 naming the field.
    assert issubclass(InvalidNumber, ValueError)


def test_length_bounds_are_3_and_24_digits() -> None:
    assert normalise("123") == "123"
    assert normalise("1" * 24) == "1" * 24
    assert normalise("+" + "1" * 22) == "00" + "1" * 22


@pytest.mark.parametrize(
    "number",
    [
        "+٤٩٣٠١٢٣٤٥٦",  # Arabic-Indic digits
        "+４９３０１２３４５６",  # full-width digits
        "+49 30 ١٢٣٤٥٦",
    ],
)
def test_non_ascii_digits_are_not_a_number(number: str) -> None:
    # A normalised number is dialled and compared with the +999 test plan: ASCII 0-9 only.
    try:
        result = normalise(number)
    except InvalidNumber:
        return
    pytest.fail(
        f"BUG: normalise({number!r}) returned {result!r}; src/faxgate/domain/numbers.py "
        r"checks with re '\d{3,24}', and \d matches any Unicode digit (use [0-9] or re.ASCII)"
    )


@settings(deadline=None)
@given(
    plus=st.booleans(),
    groups=digit_groups,
    separators=st.lists(st.sampled_from(SEPARATORS), min_size=5, max_size=5),
)
def test_separators_vanish_and_plus_becomes_00(
    plus: bool, groups: list[str], separators: list[str]
) -> None:
    digits = "".join(groups)
    written = ("+" if plus else "") + "".join(
        group + separators[i % len(separators)] for i, group in enumerate(groups)
    )
    expected = ("00" if plus else "") + digits
    if 3 <= len(expected) <= 24:
        assert normalise(written) == expected
    else:
        with pytest.raises(InvalidNumber):
            normalise(written)


@settings(deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_refused_or_becomes_ascii_digits(text: str) -> None:
    try:
        result = normalise(text)
    except InvalidNumber:
        return
    assert result.isascii() and result.isdigit(), (text, result)
    assert 3 <= len(result) <= 24


@settings(deadline=None)
@given(plus=st.booleans(), groups=digit_groups)
def test_normalise_is_idempotent(plus: bool, groups: list[str]) -> None:
    try:
        once = normalise(("+" if plus else "") + " ".join(groups))
    except InvalidNumber:
        return
    assert normalise(once) == once


def test_the_number_dialled_is_the_indexed_one() -> None:
    numbers = ("0049301", "0049302", "0049303")
    assert [dialled_number(numbers, i) for i in range(3)] == list(numbers)


@pytest.mark.parametrize("index", [-1, 3])
def test_an_index_outside_the_numbers_is_refused(index: int) -> None:
    with pytest.raises(IndexError, match=f"number index {index} outside"):
        dialled_number(("0049301", "0049302", "0049303"), index)
