"""Real fax calls between two FaxMedia over loopback UDP, in real time, SDP exchanged here.

Each call takes its real line time (about 20 s for the one-page fax), so independent calls
run together in one test. No SIP: the test hands each side the other's SDP, as the
signalling part will. The capture test needs root and dumpcap/tshark (skipped without
them, failed under CI).
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from faxgate.carriers.sip.clock import MediaClock
from faxgate.carriers.sip.media import FaxMedia, FaxParty, MediaFacts
from faxgate.carriers.sip.media_sdp import CODEC_PAYLOAD_TYPES
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.rtp import RtpPacket, encode
from faxgate.carriers.sip.t38_sdp import ErrorCorrection, T38Params
from faxgate.carriers.sip.udptl import UdptlPacket
from faxgate.carriers.sip.udptl import encode as encode_udptl
from faxgate.carriers.spandsp._lib import Library
from faxgate.domain.t30 import T30_ERR_CALLDROPPED, T30_ERR_NAMES, T30_ERR_OK
from tests.sipnet.capture import Capture, decode, require_capture
from tests.sipnet.programs import require_spandsp

HOST = "127.0.0.1"
PORTS = "30000-39999"
T38 = T38Params(max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY)


@pytest.fixture(scope="module")
def lib() -> Library:
    return require_spandsp()


@dataclass
class Pair:
    """Both ends of one call: `caller` sends the document, `answerer` receives it."""

    caller: FaxMedia
    answerer: FaxMedia
    received: Path

    def g711(self, codecs: tuple[str, ...]) -> None:
        offer = self.caller.audio_sdp(codecs=codecs, session_host=HOST)
        self.answerer.start_audio(offer)
        assert self.answerer.codec is not None
        self.caller.start_audio(
            self.answerer.audio_sdp(codecs=(self.answerer.codec,), session_host=HOST)
        )

    def t38(self) -> None:
        offer = self.caller.image_sdp(T38, session_host=HOST)
        self.answerer.start_t38(offer)
        self.caller.start_t38(self.answerer.image_sdp(T38, session_host=HOST))

    async def run(self) -> tuple[MediaFacts, MediaFacts]:
        caller, answerer = await asyncio.gather(self.caller.run(), self.answerer.run())
        return caller, answerer


@pytest.fixture
def document(make_tiff: Callable[..., Path]) -> Path:
    return make_tiff(pages=1)


@pytest.fixture
def make_pair(lib: Library, document: Path, tmp_path: Path) -> Callable[[str], Pair]:
    clock = MediaClock()  # one per test, as a test's event loop is its own
    ports = PortPool(PORTS)

    def make(name: str) -> Pair:
        received = tmp_path / f"received-{name}.tif"
        caller = FaxParty(calling=True, ident="+49 30 1111", send_file=document, max_line_secs=150)
        answerer = FaxParty(
            calling=False, ident="+49 30 2222", receive_file=received, max_line_secs=150
        )
        return Pair(
            FaxMedia(lib, caller, ports, HOST, clock),
            FaxMedia(lib, answerer, ports, HOST, clock),
            received,
        )

    return make


def assert_pixel_equal(sent: Path, received: Path) -> None:
    with Image.open(sent) as a, Image.open(received) as b:
        assert getattr(b, "n_frames", 1) == 1
        assert a.size == b.size
        assert ImageChops.difference(a.convert("1"), b.convert("1")).getbbox() is None


def assert_delivered(pair: Pair, facts: tuple[MediaFacts, MediaFacts], transport: str) -> None:
    caller, answerer = facts
    assert (caller.completion_code, answerer.completion_code) == (T30_ERR_OK, T30_ERR_OK)
    assert (caller.pages, answerer.pages) == (1, 1)
    assert (caller.transport, answerer.transport) == (transport, transport)
    assert (caller.remote_ident, answerer.remote_ident) == ("+49 30 2222", "+49 30 1111")
    assert caller.stats["ecm"] and caller.stats["bit_rate"] == 14400
    assert not caller.capped and not answerer.capped


async def switch_after(pair: Pair, seconds: float) -> tuple[MediaFacts, MediaFacts]:
    """Audio first; after `seconds` the caller re-offers T.38 and both sides switch."""
    pair.g711(codecs=("PCMU", "PCMA"))
    running = asyncio.gather(pair.caller.run(), pair.answerer.run())
    await asyncio.sleep(seconds)
    pair.t38()
    caller, answerer = await running
    return caller, answerer


@pytest.mark.anyio
async def test_faxes_over_g711_t38_and_a_switch_arrive_pixel_equal(
    make_pair: Callable[[str], Pair], document: Path
) -> None:
    g711, t38, switched = make_pair("g711"), make_pair("t38"), make_pair("switched")
    g711.g711(codecs=("PCMA",))
    t38.t38()
    g711_facts, t38_facts, switched_facts = await asyncio.gather(
        g711.run(), t38.run(), switch_after(switched, 1.0)
    )
    assert_delivered(g711, g711_facts, "g711")
    assert (g711_facts[0].codec, g711_facts[1].codec) == ("PCMA", "PCMA")
    assert g711_facts[0].packets["rtp_sent"] > 500 and g711_facts[1].packets["rtp_received"] > 500
    assert_delivered(t38, t38_facts, "t38")
    assert t38_facts[1].packets["udptl_received"] > 50
    assert_delivered(switched, switched_facts, "t38")
    assert switched_facts[0].packets["rtp_sent"] > 10  # audio did flow before the switch
    for pair in (g711, t38, switched):
        assert_pixel_equal(document, pair.received)


class Garbage:
    """Fires hostile datagrams at both ends of a call (PCMU or T.38), and counts them."""

    def __init__(self, pair: Pair, transport: str) -> None:
        self.pair = pair
        self.transport = transport
        self.rng = random.Random(12)  # fixed: a failure is reproducible
        self.stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.stranger.bind((HOST, 0))
        self.fired = {"foreign": 0, "malformed": 0, "other_stream": 0}

    def _ports(self, media: FaxMedia) -> int:
        port = media.image_port if self.transport == "t38" else media.audio_port
        assert port is not None
        return port

    def burst(self) -> None:
        rng = self.rng
        for target, peer in (
            (self.pair.caller, self.pair.answerer),
            (self.pair.answerer, self.pair.caller),
        ):
            address = (HOST, self._ports(target))
            # From a stranger's port: random bytes, and a well-formed packet of the stream
            self.stranger.sendto(rng.randbytes(rng.randint(1, 400)), address)
            if self.transport == "t38":
                forged = encode_udptl(UdptlPacket(rng.randrange(65536), b"\x00\x01"))
            else:
                forged = encode(RtpPacket(0, rng.randrange(65536), 0, 1234, bytes(160)))
            self.stranger.sendto(forged, address)
            self.fired["foreign"] += 2
            # From the far end's own port (its socket, as a spoofer would): broken packets
            own = peer._image_sock if self.transport == "t38" else peer._audio_sock
            if self.transport == "t38":
                whole = encode_udptl(
                    UdptlPacket(rng.randrange(65536), rng.randbytes(30), (b"\x02",))
                )
                own.sendto(whole[: rng.randrange(len(whole))], address)
                self.fired["malformed"] += 1
            else:
                own.sendto(bytes([0x00]) + rng.randbytes(171), address)  # RTP version 0
                own.sendto(bytes(5), address)  # shorter than a header
                self.fired["malformed"] += 2
                stray = RtpPacket(0, rng.randrange(65536), 0, 0xBAD, rng.randbytes(160))
                own.sendto(encode(stray), address)
                self.fired["other_stream"] += 1

    async def fire(self, seconds: float) -> None:
        """From 1 s on (a stream's first packet decides its SSRC), for `seconds`."""
        await asyncio.sleep(1.0)
        try:
            for _ in range(int(seconds * 10)):
                self.burst()
                await asyncio.sleep(0.1)
        finally:
            self.stranger.close()


@pytest.mark.anyio
async def test_garbage_is_dropped_and_counted_while_the_faxes_go_on(
    make_pair: Callable[[str], Pair], document: Path
) -> None:
    g711, t38 = make_pair("g711"), make_pair("t38")
    g711.g711(codecs=("PCMU",))
    t38.t38()
    garbage = {"g711": Garbage(g711, "g711"), "t38": Garbage(t38, "t38")}
    g711_facts, t38_facts, *_ = await asyncio.gather(
        g711.run(), t38.run(), garbage["g711"].fire(8.0), garbage["t38"].fire(8.0)
    )
    assert_delivered(g711, g711_facts, "g711")
    assert_delivered(t38, t38_facts, "t38")
    assert g711_facts[0].codec == "PCMU"
    for facts, kind, fired in (
        (g711_facts, "rtp", garbage["g711"].fired),
        (t38_facts, "udptl", garbage["t38"].fired),
    ):
        for side in facts:  # each side got half of what was fired
            assert side.packets[f"{kind}_foreign"] == fired["foreign"] // 2
            assert side.packets[f"{kind}_malformed"] == fired["malformed"] // 2
    for side in g711_facts:
        assert side.packets["rtp_other_stream"] == garbage["g711"].fired["other_stream"] // 2
    for pair in (g711, t38):
        assert_pixel_equal(document, pair.received)


@pytest.mark.anyio
async def test_the_answerer_hanging_up_mid_page_fails_the_callers_fax(
    make_pair: Callable[[str], Pair],
) -> None:
    """No BYE reaches the caller here: its T.30 notices the silence after the page."""
    pair = make_pair("hang-up")
    pair.t38()
    running = asyncio.gather(pair.caller.run(), pair.answerer.run())
    receiver = pair.answerer.terminal
    assert receiver is not None
    for _ in range(1500):  # 60 s at most; the page's ECM frames begin after ~12 s
        if receiver.result.frames_received >= 6:
            break
        await asyncio.sleep(0.04)
    pair.answerer.hang_up()
    caller, answerer = await running
    assert answerer.completion_code == T30_ERR_CALLDROPPED
    assert answerer.pages == 0
    assert caller.completion_code == T30_ERR_NAMES.index("T30_ERR_TX_PHDDEAD")
    assert caller.pages == 0
    assert not caller.capped


T38_IFP_TYPES = {0, 1}  # t30-indicator and data


def ports(*medias: FaxMedia, image: bool) -> list[int]:
    found = [m.image_port if image else m.audio_port for m in medias]
    return [p for p in found if p is not None]


@pytest.mark.anyio
async def test_captured_t38_and_g711_calls_decode_cleanly(
    make_pair: Callable[[str], Pair], tmp_path: Path
) -> None:
    dumpcap, tshark = require_capture()
    t38, g711 = make_pair("t38"), make_pair("g711")
    for media in (t38.caller, t38.answerer):
        media.image_sdp(T38, session_host=HOST)  # binds the UDPTL port
    t38_ports = ports(t38.caller, t38.answerer, image=True)
    rtp_ports = ports(g711.caller, g711.answerer, image=False)
    pcap = tmp_path / "calls.pcap"
    # Started inside: waiting for the start marker blocks the loop, and the media with it.
    with Capture(dumpcap, pcap, [*t38_ports, *rtp_ports]):
        t38.t38()
        g711.g711(codecs=("PCMA",))
        t38_facts, g711_facts = await asyncio.gather(t38.run(), g711.run())
    assert_delivered(t38, t38_facts, "t38")
    assert_delivered(g711, g711_facts, "g711")

    frames = decode(tshark, pcap, t38_ports=tuple(t38_ports), rtp_ports=tuple(rtp_ports))
    # Both ends ours: a port freed at the end may serve another test before the end marker.
    udptl = [f for f in frames if {f.src_port, f.dst_port} <= set(t38_ports)]
    rtp = [f for f in frames if {f.src_port, f.dst_port} <= set(rtp_ports)]
    assert not [f for f in udptl + rtp if f.malformed or f.errors]
    sent = sum(side.packets["udptl_sent"] for side in t38_facts)
    assert len(udptl) == sent
    assert all(f.t38_seq is not None and set(f.t38_types) <= T38_IFP_TYPES for f in udptl)
    assert {f.t38_types[0] for f in udptl} == T38_IFP_TYPES  # indicators and data both
    assert len(rtp) == sum(side.packets["rtp_sent"] for side in g711_facts)
    assert {f.rtp_payload_type for f in rtp} == {CODEC_PAYLOAD_TYPES["PCMA"]}
