"""A FaxMedia's life without a fax on the far end: the line-time cap, a hang-up, bad SDP."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from faxgate.carriers.sip.clock import MediaClock
from faxgate.carriers.sip.media import FaxMedia, FaxParty, MediaError
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.rtp import RtpPacket, encode
from faxgate.carriers.spandsp._lib import Library
from faxgate.domain.t30 import T30_ERR_OK
from tests.sipnet.programs import require_spandsp

HOST = "127.0.0.1"
PORTS = "30000-39999"
IMAGE = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=image 5 udptl t38\r\n"
SILENT_PEER = "v=0\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 8\r\n"


@pytest.fixture(scope="module")
def lib() -> Library:
    return require_spandsp()


@pytest.fixture
def silent_peer() -> Iterator[Callable[[], tuple[socket.socket, str]]]:
    """A socket that listens and never answers, and an audio SDP pointing at it."""
    opened: list[socket.socket] = []

    def make() -> tuple[socket.socket, str]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((HOST, 0))
        sock.settimeout(5.0)  # a read that would hang fails instead
        opened.append(sock)
        return sock, SILENT_PEER.format(port=sock.getsockname()[1])

    yield make
    for sock in opened:
        sock.close()


def media(lib: Library, tmp_path: Path, *, max_line_secs: float = 600.0) -> FaxMedia:
    party = FaxParty(
        calling=False, ident="1", receive_file=tmp_path / "rx.tif", max_line_secs=max_line_secs
    )
    return FaxMedia(lib, party, PortPool(PORTS), HOST, MediaClock())


@pytest.mark.anyio
async def test_the_cap_ends_a_call_no_fax_answers_and_closes_the_sockets(
    lib: Library,
    tmp_path: Path,
    silent_peer: Callable[[], tuple[socket.socket, str]],
) -> None:
    peer, sdp = silent_peer()
    fax = media(lib, tmp_path, max_line_secs=1.0)
    fax.start_audio(sdp)
    ours = (HOST, fax.audio_port)
    for seq in range(3):  # it answered PCMA but sends PCMU: heard all the same
        peer.sendto(encode(RtpPacket(0, seq, seq * 160, 5, bytes(160))), ours)
    peer.sendto(encode(RtpPacket(13, 3, 480, 5, b"\x40")), ours)  # comfort noise: not fax
    facts = await fax.run()
    assert (facts.packets["rtp_received"], facts.packets["rtp_other_payload"]) == (3, 1)
    assert facts.capped
    assert facts.completion_code not in (None, T30_ERR_OK)
    assert (facts.transport, facts.codec, facts.pages) == ("g711", "PCMA", 0)
    assert facts.packets["rtp_sent"] > 10
    assert len(peer.recv(2048)) == 12 + 160  # the answer tone went out as PCMA packets
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind((HOST, fax.audio_port))  # run() closed our socket: the port is free


@pytest.mark.anyio
async def test_a_hang_up_before_any_media_ends_run_at_once(lib: Library, tmp_path: Path) -> None:
    fax = media(lib, tmp_path)
    fax.hang_up()
    facts = await fax.run()
    assert (facts.completion_code, facts.transport, facts.capped) == (None, "none", False)


@pytest.mark.anyio
async def test_unusable_sdp_is_refused_naming_the_fault(
    lib: Library,
    tmp_path: Path,
    silent_peer: Callable[[], tuple[socket.socket, str]],
) -> None:
    fax = media(lib, tmp_path)
    try:
        with pytest.raises(MediaError, match=r"no T\.38 media"):
            fax.start_t38(silent_peer()[1])
        with pytest.raises(MediaError, match="T38MaxBitRate"):
            fax.start_t38(
                "v=0\r\nc=IN IP4 127.0.0.1\r\nm=image 5 udptl t38\r\na=T38MaxBitRate:x\r\n"
            )
        with pytest.raises(MediaError, match="no PCMU or PCMA"):
            fax.start_audio("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 5 RTP/AVP 18\r\n")
        fax.start_audio(silent_peer()[1])
        with pytest.raises(MediaError, match="already started"):
            fax.start_audio(silent_peer()[1])
    finally:
        fax.close()
