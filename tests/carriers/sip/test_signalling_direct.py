"""Two user agents calling each other directly on 127.0.0.1, over UDP and over TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Literal

import pytest

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.useragent import CallFailed, Dialog, IncomingCall, UserAgent

pytestmark = pytest.mark.timeout(60)

Transport = Literal["udp", "tcp"]


def sdp(session: str, media: str) -> str:
    return (
        f"v=0\r\no=- {session} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"{media}\r\n"
    )


AUDIO_A = sdp("1", "m=audio 40000 RTP/AVP 0 8")
AUDIO_B = sdp("2", "m=audio 40002 RTP/AVP 0")
IMAGE_A = sdp("1", "m=image 40004 udptl t38")
IMAGE_B = sdp("2", "m=image 40006 udptl t38")


class Callee:
    """The answering side: what it does with each incoming call is `policy`."""

    def __init__(self, policy: Callable[[IncomingCall], Awaitable[None]]) -> None:
        self.policy = policy
        self.calls: asyncio.Queue[IncomingCall] = asyncio.Queue()

    async def on_invite(self, call: IncomingCall) -> None:
        await self.calls.put(call)
        await self.policy(call)


def endpoint(transport: Transport, domain: str = "127.0.0.1") -> SipEndpoint:
    return SipEndpoint(
        listen_host="127.0.0.1", listen_port=0, proxy=None, domain=domain, transport=transport
    )


@asynccontextmanager
async def two_agents(
    transport: Transport, callee: Callee
) -> AsyncIterator[tuple[UserAgent, UserAgent]]:
    b = UserAgent(endpoint(transport), callee.on_invite)
    await b.start()
    a = UserAgent(endpoint(transport, f"127.0.0.1:{b.port}"))
    await a.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def answer_reinvites(dialog: Dialog, answer: str) -> list[str]:
    offers: list[str] = []

    async def on_reinvite(offer: str) -> tuple[int, str | None]:
        offers.append(offer)
        return 200, answer

    dialog.on_reinvite = on_reinvite
    return offers


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_call_reinvite_either_way_and_bye_either_way(transport: Transport) -> None:
    async def scenario() -> None:
        answered: asyncio.Queue[Dialog] = asyncio.Queue()

        async def answer(call: IncomingCall) -> None:
            await call.ringing()
            await answered.put(await call.answer(AUDIO_B))

        callee = Callee(answer)
        async with two_agents(transport, callee) as (a, _b):
            # The first call: re-INVITEs both ways, glare, BYE from the caller.
            caller = await a.invite(
                to_user="4930123",
                from_user="4940999",
                sdp=AUDIO_A,
                ring_timeout=10,
                headers={"P-Asserted-Identity": "<sip:4940999@127.0.0.1>"},
            )
            assert isinstance(caller, Dialog)
            call = callee.calls.get_nowait()
            assert (call.request_user, call.to_user, call.from_user, call.asserted_user) == (
                "4930123",
                "4930123",
                "4940999",
                "4940999",
            )
            assert call.sdp == AUDIO_A
            answerer = await answered.get()
            assert caller.remote_sdp == AUDIO_B
            offers_to_b = answer_reinvites(answerer, IMAGE_B)
            offers_to_a = answer_reinvites(caller, IMAGE_A)

            assert await caller.reinvite(IMAGE_A) == (200, IMAGE_B)
            assert offers_to_b == [IMAGE_A]
            assert answerer.remote_sdp == IMAGE_A
            assert await answerer.reinvite(AUDIO_B) == (200, IMAGE_A)
            assert offers_to_a == [AUDIO_B]
            glare = await asyncio.gather(caller.reinvite(AUDIO_A), answerer.reinvite(AUDIO_B))
            assert (491, None) in glare

            await caller.bye()
            assert caller.terminated.is_set() and not caller.terminated_by_remote
            await asyncio.wait_for(answerer.terminated.wait(), 5)
            assert answerer.terminated_by_remote

            # The second call: BYE from the callee.
            caller = await a.invite(
                to_user="4930123", from_user="4940999", sdp=AUDIO_A, ring_timeout=10
            )
            assert isinstance(caller, Dialog)
            answerer = await answered.get()
            await answerer.bye()
            await asyncio.wait_for(caller.terminated.wait(), 5)
            assert caller.terminated_by_remote
            await caller.bye()  # idempotent: nothing left to end

    asyncio.run(scenario())


def test_a_reinvite_answered_481_ends_the_dialog_without_a_bye() -> None:
    async def scenario() -> None:
        answered: asyncio.Queue[Dialog] = asyncio.Queue()

        async def answer(call: IncomingCall) -> None:
            await answered.put(await call.answer(AUDIO_B))

        async with two_agents("udp", Callee(answer)) as (a, _b):
            caller = await a.invite(
                to_user="4930123", from_user="4940999", sdp=AUDIO_A, ring_timeout=10
            )
            assert isinstance(caller, Dialog)
            answerer = await answered.get()

            async def no_such_call(offer: str) -> tuple[int, str | None]:
                return 481, None

            answerer.on_reinvite = no_such_call
            assert await caller.reinvite(IMAGE_A) == (481, None)
            assert caller.terminated.is_set() and caller.lost
            await caller.bye()  # nothing to end: the far end has no such call
            await asyncio.sleep(0.5)
            assert not answerer.terminated.is_set()  # so no BYE reached it

    asyncio.run(scenario())


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_ring_timeout_cancels_and_the_callee_sees_it(transport: Transport) -> None:
    async def scenario() -> None:
        async def ring(call: IncomingCall) -> None:
            await call.ringing()
            await call.cancelled.wait()

        callee = Callee(ring)
        async with two_agents(transport, callee) as (a, _b):
            result = await a.invite(to_user="1", from_user="2", sdp=AUDIO_A, ring_timeout=0.5)
            assert isinstance(result, CallFailed)
            assert (result.code, result.cancelled) == (487, True)
            assert result.provisional == (100, 180)
            call = callee.calls.get_nowait()
            assert call.cancelled.is_set()

    asyncio.run(scenario())


def test_cancelling_the_calling_task_cancels_the_call() -> None:
    async def scenario() -> None:
        async def ring(call: IncomingCall) -> None:
            await call.ringing()
            await call.cancelled.wait()

        callee = Callee(ring)
        async with two_agents("udp", callee) as (a, _b):
            calling = asyncio.create_task(
                a.invite(to_user="1", from_user="2", sdp=AUDIO_A, ring_timeout=30)
            )
            call = await asyncio.wait_for(callee.calls.get(), 10)
            calling.cancel()
            with pytest.raises(asyncio.CancelledError):
                await calling
            await asyncio.wait_for(call.cancelled.wait(), 10)

    asyncio.run(scenario())


def test_a_rejected_call_fails_with_the_callees_code() -> None:
    async def scenario() -> None:
        async def busy(call: IncomingCall) -> None:
            await call.reject(486)

        async with two_agents("udp", Callee(busy)) as (a, _b):
            result = await a.invite(to_user="1", from_user="2", sdp=AUDIO_A, ring_timeout=5)
            assert result == CallFailed(486, "Busy Here", False, (100,))

    asyncio.run(scenario())


def test_an_invite_over_tcp_names_tcp_and_carries_the_callers_headers() -> None:
    """The far end here is a plain TCP socket: what the INVITE says is read as sent."""

    async def scenario() -> None:
        received: asyncio.Queue[bytes] = asyncio.Queue()

        async def far_end(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            invite = head + await reader.readexactly(length)
            await received.put(invite)
            lines = invite.decode().split("\r\n")
            copied = [line for line in lines if line.split(":")[0] in ("Via", "From", "Call-ID")]
            to = next(line for line in lines if line.startswith("To:"))
            cseq = next(line for line in lines if line.startswith("CSeq:"))
            busy = "\r\n".join(
                ["SIP/2.0 486 Busy Here", *copied, f"{to};tag=far", cseq, "Content-Length: 0"]
            )
            writer.write(busy.encode() + b"\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")  # the ACK
            writer.close()

        server = await asyncio.start_server(far_end, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        a = UserAgent(endpoint("tcp", f"127.0.0.1:{port}"))
        await a.start()
        try:
            result = await a.invite(
                to_user="4930123",
                from_user="4940999",
                sdp=AUDIO_A,
                ring_timeout=5,
                headers={"P-Asserted-Identity": "<sip:4940999@127.0.0.1>"},
            )
            assert result == CallFailed(486, "Busy Here", False, ())
            invite = (await received.get()).decode()
        finally:
            await a.close()
            server.close()
        head, _, body = invite.partition("\r\n\r\n")
        lines = head.split("\r\n")
        assert lines[0] == f"INVITE sip:4930123@127.0.0.1:{port} SIP/2.0"
        headers = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in lines[1:]}
        assert headers["Via"].startswith(f"SIP/2.0/TCP 127.0.0.1:{a.port};branch=z9hG4bK")
        assert headers["Contact"] == f"<sip:4940999@127.0.0.1:{a.port};transport=tcp>"
        assert headers["From"].startswith(f"<sip:4940999@127.0.0.1:{port}>;tag=")
        assert headers["To"] == f"<sip:4930123@127.0.0.1:{port}>"
        assert headers["Max-Forwards"] == "70"
        assert headers["User-Agent"] == "faxgate"
        assert "INVITE" in headers["Allow"] and "BYE" in headers["Allow"]
        assert headers["P-Asserted-Identity"] == "<sip:4940999@127.0.0.1>"
        assert body == AUDIO_A

    asyncio.run(scenario())
