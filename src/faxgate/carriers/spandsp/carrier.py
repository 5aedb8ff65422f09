"""The spandsp carrier: every call is a real T.30 session against a virtual remote.

`transmit` runs in a pipeline worker thread; several run at once. Each call owns its
spandsp states (nothing is shared but the loaded library and read-only tables), and
ctypes releases the GIL inside every spandsp call, so sessions overlap on other cores.
A call to an inbound number of this installation (`FaxCall.answer_csid`) reaches our own
receiving terminal: the same virtual remote on the line the plan gives the number, answering
with our CSID; what it received is the outcome's `receipt` and received image.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from faxgate.carriers.base import CallOutcome, FaxCall, Receipt
from faxgate.carriers.spandsp import _lib
from faxgate.carriers.spandsp.reimage import to_standard
from faxgate.carriers.spandsp.remote import Answer, NoLine, VirtualRemote, plan_remote
from faxgate.carriers.spandsp.session import STALL_SECONDS
from faxgate.carriers.spandsp.terminal import resolution_name
from faxgate.carriers.spandsp.virtual_call import CallFacts, CallSetup, run_call
from faxgate.config import Settings
from faxgate.domain import t30
from faxgate.domain.number_plan import lookup
from faxgate.domain.statuses import FaxStatus

_TRANSPORTS = ("audio", "t38")


class SpandspCarrier:
    name = "spandsp"

    def __init__(self, settings: Settings) -> None:
        if settings.spandsp_transport not in _TRANSPORTS:
            raise ValueError(
                f"spandsp_transport must be one of {_TRANSPORTS}, not "
                f"{settings.spandsp_transport!r}"
            )
        self.transport = settings.spandsp_transport
        self.g711 = settings.spandsp_g711
        self.max_line_secs = settings.spandsp_max_line_secs

    def transmit(self, call: FaxCall) -> CallOutcome:
        remote = plan_remote(lookup(call.dialled_number), call.attempt)
        if isinstance(remote, NoLine):
            return CallOutcome(
                status=remote.status, reason=remote.reason, line_seconds=remote.line_seconds
            )
        if call.answer_csid is not None and remote.answer is Answer.FAX:
            # Our own receiving terminal, on the line the plan gives the number.
            remote = replace(remote, csid=call.answer_csid)
        lib = _lib.load()  # SpandspUnavailable is a carrier fault: the pipeline retries
        if not call.document.is_file():
            raise FileNotFoundError(f"fax document {call.document} is missing")
        if call.received_path is not None:
            call.received_path.parent.mkdir(parents=True, exist_ok=True)
            return self._run(lib, call, remote, call.received_path)
        with tempfile.TemporaryDirectory(prefix="faxgate-rx-") as tmp:
            return self._run(lib, call, remote, Path(tmp) / "received.tif")

    def _run(
        self, lib: _lib.Library, call: FaxCall, remote: VirtualRemote, received: Path
    ) -> CallOutcome:
        setup = CallSetup(
            document=call.document,
            tsi=call.tsi,
            received=received,
            transport=self.transport,
            g711=self.g711,
            max_line_secs=self.max_line_secs,
            hangup=call.hangup,
        )
        facts = run_call(lib, setup, remote)
        kept = received if call.received_path else None
        if facts.we_hung_up:
            return CallOutcome(
                status=FaxStatus.CANCELLED,
                reason="our side hung up: the job was withdrawn",
                pages_sent=facts.sender_stats.get("pages_tx", 0),
                line_seconds=round(facts.loop.line_seconds, 2),
            )
        if facts.sender_code != t30.T30_ERR_NORESSUPPORT:
            return outcome_from(facts, remote, kept, self.max_line_secs)
        # The remote's DIS offers no fine resolution: call again with the pages at 98 dpi
        # (see reimage.py). The report shows the line time of both calls.
        with tempfile.TemporaryDirectory(prefix="faxgate-std-") as tmp:
            standard = Path(tmp) / "standard.tif"
            to_standard(call.document, standard)
            remaining = max(self.max_line_secs - facts.loop.line_seconds, 1.0)
            second = run_call(
                lib, replace(setup, document=standard, max_line_secs=remaining), remote
            )
        outcome = outcome_from(second, remote, kept, self.max_line_secs)
        first_seconds = round(facts.loop.line_seconds, 2)
        first_call = {"completion_code": "T30_ERR_NORESSUPPORT", "line_seconds": first_seconds}
        return replace(
            outcome,
            line_seconds=round(outcome.line_seconds + first_seconds, 2),
            stats={
                **outcome.stats,
                "calls": 2,
                "reimaged_to": "standard",
                "first_call": first_call,
            },
        )


def outcome_from(
    facts: CallFacts, remote: VirtualRemote, received: Path | None, max_line_secs: float
) -> CallOutcome:
    if facts.loop.stalled:  # see session.STALL_SECONDS: the carrier never stopped
        result = t30.classify(t30.T30_ERR_HDLC_CARRIER)
        status = result.status
        reason = f"{result.reason}: no valid T.30 frame for {STALL_SECONDS:g} s, our side hung up"
    else:
        code = facts.sender_code if facts.sender_code is not None else t30.T30_ERR_CALLDROPPED
        result = t30.classify(code)
        status, reason = result.status, result.reason
    st = facts.sender_stats
    pages = st.get("pages_tx", 0)
    if facts.loop.capped and status is not FaxStatus.OK:
        # Our side hung up at the cap: the remote did nothing wrong that T.30 could name.
        status = FaxStatus.COMERROR
        reason = (
            f"the call reached the line-time cap of {max_line_secs:g} s "
            f"before T.30 finished ({result.name})"
        )
    if status in (FaxStatus.NOFAX_TO, FaxStatus.NOFAX) and remote.answer is Answer.VOICE:
        # Call progress heard speech, not silence: the network's answer classification.
        status, reason = FaxStatus.NOFAX, f"a person answered: {reason}"
    elif remote.answer is Answer.MODEM and status is FaxStatus.NOFAX_TO:
        reason = f"a data modem answered: {reason}"
    if status is not FaxStatus.OK and pages:
        reason = f"{reason} ({pages} page{'s' if pages != 1 else ''} delivered)"
    rx_pages = facts.remote_stats.get("pages_rx", 0)
    stats: dict[str, object] = {
        "transport": facts.transport,
        "x_resolution_ppm": st.get("x_resolution", 0),
        "y_resolution_ppm": st.get("y_resolution", 0),
        "resolution": resolution_name(st.get("y_resolution", 0)),
        "compression": facts.compression,
        "width": st.get("width", 0),
        "bad_rows": facts.remote_stats.get("bad_rows", 0),
        "longest_bad_row_run": facts.remote_stats.get("longest_bad_row_run", 0),
        "ecm_retries": st.get("error_correcting_mode_retries", 0),
        "pages_received": rx_pages,
        "remote_completion_code": (
            t30.code_name(facts.remote_code) if facts.remote_code is not None else None
        ),
        "tsi_seen_by_remote": facts.tsi_seen_by_remote,
        "remote_hung_up": facts.remote_hung_up,
        "line_cap_reached": facts.loop.capped,
    }
    if facts.errors:
        stats["callback_errors"] = facts.errors
    if status is not FaxStatus.OK and facts.log_tail:
        stats["log_tail"] = facts.log_tail
    connected = bool(facts.remote_csid) or pages > 0
    return CallOutcome(
        status=status,
        reason=reason,
        pages_sent=pages,
        line_seconds=round(facts.loop.line_seconds, 2),
        remote_csid=facts.remote_csid,
        bit_rate=st.get("bit_rate") if connected else None,
        ecm=bool(st.get("error_correcting_mode")) if connected else None,
        completion_code=result.name,
        received_path=received if received is not None and rx_pages > 0 else None,
        receipt=_receipt(facts) if rx_pages > 0 else None,
        stats=stats,
    )


def _receipt(facts: CallFacts) -> Receipt:
    received = facts.remote_stats
    return Receipt(
        pages=received.get("pages_rx", 0),
        fine=resolution_name(received.get("y_resolution", 0)) != "standard",
        tsi=facts.tsi_seen_by_remote,
    )
