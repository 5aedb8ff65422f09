"""Numbers in SIP: the user part dialled in each format, and the numbers an inbound INVITE
may be for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.numbers import normalise
from faxgate.domain.sip_numbers import NUMBER_FORMATS, dial_user, inbound_candidates


@pytest.mark.parametrize(
    ("fmt", "user"), [("e164", "+4930123456"), ("digits", "4930123456"), ("00", "004930123456")]
)
def test_an_international_number_is_dialled_in_the_trunks_format(fmt: str, user: str) -> None:
    assert dial_user("004930123456", fmt) == user


@pytest.mark.parametrize("fmt", NUMBER_FORMATS)
def test_a_national_number_is_dialled_as_it_is(fmt: str) -> None:
    assert dial_user("030123456", fmt) == "030123456"


@pytest.mark.parametrize("number", ["+4930123", "0049 30 123", "", "12", "0" * 25, "٣٣٣٣"])
def test_a_number_that_is_not_normalised_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="not a normalised fax number"):
        dial_user(number, "e164")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown SIP number format 'E\.164'"):
        dial_user("004930123456", "E.164")


@pytest.mark.parametrize("fmt", NUMBER_FORMATS)
def test_a_dialled_international_number_reads_back_as_the_same_number(fmt: str) -> None:
    user = dial_user("004930123456", fmt)
    assert inbound_candidates(user, "")[0] == "004930123456"


def test_the_request_uri_comes_before_to() -> None:
    assert inbound_candidates("+4930111", "+4930222") == ["004930111", "004930222"]


def test_a_contact_user_gives_no_number_and_to_is_read() -> None:
    # a registrar rewrote the request URI to our registered contact
    assert inbound_candidates("faxgate", "+4930123456") == ["004930123456"]


def test_digits_may_be_international_or_local() -> None:
    assert inbound_candidates("4930123456", "") == ["004930123456", "4930123456"]
    assert inbound_candidates("030123456", "") == ["030123456"]


def test_user_parameters_escapes_and_separators_are_read_through() -> None:
    assert inbound_candidates("%2B49-30-123456;npdi", "") == ["004930123456"]
    assert inbound_candidates("+49 (30) 123456", "004930123456") == ["004930123456"]


@pytest.mark.parametrize(
    "user", ["", "anonymous", "+", "1" * 10_000, "+49\x0030123", "49301234;" * 1000, "💥"]
)
def test_hostile_user_parts_give_no_number(user: str) -> None:
    assert inbound_candidates(user, user) == []


@given(st.text(max_size=400), st.text(max_size=400))
def test_any_user_parts_give_normalised_numbers_without_repeats(request: str, to: str) -> None:
    found = inbound_candidates(request, to)
    assert len(found) == len(set(found)) <= 4
    assert all(normalise(number) == number for number in found)
