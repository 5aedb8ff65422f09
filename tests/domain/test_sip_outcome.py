"""A SIP call's final non-2xx answer: its Fax4A status, whether it is dialled again, and
the reason a person reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.retry import FailureCounts, Finish, Redial, RetryPolicy, decide
from faxgate.domain.sip_outcome import failed_call_status
from faxgate.domain.statuses import FailureClass, FaxStatus, failure_class

S = FaxStatus
POLICY = RetryPolicy(no_connect_attempts=3, mid_fax_attempts=2, backoff_secs=(10.0,))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (486, S.BUSY),
        (600, S.BUSY),
        (404, S.WRONG_NO),
        (484, S.WRONG_NO),
        (604, S.WRONG_NO),
        (480, S.RING_TO),
        (408, S.RING_TO),
        (488, S.NOFAX),
        (606, S.NOFAX),
        (500, S.DIAL_GF),
        (503, S.DIAL_GF),
        (504, S.DIAL_GF),
        (410, S.CHANGED_NO),
        (403, S.DIAL_NC),
        (407, S.DIAL_NC),
        (603, S.DIAL_NC),
        (302, S.DIAL_NC),
        (415, S.DIAL_NC),
    ],
)
def test_each_answer_has_its_status(code: int, status: FaxStatus) -> None:
    assert failed_call_status(code, cancelled=False)[0] is status


def test_the_reason_names_the_code_and_phrase() -> None:
    assert failed_call_status(486, cancelled=False) == (S.BUSY, "486 Busy Here: the line is busy")
    assert failed_call_status(599, cancelled=False)[1].startswith("599 Server Failure: ")


def test_the_far_ends_phrase_is_shown_when_given() -> None:
    _, reason = failed_call_status(486, cancelled=False, phrase="User Busy")
    assert reason == "486 User Busy: the line is busy"


def test_a_cancel_at_the_end_of_the_ring_time_is_a_ring_timeout() -> None:
    status, reason = failed_call_status(487, cancelled=True, phrase="ring timeout: CANCEL sent")
    assert status is S.RING_TO
    assert reason == "487 Request Terminated: no answer before the ring time was over (cancelled)"
    # an answer that crossed our CANCEL still counts for what it says
    assert failed_call_status(486, cancelled=True)[0] is S.BUSY


@pytest.mark.parametrize("code", [486, 600, 480, 408, 500, 503, 487])
def test_busy_unanswered_and_network_failures_are_dialled_again(code: int) -> None:
    status, _ = failed_call_status(code, cancelled=code == 487)
    assert failure_class(status) is FailureClass.NO_CONNECT
    assert isinstance(decide(POLICY, status, FailureCounts(), 0, 1), Redial)


@pytest.mark.parametrize("code", [404, 484, 604, 488, 606, 403, 410, 603])
def test_answers_that_a_redial_cannot_change_end_the_recipient(code: int) -> None:
    status, _ = failed_call_status(code, cancelled=False)
    assert failure_class(status) is FailureClass.PERMANENT
    assert decide(POLICY, status, FailureCounts(), 0, 2) == Finish(status, FailureCounts())


@pytest.mark.parametrize("code", [0, 100, 180, 200, 299, 700, -486])
def test_a_code_that_is_no_failure_is_refused(code: int) -> None:
    with pytest.raises(ValueError, match=f"SIP code {code}"):
        failed_call_status(code, cancelled=False)


@given(st.integers(300, 699), st.booleans(), st.one_of(st.none(), st.text(max_size=5000)))
def test_any_failure_gives_one_bounded_line(code: int, cancelled: bool, phrase: str | None) -> None:
    status, reason = failed_call_status(code, cancelled, phrase)
    assert status is not S.OK and status is not S.PENDING
    assert reason.startswith(f"{code} ")
    assert reason.isprintable() and len(reason) < 200
