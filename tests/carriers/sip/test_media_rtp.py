"""RTP packets and the playout: order restored, gaps silent, late and stray packets dropped."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.carriers.sip.rtp import Playout, RtpError, RtpPacket, decode, encode


def packet(seq: int, ssrc: int = 7, payload: bytes | None = None) -> RtpPacket:
    return RtpPacket(8, seq % 65536, seq * 160, ssrc, payload or bytes([seq % 256]) * 160)


@given(
    st.integers(0, 127),
    st.integers(0, 65535),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.binary(min_size=1, max_size=200),
    st.booleans(),
)
def test_encode_decode_round_trip(
    pt: int, seq: int, ts: int, ssrc: int, payload: bytes, marker: bool
) -> None:
    original = RtpPacket(pt, seq, ts, ssrc, payload, marker)
    assert decode(encode(original)) == original


def test_csrcs_extension_and_padding_are_skipped() -> None:
    header = bytes([0x80 | 0x20 | 0x10 | 2, 8]) + (5).to_bytes(2, "big") + bytes(8)
    csrcs, extension = bytes(8), b"\xbe\xde\x00\x01" + bytes(4)
    data = header + csrcs + extension + b"audio" + b"\x00\x00\x03"
    assert decode(data).payload == b"audio"


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        (bytes(11), "shorter than the RTP header"),
        (bytes([0x40]) + bytes(20), "version 1"),
        (bytes([0x90]) + bytes(11) + b"\x00\x00", "extension truncated"),
        (bytes([0x80]) + bytes(11), "no payload"),
        (bytes([0xA0]) + bytes(11) + b"\x01\x09", "no payload"),  # padding longer than it
        (bytes([0x8F]) + bytes(11) + bytes(20), "no payload"),  # 15 CSRCs that are not there
    ],
)
def test_broken_packets_raise_naming_the_fault(data: bytes, fault: str) -> None:
    with pytest.raises(RtpError, match=fault):
        decode(data)


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_rtp_error(data: bytes) -> None:
    with contextlib.suppress(RtpError):
        decode(data)


def test_playout_waits_for_its_depth_then_restores_order() -> None:
    playout = Playout(depth=2)
    playout.push(packet(101))
    assert playout.pop() is None  # one packet held: not yet
    playout.push(packet(103))
    playout.push(packet(102))
    assert [playout.pop() for _ in range(3)] == [packet(n) for n in (101, 102, 103)]


def test_a_gap_is_silence_and_its_late_packet_is_dropped() -> None:
    playout = Playout(depth=1)
    playout.push(packet(65535))
    playout.push(packet(65537))  # 1 is missing; the numbers wrap
    assert playout.pop() == packet(65535)
    assert playout.pop() is None
    assert playout.missing == 1
    playout.push(packet(65536))  # its turn has passed
    playout.push(packet(65537))  # a duplicate
    assert playout.late == 2
    assert playout.pop() == packet(65537)


def test_an_empty_playout_keeps_its_place_for_a_late_packet() -> None:
    playout = Playout(depth=1)
    playout.push(packet(10))
    assert playout.pop() == packet(10)
    assert playout.pop() is None  # jitter: 11 has not come yet
    playout.push(packet(11))
    assert playout.pop() == packet(11)
    assert playout.missing == 0


def test_a_playout_that_runs_dry_fills_up_to_its_depth_again() -> None:
    playout = Playout(depth=3)
    for n in (1, 2, 3):
        playout.push(packet(n))
    assert [playout.pop() for _ in range(3)] == [packet(n) for n in (1, 2, 3)]
    assert playout.pop() is None  # a late burst: nothing held
    assert playout.underruns == 1
    playout.push(packet(4))
    playout.push(packet(5))
    assert playout.pop() is None  # two held: still refilling, no edge-of-empty playing
    playout.push(packet(6))
    assert [playout.pop() for _ in range(3)] == [packet(n) for n in (4, 5, 6)]
    assert (playout.missing, playout.underruns) == (0, 1)


def test_a_sender_far_ahead_pushes_the_oldest_out_and_the_buffer_stays_bounded() -> None:
    playout = Playout(depth=1, capacity=4)
    for seq in range(0, 10):
        playout.push(packet(seq))
    assert [playout.pop() for _ in range(4)] == [packet(n) for n in range(6, 10)]
    playout.push(packet(40000))  # over half the circle ahead counts as behind
    assert playout.late == 1
    playout.push(packet(30000))  # far ahead: the window moves to end with it
    assert [playout.pop() for _ in range(4)] == [None, None, None, packet(30000)]


def test_a_stray_ssrc_is_dropped_until_the_stream_has_been_silent() -> None:
    playout = Playout(depth=1, switch_after=3)
    playout.push(packet(1))
    playout.push(packet(500, ssrc=99))
    assert playout.other_stream == 1
    assert playout.pop() == packet(1)
    for _ in range(3):
        playout.pop()
    playout.push(packet(500, ssrc=99))  # the far end restarted its stream
    assert playout.pop() == packet(500, ssrc=99)
