"""The SIP trunk carrier (FAXGATE_CARRIER=sip): real calls to every number but the test
plan's and this installation's own inbound numbers, which keep their virtual line; and the
trunk's calls to our inbound numbers, received into Fax-In.

`transmit` runs in a pipeline worker thread and waits for the call, which runs on the SIP
line's own thread and loop (see line.py).
"""

from __future__ import annotations

from dataclasses import replace

import anyio.to_thread

from faxgate.carriers.base import CallOutcome, Carrier, CarrierUnavailable, FaxCall, InboundDesk
from faxgate.carriers.sip.errors import SipError
from faxgate.carriers.sip.inbound import InboundCalls
from faxgate.carriers.sip.line import SipLine
from faxgate.carriers.sip.outbound import place_call
from faxgate.carriers.sip.settings import SipSettings
from faxgate.carriers.spandsp import _lib
from faxgate.config import Settings
from faxgate.domain.number_plan import TEST_PREFIX


class SipCarrier:
    name = "sip"

    def __init__(self, settings: Settings, virtual: Carrier) -> None:
        self.sip = SipSettings.from_settings(settings)  # ValueError naming the variable
        self.virtual = virtual  # the test plan's and our own numbers' line
        self.max_line_secs = settings.spandsp_max_line_secs
        self.line: SipLine | None = None
        self._lib = _lib.load()

    async def start(self, desk: InboundDesk) -> None:
        """Bind and (if configured) register; CarrierUnavailable naming the fault if not."""
        line = SipLine(self.sip, max_line_secs=self.max_line_secs)
        calls = InboundCalls(line, desk, self._lib)
        try:
            await anyio.to_thread.run_sync(line.start, calls.on_invite)
        except OSError as exc:
            where = f"{self.sip.listen_host}:{self.sip.listen_port}"
            raise CarrierUnavailable(f"FAXGATE_SIP_LISTEN: {where}: {exc.strerror}") from exc
        except SipError as exc:
            raise CarrierUnavailable(f"SIP line: {exc}") from exc
        self.line = line

    async def close(self) -> None:
        line, self.line = self.line, None
        if line is not None:
            await anyio.to_thread.run_sync(line.stop)

    def transmit(self, call: FaxCall) -> CallOutcome:
        if call.answer_csid is not None or call.dialled_number.startswith(TEST_PREFIX):
            outcome = self.virtual.transmit(call)
            return replace(outcome, stats={"route": "virtual", **outcome.stats})
        line = self.line
        if line is None:
            raise RuntimeError("the SIP line is not started (workers are not running)")
        return line.run(self._place(line, call))

    async def _place(self, line: SipLine, call: FaxCall) -> CallOutcome:
        assert line.channels is not None
        await line.channels.take()
        try:
            return await place_call(line, call, self._lib)
        finally:
            await line.channels.give_back()
