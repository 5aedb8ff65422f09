"""One attempt at a recipient: what a worker claimed, the call it made, and what comes next.

The pipeline decides with these and the lease queue (store/queue.py) stores them; they are
the vocabulary of the retry rule, so they live beside it, not in the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.domain.numbers import dialled_number
from faxgate.domain.retry import FailureCounts
from faxgate.domain.statuses import FaxStatus


@dataclass(frozen=True)
class Claim:
    job_id: str
    idx: int
    number: str
    properties: tuple[tuple[str, str], ...]
    numbers: tuple[str, ...]
    number_index: int
    attempts: int  # calls made before this one
    failures: FailureCounts
    valid_end: float

    @property
    def destination(self) -> str:
        return dialled_number(self.numbers, self.number_index)


@dataclass(frozen=True)
class CallRecord:
    """One call as it goes into the attempts table."""

    number: str
    carrier: str
    started_at: float
    ended_at: float
    status: FaxStatus
    reason: str
    pages_sent: int
    line_seconds: float
    remote_csid: str
    details: str  # JSON


@dataclass(frozen=True)
class NextStep:
    """What the recipient row becomes after the call: final, or due again later."""

    final: bool
    status: FaxStatus
    reason: str
    number_index: int
    next_attempt_at: float
    failures: FailureCounts
    pages: int
    sent_ts: float | None
    duration_secs: int
    sent_to_number: str | None
    remote_csid: str | None
