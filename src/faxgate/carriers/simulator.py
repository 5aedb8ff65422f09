"""The simulator carrier: the number plan decides the outcome, no modem is involved.

It needs no system library, so it is the carrier wherever libspandsp is missing. Its report
figures are realistic: line time follows from the size of the fax at 14,400 bit/s plus the
handshakes, the remote CSID comes from the plan, the received image holds the pages the
remote confirmed, and failed calls take as long as the spandsp carrier's real sessions
(tests/carriers/test_contract.py holds both carriers to the same outcomes). Our own
receiving terminal (`FaxCall.answer_csid`) answers with its CSID and receives those pages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image

from faxgate.carriers.base import CallOutcome, FaxCall, Receipt
from faxgate.config import Settings
from faxgate.domain.number_plan import Line, lookup
from faxgate.domain.statuses import FaxStatus

BIT_RATE = 14400
_CALL_SETUP_SECS = 12.0  # dialling, answer, phase B negotiation, phase E
_PER_PAGE_SECS = 2.0  # post-page handshakes
_NOISE_FAILS_AT_DBM0 = 47  # at -47 dBm0 and louder the real modems give up (docs/carriers.md)
# T.30's T0: a caller that hears no fax answer (a person, a data modem) gives up after 60 s.
_T0_SECS = 60.0
# On a line too noisy to train, the V.21 receiver hears carrier and never a valid frame; the
# sender gives up after 300 s without one (the spandsp carrier's watchdog, docs/carriers.md).
_NO_FRAME_SECS = 300.0


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
        csid = call.answer_csid or entry.remote_csid
        if line is Line.BUSY or (line is Line.BUSY_THEN_ANSWER and call.attempt <= (param or 0)):
            return CallOutcome(FaxStatus.BUSY, "the line was busy")
        if line is Line.NO_ANSWER:
            return CallOutcome(FaxStatus.RING_TO, "no answer after 60 seconds of ringing", 0, 60.0)
        if line is Line.VOICE:
            return CallOutcome(FaxStatus.NOFAX, "a person answered, not a fax machine", 0, _T0_SECS)
        if line is Line.MODEM:
            return CallOutcome(
                FaxStatus.NOFAX_TO, "no fax signal before the timeout (a data modem?)", 0, _T0_SECS
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
                _CALL_SETUP_SECS + _NO_FRAME_SECS,
                csid,
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
        if pages_ok and call.received_path is not None:
            received = _keep_received(call.document, call.pages, pages_ok, call.received_path)
        return CallOutcome(
            status=status,
            reason=reason,
            pages_sent=pages_ok,
            line_seconds=seconds,
            remote_csid=csid,
            bit_rate=BIT_RATE,
            ecm=line is not Line.NO_ECM,
            completion_code="SIMULATED",
            received_path=received,
            receipt=Receipt(pages_ok, call.fine_resolution, call.tsi) if pages_ok else None,
            stats={"resolution": "fine" if call.fine_resolution else "standard"},
        )

    @staticmethod
    def _line_seconds(call: FaxCall, pages: int) -> float:
        size = call.document.stat().st_size if call.document.exists() else 0
        image_bits = size * 8 * pages / max(call.pages, 1)
        return round(_CALL_SETUP_SECS + pages * _PER_PAGE_SECS + image_bits / BIT_RATE, 1)


def _keep_received(document: Path, total: int, confirmed: int, target: Path) -> Path:
    """The remote's image: the pages it confirmed (all of them when the fax went through)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if confirmed >= total:
        shutil.copyfile(document, target)
        return target
    with Image.open(document) as image:
        kept = []
        for index in range(confirmed):  # fewer than the document's pages
            image.seek(index)
            kept.append(image.copy())
        dpi = image.info.get("dpi", (204, 196))
    kept[0].save(target, save_all=True, append_images=kept[1:], compression="group4", dpi=dpi)
    return target
