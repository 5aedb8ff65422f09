"""One call's fax media: G.711 over RTP first, T.38 over UDPTL after a switch (or only T.38).

A FaxMedia owns its sockets and one spandsp terminal for the local party. The SIP side
builds the SDP with `audio_sdp`/`image_sdp`, starts the media with the far end's SDP, and
awaits `run()`. The shared MediaClock steps it every 20 ms. Switching to T.38 frees the
audio terminal and starts a T.38 one for the same party: T.30 begins again, so the carrier
switches early, before T.30 has got far (the far end's T.30 starts over on T.38 too).
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faxgate.carriers.sip.audio_leg import AudioLeg
from faxgate.carriers.sip.clock import Lateness, MediaClock
from faxgate.carriers.sip.media_sdp import (
    MediaError,
    SessionOrigin,
    audio_sdp,
    image_sdp,
    parse_audio_media,
)
from faxgate.carriers.sip.media_socket import MediaSocket
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.t38_leg import T38Leg
from faxgate.carriers.sip.t38_sdp import T38Params, T38SdpError, negotiate, parse_t38_media
from faxgate.carriers.spandsp._lib import Library
from faxgate.carriers.spandsp.terminal import Capabilities, Terminal, resolution_name

__all__ = ["FaxMedia", "FaxParty", "MediaError", "MediaFacts"]

MAX_LINE_SECS = 3600.0  # whatever a party asks, no call holds a line longer
LINGER_STEPS = 10  # after our phase E, 200 ms more on the line: the last frames get out


@dataclass(frozen=True)
class FaxParty:
    """The local T.30 terminal of one call."""

    calling: bool  # True: we send `send_file`; False: we receive into `receive_file`
    ident: str  # our TSI/CSID
    send_file: Path | None = None
    receive_file: Path | None = None
    ecm: bool = True
    max_line_secs: float = 600.0


@dataclass(frozen=True)
class MediaFacts:
    completion_code: int | None  # our terminal's T.30 completion code (T30_ERR_*)
    transport: str  # "t38" or "g711": what carried T.30 at the end; "none" if never started
    codec: str | None  # "PCMU"/"PCMA" when audio carried T.30
    pages: int  # sent (calling) or received (answering)
    stats: dict[str, Any]
    remote_ident: str
    line_seconds: float
    capped: bool
    late_p99_ms: float
    late_max_ms: float
    packets: dict[str, int] = field(default_factory=dict)


class FaxMedia:
    def __init__(
        self, lib: Library, party: FaxParty, ports: PortPool, host: str, clock: MediaClock
    ) -> None:
        self._lib = lib
        self.party = party
        self.host = host
        self._ports = ports
        self._clock = clock
        self._audio_sock = ports.bind_udp(host)
        self.audio_port: int = self._audio_sock.getsockname()[1]
        self._image_sock: Any = None  # socket.socket once image_sdp or start_t38 binds it
        self.image_port: int | None = None
        self._our_t38 = T38Params()
        self._origin = SessionOrigin(secrets.randbelow(1 << 31), 0)
        self.codec: str | None = None  # chosen by start_audio
        self._terminal: Terminal | None = None
        self._leg: AudioLeg | T38Leg | None = None
        self.packets: Counter[str] = Counter()
        self._finished = asyncio.Event()
        self._linger = LINGER_STEPS
        self._started_at: float | None = None
        self._lateness_at_start: Lateness | None = None
        self._error: BaseException | None = None
        self._closed = False

    # ---------------------------------------------------------------- SDP
    def audio_sdp(self, *, codecs: tuple[str, ...] = ("PCMU", "PCMA"), session_host: str) -> str:
        """An offer or answer for audio; an answer passes `codecs=(media.codec,)`."""
        return audio_sdp(self.audio_port, codecs, session_host, self._next_origin())

    def image_sdp(self, params: T38Params, *, session_host: str) -> str:
        """An offer or answer for T.38 (for an answer, `params` are the negotiated ones)."""
        self._our_t38 = params
        return image_sdp(self._bind_image(), params, session_host, self._next_origin())

    def _next_origin(self) -> SessionOrigin:
        self._origin = SessionOrigin(self._origin.session_id, self._origin.version + 1)
        return self._origin

    def _bind_image(self) -> int:
        if self._image_sock is None:
            self._image_sock = self._ports.bind_udp(self.host)
            self.image_port = self._image_sock.getsockname()[1]
        assert self.image_port is not None
        return self.image_port

    # ---------------------------------------------------------------- starting
    def start_audio(self, remote_sdp: str) -> None:
        """G.711 fax with the far end's audio media: we send the first of PCMU/PCMA it lists
        (`g711_codec`); an answer offers `codecs=(media.codec,)`."""
        if self._leg is not None:
            raise MediaError("the media has already started")
        media = parse_audio_media(remote_sdp)
        self.codec = media.codecs[0]
        terminal = self._new_terminal(t38_out=None)
        remote = _remote(media.address, media.port)
        link = MediaSocket(self._audio_sock, remote, self.packets, "rtp")
        self._leg = AudioLeg(terminal, link, self.codec, self.packets)
        self._begin()

    def start_t38(self, remote_sdp: str) -> None:
        """T.38 with the far end's image media: a new T.38 terminal replaces any audio one."""
        try:
            media = parse_t38_media(remote_sdp)
        except T38SdpError as exc:
            raise MediaError(str(exc)) from None
        if media is None:
            raise MediaError("no T.38 media in the SDP")
        if media.address is None:
            raise MediaError("no c= line for the T.38 media")
        remote = _remote(media.address, media.port)
        self._bind_image()
        if isinstance(self._leg, T38Leg):
            raise MediaError("T.38 has already started")
        self._stop_audio()
        terminal = self._new_terminal(t38_out=[])
        link = MediaSocket(self._image_sock, remote, self.packets, "udptl")
        self._leg = T38Leg(terminal, link, negotiate(self._our_t38, media.params), self.packets)
        self._begin()

    def _new_terminal(self, *, t38_out: list[bytes] | None) -> Terminal:
        party = self.party
        terminal = Terminal(
            self._lib,
            tag="SIP-TX" if party.calling else "SIP-RX",
            calling=party.calling,
            ident=party.ident,
            caps=Capabilities(ecm=party.ecm),
            t38_out=t38_out,
        )
        if party.calling and party.send_file is not None:
            terminal.send_file(party.send_file)
        if not party.calling and party.receive_file is not None:
            terminal.receive_file(party.receive_file)
        self._terminal = terminal
        return terminal

    def _begin(self) -> None:
        if self._started_at is None:
            self._started_at = asyncio.get_running_loop().time()
            self._lateness_at_start = self._clock.lateness.snapshot()
        self._clock.add(self)

    def _stop_audio(self) -> None:
        if isinstance(self._leg, AudioLeg):
            self._leg.close()
            self._leg.terminal.free()  # its T.30 ends without a phase E of ours
            self._leg = None
            self._terminal = None
        self._audio_sock.close()

    @property
    def terminal(self) -> Terminal | None:
        """The spandsp terminal now carrying T.30 (its result shows the progress)."""
        return self._terminal

    # ---------------------------------------------------------------- running
    def step(self) -> None:
        """20 ms of media (called by the clock)."""
        if self._leg is None:
            return
        self._leg.step()
        if self._leg.terminal.done:
            self._linger -= 1
            if self._linger <= 0:
                self._finish()

    def abort(self, error: BaseException) -> None:
        self._error = error
        self._finish()

    def hang_up(self) -> None:
        """The line is gone (a BYE either way): our T.30 ends now, run() returns."""
        if self._terminal is not None and not self._terminal.done:
            self._terminal.terminate()
        self._finish()

    def _finish(self) -> None:
        self._clock.remove(self)
        self._finished.set()

    async def run(self) -> MediaFacts:
        """Until our T.30 reaches phase E, hang_up(), or the line-time cap; then closes."""
        cap = min(self.party.max_line_secs, MAX_LINE_SECS)
        try:
            try:
                await asyncio.wait_for(self._finished.wait(), cap)
                capped = False
            except TimeoutError:
                capped = True
                if self._terminal is not None and not self._terminal.done:
                    self._terminal.terminate()
            return self._facts(capped)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the media, close the sockets and free the terminal (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._clock.remove(self)
        if self._leg is not None:
            self._leg.close()
        if self._terminal is not None:
            self._terminal.free()
        self._audio_sock.close()
        if self._image_sock is not None:
            self._image_sock.close()

    def _facts(self, capped: bool) -> MediaFacts:
        now = asyncio.get_running_loop().time()
        terminal = self._terminal
        lateness = (
            self._clock.lateness.since(self._lateness_at_start)
            if self._lateness_at_start is not None
            else Lateness()
        )
        if self._leg is not None:
            self._leg.close()  # folds its receive counts into packets
            self._leg = None
        stats: dict[str, Any] = {} if terminal is None else _stats(terminal)
        if self._error is not None:
            stats["media_error"] = repr(self._error)
        transport = "none" if terminal is None else "g711" if terminal.t38_out is None else "t38"
        return MediaFacts(
            completion_code=None if terminal is None else terminal.result.completion_code,
            transport=transport,
            codec=self.codec if transport == "g711" else None,
            pages=stats.get("pages_tx" if self.party.calling else "pages_rx", 0),
            stats=stats,
            remote_ident="" if terminal is None else terminal.remote_ident(),
            line_seconds=0.0 if self._started_at is None else round(now - self._started_at, 2),
            capped=capped,
            late_p99_ms=lateness.quantile_ms(0.99),
            late_max_ms=lateness.max_ms(),
            packets=dict(self.packets),
        )


def _remote(address: str, port: int) -> tuple[str, int]:
    """The far end as recvfrom reports it (an IPv6 address in its compressed form)."""
    return (str(ipaddress.ip_address(address)), port)


def _stats(terminal: Terminal) -> dict[str, Any]:
    raw = terminal.stats()
    stats: dict[str, Any] = {name: int(getattr(raw, name)) for name, _ in raw._fields_}
    stats["ecm"] = bool(stats.pop("error_correcting_mode"))
    stats["resolution"] = resolution_name(stats["y_resolution"])
    return stats
