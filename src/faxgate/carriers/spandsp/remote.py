"""The virtual fax network: what the number plan puts at the far end of a call.

Either the call ends before any line exists (busy, no answer, unallocated, a fixed plan
outcome) and `no_line()` says how, or something answers and `VirtualRemote` describes
it; the T.30 session then decides the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from faxgate.carriers.spandsp.terminal import Capabilities
from faxgate.domain.number_plan import DEFAULT_REMOTE_CSID, Destination, Line
from faxgate.domain.statuses import FaxStatus


class Answer(StrEnum):
    FAX = "fax"  # a fax terminal answers (CED, then DIS)
    VOICE = "voice"  # a person says hello and waits
    MODEM = "modem"  # a data modem: answer tone, then its carrier


@dataclass(frozen=True)
class NoLine:
    """A call that ends without a connection."""

    status: FaxStatus
    reason: str
    line_seconds: float  # time until the network told us (rings, busy tone, announcement)


@dataclass(frozen=True)
class VirtualRemote:
    answer: Answer
    csid: str = DEFAULT_REMOTE_CSID
    caps: Capabilities = field(default_factory=Capabilities)
    noise_dbm0: float | None = None  # AWGN on both directions of the line
    hang_up_after_page: int | None = None  # confirms page N, then hangs up
    mute_at_page: int | None = None  # page N is never confirmed: the remote stops responding


# Call-progress times: a busy tone is recognised within seconds; an unanswered call rings
# for about a minute (12 rings of 5 s) before the sender gives up.
BUSY_SECONDS = 4.0
RING_TIMEOUT_SECONDS = 60.0
ANNOUNCEMENT_SECONDS = 8.0


def plan_remote(dest: Destination, attempt: int) -> VirtualRemote | NoLine:
    entry, param = dest.entry, dest.param
    csid = entry.remote_csid or DEFAULT_REMOTE_CSID
    match entry.line:
        case Line.FAX_MACHINE:
            return VirtualRemote(Answer.FAX, csid)
        case Line.BUSY:
            return NoLine(FaxStatus.BUSY, "the line is busy", BUSY_SECONDS)
        case Line.BUSY_THEN_ANSWER:
            if attempt <= (param or 0):
                return NoLine(FaxStatus.BUSY, f"the line is busy (attempt {attempt})", BUSY_SECONDS)
            return VirtualRemote(Answer.FAX, csid)
        case Line.NO_ANSWER:
            return NoLine(
                FaxStatus.RING_TO, "no answer: the remote kept ringing", RING_TIMEOUT_SECONDS
            )
        case Line.UNALLOCATED:
            return NoLine(
                FaxStatus.WRONG_NO,
                "the number is not allocated (announcement)",
                ANNOUNCEMENT_SECONDS,
            )
        case Line.VOICE:
            return VirtualRemote(Answer.VOICE, "")
        case Line.MODEM:
            return VirtualRemote(Answer.MODEM, "")
        case Line.HANG_UP_AFTER_PAGE:
            return VirtualRemote(Answer.FAX, csid, hang_up_after_page=max(1, param or 1))
        case Line.FAIL_ON_PAGE:
            return VirtualRemote(Answer.FAX, csid, mute_at_page=max(1, param or 1))
        case Line.NOISY:
            return VirtualRemote(Answer.FAX, csid, noise_dbm0=-float(param or 50))
        case Line.STANDARD_ONLY:
            return VirtualRemote(Answer.FAX, csid, Capabilities(fine=False))
        case Line.NO_ECM:
            return VirtualRemote(Answer.FAX, csid, Capabilities(ecm=False))
        case Line.FIXED:
            return NoLine(entry.status, f"{entry.description} (test number plan)", 0.0)
    raise ValueError(f"unknown line behaviour {entry.line!r}")  # pragma: no cover
