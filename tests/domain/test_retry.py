"""The retry policy: finish or dial again (which number, when), with two separate budgets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.domain.retry import FailureCounts, Finish, Redial, RetryPolicy, decide
from faxgate.domain.statuses import FailureClass, FaxStatus, failure_class

POLICY = RetryPolicy(no_connect_attempts=3, mid_fax_attempts=2, backoff_secs=(10.0, 60.0, 300.0))
NO_CONNECT = sorted(s for s in FaxStatus if failure_class(s) is FailureClass.NO_CONNECT)
MID_FAX = sorted(s for s in FaxStatus if failure_class(s) is FailureClass.MID_FAX)
PERMANENT = sorted(
    s
    for s in FaxStatus
    if failure_class(s) is FailureClass.PERMANENT and s is not FaxStatus.PENDING
)
RETRIABLE = NO_CONNECT + MID_FAX


def _run(
    policy: RetryPolicy, statuses: list[FaxStatus], number_count: int
) -> list[Redial | Finish]:
    counts, index, decisions = FailureCounts(), 0, []
    for status in statuses:
        decision = decide(policy, status, counts, index, number_count)
        decisions.append(decision)
        if isinstance(decision, Finish):
            break
        counts, index = decision.failures, decision.number_index
    return decisions


def test_the_classes_cover_the_documented_examples() -> None:
    # the sets the tests below rely on are not empty and hold what the spec names
    assert {FaxStatus.BUSY, FaxStatus.RING_TO, FaxStatus.NOFAX_TO} <= set(NO_CONNECT)
    assert {FaxStatus.REM_DIS, FaxStatus.PAGE_SEND_ERR, FaxStatus.NO_TRAIN} <= set(MID_FAX)
    assert {FaxStatus.OK, FaxStatus.WRONG_NO, FaxStatus.BLACKLIST} <= set(PERMANENT)


def test_ok_finishes_at_once() -> None:
    decision = decide(POLICY, FaxStatus.OK, FailureCounts(), 0, 3)
    assert decision == Finish(FaxStatus.OK, FailureCounts())


def test_ok_after_failures_keeps_the_counts() -> None:
    counts = FailureCounts(no_connect=2, mid_fax=1)
    assert decide(POLICY, FaxStatus.OK, counts, 1, 2) == Finish(FaxStatus.OK, counts)


@pytest.mark.parametrize("status", PERMANENT)
def test_permanent_statuses_finish_at_once(status: FaxStatus) -> None:
    decision = decide(POLICY, status, FailureCounts(), 0, 3)
    assert decision == Finish(status, FailureCounts())


@pytest.mark.parametrize("status", NO_CONNECT)
def test_no_connect_budget(status: FaxStatus) -> None:
    counts = FailureCounts()
    for expected in (1, 2):
        decision = decide(POLICY, status, counts, 0, 1)
        assert isinstance(decision, Redial), decision
        assert decision.failures == FailureCounts(no_connect=expected)
        counts = decision.failures
    assert decide(POLICY, status, counts, 0, 1) == Finish(status, FailureCounts(no_connect=3))


@pytest.mark.parametrize("status", MID_FAX)
def test_mid_fax_budget(status: FaxStatus) -> None:
    first = decide(POLICY, status, FailureCounts(), 0, 1)
    assert isinstance(first, Redial)
    assert first.failures == FailureCounts(mid_fax=1)
    assert decide(POLICY, status, first.failures, 0, 1) == Finish(status, FailureCounts(mid_fax=2))


def test_exhausted_no_connect_budget_does_not_stop_a_mid_fax_retry() -> None:
    spent = FailureCounts(no_connect=POLICY.no_connect_attempts)
    decision = decide(POLICY, FaxStatus.REM_DIS, spent, 0, 1)
    assert isinstance(decision, Redial)
    assert decision.failures == FailureCounts(no_connect=3, mid_fax=1)


def test_exhausted_mid_fax_budget_does_not_stop_a_no_connect_retry() -> None:
    spent = FailureCounts(mid_fax=POLICY.mid_fax_attempts)
    decision = decide(POLICY, FaxStatus.BUSY, spent, 0, 1)
    assert isinstance(decision, Redial)
    assert decision.failures == FailureCounts(no_connect=1, mid_fax=2)


def test_mixed_failures_each_count_against_their_own_budget() -> None:
    # budgets 3 no-connect + 2 mid-fax: the third no-connect failure ends it, not the fourth call
    statuses = [FaxStatus.BUSY, FaxStatus.REM_DIS, FaxStatus.RING_TO, FaxStatus.BUSY]
    decisions = _run(POLICY, [*statuses, FaxStatus.BUSY], number_count=1)
    assert all(isinstance(d, Redial) for d in decisions[:3])
    assert decisions[3:] == [Finish(FaxStatus.BUSY, FailureCounts(no_connect=3, mid_fax=1))]


def test_alternative_numbers_in_turn_without_delay_then_back_off_between_rounds() -> None:
    policy = RetryPolicy(no_connect_attempts=100, mid_fax_attempts=100, backoff_secs=(10.0, 60.0))
    decisions = _run(policy, [FaxStatus.BUSY] * 12, number_count=3)
    assert [(d.number_index, d.delay_secs) for d in decisions if isinstance(d, Redial)] == [
        (1, 0.0),
        (2, 0.0),
        (0, 10.0),  # round 1 done: first back-off
        (1, 0.0),
        (2, 0.0),
        (0, 60.0),  # round 2 done
        (1, 0.0),
        (2, 0.0),
        (0, 60.0),  # the last back-off value repeats
        (1, 0.0),
        (2, 0.0),
        (0, 60.0),
    ]


def test_single_number_backs_off_after_every_call_and_repeats_the_last_value() -> None:
    policy = RetryPolicy(100, 100, (5.0, 30.0, 120.0))
    decisions = _run(policy, [FaxStatus.RING_TO] * 6, number_count=1)
    assert [(d.number_index, d.delay_secs) for d in decisions if isinstance(d, Redial)] == [
        (0, 5.0),
        (0, 30.0),
        (0, 120.0),
        (0, 120.0),
        (0, 120.0),
        (0, 120.0),
    ]


def test_rounds_count_failures_of_both_classes() -> None:
    policy = RetryPolicy(100, 100, (10.0, 60.0))
    statuses = [FaxStatus.BUSY, FaxStatus.REM_DIS, FaxStatus.NOFAX_TO, FaxStatus.BAD_LINES]
    decisions = _run(policy, statuses, number_count=2)
    assert [(d.number_index, d.delay_secs) for d in decisions if isinstance(d, Redial)] == [
        (1, 0.0),
        (0, 10.0),
        (1, 0.0),
        (0, 60.0),
    ]


def test_no_back_off_configured_means_no_delay() -> None:
    decision = decide(RetryPolicy(5, 5, ()), FaxStatus.BUSY, FailureCounts(), 0, 1)
    assert decision == Redial(0, 0.0, FailureCounts(no_connect=1))


policies = st.builds(
    RetryPolicy,
    no_connect_attempts=st.integers(1, 8),
    mid_fax_attempts=st.integers(1, 8),
    backoff_secs=st.lists(st.floats(0, 3600), max_size=4).map(tuple),
)


@settings(deadline=None)
@given(
    policy=policies,
    number_count=st.integers(1, 4),
    statuses=st.lists(st.sampled_from([*RETRIABLE, FaxStatus.OK]), min_size=40, max_size=40),
)
def test_never_more_calls_than_the_budgets_allow(
    policy: RetryPolicy, number_count: int, statuses: list[FaxStatus]
) -> None:
    decisions = _run(policy, statuses, number_count)
    assert isinstance(decisions[-1], Finish), "40 calls must exhaust budgets of at most 8 + 8"
    calls = len(decisions)
    assert calls <= policy.no_connect_attempts + policy.mid_fax_attempts
    final = decisions[-1].failures
    assert final.no_connect <= policy.no_connect_attempts
    assert final.mid_fax <= policy.mid_fax_attempts
    failed_calls = calls - (1 if statuses[calls - 1] is FaxStatus.OK else 0)
    assert final.no_connect + final.mid_fax == failed_calls


@settings(deadline=None)
@given(
    policy=policies,
    number_count=st.integers(1, 4),
    statuses=st.lists(st.sampled_from(RETRIABLE), min_size=1, max_size=20),
)
def test_redials_stay_in_range_and_wait_only_between_rounds(
    policy: RetryPolicy, number_count: int, statuses: list[FaxStatus]
) -> None:
    previous = 0
    for decision in _run(policy, statuses, number_count):
        if isinstance(decision, Finish):
            break
        assert decision.number_index == (previous + 1) % number_count
        if decision.number_index != 0:
            assert decision.delay_secs == 0.0
        else:
            assert decision.delay_secs in (policy.backoff_secs or (0.0,))
        previous = decision.number_index
