"""Hostile and broken input to a live user agent: every datagram is answered 400 or dropped
(and counted), an oversized TCP message costs the sender its connection, and afterwards the
user agent still takes a normal call."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.transaction import MAX_SERVER_TRANSACTIONS
from faxgate.carriers.sip.useragent import Dialog, IncomingCall, UserAgent

pytestmark = pytest.mark.timeout(300)

T = TypeVar("T")
SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\n"
)
SETTLE_SECS = 10.0  # upper bound for the user agent to take in one datagram


def invite(port: int, branch: str = "z9hG4bKmalformed") -> bytes:
    return (
        f"INVITE sip:1@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;branch={branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:2@127.0.0.1>;tag=abc\r\n"
        f"To: <sip:1@127.0.0.1:{port}>\r\n"
        "Call-ID: malformed@127.0.0.1\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:2@127.0.0.1:9>\r\n"
        "Content-Type: application/sdp\r\n"
        f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
    ).encode()


class LiveAgent:
    """A user agent answering every call, on its own loop in a thread like the carrier's."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ua = UserAgent(SipEndpoint("127.0.0.1", 0, None, "127.0.0.1"), self._answer)
        self.run(self.ua.start())
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(SETTLE_SECS)

    async def _answer(self, call: IncomingCall) -> None:
        await call.answer(SDP)

    def run(self, coro: Coroutine[object, object, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def close(self) -> None:
        self.run(self.ua.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.sock.close()

    def send_and_judge(self, datagram: bytes) -> str:
        """Send one bad datagram; "400" when it was answered 400, "dropped" when dropped."""
        before = (self.ua.malformed, self.ua.dropped)
        self.sock.sendto(datagram, ("127.0.0.1", self.ua.port))
        deadline = time.monotonic() + SETTLE_SECS
        while (self.ua.malformed, self.ua.dropped) == before:
            assert time.monotonic() < deadline, f"neither answered nor dropped: {datagram[:80]!r}"
            time.sleep(0.0005)
        if self.ua.malformed == before[0]:
            return "dropped"
        response = self.sock.recv(65536)
        assert response.startswith(b"SIP/2.0 400 "), response[:80]
        return "400"


@pytest.fixture(scope="module")
def live() -> Iterator[LiveAgent]:
    agent = LiveAgent()
    yield agent
    agent.close()


def a_normal_call_still_works(live: LiveAgent) -> None:
    async def call() -> None:
        caller = UserAgent(SipEndpoint("127.0.0.1", 0, None, f"127.0.0.1:{live.ua.port}"))
        await caller.start()
        try:
            dialog = await caller.invite(to_user="1", from_user="2", sdp=SDP, ring_timeout=10)
            assert isinstance(dialog, Dialog)
            await dialog.bye()
        finally:
            await caller.close()

    live.run(call())


def test_every_truncation_of_an_invite_is_answered_400_or_dropped(live: LiveAgent) -> None:
    whole = invite(live.ua.port)
    verdicts = [live.send_and_judge(whole[:length]) for length in range(1, len(whole))]
    assert "400" in verdicts  # those that kept Via, CSeq, Call-ID, From and To
    assert "dropped" in verdicts
    a_normal_call_still_works(live)


def test_broken_fields_are_answered_400(live: LiveAgent) -> None:
    whole = invite(live.ua.port).decode()
    broken = [
        whole.replace("CSeq: 1 INVITE", "CSeq: 1 BYE"),
        whole.replace("CSeq: 1 INVITE", "CSeq: 4294967296 INVITE"),
        whole.replace(f"Content-Length: {len(SDP)}", "Content-Length: many"),
        whole.replace(f"Content-Length: {len(SDP)}", f"Content-Length: {len(SDP) + 1}"),
        whole.replace("SIP/2.0\r\n", "SIP/3.0\r\n", 1),
        whole.replace("Call-ID: malformed@127.0.0.1\r\n", "Call-ID: a\r\nCall-ID: b\r\n"),
    ]
    assert [live.send_and_judge(text.encode()) for text in broken] == ["400"] * len(broken)
    too_many_headers = whole.replace("Max-Forwards: 70\r\n", "Subject: x\r\n" * 150)
    assert live.send_and_judge(too_many_headers.encode()) == "dropped"
    a_normal_call_still_works(live)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=3000))
def test_random_bytes_are_dropped_or_answered_400(live: LiveAgent, datagram: bytes) -> None:
    assume(datagram.strip())  # whitespace alone is a keep-alive
    assert live.send_and_judge(datagram) in ("400", "dropped")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.sampled_from(["Via", "CSeq", "From", "To", "Call-ID"]))
def test_a_garbled_header_is_dropped_or_answered_400(
    live: LiveAgent, garbage: str, header: str
) -> None:
    lines = invite(live.ua.port).decode().split("\r\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{header}:"))
    lines[index] = garbage.replace("\r", "").replace("\n", "").replace(":", "")
    assert live.send_and_judge("\r\n".join(lines).encode("utf-8", "surrogatepass")) in (
        "400",
        "dropped",
    )


def test_an_oversized_tcp_message_closes_the_connection(live: LiveAgent) -> None:
    for head in (
        invite(live.ua.port).split(b"Content-Length")[0] + b"Content-Length: 9999999\r\n\r\n",
        b"INVITE sip:1@127.0.0.1 SIP/2.0\r\n" + b"X-Junk: " + b"y" * 70000 + b"\r\n",
        b"INVITE sip:1@127.0.0.1 SIP/2.0\r\n" + b"X-Junk: y\r\n" * 200,
    ):
        before = live.ua.dropped
        with socket.create_connection(("127.0.0.1", live.ua.port), timeout=SETTLE_SECS) as conn:
            try:
                conn.sendall(head)
                assert conn.recv(100) == b""  # closed by the user agent, unanswered
            except ConnectionResetError:
                pass  # closed while we were still sending
        assert live.ua.dropped == before + 1
    a_normal_call_still_works(live)


def test_options_is_answered_200_and_a_bye_outside_a_dialog_481(live: LiveAgent) -> None:
    whole = invite(live.ua.port, "z9hG4bKoptions").decode()
    options = whole.split("Contact:")[0].replace("INVITE", "OPTIONS") + "Content-Length: 0\r\n\r\n"
    live.sock.sendto(options.encode(), ("127.0.0.1", live.ua.port))
    assert live.sock.recv(65536).startswith(b"SIP/2.0 200 ")
    bye = options.replace("OPTIONS", "BYE").replace("z9hG4bKoptions", "z9hG4bKbye")
    bye = bye.replace(f"To: <sip:1@127.0.0.1:{live.ua.port}>", "To: <sip:1@127.0.0.1>;tag=gone")
    live.sock.sendto(bye.encode(), ("127.0.0.1", live.ua.port))
    assert live.sock.recv(65536).startswith(b"SIP/2.0 481 ")


def test_over_the_cap_of_live_transactions_an_invite_is_answered_503() -> None:
    """INVITEs that nobody answers pile up to the cap; the next one gets 503 at once."""

    async def scenario() -> None:
        release = asyncio.Event()

        async def never_answer(call: IncomingCall) -> None:
            await release.wait()

        ua = UserAgent(SipEndpoint("127.0.0.1", 0, None, "127.0.0.1"), never_answer)
        await ua.start()
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        try:
            for n in range(MAX_SERVER_TRANSACTIONS + 1):
                datagram = invite(ua.port, f"z9hG4bKflood{n}").replace(
                    b"Call-ID: malformed@", f"Call-ID: flood{n}@".encode()
                )
                await loop.sock_sendto(sock, datagram, ("127.0.0.1", ua.port))
                answer = await asyncio.wait_for(loop.sock_recv(sock, 65536), SETTLE_SECS)
                expected = b"SIP/2.0 100 " if n < MAX_SERVER_TRANSACTIONS else b"SIP/2.0 503 "
                assert answer.startswith(expected), (n, answer[:40])
        finally:
            release.set()
            sock.close()
            await ua.close()

    asyncio.run(scenario())
