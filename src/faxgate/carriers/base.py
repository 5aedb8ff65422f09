"""The carrier protocol: one verb, `transmit`, called in a worker thread.

A carrier never raises for a failed call: every way a call can end is a `CallOutcome`.
A call whose `hangup` event is set ends early, as our side putting the line down.
A call with an `answer_csid` reaches our own receiving terminal (an inbound number of this
installation): the line still follows the test number plan, but the terminal answers with
that CSID, and the outcome's `receipt` says what it received.
It raises only for its own faults (a missing library, a broken spool file), which the
pipeline records as a COMERROR attempt and retries.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from faxgate.domain.faxin import ReceivedFax
from faxgate.domain.statuses import FaxStatus


class CarrierUnavailable(RuntimeError):
    """The chosen carrier cannot run (a library missing, a bad setting, its line cannot
    open); the message is one line for the operator."""


@dataclass(frozen=True)
class FaxCall:
    job_id: str
    recipient_index: int
    dialled_number: str  # normalised `00…` form
    document: Path  # multi-page TIFF Class F, 1728 px wide
    pages: int
    fine_resolution: bool  # True: 204×196 dpi (HIGH), False: 204×98 dpi (LOW)
    tsi: str  # our CSID, sent on the line as the TSI
    attempt: int  # 1 for the first call to this recipient, counting every number tried
    received_path: Path | None = None  # where the remote's received image is written, if kept
    # Set when the number is our own inbound number: the CSID our receiving terminal answers
    # with, instead of the number plan's remote CSID.
    answer_csid: str | None = None
    # The sending account's first inbound number (normalised), presented as the calling
    # number on a real line; "" when it owns none.
    calling_number: str = ""
    # Set when the job is deleted during the call: the carrier puts the line down at the next
    # opportunity and returns (the outcome is then discarded).
    hangup: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class Receipt:
    """What the far end's terminal received, as that terminal saw it (whole or partial)."""

    pages: int  # pages in the received image
    fine: bool  # received at 196 dpi rows, else 98
    tsi: str  # the sender's TSI as the terminal heard it


@dataclass(frozen=True)
class CallOutcome:
    status: FaxStatus
    reason: str  # for a person: what happened on the line
    pages_sent: int = 0
    line_seconds: float = 0.0  # simulated or real line time of the call
    remote_csid: str = ""
    bit_rate: int | None = None
    ecm: bool | None = None
    completion_code: str | None = None  # the carrier's own code, e.g. T30_ERR_OK
    received_path: Path | None = None
    receipt: Receipt | None = None  # set when a fax terminal answered and received a page
    stats: dict[str, Any] = field(default_factory=dict)


class Carrier(Protocol):
    name: str

    def transmit(self, call: FaxCall) -> CallOutcome: ...


class InboundDesk(Protocol):
    """Where a carrier with a real line hands calls it receives (implemented by the pipeline,
    callable from the carrier's own thread and event loop)."""

    async def owned_number(self, candidates: Sequence[str]) -> str | None:
        """The first of these normalised numbers that is an inbound number of ours."""
        ...

    async def deliver(self, tiff: Path, fax: ReceivedFax) -> None:
        """Store a received fax (whole or partial) for the number's topic."""
        ...


@dataclass(frozen=True)
class LineFigures:
    """A real line's state, for the metrics."""

    channels: int  # simultaneous calls the line takes
    busy: int  # calls on it now, in and out
    messages_malformed: int  # signalling answered 400
    messages_dropped: int  # signalling dropped unanswered (unreadable, oversized, over a cap)


@runtime_checkable
class LineCarrier(Carrier, Protocol):
    """A carrier on a real line: opened before the workers start (it may receive calls from
    then on) and closed when they stop."""

    async def start(self, desk: InboundDesk) -> None: ...

    async def close(self) -> None: ...

    def figures(self) -> LineFigures | None:
        """None while the line is not open."""
        ...
