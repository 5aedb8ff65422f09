"""Calls a real `faxgate serve` on the SIP carrier refuses, and input it must survive.

sipp calls the serve's SIP port directly (no proxy): a number that is not ours gets 404,
an offer without G.711 or T.38 488, a call while the only channel is taken 486, a call
cancelled before the answer 487. Broken SIP (hypothesis-generated and truncated datagrams,
an oversized TCP message) is answered 400 or dropped, and afterwards the carrier still
answers calls and the API its health check.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import FaxgateServer, ServerFactory, run_cli
from tests.sipnet.ports import free_port
from tests.sipnet.sipp import AUDIO_PCMU_SDP, VIDEO_ONLY_SDP, Sipp, sipp_uac

pytestmark = pytest.mark.parametrize("db_url", [None])  # the line, not the database, is tested

HOST = "127.0.0.1"
NUMBER = "+4930555444"  # the serve's inbound number
STRANGER = "+4930555000"  # not ours
CALLER = "+4940777888"
TOPIC, TOPIC_PASSWORD = "inbound", "inbound-pw"
HOLD_MS = 5000  # the call that takes the only channel
PING_SECS = 0.5
BATCH = 20  # datagrams sent before an OPTIONS shows they were all taken in
MAX_RESPONSES = 100  # answers to one batch


def inbound_server(factory: ServerFactory) -> tuple[FaxgateServer, int]:
    """A serve with one channel and the inbound number NUMBER; returns it and its SIP port."""
    port = free_port(HOST)
    server = factory(
        start=False,
        FAXGATE_CARRIER="sip",
        FAXGATE_SIP_LISTEN=f"{HOST}:{port}",
        FAXGATE_SIP_DOMAIN=HOST,
        FAXGATE_SIP_CHANNELS="1",
    )
    added = run_cli(
        "inbound", "add", "--cust-nr", server.cust_nr, "--number", NUMBER,
        "--topic", TOPIC, "--password", TOPIC_PASSWORD, *server.store_args(), env=server.env,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    server.start()
    return server, port


@contextmanager
def calling(scenario: str, port: int, to: str, **values: object) -> Iterator[Sipp]:
    values = {"DOMAIN": HOST, "FROM_USER": CALLER, "SDP": AUDIO_PCMU_SDP, **values}
    with sipp_uac(
        scenario, (HOST, port), values, service=to, user=CALLER, password="unused", timeout=20
    ) as call:
        yield call


def answered_as_expected(scenario: str, port: int, to: str, **values: object) -> None:
    with calling(scenario, port, to, **values) as call:
        result = call.wait()
    assert result.succeeded, result.output + result.messages


def await_reinvite(held: Sipp, within: float = 10.0) -> None:
    """Until the serve has answered the held call (its re-INVITE to T.38 follows the ACK)."""
    deadline = time.monotonic() + within
    while "INVITE sip:" not in _received_requests(held):
        assert held.process.poll() is None, "the held call ended early"
        assert time.monotonic() < deadline, "the held call was not answered"
        time.sleep(0.05)


def _received_requests(sipp: Sipp) -> str:
    log = sipp.workdir / "messages.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return "".join(part for part in text.split("UDP message received")[1:])


def test_calls_are_refused_with_the_sip_answer_that_says_why(
    faxgate_factory: ServerFactory,
) -> None:
    server, port = inbound_server(faxgate_factory)
    answered_as_expected("uac_direct_rejected.xml", port, STRANGER, CODE=404)
    answered_as_expected("uac_direct_rejected.xml", port, NUMBER, CODE=488, SDP=VIDEO_ONLY_SDP)
    with calling("uac_direct_held.xml", port, NUMBER, HOLD_MS=HOLD_MS) as held:
        await_reinvite(held)
        answered_as_expected("uac_direct_rejected.xml", port, NUMBER, CODE=486)
        result = held.wait()
    assert result.succeeded, result.output + result.messages
    # The carrier answers as soon as it has looked the number up (no 180): sipp's CANCEL,
    # sent the moment the 100 Trying arrives, reaches it during that look-up.
    answered_as_expected("uac_direct_cancel.xml", port, NUMBER)
    assert httpx.get(f"{server.url}/faxgate/v1/health", timeout=10).status_code == 200


def invite(port: int) -> bytes:
    sdp = AUDIO_PCMU_SDP.replace("[media_ip]", HOST).replace("[media_port]", "40000")
    body = sdp.replace("\n", "\r\n") + "\r\n"
    return (
        f"INVITE sip:{NUMBER}@{HOST}:{port} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbroken;rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:{CALLER}@{HOST}>;tag=broken\r\n"
        f"To: <sip:{NUMBER}@{HOST}>\r\n"
        "Call-ID: broken@127.0.0.1\r\n"
        "CSeq: 1 INVITE\r\n"
        f"Contact: <sip:{CALLER}@127.0.0.1:9>\r\n"
        "Content-Type: application/sdp\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def options(port: int, branch: str) -> bytes:
    request = invite(port).split(b"Contact:")[0].replace(b"INVITE", b"OPTIONS")
    return request.replace(b"z9hG4bKbroken", branch.encode()) + b"Content-Length: 0\r\n\r\n"


def await_sip(sock: socket.socket, port: int, within: float = 30.0) -> None:
    """Until the serve's SIP line answers OPTIONS: it starts after the API is healthy."""
    deadline = time.monotonic() + within
    for attempt in range(int(within / PING_SECS) + 1):
        try:
            ping(sock, port, f"z9hG4bKstart{attempt}", PING_SECS)
            return
        except TimeoutError:
            assert time.monotonic() < deadline, "the SIP line does not answer"
    raise AssertionError("the SIP line does not answer")


def ping(sock: socket.socket, port: int, branch: str, within: float) -> list[bytes]:
    """OPTIONS, and every datagram that comes back until its 200: the serve has taken in
    all that was sent before (one reader, loopback keeps the order)."""
    sock.sendto(options(port, branch), (HOST, port))
    sock.settimeout(within)
    got: list[bytes] = []
    for _ in range(MAX_RESPONSES):
        answer = sock.recv(65536)
        if answer.startswith(b"SIP/2.0 200 ") and branch.encode() in answer:
            return got
        if b"z9hG4bKstart" not in answer:  # late answers to the start-up pings
            got.append(answer)
    raise AssertionError(f"more than {MAX_RESPONSES} answers")


def fire(sock: socket.socket, port: int, datagrams: list[bytes]) -> list[bytes]:
    """Send `datagrams` in batches the serve's socket buffer holds; what came back."""
    got: list[bytes] = []
    for start in range(0, len(datagrams), BATCH):
        for datagram in datagrams[start : start + BATCH]:
            sock.sendto(datagram, (HOST, port))
        got += ping(sock, port, f"z9hG4bKping{start}", within=10.0)
    return got


def oversized_over_tcp(port: int, head: bytes) -> bytes:
    """What the serve answers a message over its size limit: nothing, the connection closes."""
    with socket.create_connection((HOST, port), timeout=10) as conn:
        try:
            conn.sendall(head)
            return conn.recv(100)
        except ConnectionResetError:
            return b""  # closed while we were still sending


def test_broken_sip_is_answered_400_or_dropped_and_calls_go_on(
    faxgate_factory: ServerFactory,
) -> None:
    server, port = inbound_server(faxgate_factory)
    whole = invite(port)
    generated: list[bytes] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.binary(min_size=1, max_size=3000))
    def generate(datagram: bytes) -> None:
        generated.append(datagram)

    generate()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        await_sip(sock, port)
        truncated = fire(sock, port, [whole[:length] for length in range(1, len(whole))])
        random = fire(sock, port, generated)
    assert truncated, "no truncation kept Via, CSeq, Call-ID, From and To"
    for answer in truncated + random:
        assert answer.startswith(b"SIP/2.0 400 "), answer[:200]
    head = whole.split(b"Content-Length")[0]
    assert oversized_over_tcp(port, head + b"Content-Length: 9999999\r\n\r\n") == b""
    assert oversized_over_tcp(port, head + b"X-Junk: " + b"y" * 70000 + b"\r\n") == b""
    # The carrier is alive: a call to a stranger is refused, one to our number answered.
    answered_as_expected("uac_direct_rejected.xml", port, STRANGER, CODE=404)
    answered_as_expected("uac_direct_held.xml", port, NUMBER, HOLD_MS=500)
    assert httpx.get(f"{server.url}/faxgate/v1/health", timeout=10).status_code == 200
