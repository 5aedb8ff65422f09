"""The sipp far ends meet faxgate's own user agent through Kamailio, as the carrier tests
use them: each answer arrives as the contract says and makes the status the rules say."""

from __future__ import annotations

import asyncio

import pytest

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.useragent import CallFailed, Dialog, IncomingCall, UserAgent
from faxgate.domain.sip_numbers import inbound_candidates
from faxgate.domain.sip_outcome import failed_call_status
from faxgate.domain.statuses import FaxStatus
from tests.sipnet.kamailio import Trunk, kamailio
from tests.sipnet.sipp import AUDIO_PCMU_SDP, RINGING, SippResult, sipp_uac, sipp_uas

pytestmark = pytest.mark.timeout(120)

SESSION = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
AUDIO = SESSION + "m=audio 40000 RTP/AVP 0 8\r\n"
T38 = SESSION + "m=image 40002 udptl t38\r\n"
USERS = {"faxgate": "gw-secret", "caller": "caller-secret"}
OUR_NUMBER = "4930777"


def test_each_far_end_reaches_our_user_agent_as_the_contract_says() -> None:
    with (
        sipp_uas(
            "uas_reject.xml", {"CODE": 486, "REASON": "Busy Here", "RINGING": RINGING}
        ) as busy,
        sipp_uas("uas_reject.xml", {"CODE": 503, "REASON": "Down", "RINGING": ""}) as down,
        sipp_uas("uas_no_answer.xml") as ringing,
        sipp_uas("uas_answer_bye.xml", {"HANGUP_MS": 300}) as hangs_up,
        sipp_uas("uas_answer_silent.xml") as silent,
        kamailio(
            users=USERS,
            aliases={OUR_NUMBER: "faxgate"},
            routes={
                "1": busy.address,
                "2": down.address,
                "3": ringing.address,
                "4": hangs_up.address,
                "5": silent.address,
            },
        ) as trunk,
    ):
        asyncio.run(_calls(trunk))
        for far_end in (busy, down, ringing, hangs_up, silent):
            result = far_end.wait()
            assert result.succeeded, result.output + result.messages


async def _calls(trunk: Trunk) -> None:
    incoming: list[IncomingCall] = []

    async def answer(call: IncomingCall) -> None:
        incoming.append(call)
        dialog = await call.answer(AUDIO)
        await asyncio.wait_for(dialog.terminated.wait(), 10)

    endpoint = SipEndpoint(
        listen_host="127.0.0.1",
        listen_port=0,
        proxy=trunk.address,
        domain=trunk.domain,
        user="faxgate",
        password=USERS["faxgate"],
        register=True,
    )
    ua = UserAgent(endpoint, answer)
    await ua.start()
    try:

        async def call(number: str, ring_timeout: float = 10) -> Dialog | CallFailed:
            return await ua.invite(
                to_user=number, from_user=OUR_NUMBER, sdp=AUDIO, ring_timeout=ring_timeout
            )

        busy = await call("1")
        assert isinstance(busy, CallFailed) and (busy.code, busy.reason) == (486, "Busy Here")
        assert 180 in busy.provisional
        assert failed_call_status(busy.code, busy.cancelled)[0] is FaxStatus.BUSY

        down = await call("2")  # a proxy passes a 503 on as 500
        assert isinstance(down, CallFailed) and down.code == 500
        assert failed_call_status(down.code, down.cancelled)[0] is FaxStatus.DIAL_GF

        unanswered = await call("3", ring_timeout=0.5)
        assert isinstance(unanswered, CallFailed)
        assert (unanswered.code, unanswered.cancelled) == (487, True)
        assert failed_call_status(487, True)[0] is FaxStatus.RING_TO

        hung_up = await call("4")
        assert isinstance(hung_up, Dialog)
        assert await hung_up.reinvite(T38) == (488, None)  # a telephone takes no T.38
        await asyncio.wait_for(hung_up.terminated.wait(), 10)
        assert hung_up.terminated_by_remote

        person = await call("5")
        assert isinstance(person, Dialog) and "PCMU/8000" in person.remote_sdp
        assert await person.reinvite(T38) == (488, None)
        await person.bye()

        loop = asyncio.get_running_loop()
        calling_in = await loop.run_in_executor(None, _call_in, trunk)
        assert calling_in.succeeded, calling_in.output + calling_in.messages
        (call_in,) = incoming
        assert (call_in.request_user, call_in.to_user) == ("faxgate", OUR_NUMBER)
        assert inbound_candidates(call_in.request_user, call_in.to_user)[0] == "00" + OUR_NUMBER
    finally:
        await ua.close()


def _call_in(trunk: Trunk) -> SippResult:
    values = {
        "DOMAIN": trunk.domain,
        "FROM_USER": "4940555",
        "SDP": AUDIO_PCMU_SDP,
        "HOLD_MS": 200,
    }
    with sipp_uac(
        "uac_answered.xml",
        trunk.address,
        values,
        service=OUR_NUMBER,
        user="caller",
        password=USERS["caller"],
    ) as caller:
        return caller.wait()
