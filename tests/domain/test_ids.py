"""Job IDs: the Fax4A shape, time order, the DC code inside, and recipient IDs (spec §3.1)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.domain.ids import (
    JOB_ID_PATTERN,
    created_ms,
    dc_code,
    dc_of,
    new_job_id,
    recipient_id,
)

NOW_MS = 1_795_000_000_000  # late 2026
MAX_MS = 36**9 - 1  # nine base-36 characters of milliseconds: about the year 5138
SHAPE = re.compile(r"FJ[A-Z0-9]{20}")
RECIPIENT_SHAPE = re.compile(r"FN[A-Z0-9]{20}")
dc_names = st.from_regex(r"[a-z0-9]{1,3}", fullmatch=True)
instants = st.integers(min_value=0, max_value=MAX_MS)


def test_job_id_is_fj_and_20_upper_case_alphanumerics() -> None:
    job_id = new_job_id("de1", NOW_MS)
    assert len(job_id) == 22
    assert SHAPE.fullmatch(job_id)
    assert JOB_ID_PATTERN.fullmatch(job_id)


@settings(deadline=None)
@given(dc=dc_names, now_ms=instants)
def test_every_job_id_has_the_fax4a_shape(dc: str, now_ms: int) -> None:
    job_id = new_job_id(dc, now_ms)
    assert len(job_id) == 22
    assert SHAPE.fullmatch(job_id), job_id


def test_two_ids_of_the_same_millisecond_differ() -> None:
    ids = {new_job_id("de1", NOW_MS) for _ in range(200)}
    assert len(ids) == 200


@settings(deadline=None)
@given(st.lists(instants, min_size=2, max_size=20, unique=True))
def test_ids_made_at_increasing_milliseconds_sort_in_that_order(moments: list[int]) -> None:
    ordered = sorted(moments)
    ids = [new_job_id("de1", ms) for ms in ordered]
    assert sorted(ids) == ids


@settings(deadline=None)
@given(dc_a=dc_names, dc_b=dc_names, earlier=instants, gap=st.integers(1, 10**6))
def test_time_order_holds_across_data_centers(dc_a: str, dc_b: str, earlier: int, gap: int) -> None:
    later = min(earlier + gap, MAX_MS)
    if later == earlier:
        return
    assert new_job_id(dc_a, earlier) < new_job_id(dc_b, later)


@settings(deadline=None)
@given(now_ms=instants)
def test_creation_time_is_recoverable(now_ms: int) -> None:
    assert created_ms(new_job_id("dc1", now_ms)) == now_ms


def test_a_time_beyond_nine_base36_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        new_job_id("dc1", MAX_MS + 1)


@pytest.mark.parametrize(
    ("dc", "code"), [("de1", "DE1"), ("dc1", "DC1"), ("a", "00A"), ("7", "007"), ("us", "0US")]
)
def test_dc_code_is_inside_the_id_and_recoverable(dc: str, code: str) -> None:
    assert dc_code(dc) == code
    job_id = new_job_id(dc, NOW_MS)
    assert dc_of(job_id) == code
    assert code in job_id


@settings(deadline=None)
@given(dc=dc_names, now_ms=instants)
def test_dc_of_recovers_the_code_of_any_dc(dc: str, now_ms: int) -> None:
    assert dc_of(new_job_id(dc, now_ms)) == dc.upper().rjust(3, "0")


def test_different_dcs_give_different_codes() -> None:
    assert dc_of(new_job_id("de1", NOW_MS)) != dc_of(new_job_id("de2", NOW_MS))


@pytest.mark.parametrize("dc", ["", "de12", "DE1", "De1", "d-1", "d_1", "d 1", "dé", "de1\n"])
def test_invalid_dc_names_are_refused(dc: str) -> None:
    with pytest.raises(ValueError, match="DC name"):
        dc_code(dc)
    with pytest.raises(ValueError, match="DC name"):
        new_job_id(dc, NOW_MS)


def test_recipient_id_is_fn_and_20_characters_sharing_the_job_prefix() -> None:
    job_id = new_job_id("de1", NOW_MS)
    num_id = recipient_id(job_id, 0)
    assert len(num_id) == 22
    assert RECIPIENT_SHAPE.fullmatch(num_id)
    assert num_id[2:19] == job_id[2:19]


@settings(deadline=None)
@given(now_ms=instants, indexes=st.lists(st.integers(0, 36**3 - 1), min_size=2, unique=True))
def test_recipient_ids_of_one_job_are_distinct_and_well_formed(
    now_ms: int, indexes: list[int]
) -> None:
    job_id = new_job_id("dc1", now_ms)
    num_ids = [recipient_id(job_id, i) for i in indexes]
    assert len(set(num_ids)) == len(indexes)
    for num_id in num_ids:
        assert RECIPIENT_SHAPE.fullmatch(num_id), num_id
        assert dc_of(num_id) == "DC1"


def test_recipient_index_beyond_three_base36_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        recipient_id(new_job_id("dc1", NOW_MS), 36**3)
