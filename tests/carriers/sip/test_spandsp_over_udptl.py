"""A real T.30 fax between two spandsp T.38 terminals, its IFPs carried in our UDPTL.

One datagram in four is lost on each direction; with two redundant IFPs per packet the
receiver recovers every one and the fax ends OK. The datagrams both sides sent are then
a real capture for tshark: nothing malformed, every sequence number in turn.
(tests/carriers/conftest.py skips this module when libspandsp is missing.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from faxgate.carriers.sip.udptl import decode
from faxgate.carriers.sip.udptl_stream import UdptlReceiver, UdptlSender
from faxgate.carriers.spandsp._lib import BLOCK, SAMPLE_RATE, load
from faxgate.carriers.spandsp.terminal import Capabilities, Terminal, ifp_buffer
from tests.carriers.sip.dissect import PORT, dissect
from tests.carriers.sip.pcap import udp_frame, write_pcap

T30_ERR_OK = 0
MAX_LINE_SECONDS = 300


@dataclass
class Link:
    """One direction: IFPs out of one terminal, through UDPTL and loss, into the other."""

    source: list[bytes]
    destination: Terminal
    sender: UdptlSender
    receiver: UdptlReceiver = field(default_factory=UdptlReceiver)
    sent: list[bytes] = field(default_factory=list)

    def carry(self, lose: Callable[[int], bool]) -> None:
        dll = self.destination.lib.dll
        for ifp in self.source:
            datagram = self.sender.datagram(ifp)
            self.sent.append(datagram)
            if lose(len(self.sent)):
                continue
            for item in self.receiver.push(decode(datagram)):
                core = self.destination.core
                dll.t38_core_rx_ifp_packet(core, ifp_buffer(item.ifp), len(item.ifp), item.seq)
        self.source.clear()


def test_a_fax_survives_a_lossy_line_through_redundancy(
    make_tiff: Callable[..., Path], tmp_path: Path, tshark: str
) -> None:
    lib = load()
    document = make_tiff(pages=2)
    to_receiver: list[bytes] = []
    to_sender: list[bytes] = []
    sender = Terminal(
        lib, tag="TX", calling=True, ident="+49301111", caps=Capabilities(), t38_out=to_receiver
    )
    receiver = Terminal(
        lib, tag="RX", calling=False, ident="+49302222", caps=Capabilities(), t38_out=to_sender
    )
    try:
        sender.send_file(document)
        receiver.receive_file(tmp_path / "received.tif")
        links = [
            Link(to_receiver, receiver, UdptlSender(redundancy=2)),
            Link(to_sender, sender, UdptlSender(redundancy=2)),
        ]
        dll = lib.dll
        for _ in range(MAX_LINE_SECONDS * SAMPLE_RATE // BLOCK):
            dll.t38_terminal_send_timeout(sender.state, BLOCK)
            dll.t38_terminal_send_timeout(receiver.state, BLOCK)
            for link in links:
                link.carry(lambda n: n % 4 == 0)
            if sender.done and receiver.done:
                break
        assert (sender.result.completion_code, receiver.result.completion_code) == (
            T30_ERR_OK,
            T30_ERR_OK,
        )
        assert receiver.stats().pages_rx == 2
        for link in links:
            counts = link.receiver.counts
            assert counts.recovered == len(link.sent) // 4 > 0
            assert (counts.lost, counts.stale) == (0, 0)
            assert counts.delivered == len(link.sent)
    finally:
        sender.free()
        receiver.free()

    frames = [udp_frame(d, 40000, PORT) for d in links[0].sent]
    frames += [udp_frame(d, 40004, PORT) for d in links[1].sent]
    dissected = dissect(tshark, write_pcap(tmp_path / "fax.pcap", frames))
    assert len(dissected) == len(links[0].sent) + len(links[1].sent)
    assert not [f for f in dissected if f["_ws.malformed"] or f["_ws.expert.severity"]]
    seq_numbers = [int(f["t38.seq_number"][0]) for f in dissected]
    assert seq_numbers == [*range(len(links[0].sent)), *range(len(links[1].sent))]
    # Every packet but the first of each direction carries its predecessors again.
    assert all(len(f["t38.type_of_msg"]) >= 2 for n, f in enumerate(dissected) if seq_numbers[n])
