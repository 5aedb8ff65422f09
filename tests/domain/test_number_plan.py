"""The +999 test number plan: every final status of spec §6 is reachable, lookup with params."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.domain.number_plan import (
    DEFAULT_REMOTE_CSID,
    PLAN,
    TEST_PREFIX,
    Line,
    lookup,
)
from faxgate.domain.numbers import normalise
from faxgate.domain.statuses import FaxStatus

BY_CODE = {entry.code: entry for entry in PLAN}


def test_every_final_status_of_spec_section_6_is_produced_by_some_entry() -> None:
    # Spec §6 lists `PAGE_SEND_ERR / PAGE_SEND_ERROR` in one row: PAGE_SEND_ERROR is only a
    # spelling variant of the same status, so FaxStatus has the single member PAGE_SEND_ERR.
    final = set(FaxStatus) - {FaxStatus.PENDING}
    produced = {entry.status for entry in PLAN}
    assert final - produced == set(), f"no plan number ends with {sorted(final - produced)}"
    assert FaxStatus.PENDING not in produced


# the final codes of the spec §6 table, in its order
SPEC_FINAL = [
    "OK",
    "EOD_FAILED",
    "BUSY",
    "NO_TRAIN",
    "PAGE_SEND_ERR",
    "REM_DIS",
    "NO_REMOTEINFO",
    "BAD_LINES",
    "FANS_GF",
    "DIAL_GF",
    "NOFAX",
    "NOFAX_DIS",
    "NOFAX_TO",
    "RING_TO",
    "MISSING_FAX_FILE",
    "UNKNOWN_FAX_FILE",
    "TIFF_PAGE_ERR",
    "RENDERING_ERROR",
    "CANCELLED",
    "DIAL_NC",
    "CHANGED_NO",
    "WOUT_TO",
    "WRONG_NO",
    "BLACKLIST",
    "PBLACKLIST",
    "COMERROR",
]


def test_fax_status_is_the_spec_table_with_one_spelling_of_page_send_err() -> None:
    assert {status.value for status in FaxStatus} == {"PENDING", *SPEC_FINAL}
    assert "PAGE_SEND_ERROR" not in {status.value for status in FaxStatus}


def test_codes_are_unique_two_digits_and_numbers_follow_them() -> None:
    codes = [entry.code for entry in PLAN]
    assert len(codes) == len(set(codes)), "duplicate plan codes"
    for entry in PLAN:
        assert re.fullmatch(r"[0-9]{2}", entry.code), entry
        assert entry.number == f"+999{entry.code}"
        assert normalise(entry.number) == TEST_PREFIX + entry.code


def test_every_entry_is_found_by_its_own_number() -> None:
    for entry in PLAN:
        destination = lookup(normalise(entry.number))
        assert destination.entry == entry
        assert destination.param == entry.default_param


def test_every_entry_has_a_description() -> None:
    for entry in PLAN:
        assert entry.description.strip(), entry


@pytest.mark.parametrize(
    ("number", "code", "line", "status", "param"),
    [
        ("00999403", "40", Line.HANG_UP_AFTER_PAGE, FaxStatus.REM_DIS, 3),
        ("+999 40 12", "40", Line.HANG_UP_AFTER_PAGE, FaxStatus.REM_DIS, 12),
        ("0099940", "40", Line.HANG_UP_AFTER_PAGE, FaxStatus.REM_DIS, 1),  # the default
        ("009995005", "50", Line.FAIL_ON_PAGE, FaxStatus.PAGE_SEND_ERR, 5),
        ("+99970 35", "70", Line.NOISY, FaxStatus.OK, 35),
        ("0099970", "70", Line.NOISY, FaxStatus.OK, 50),
        ("009993004", "30", Line.BUSY_THEN_ANSWER, FaxStatus.OK, 4),
        ("0099901", "01", Line.BUSY, FaxStatus.BUSY, None),
        ("0099901777", "01", Line.BUSY, FaxStatus.BUSY, None),  # no parameter: digits ignored
        ("0099922", "22", Line.UNALLOCATED, FaxStatus.WRONG_NO, None),
    ],
)
def test_lookup_of_test_numbers_with_parameters(
    number: str, code: str, line: Line, status: FaxStatus, param: int | None
) -> None:
    destination = lookup(normalise(number))
    assert destination.entry.code == code
    assert destination.entry.line is line
    assert destination.entry.status is status
    assert destination.param == param


@pytest.mark.parametrize("number", ["0099999", "0099998123", "00999", "009995", "0099989"])
def test_unknown_test_codes_are_unassigned_numbers(number: str) -> None:
    destination = lookup(number)
    assert destination.entry.status is FaxStatus.DIAL_NC
    assert destination.entry.line is Line.FIXED
    assert destination.param is None


@pytest.mark.parametrize("number", ["004930123456", "0012015551000", "0999001", "030123456"])
def test_ordinary_numbers_reach_a_fax_machine_that_answers_ok(number: str) -> None:
    destination = lookup(number)
    assert destination.entry.line is Line.FAX_MACHINE
    assert destination.entry.status is FaxStatus.OK
    assert destination.entry.remote_csid == DEFAULT_REMOTE_CSID
    assert destination.param is None


@settings(deadline=None)
@given(st.from_regex(r"[0-9]{3,20}", fullmatch=True))
def test_every_number_outside_the_prefix_is_ordinary(number: str) -> None:
    destination = lookup(number)
    if number.startswith(TEST_PREFIX):
        return
    assert destination.entry.line is Line.FAX_MACHINE
    assert destination.entry.status is FaxStatus.OK


@settings(deadline=None)
@given(code=st.sampled_from(sorted(BY_CODE)), param=st.integers(0, 10**6))
def test_parameter_digits_reach_the_entries_that_take_one(code: str, param: int) -> None:
    entry = BY_CODE[code]
    destination = lookup(f"{TEST_PREFIX}{code}{param}")
    assert destination.entry == entry
    expected = param if entry.default_param is not None else None
    assert destination.param == expected
