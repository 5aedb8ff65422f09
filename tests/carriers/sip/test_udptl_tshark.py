"""tshark, an independent T.38 dissector, decodes our UDPTL as we meant it."""

from __future__ import annotations

import random
from pathlib import Path

from faxgate.carriers.sip.udptl import FecInfo, UdptlPacket, encode
from faxgate.carriers.sip.udptl_stream import UdptlSender
from tests.carriers.sip.dissect import PORT, SEVERITY_ERROR, dissect
from tests.carriers.sip.ifps import DATA, INDICATOR, SAMPLE, Ifp
from tests.carriers.sip.pcap import udp_frame, write_pcap


def expected(seq: int, ifps: list[Ifp], fec: FecInfo | None = None) -> dict[str, list[str]]:
    def numbers(kind: int) -> list[str]:
        return [str(ifp.value) for ifp in ifps if ifp.type_of_msg == kind]

    return {
        "t38.seq_number": [str(seq)],
        "t38.type_of_msg": [str(ifp.type_of_msg) for ifp in ifps],
        "t38.t30_indicator": numbers(INDICATOR),
        "t38.t30_data": numbers(DATA),
        "t38.field_data": [ifp.octets[5:].hex() for ifp in ifps if ifp.type_of_msg == DATA],
        "t38.fec_npackets": [] if fec is None else [str(fec.npackets)],
        "_ws.malformed": [],
        "_ws.expert.severity": [],
    }


def test_a_sender_stream_with_redundancy(tshark: str, tmp_path: Path) -> None:
    sender = UdptlSender(redundancy=2)
    frames = [udp_frame(sender.datagram(ifp.octets), 40000, PORT) for ifp in SAMPLE]
    got = dissect(tshark, write_pcap(tmp_path / "stream.pcap", frames))
    want = [
        expected(seq, [SAMPLE[seq], *reversed(SAMPLE[max(0, seq - 2) : seq])])
        for seq in range(len(SAMPLE))
    ]
    assert got == want


def test_random_packets_secondaries_and_fec(tshark: str, tmp_path: Path) -> None:
    rng = random.Random(38)  # fixed: a failure names a reproducible packet
    packets: list[tuple[UdptlPacket, list[Ifp]]] = []
    for _ in range(300):
        ifps = [rng.choice(SAMPLE) for _ in range(rng.randint(1, 5))]
        seq = rng.randrange(65536)
        if rng.random() < 0.2:
            fec = FecInfo(
                rng.randint(0, 300), tuple(rng.randbytes(rng.randint(1, 40)) for _ in ifps)
            )
            packets.append((UdptlPacket(seq, ifps[0].octets, fec=fec), ifps[:1]))
        else:
            packets.append(
                (UdptlPacket(seq, ifps[0].octets, tuple(i.octets for i in ifps[1:])), ifps)
            )
    frames = [udp_frame(encode(packet), 40000, PORT) for packet, _ in packets]
    got = dissect(tshark, write_pcap(tmp_path / "random.pcap", frames))
    assert got == [expected(p.seq, ifps, p.fec) for p, ifps in packets]


def test_tshark_does_flag_a_broken_packet(tshark: str, tmp_path: Path) -> None:
    """The check above can fail: a truncated datagram is reported malformed."""
    good = encode(UdptlPacket(7, SAMPLE[4].octets, (SAMPLE[3].octets,)))
    frames = [udp_frame(good, 40000, PORT), udp_frame(good[:-2], 40000, PORT)]
    got = dissect(tshark, write_pcap(tmp_path / "broken.pcap", frames))
    assert not got[0]["_ws.malformed"]
    assert got[1]["_ws.malformed"] or str(SEVERITY_ERROR) in got[1]["_ws.expert.severity"]
