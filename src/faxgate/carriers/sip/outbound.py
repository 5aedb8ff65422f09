"""One outgoing fax call over the trunk: INVITE, the media (G.711, T.38, or G.711 switched to
T.38), BYE, and what the call's SIP answers and T.30 result make of it.

FAXGATE_SIP_T38 decides the media: `direct` offers T.38 in the INVITE (and calls again with
G.711 when the far end refuses it with 488), `reinvite` starts in G.711 and asks for T.38
when the far end has not done so itself within REINVITE_AFTER_SECS, `off` keeps G.711 and
refuses the far end's T.38 re-INVITE; the other two take it.
"""

from __future__ import annotations

import asyncio

from faxgate.carriers.base import CallOutcome, FaxCall
from faxgate.carriers.sip.calls import OUR_T38, MediaSwitch, SipLog, offers_t38, watch_end
from faxgate.carriers.sip.line import SipLine
from faxgate.carriers.sip.media import FaxMedia, FaxParty, MediaError
from faxgate.carriers.sip.outcome import answered_outcome, unanswered_outcome
from faxgate.carriers.sip.settings import T38Mode
from faxgate.carriers.sip.useragent import CallFailed, Dialog
from faxgate.carriers.spandsp import _lib
from faxgate.domain.sip_numbers import dial_user
from faxgate.domain.statuses import FaxStatus

# The answering side usually switches first (it hears our CNG); T.30 has not got past its
# first frames by then, so the switch costs nothing.
REINVITE_AFTER_SECS = 2.0


async def place_call(line: SipLine, call: FaxCall, lib: _lib.Library) -> CallOutcome:
    settings = line.settings
    direct = settings.t38 is T38Mode.DIRECT
    party = FaxParty(
        calling=True, ident=call.tsi, send_file=call.document, max_line_secs=line.max_line_secs
    )
    sip = SipLog()
    assert line.clock is not None
    media = FaxMedia(lib, party, line.ports, line.bind_host, line.clock)
    try:
        answer = await _invite(line, call, media, sip, t38=direct)
        if isinstance(answer, CallFailed) and answer.code == 488 and direct:
            answer = await _invite(line, call, media, sip, t38=False)  # T.38 refused
        if isinstance(answer, CallFailed):
            return unanswered_outcome(answer, sip.as_stats())
        return await _answered(line, call, media, answer, sip)
    finally:
        media.close()


async def _invite(
    line: SipLine, call: FaxCall, media: FaxMedia, sip: SipLog, *, t38: bool
) -> Dialog | CallFailed:
    settings = line.settings
    from_user = (
        dial_user(call.calling_number, settings.number_format)
        if call.calling_number
        else settings.user or "anonymous"
    )
    host = line.media_host
    offer = (
        media.image_sdp(OUR_T38, session_host=host) if t38 else media.audio_sdp(session_host=host)
    )
    assert line.ua is not None
    answer = await line.ua.invite(
        to_user=dial_user(call.dialled_number, settings.number_format),
        from_user=from_user,
        sdp=offer,
        ring_timeout=settings.ring_secs,
        headers={"P-Asserted-Identity": f"<sip:{from_user}@{settings.domain}>"},
    )
    if isinstance(answer, CallFailed):
        sip.invites.append(
            {
                "final": answer.code,
                "reason": answer.reason,
                "provisional": list(answer.provisional),
                "cancelled": answer.cancelled,
                "t38_offered": t38,
            }
        )
    else:
        sip.invites.append({"final": 200, "t38_offered": t38})
    return answer


async def _answered(
    line: SipLine, call: FaxCall, media: FaxMedia, dialog: Dialog, sip: SipLog
) -> CallOutcome:
    mode = line.settings.t38
    switch = MediaSwitch(media, accept_t38=mode is not T38Mode.OFF, host=line.media_host, sip=sip)
    dialog.on_reinvite = switch.on_reinvite
    try:
        switch.start(dialog.remote_sdp, t38=offers_t38(dialog.remote_sdp))
    except MediaError as exc:  # answered with media we cannot use: like a 488 after all
        sip.bye = "ours"
        await dialog.bye()
        return CallOutcome(
            status=FaxStatus.NOFAX,
            reason=f"the far end answered with media we cannot use: {exc}",
            completion_code="SIP_200",
            stats={"route": "trunk", "sip": sip.as_stats()},
        )
    helpers = [asyncio.create_task(watch_end(dialog, media, call.hangup))]
    if mode is T38Mode.REINVITE:
        helpers.append(asyncio.create_task(switch.ask_for_t38(dialog, REINVITE_AFTER_SECS)))
    try:
        facts = await media.run()
    finally:
        for task in helpers:
            task.cancel()
    if dialog.lost:
        sip.bye = "none"
    elif dialog.terminated.is_set():
        sip.bye = "theirs" if dialog.terminated_by_remote else "ours"
    else:
        sip.bye = "ours"
        await dialog.bye()
    return answered_outcome(
        facts,
        sip.as_stats(),
        remote_hung_up=dialog.terminated_by_remote,
        we_hung_up=call.hangup.is_set(),
        fax_heard=media.terminal is not None and media.terminal.result.frames_received > 0,
        max_line_secs=line.max_line_secs,
    )
