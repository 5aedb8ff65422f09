"""UDPTL framing: round trips, strict decoding of hostile input, known byte strings."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.carriers.sip.udptl import (
    MAX_IFP_OCTETS,
    MAX_SECONDARIES,
    FecInfo,
    UdptlError,
    UdptlPacket,
    decode,
    encode,
)

ifps = st.binary(min_size=1, max_size=300)
redundant = st.builds(
    UdptlPacket,
    seq=st.integers(0, 65535),
    primary=ifps,
    secondaries=st.lists(ifps, max_size=MAX_SECONDARIES).map(tuple),
)
with_fec = st.builds(
    UdptlPacket,
    seq=st.integers(0, 65535),
    primary=ifps,
    fec=st.builds(
        FecInfo,
        npackets=st.integers(0, 2**31 - 1),
        data=st.lists(ifps, max_size=MAX_SECONDARIES).map(tuple),
    ),
)
packets = redundant | with_fec


@given(packets)
def test_decode_restores_what_encode_wrote(packet: UdptlPacket) -> None:
    assert decode(encode(packet)) == packet


@given(packets)
def test_every_truncation_is_a_udptl_error(packet: UdptlPacket) -> None:
    datagram = encode(packet)
    for size in range(len(datagram)):
        with pytest.raises(UdptlError):
            decode(datagram[:size])


@given(st.binary(max_size=600))
def test_random_bytes_decode_or_raise_only_udptl_error(data: bytes) -> None:
    try:
        packet = decode(data)
    except UdptlError:
        return
    assert 1 <= len(packet.primary) <= MAX_IFP_OCTETS


@given(packets, st.integers(0, 10_000), st.integers(0, 255))
def test_a_flipped_octet_decodes_or_raises_only_udptl_error(
    packet: UdptlPacket, where: int, value: int
) -> None:
    datagram = bytearray(encode(packet))
    datagram[where % len(datagram)] = value
    with contextlib.suppress(UdptlError):
        decode(bytes(datagram))


# Written octet by octet from T.38 §9.1's ASN.1 and X.691's aligned-PER length rules (the
# same layout Asterisk's main/udptl.c and spandsp's udptl.c produce); tshark agrees with our
# encoding in test_udptl_tshark.py.
KNOWN = [
    pytest.param(
        # seq 1 | primary: length 1, CNG indicator | redundancy | 1 secondary: no-signal
        "0001 01 02 00 01 0100",
        UdptlPacket(1, b"\x02", (b"\x00",)),
        id="cng-with-one-secondary",
    ),
    pytest.param(
        # seq 0x1234 | 200-octet primary: two-octet length 0x80c8 | redundancy, none
        "1234 80c8" + " ab" * 200 + " 00 00",
        UdptlPacket(0x1234, b"\xab" * 200),
        id="long-primary-two-octet-length",
    ),
    pytest.param(
        # seq 5 | V.21 preamble | FEC | npackets: 1 octet, 3 | 2 entries: aa, bbcc
        "0005 0106 80 0103 02 01aa 02bbcc",
        UdptlPacket(5, b"\x06", fec=FecInfo(3, (b"\xaa", b"\xbb\xcc"))),
        id="fec",
    ),
]


@pytest.mark.parametrize(("octets", "packet"), KNOWN)
def test_known_byte_strings(octets: str, packet: UdptlPacket) -> None:
    assert decode(bytes.fromhex(octets)) == packet
    assert encode(packet) == bytes.fromhex(octets)


@pytest.mark.parametrize(
    ("octets", "fault"),
    [
        ("00", "seq-number"),
        ("0001 00", "primary IFP is empty"),
        ("0001 c1" + " 00" * 20, "fragmented"),
        ("0001 0102 00 00 ff", "1 octets after the end"),
        ("0001 0102 00 11" + " 0100" * 17, "17 secondary IFPs, at most 16"),
        ("0001 8fff" + " 00" * 4095, "primary IFP of 4095 octets"),
        ("0001 0102 80 05" + " 00" * 5, "fec-npackets of 5 octets"),
        ("0001 0102 80 01ff 00", "negative"),
        ("0001 0302 00", "truncated: primary IFP needs 3 octets at octet 3, 2 left"),
    ],
)
def test_malformed_packets_name_their_fault(octets: str, fault: str) -> None:
    with pytest.raises(UdptlError, match=fault):
        decode(bytes.fromhex(octets), max_ifp=4000)


def test_limits_are_the_callers() -> None:
    datagram = encode(UdptlPacket(9, b"x" * 500, (b"y",) * 4))
    assert decode(datagram).primary == b"x" * 500
    with pytest.raises(UdptlError, match="primary IFP of 500 octets, at most 400"):
        decode(datagram, max_ifp=400)
    with pytest.raises(UdptlError, match="4 secondary IFPs, at most 3"):
        decode(datagram, max_secondaries=3)


def test_padding_bits_after_the_error_recovery_choice_are_ignored() -> None:
    # Aligned PER pads the one-bit choice with zeros; like Asterisk we do not insist.
    assert decode(bytes.fromhex("0001 0102 40 01 0100")).secondaries == (b"\x00",)
    assert decode(bytes.fromhex("0001 0102 ff 0100 00")).fec == FecInfo(0, ())


def test_zero_length_secondaries_are_accepted_and_kept() -> None:
    # Some gateways pad their redundancy with empty entries; they must not fail the packet.
    assert decode(bytes.fromhex("0003 0102 00 02 00 0106")).secondaries == (
        b"",
        b"\x06",
    )


@pytest.mark.parametrize(
    ("packet", "fault"),
    [
        (UdptlPacket(65536, b"\x00"), "seq-number 65536"),
        (UdptlPacket(0, b""), "primary IFP of 0 octets"),
        (UdptlPacket(0, b"\x00", (b"",)), "secondary IFP 0 of 0 octets"),
        (UdptlPacket(0, b"x" * (MAX_IFP_OCTETS + 1)), "primary IFP of 4097 octets"),
        (UdptlPacket(0, b"\x00", (b"\x00",) * 17), "17 secondary IFPs"),
        (UdptlPacket(0, b"\x00", (b"\x00",), FecInfo(1, ())), "not both"),
    ],
)
def test_encode_refuses_what_decode_would_refuse(packet: UdptlPacket, fault: str) -> None:
    with pytest.raises(UdptlError, match=fault):
        encode(packet)
