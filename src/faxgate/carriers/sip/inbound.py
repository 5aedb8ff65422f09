"""Calls from the trunk: a call to one of our inbound numbers is answered, the fax received
over T.38 or G.711, and whatever arrived (all pages, or those before the line broke) handed
to Fax-In.

Refusals, in this order: a number that is not ours 404, an offer with neither G.711 nor
T.38 (that we take) 488, no channel free 486. A call whose caller cancels before we answer
has had its 487 from the user agent and is dropped.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import structlog

from faxgate.carriers.base import InboundDesk
from faxgate.carriers.sip.calls import (
    OUR_T38,
    MediaSwitch,
    SipLog,
    offers_t38,
    t38_offer,
    watch_end,
)
from faxgate.carriers.sip.line import SipLine
from faxgate.carriers.sip.media import FaxMedia, FaxParty, MediaFacts
from faxgate.carriers.sip.media_sdp import g711_codec
from faxgate.carriers.sip.outcome import answered_outcome
from faxgate.carriers.sip.settings import T38Mode
from faxgate.carriers.sip.t38_sdp import negotiate
from faxgate.carriers.sip.useragent import IncomingCall
from faxgate.carriers.spandsp import _lib
from faxgate.domain.faxin import ReceivedFax, terminal_csid
from faxgate.domain.numbers import InvalidNumber, normalise
from faxgate.domain.sip_numbers import inbound_candidates

log = structlog.get_logger("faxgate.sip")


class InboundCalls:
    def __init__(self, line: SipLine, desk: InboundDesk, lib: _lib.Library) -> None:
        self.line, self.desk, self.lib = line, desk, lib

    async def on_invite(self, incoming: IncomingCall) -> None:
        number = await self.desk.owned_number(
            inbound_candidates(incoming.request_user, incoming.to_user)
        )
        if number is None:
            await incoming.reject(404, "Not Found")
            return
        t38 = self._takes_t38(incoming.sdp)
        if not t38 and (incoming.sdp is None or g711_codec(incoming.sdp) is None):
            await incoming.reject(488, "Not Acceptable Here")
            return
        channels = self.line.channels
        assert channels is not None
        if not channels.try_take():
            await incoming.reject(486, "Busy Here")
            return
        try:
            await self._receive(incoming, number, t38=t38)
        finally:
            await channels.give_back()

    def _takes_t38(self, sdp: str | None) -> bool:
        return self.line.settings.t38 is not T38Mode.OFF and offers_t38(sdp)

    async def _receive(self, incoming: IncomingCall, number: str, *, t38: bool) -> None:
        assert incoming.sdp is not None and self.line.clock is not None
        with tempfile.TemporaryDirectory(prefix="faxgate-sip-rx-") as scratch:
            image = Path(scratch) / "received.tif"
            party = FaxParty(
                calling=False,
                ident=terminal_csid(number),
                receive_file=image,
                max_line_secs=self.line.max_line_secs,
            )
            media = FaxMedia(self.lib, party, self.line.ports, self.line.bind_host, self.line.clock)
            try:
                facts = await self._answered(incoming, media, t38=t38)
            finally:
                media.close()
            if facts is not None:
                await self._hand_in(incoming, number, facts, image)

    async def _answered(
        self, incoming: IncomingCall, media: FaxMedia, *, t38: bool
    ) -> MediaFacts | None:
        assert incoming.sdp is not None
        host = self.line.media_host
        offered = t38_offer(incoming.sdp) if t38 else None
        answer = (
            media.image_sdp(negotiate(OUR_T38, offered), session_host=host)
            if offered is not None
            else media.audio_sdp(codecs=(g711_codec(incoming.sdp) or "PCMU",), session_host=host)
        )
        if incoming.cancelled.is_set():
            return None
        dialog = await incoming.answer(answer)
        mode = self.line.settings.t38
        sip = SipLog()
        switch = MediaSwitch(media, accept_t38=mode is not T38Mode.OFF, host=host, sip=sip)
        dialog.on_reinvite = switch.on_reinvite
        switch.start(incoming.sdp, t38=offered is not None)
        helpers = [asyncio.create_task(watch_end(dialog, media, None))]
        if mode is T38Mode.REINVITE and offered is None:
            # The answering side asks at once: T.30 has not begun, nothing is restarted.
            helpers.append(asyncio.create_task(switch.ask_for_t38(dialog, 0.0)))
        try:
            facts = await media.run()
        finally:
            for task in helpers:
                task.cancel()
        if not dialog.terminated.is_set():
            await dialog.bye()
        return facts

    async def _hand_in(
        self, incoming: IncomingCall, number: str, facts: MediaFacts, image: Path
    ) -> None:
        outcome = answered_outcome(
            facts,
            {},
            remote_hung_up=False,
            we_hung_up=False,
            fax_heard=facts.pages > 0,
            max_line_secs=self.line.max_line_secs,
        )
        log.info(
            "SIP call to an own number ended",
            number=number,
            pages=facts.pages,
            status=outcome.status.value,
            reason=outcome.reason,
            media=facts.transport,
            late_p99_ms=facts.late_p99_ms,
            late_max_ms=facts.late_max_ms,
            packets=facts.packets,
        )
        if facts.pages <= 0:
            return
        fax = ReceivedFax(
            called_number=number,
            calling_number=_calling_number(incoming),
            remote_csid=facts.remote_ident,
            local_csid=terminal_csid(number),
            pages=facts.pages,
            fine=facts.stats.get("resolution") != "standard",
            bit_rate=outcome.bit_rate,
            duration_secs=outcome.line_seconds,
            status=outcome.status,
            reason=outcome.reason,
            received_at=time.time(),
        )
        await self.desk.deliver(image, fax)


def _calling_number(incoming: IncomingCall) -> str:
    """The caller's number as the network asserts it (P-Asserted-Identity, else From), ""
    when it is withheld or no number."""
    for user in (incoming.asserted_user, incoming.from_user):
        if user:
            try:
                return normalise(user)
            except InvalidNumber:
                continue
    return ""
