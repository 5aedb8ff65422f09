"""What outgoing and incoming SIP fax calls share: our T.38 offer, the log of the signalling
for the attempt history, and noticing that the line is gone."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from faxgate.carriers.sip.media import FaxMedia
from faxgate.carriers.sip.t38_sdp import (
    ErrorCorrection,
    T38Params,
    T38SdpError,
    negotiate,
    parse_t38_media,
)
from faxgate.carriers.sip.useragent import Dialog

# V.17 rates, transferred TCF (the only method over UDP), redundancy against lost datagrams.
OUR_T38 = T38Params(max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY)
HANGUP_POLL_SECS = 0.2  # how often a call looks whether its job was withdrawn


def t38_offer(sdp: str | None) -> T38Params | None:
    """The T.38 parameters of an SDP body; None without usable T.38 media (unusable
    attributes count as none)."""
    if sdp is None:
        return None
    try:
        media = parse_t38_media(sdp)
    except T38SdpError:
        return None
    return media.params if media is not None else None


def offers_t38(sdp: str | None) -> bool:
    return t38_offer(sdp) is not None


@dataclass
class SipLog:
    """What the attempt history shows of a call's signalling."""

    invites: list[dict[str, Any]] = field(default_factory=list)
    reinvites: list[dict[str, Any]] = field(default_factory=list)
    bye: str | None = None  # "ours", "theirs", or "none" (the far end lost the dialog)

    def as_stats(self) -> dict[str, Any]:
        return {"invites": self.invites, "reinvites": self.reinvites, "bye": self.bye}


async def watch_end(dialog: Dialog, media: FaxMedia, hangup: threading.Event | None) -> None:
    """Hang the media up when the far end sends BYE, or (outgoing) our job is withdrawn."""
    while hangup is None or not hangup.is_set():
        try:
            await asyncio.wait_for(dialog.terminated.wait(), HANGUP_POLL_SECS)
            break
        except TimeoutError:
            continue
    media.hang_up()


class MediaSwitch:
    """Which media a call's fax travels on: G.711 until either side re-INVITEs to T.38.

    The far end's T.38 re-INVITE is taken unless FAXGATE_SIP_T38=off; once switched, a
    further re-INVITE is refused (488), as is one offering anything but T.38.
    """

    def __init__(self, media: FaxMedia, *, accept_t38: bool, host: str, sip: SipLog) -> None:
        self.media, self.accept_t38, self.host, self.sip = media, accept_t38, host, sip
        self.switched = asyncio.Event()

    def start(self, remote_sdp: str, *, t38: bool) -> None:
        """The media the answer (or our answer to the offer) settled on."""
        if t38:
            self.media.start_t38(remote_sdp)
            self.switched.set()
        else:
            self.media.start_audio(remote_sdp)

    async def on_reinvite(self, offer: str) -> tuple[int, str | None]:
        theirs = t38_offer(offer)
        if theirs is None or not self.accept_t38 or self.switched.is_set():
            self.sip.reinvites.append({"from": "theirs", "t38": theirs is not None, "final": 488})
            return 488, None
        answer = self.media.image_sdp(negotiate(OUR_T38, theirs), session_host=self.host)
        self.media.start_t38(offer)
        self.switched.set()
        self.sip.reinvites.append({"from": "theirs", "t38": True, "final": 200})
        return 200, answer

    async def ask_for_t38(self, dialog: Dialog, after_secs: float) -> None:
        """Our re-INVITE to T.38, unless the far end has switched within `after_secs`."""
        try:
            await asyncio.wait_for(self.switched.wait(), after_secs)
            return
        except TimeoutError:
            pass
        offer = self.media.image_sdp(OUR_T38, session_host=self.host)
        code, answer = await dialog.reinvite(offer)
        self.sip.reinvites.append({"from": "ours", "t38": True, "final": code})
        if code == 200 and answer is not None and offers_t38(answer) and not self.switched.is_set():
            self.media.start_t38(answer)
            self.switched.set()
