"""Two user agents through a real Kamailio as the trunk: both REGISTER (401 digest), the
caller's INVITE is challenged (407), re-INVITEs and BYEs pass the proxy by Record-Route, a
call that rings too long is CANCELled through it."""

from __future__ import annotations

import asyncio
from typing import Literal

import pytest

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.useragent import CallFailed, Dialog, IncomingCall, UserAgent
from tests.sipnet.kamailio import Trunk, kamailio

pytestmark = pytest.mark.timeout(120)

# A name, not 127.0.0.1: Kamailio takes its alias for every port of that host as itself,
# and would then treat our contacts on 127.0.0.1 as its own addresses.
DOMAIN = "trunk.test"
RINGS_ONLY = "4930124"  # a number of the callee that rings until the caller gives up

AUDIO = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
OFFER = AUDIO + "m=audio 40000 RTP/AVP 0 8\r\n"
ANSWER = AUDIO + "m=audio 40002 RTP/AVP 8\r\n"
T38_OFFER = AUDIO + "m=image 40004 udptl t38\r\n"
T38_ANSWER = AUDIO + "m=image 40006 udptl t38\r\n"


def account(trunk: Trunk, user: str, transport: Literal["udp", "tcp"]) -> SipEndpoint:
    return SipEndpoint(
        listen_host="127.0.0.1",
        listen_port=0,
        proxy=trunk.address,
        domain=trunk.domain,
        transport=transport,
        user=user,
        password=f"secret-{user}",
        register=True,
    )


async def accept_t38(offer: str) -> tuple[int, str | None]:
    return (200, T38_ANSWER) if "udptl" in offer else (200, ANSWER)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_register_call_reinvite_and_bye_through_the_proxy(
    transport: Literal["udp", "tcp"],
) -> None:
    users = {"faxa": "secret-faxa", "faxb": "secret-faxb"}
    with kamailio(
        users=users, aliases={"4930123": "faxb", RINGS_ONLY: "faxb"}, domain=DOMAIN
    ) as trunk:

        async def scenario() -> None:
            incoming: asyncio.Queue[tuple[IncomingCall, Dialog]] = asyncio.Queue()
            cancelled: asyncio.Queue[IncomingCall] = asyncio.Queue()

            async def answer(call: IncomingCall) -> None:
                await call.ringing()
                if call.to_user == RINGS_ONLY:
                    await call.cancelled.wait()
                    await cancelled.put(call)
                    return
                dialog = await call.answer(ANSWER)
                dialog.on_reinvite = accept_t38
                await incoming.put((call, dialog))

            b = UserAgent(account(trunk, "faxb", transport), answer)
            await b.start()
            a = UserAgent(account(trunk, "faxa", transport))
            await a.start()
            try:
                caller = await a.invite(
                    to_user="4930123",
                    from_user="faxa",
                    sdp=OFFER,
                    ring_timeout=10,
                    headers={"P-Asserted-Identity": f"<sip:faxa@{trunk.domain}>"},
                )
                assert isinstance(caller, Dialog), caller
                call, answerer = await asyncio.wait_for(incoming.get(), 10)
                assert (call.to_user, call.request_user, call.from_user) == (
                    "4930123",
                    "faxb",  # the proxy sent it to our registered contact
                    "faxa",
                )
                assert call.asserted_user == "faxa"
                assert caller.remote_sdp == ANSWER
                assert caller.remote_target == trunk.address  # the proxy record-routed
                assert answerer.remote_target == trunk.address

                assert await caller.reinvite(T38_OFFER) == (200, T38_ANSWER)
                caller.on_reinvite = accept_t38
                assert await answerer.reinvite(T38_OFFER) == (200, T38_ANSWER)
                assert caller.remote_sdp == T38_OFFER

                await answerer.bye()
                await asyncio.wait_for(caller.terminated.wait(), 10)
                assert caller.terminated_by_remote

                ringing = await a.invite(
                    to_user=RINGS_ONLY, from_user="faxa", sdp=OFFER, ring_timeout=0.5
                )
                assert isinstance(ringing, CallFailed), ringing
                assert (ringing.code, ringing.cancelled) == (487, True)
                assert 180 in ringing.provisional
                await asyncio.wait_for(cancelled.get(), 10)

                unknown = await a.invite(to_user="999", from_user="faxa", sdp=OFFER, ring_timeout=5)
                assert isinstance(unknown, CallFailed) and unknown.code == 480
            finally:
                await a.close()
                await b.close()

        asyncio.run(scenario())
