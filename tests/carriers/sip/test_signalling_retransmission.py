"""A lost UDP datagram is made good by retransmission: a real relay between two user agents
drops the first INVITE and the first 200 OK."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.useragent import CallFailed, Dialog, IncomingCall, UserAgent

pytestmark = pytest.mark.timeout(60)

OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\n"
)
ANSWER = OFFER.replace("40000", "40002")


class LossyRelay(asyncio.DatagramProtocol):
    """Forwards datagrams from the caller to the callee and back, dropping the first one
    that starts with each of `drop_first`."""

    def __init__(self, callee: tuple[str, int], drop_first: list[bytes]) -> None:
        self.callee = callee
        self.caller: tuple[str, int] | None = None
        self.to_drop = list(drop_first)
        self.seen: list[bytes] = []  # the start line of every datagram, in order
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.seen.append(data.split(b"\r\n", 1)[0])
        for prefix in self.to_drop:
            if data.startswith(prefix):
                self.to_drop.remove(prefix)
                return
        if addr == self.callee:
            if self.caller is not None:
                self.transport.sendto(data, self.caller)
        else:
            self.caller = addr
            self.transport.sendto(data, self.callee)


def test_a_lost_invite_and_a_lost_200_are_retransmitted() -> None:
    async def scenario() -> None:
        answered: asyncio.Queue[Dialog] = asyncio.Queue()

        async def answer(call: IncomingCall) -> None:
            await answered.put(await call.answer(ANSWER))

        b = UserAgent(SipEndpoint("127.0.0.1", 0, None, "127.0.0.1"), answer)
        await b.start()
        relay_transport, relay = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: LossyRelay(("127.0.0.1", b.port), [b"INVITE ", b"SIP/2.0 200 "]),
            local_addr=("127.0.0.1", 0),
        )
        relay_port = relay_transport.get_extra_info("sockname")[1]
        a = UserAgent(SipEndpoint("127.0.0.1", 0, None, f"127.0.0.1:{relay_port}"))
        await a.start()
        try:
            dialog = await a.invite(to_user="1", from_user="2", sdp=OFFER, ring_timeout=10)
            assert isinstance(dialog, Dialog)
            assert dialog.remote_sdp == ANSWER
            answerer = await asyncio.wait_for(answered.get(), 10)
            invites = [line for line in relay.seen if line.startswith(b"INVITE ")]
            oks = [line for line in relay.seen if line.startswith(b"SIP/2.0 200 ")]
            assert len(invites) == 2  # the first was lost, Timer A sent it again
            assert len(oks) >= 2  # the first was lost, the callee sent it again until the ACK
            await dialog.bye()
            await asyncio.wait_for(answerer.terminated.wait(), 5)
        finally:
            await a.close()
            await b.close()
            relay_transport.close()

    asyncio.run(scenario())


class Silent(asyncio.DatagramProtocol):
    """A far end that takes every datagram in and answers none."""

    def __init__(self) -> None:
        self.start_lines: list[bytes] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.start_lines.append(data.split(b"\r\n", 1)[0])


@pytest.mark.timeout(90)
def test_without_any_answer_the_invite_is_resent_until_timer_b_and_fails_408() -> None:
    """No provisional answer, so the ring timeout must not CANCEL (RFC 3261 §9.1)."""

    async def scenario() -> None:
        silent_transport, silent = await asyncio.get_running_loop().create_datagram_endpoint(
            Silent, local_addr=("127.0.0.1", 0)
        )
        port = silent_transport.get_extra_info("sockname")[1]
        a = UserAgent(SipEndpoint("127.0.0.1", 0, None, f"127.0.0.1:{port}"))
        await a.start()
        try:
            result = await a.invite(to_user="1", from_user="2", sdp=OFFER, ring_timeout=1)
        finally:
            await a.close()
            silent_transport.close()
        assert isinstance(result, CallFailed)
        assert (result.code, result.cancelled, result.provisional) == (408, False, ())
        assert len(silent.start_lines) > 2  # Timer A resent it
        assert all(line.startswith(b"INVITE ") for line in silent.start_lines)  # no CANCEL

    asyncio.run(scenario())
