"""Turning the end of a call (or of a call never made) into the recipient's next state."""

from __future__ import annotations

import json

from faxgate.carriers.base import CallOutcome, FaxCall
from faxgate.domain.attempt import CallRecord, Claim, NextStep
from faxgate.domain.retry import Finish, RetryPolicy, decide
from faxgate.domain.statuses import FaxStatus


def final_without_call(claim: Claim, status: FaxStatus, reason: str, pages: int = 0) -> NextStep:
    return NextStep(
        final=True,
        status=status,
        reason=reason,
        number_index=claim.number_index,
        next_attempt_at=0.0,
        failures=claim.failures,
        pages=pages,
        sent_ts=None,
        duration_secs=0,
        sent_to_number=None,
        remote_csid=None,
    )


def deferred_without_call(claim: Claim, reason: str, retry_at: float) -> NextStep:
    """Pending again, nothing counted: the fault was the machine's (a full disk), not the
    document's or the line's. The validity end still bounds how long this can go on."""
    return NextStep(
        final=False,
        status=FaxStatus.PENDING,
        reason=f"PENDING: {reason}; will try again",
        number_index=claim.number_index,
        next_attempt_at=retry_at,
        failures=claim.failures,
        pages=0,
        sent_ts=None,
        duration_secs=0,
        sent_to_number=None,
        remote_csid=None,
    )


def after_call(
    claim: Claim, call: FaxCall, outcome: CallOutcome, policy: RetryPolicy, ended_at: float
) -> NextStep:
    decision = decide(
        policy, outcome.status, claim.failures, claim.number_index, len(claim.numbers)
    )
    if isinstance(decision, Finish):
        return NextStep(
            final=True,
            status=decision.status,
            reason=outcome.reason,
            number_index=claim.number_index,
            next_attempt_at=0.0,
            failures=decision.failures,
            pages=call.pages,
            sent_ts=ended_at,
            duration_secs=round(outcome.line_seconds),
            sent_to_number=call.dialled_number,
            remote_csid=outcome.remote_csid,
        )
    return NextStep(
        final=False,
        status=FaxStatus.PENDING,
        reason=f"PENDING: {outcome.status.value} on attempt {claim.attempts + 1}, will redial",
        number_index=decision.number_index,
        next_attempt_at=ended_at + decision.delay_secs,
        failures=decision.failures,
        pages=call.pages,
        sent_ts=None,
        duration_secs=0,
        sent_to_number=None,
        remote_csid=None,
    )


def call_record(
    call: FaxCall, outcome: CallOutcome, carrier: str, started_at: float, ended_at: float
) -> CallRecord:
    details = {
        "bitRate": outcome.bit_rate,
        "ecm": outcome.ecm,
        "completionCode": outcome.completion_code,
        "pages": call.pages,
        "tsi": call.tsi,
        **outcome.stats,
    }
    return CallRecord(
        number=call.dialled_number,
        carrier=carrier,
        started_at=started_at,
        ended_at=ended_at,
        status=outcome.status,
        reason=outcome.reason,
        pages_sent=outcome.pages_sent,
        line_seconds=outcome.line_seconds,
        remote_csid=outcome.remote_csid,
        details=json.dumps(details, default=str),
    )
