"""What a SIP fax call's answers and T.30 result make of it, for the report and the retry
rules: a call that was never answered ends with its SIP code's status; an answered call
with its T.30 completion code's, as on the virtual line."""

from __future__ import annotations

from typing import Any

from faxgate.carriers.base import CallOutcome
from faxgate.carriers.sip.media import MediaFacts
from faxgate.carriers.sip.useragent import CallFailed
from faxgate.domain import t30
from faxgate.domain.sip_outcome import failed_call_status
from faxgate.domain.statuses import FaxStatus


def unanswered_outcome(answer: CallFailed, sip: dict[str, Any]) -> CallOutcome:
    status, reason = failed_call_status(answer.code, answer.cancelled, answer.reason)
    return CallOutcome(
        status=status,
        reason=reason,
        completion_code=f"SIP_{answer.code}",
        stats={"route": "trunk", "sip": sip},
    )


def answered_outcome(
    facts: MediaFacts,
    sip: dict[str, Any],
    *,
    remote_hung_up: bool,
    we_hung_up: bool,
    fax_heard: bool,
    max_line_secs: float,
) -> CallOutcome:
    """`fax_heard`: our terminal received at least one T.30 frame from the far end."""
    code = facts.completion_code if facts.completion_code is not None else t30.T30_ERR_CALLDROPPED
    result = t30.classify(code)
    status, reason = result.status, result.reason
    if we_hung_up:
        status, reason = FaxStatus.CANCELLED, "our side hung up: the job was withdrawn"
    elif facts.capped and status is not FaxStatus.OK:
        status = FaxStatus.COMERROR
        reason = (
            f"the call reached the line-time cap of {max_line_secs:g} s "
            f"before T.30 finished ({result.name})"
        )
    elif not fax_heard and code == t30.T30_ERR_CALLDROPPED:
        # The line ended (a BYE, or a far end gone silent on SIP too) before a single T.30
        # frame: no fax machine answered, as when T1 expires; not a fax broken off, which
        # the mid-fax budget would dial again.
        status, reason = FaxStatus.NOFAX, "the call was answered, but no fax signal came"
    elif status is FaxStatus.NOFAX_TO:
        # The network says the call was answered: whatever answered was no fax machine.
        status, reason = FaxStatus.NOFAX, f"the call was answered, but {reason}"
    if remote_hung_up and status is not FaxStatus.OK:
        reason = f"{reason}; the far end sent BYE"
    if status is not FaxStatus.OK and facts.pages:
        reason = f"{reason} ({facts.pages} page{'s' if facts.pages != 1 else ''} delivered)"
    connected = bool(facts.remote_ident) or facts.pages > 0
    return CallOutcome(
        status=status,
        reason=reason,
        pages_sent=facts.pages,
        line_seconds=round(facts.line_seconds, 2),
        remote_csid=facts.remote_ident,
        bit_rate=facts.stats.get("bit_rate") if connected else None,
        ecm=bool(facts.stats.get("ecm")) if connected else None,
        completion_code=result.name,
        stats={
            "route": "trunk",
            "sip": sip,
            "media": facts.transport,
            "codec": facts.codec,
            **facts.stats,
            "packets": facts.packets,
            "late_p99_ms": facts.late_p99_ms,
            "late_max_ms": facts.late_max_ms,
        },
    )
