"""The simulator carrier: the number plan decides the outcome, no modem is involved.

It needs no system library, so it is the carrier wherever libspandsp is missing. Its report
figures are realistic: line time follows from the size of the fax at 14,400 bit/s plus the
handshakes, the remote CSID comes from the plan.
"""

from __future__ import annotations

import shutil

from faxgate.carriers.base import CallOutcome, FaxCall
from faxgate.config import Settings
from faxgate.domain.number_plan import Line, lookup
from faxgate.domain.statuses import FaxStatus

BIT_RATE = 14400
_CALL_SETUP_SECS = 12.0  # dialling, answer, phase B negotiation, phase E
_PER_PAGE_SECS = 2.0  # post-page handshakes
_NOISE_FAILS_AT_DBM0 = 45  # at -45 dBm0 and louder the real modems give up (docs/carriers.md)


class SimulatorCarrier:
    name = "simulator"

    def __init__(self, settings: Settings) -> None:
        self._delay = settings.sim_delay_secs

    def transmit(self, call: FaxCall) -> CallOutcome:
        if self._delay and call.hangup.wait(self._delay):
            return CallOutcome(FaxStatus.CANCELLED, "our side hung up: the job was withdrawn")
        destination = lookup(call.dialled_number)
        entry, param = destination.entry, destination.param
        line = entry.line
        if line is Line.BUSY or (line is Line.BUSY_THEN_ANSWER and call.attempt <= (param or 0)):
            return CallOutcome(FaxStatus.BUSY, "the line was busy")
        if line is Line.NO_ANSWER:
            return CallOutcome(FaxStatus.RING_TO, "no answer after 60 seconds of ringing", 0, 60.0)
        if line is Line.VOICE:
            return CallOutcome(FaxStatus.NOFAX, "a person answered, not a fax machine", 0, 8.0)
        if line is Line.MODEM:
            return CallOutcome(
                FaxStatus.NOFAX_TO, "no fax signal before the timeout (a data modem?)", 0, 35.0
            )
        if line is Line.UNALLOCATED:
            return CallOutcome(FaxStatus.WRONG_NO, "the number is not allocated")
        if line is Line.FIXED:
            return CallOutcome(entry.status, f"simulated: {entry.description}")
        if line is Line.NOISY and (param or 0) <= _NOISE_FAILS_AT_DBM0:
            return CallOutcome(
                FaxStatus.BAD_LINES,
                f"too many line errors (noise at -{param} dBm0)",
                0,
                _CALL_SETUP_SECS,
                entry.remote_csid,
                BIT_RATE,
            )
        pages_ok, status, reason = call.pages, FaxStatus.OK, "OK"
        if line is Line.HANG_UP_AFTER_PAGE and param is not None and param < call.pages:
            pages_ok, status = param, FaxStatus.REM_DIS
            reason = f"the remote hung up after page {param}"
        if line is Line.FAIL_ON_PAGE and param is not None and param <= call.pages:
            pages_ok, status = param - 1, FaxStatus.PAGE_SEND_ERR
            reason = f"page {param} could not be delivered"
        seconds = self._line_seconds(call, pages_ok)
        received = None
        if status is FaxStatus.OK and call.received_path is not None:
            call.received_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(call.document, call.received_path)
            received = call.received_path
        return CallOutcome(
            status=status,
            reason=reason,
            pages_sent=pages_ok,
            line_seconds=seconds,
            remote_csid=entry.remote_csid,
            bit_rate=BIT_RATE,
            ecm=line is not Line.NO_ECM,
            completion_code="SIMULATED",
            received_path=received,
            stats={"resolution": "fine" if call.fine_resolution else "standard"},
        )

    @staticmethod
    def _line_seconds(call: FaxCall, pages: int) -> float:
        size = call.document.stat().st_size if call.document.exists() else 0
        image_bits = size * 8 * pages / max(call.pages, 1)
        return round(_CALL_SETUP_SECS + pages * _PER_PAGE_SECS + image_bits / BIT_RATE, 1)
