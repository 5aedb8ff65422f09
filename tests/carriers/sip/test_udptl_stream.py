"""The UDPTL sender and receiver: redundancy added, losses recovered, order restored."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.carriers.sip.udptl import UdptlError, UdptlPacket, decode
from faxgate.carriers.sip.udptl_stream import ReceivedIfp, UdptlReceiver, UdptlSender


def ifp(seq: int) -> bytes:
    return f"ifp {seq}".encode()


def stream(count: int, redundancy: int) -> list[UdptlPacket]:
    sender = UdptlSender(redundancy=redundancy)
    return [decode(sender.datagram(ifp(seq))) for seq in range(count)]


def seqs(items: list[ReceivedIfp]) -> list[int]:
    return [item.seq for item in items]


def test_the_sender_adds_the_previous_ifps_newest_first() -> None:
    packets = stream(5, redundancy=2)
    assert [p.seq for p in packets] == [0, 1, 2, 3, 4]
    assert packets[0].secondaries == ()
    assert packets[1].secondaries == (ifp(0),)
    assert packets[4].secondaries == (ifp(3), ifp(2))


def test_the_sender_drops_the_oldest_secondaries_to_fit_the_datagram() -> None:
    sender = UdptlSender(redundancy=3, max_datagram=40)
    for _seq in range(3):
        sender.datagram(b"x" * 10)
    datagram = sender.datagram(b"y" * 10)
    assert len(datagram) <= 40
    assert decode(datagram).secondaries == (b"x" * 10,) * 2  # three would be 49 octets
    with pytest.raises(UdptlError, match="exceeds T38FaxMaxDatagram 40"):
        sender.datagram(b"z" * 40)


def test_the_sender_numbers_wrap_at_65536() -> None:
    sender = UdptlSender(redundancy=0)
    seqs_sent = [decode(sender.datagram(b"\x00")).seq for _ in range(65538)]
    assert seqs_sent[-3:] == [65535, 0, 1]


def test_a_lost_packet_is_recovered_from_the_next_ones_redundancy() -> None:
    packets = stream(4, redundancy=1)
    receiver = UdptlReceiver()
    assert seqs(receiver.push(packets[0])) == [0]
    got = receiver.push(packets[2])  # 1 is lost
    assert got == [ReceivedIfp(1, ifp(1), recovered=True), ReceivedIfp(2, ifp(2), False)]
    assert seqs(receiver.push(packets[3])) == [3]
    assert (receiver.counts.recovered, receiver.counts.lost) == (1, 0)


def test_two_lost_in_a_row_come_back_from_deeper_redundancy() -> None:
    packets = stream(5, redundancy=3)
    receiver = UdptlReceiver()
    receiver.push(packets[0])
    assert seqs(receiver.push(packets[3])) == [1, 2, 3]
    assert not receiver.waiting


def test_lost_at_the_start_comes_back_from_the_first_arrivals_redundancy() -> None:
    packets = stream(3, redundancy=2)
    receiver = UdptlReceiver()
    assert seqs(receiver.push(packets[2])) == [0, 1, 2]


def test_reordered_packets_are_delivered_in_order() -> None:
    packets = stream(4, redundancy=0)
    receiver = UdptlReceiver()
    receiver.push(packets[0])
    assert receiver.push(packets[2]) == []
    assert receiver.waiting
    assert seqs(receiver.push(packets[1])) == [1, 2]
    assert seqs(receiver.push(packets[3])) == [3]
    assert receiver.counts.recovered == 0


def test_duplicates_and_late_copies_are_dropped() -> None:
    packets = stream(3, redundancy=1)
    receiver = UdptlReceiver()
    receiver.push(packets[0])
    receiver.push(packets[2])  # 1 recovered from it
    assert receiver.push(packets[2]) == []
    assert receiver.push(packets[1]) == []  # the original of the recovered one, late
    assert receiver.push(packets[0]) == []
    assert receiver.counts.stale == 3
    assert receiver.counts.delivered == 3


def test_a_gap_is_held_only_for_the_window_then_given_up() -> None:
    packets = stream(8, redundancy=0)
    receiver = UdptlReceiver(window=4)
    receiver.push(packets[0])
    for seq in (2, 3, 4):  # 1 is lost for good
        assert receiver.push(packets[seq]) == []
    assert seqs(receiver.push(packets[5])) == [2, 3, 4, 5]
    assert receiver.counts.lost == 1


def test_flush_gives_up_the_gaps_and_delivers_what_is_held() -> None:
    packets = stream(6, redundancy=0)
    receiver = UdptlReceiver()
    receiver.push(packets[0])
    receiver.push(packets[3])
    receiver.push(packets[5])
    assert seqs(receiver.flush()) == [3, 5]
    assert receiver.counts.lost == 3  # 1, 2 and 4
    assert not receiver.waiting
    assert receiver.flush() == []
    assert receiver.push(packets[4]) == []  # given up: too late now


def test_a_jump_far_ahead_keeps_the_recoverable_and_costs_no_more_than_the_window() -> None:
    receiver = UdptlReceiver(window=4)
    receiver.push(UdptlPacket(10, b"a"))
    receiver.push(UdptlPacket(12, b"c"))
    far = UdptlPacket(30_000, b"z", (b"y", b"x"))
    got = receiver.push(far)
    assert [(i.seq, i.ifp) for i in got] == [(12, b"c")]
    assert receiver.waiting  # 29998 to 30000 wait for 29997, the one gap the window holds
    assert [(i.seq, i.ifp) for i in receiver.flush()] == [
        (29_998, b"x"),
        (29_999, b"y"),
        (30_000, b"z"),
    ]
    assert receiver.counts.lost == 30_000 - 10 + 1 - 5  # all but 10, 12 and 29998..30000


def test_sequence_numbers_wrap_around() -> None:
    receiver = UdptlReceiver()
    assert seqs(receiver.push(UdptlPacket(65534, b"a"))) == [65534]
    got = receiver.push(UdptlPacket(0, b"c", (b"b", b"a")))  # 65535 lost
    assert seqs(got) == [65535, 0]
    assert seqs(receiver.push(UdptlPacket(1, b"d"))) == [1]
    assert receiver.push(UdptlPacket(65535, b"b")) == []  # behind, across the wrap


@given(
    count=st.integers(1, 60),
    redundancy=st.integers(0, 3),
    data=st.data(),
)
def test_any_loss_duplication_and_local_reordering(
    count: int, redundancy: int, data: st.DataObject
) -> None:
    """In order, each at most once, the right bytes; every packet the redundancy covers."""
    sender = UdptlSender(redundancy=redundancy)
    datagrams = [sender.datagram(ifp(seq)) for seq in range(count)]
    arrived = {0} | {seq for seq in range(1, count) if data.draw(st.booleans(), f"{seq} arrives")}
    jitter = {seq: data.draw(st.integers(0, 2), f"jitter {seq}") for seq in arrived if seq}
    order = sorted(arrived, key=lambda seq: (seq + jitter.get(seq, 0), seq))
    doubled = [seq for seq in order for _ in range(1 + (data.draw(st.booleans()) and seq > 0))]
    receiver = UdptlReceiver(window=8)
    delivered = [item for seq in doubled for item in receiver.push(decode(datagrams[seq]))]
    delivered += receiver.flush()
    got = seqs(delivered)
    assert got == sorted(set(got))
    assert all(item.ifp == ifp(item.seq) for item in delivered)
    covered = {
        seq
        for seq in range(count)
        if seq in arrived or any(later in arrived for later in range(seq + 1, seq + 1 + redundancy))
    }
    assert set(got) == covered
    assert receiver.counts.lost == got[-1] + 1 - len(got)
    # A packet that arrives after its copy came in a later packet counts as recovered too.
    assert receiver.counts.recovered >= len(set(got) - arrived)


def test_window_and_redundancy_are_checked() -> None:
    with pytest.raises(ValueError, match="window"):
        UdptlReceiver(window=0)
    with pytest.raises(ValueError, match="redundancy"):
        UdptlSender(redundancy=17)
