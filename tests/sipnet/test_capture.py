"""The loopback capture of the network tests: it holds a whole call, from the first
packet to the last, and tells well-formed T.38 from malformed."""

from __future__ import annotations

import socket
from pathlib import Path

from faxgate.carriers.sip.udptl import UdptlPacket, encode
from tests.carriers.sip.ifps import CNG, DIS_START
from tests.sipnet.capture import capture
from tests.sipnet.kamailio import kamailio
from tests.sipnet.sipp import AUDIO_PCMU_SDP, sipp_uac, sipp_uas

DOMAIN = "trunk.test"
NUMBER = "4930123456"


def test_a_call_through_the_trunk_is_captured_whole(tmp_path: Path) -> None:
    with (
        sipp_uas("uas_answer_silent.xml") as callee,
        kamailio(users={"caller": "pw"}, routes={NUMBER: callee.address}, domain=DOMAIN) as trunk,
        capture(tmp_path, [trunk.port]) as cap,
        sipp_uac(
            "uac_answered.xml",
            trunk.address,
            {"DOMAIN": DOMAIN, "FROM_USER": "4940555", "SDP": AUDIO_PCMU_SDP, "HOLD_MS": 100},
            service=NUMBER,
            user="caller",
            password="pw",
        ) as caller,
    ):
        assert caller.wait().succeeded
        assert callee.wait().succeeded
    lines = cap.sip_lines()
    assert lines[0] == f"INVITE sip:{NUMBER}@{DOMAIN} SIP/2.0"  # the very first packet
    assert "SIP/2.0 407 Proxy Authentication Required" in lines
    assert lines.count(f"INVITE sip:{NUMBER}@{DOMAIN} SIP/2.0") == 3  # 2 in, 1 relayed
    assert lines[-2:] == ["SIP/2.0 200 OK", "SIP/2.0 200 OK"]  # the BYE's, both hops
    assert cap.malformed() == 0


def test_udptl_is_read_as_t38_and_malformed_datagrams_are_counted(tmp_path: Path) -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver,
    ):
        receiver.bind(("127.0.0.1", 0))
        port = receiver.getsockname()[1]
        with capture(tmp_path, [port], udptl_ports=[port]) as cap:
            sender.sendto(encode(UdptlPacket(0, CNG.octets)), ("127.0.0.1", port))
            sender.sendto(encode(UdptlPacket(1, DIS_START.octets)), ("127.0.0.1", port))
            sender.sendto(b"\x00\x02\xff\xff", ("127.0.0.1", port))  # a length past the end
    frames = cap.dissect(["t38.seq_number", "t38.type_of_msg"])
    assert [f["t38.seq_number"] for f in frames] == [["0"], ["1"], ["2"]]
    assert cap.malformed() == 1
    assert cap.malformed("t38.seq_number <= 1") == 0
