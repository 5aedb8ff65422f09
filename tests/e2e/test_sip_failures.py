"""What a real `faxgate serve` on the SIP carrier makes of a far end that does not take the fax.

The trunk is a real sipp answering as its scenario says (no Kamailio: no registration, no
digest): 486, 404, 480, 503, ringing until our CANCEL, or answering with no fax machine
behind (hanging up, or going deaf to our re-INVITE). For the BYE in the middle of a fax the
far end is a real T.38 receiver of our own (sipp cannot speak T.30). Each case checks the
report's final status and the attempt history: one call per attempt, each with the SIP
answers it got, and as many attempts as the retry rules give
(FAXGATE_RETRY_NO_CONNECT_ATTEMPTS=2: a call that never reached a fax machine is dialled
once more; FAXGATE_RETRY_MID_FAX_ATTEMPTS=2: so is a fax that broke off; a permanent
failure is dialled once).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from faxgate.carriers.sip.calls import OUR_T38, t38_offer
from faxgate.carriers.sip.clock import MediaClock
from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.media import FaxMedia, FaxParty, MediaFacts
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.t38_sdp import negotiate
from faxgate.carriers.sip.useragent import IncomingCall, UserAgent
from faxgate.carriers.spandsp._lib import Library
from tests.documents import job
from tests.e2e.conftest import FaxgateServer, ServerFactory
from tests.e2e.final import final_report
from tests.sipnet.programs import require_spandsp
from tests.sipnet.sipp import RINGING, Sipp, sipp_uas

pytestmark = pytest.mark.parametrize("db_url", [None])  # the line, not the database, is tested

NUMBER = "+4930555999"
RING_SECS = 3
RETRIES = {
    "FAXGATE_RETRY_BACKOFF_SECS": "0.1",
    "FAXGATE_RETRY_NO_CONNECT_ATTEMPTS": "2",
    "FAXGATE_RETRY_MID_FAX_ATTEMPTS": "2",
}


@contextmanager
def far_end(scenario: str, values: Mapping[str, object], calls: int) -> Iterator[Sipp]:
    """A sipp callee taking `calls` calls."""
    with sipp_uas(scenario, values, timeout=120.0, calls=calls) as running:
        yield running


def sip_server(factory: ServerFactory, trunk: tuple[str, int], **env: str) -> FaxgateServer:
    return factory(
        FAXGATE_CARRIER="sip",
        FAXGATE_SIP_LISTEN="127.0.0.1:0",
        FAXGATE_SIP_PROXY=f"{trunk[0]}:{trunk[1]}",
        FAXGATE_SIP_RING_SECS=str(RING_SECS),
        **RETRIES,
        **env,
    )


def send(server: FaxgateServer, pages: int = 1) -> str:
    with server.client() as client:
        sent = client.post(server.fax_url(), json=job(NUMBER, pages=pages))
    assert sent.status_code == 201, sent.text
    job_id: str = sent.json()["jobId"]
    return job_id


def attempts(server: FaxgateServer, job_id: str) -> list[dict[str, Any]]:
    with server.client() as client:
        detail = client.get(f"{server.url}/faxgate/v1/jobs/{job_id}").json()
    calls: list[dict[str, Any]] = detail["attempts"]
    return calls


def reject(code: int, reason: str) -> dict[str, object]:
    return {"CODE": code, "REASON": reason, "RINGING": RINGING}


@dataclass(frozen=True)
class Case:
    scenario: str
    values: dict[str, object]
    status: str  # the report's final status
    finals: list[int]  # the final SIP answer of each call, one call per attempt
    cancelled: bool = False  # our CANCEL ended each call
    reason: str = ""  # in the report's reason
    bye: str | None = None  # an answered call: who ended it ("theirs", "ours")
    reinvites: tuple[int, ...] = ()  # an answered call: the final answers to our re-INVITEs
    extra: dict[str, str] = field(default_factory=dict)


CASES = {
    "busy": Case("uas_reject.xml", reject(486, "Busy Here"), "BUSY", [486, 486], reason="486"),
    "not_found": Case("uas_reject.xml", reject(404, "Not Found"), "WRONG_NO", [404]),
    "unavailable": Case(
        "uas_reject.xml", reject(480, "Temporarily Unavailable"), "RING_TO", [480, 480]
    ),
    "server_failure": Case(
        "uas_reject.xml", reject(503, "Service Unavailable"), "DIAL_GF", [503, 503]
    ),
    "no_answer": Case(
        "uas_no_answer.xml", {}, "RING_TO", [487, 487], cancelled=True, reason="cancelled"
    ),
    # Answered by no fax machine, which hangs up after 4 s (T.30 would wait 35 s for its
    # T1): NOFAX, not dialled again. sipp cannot answer a re-INVITE: G.711 only.
    "silent_hangup": Case(
        "uas_answer_bye.xml",
        {"HANGUP_MS": 4000},
        "NOFAX",
        [200],
        reason="no fax signal",
        bye="theirs",
        extra={"FAXGATE_SIP_T38": "off"},
    ),
    # Answered by no fax machine that then goes deaf: our re-INVITE to T.38 times out
    # (Timer B, 32 s), which ends the dialog (RFC 3261 §12.2.1.2) just before T.30's T1.
    "deaf": Case(
        "uas_answer_deaf.xml",
        {"GONE_MS": 36000},
        "NOFAX",
        [200],
        reason="no fax signal",
        bye="ours",
        reinvites=(408,),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_far_end_without_fax_ends_with_its_status_and_the_retries_of_the_rules(
    faxgate_factory: ServerFactory, name: str
) -> None:
    case = CASES[name]
    with far_end(case.scenario, case.values, calls=len(case.finals)) as trunk:
        server = sip_server(faxgate_factory, trunk.address, **case.extra)
        job_id = send(server)
        report = final_report(server, job_id, within=90)
        result = trunk.wait(30)
    assert result.succeeded, result.output
    [recipient] = report["recipientStatus"]
    assert recipient["status"] == case.status, report
    assert case.reason in recipient["reason"], report
    calls = attempts(server, job_id)
    assert [c["status"] for c in calls] == [case.status] * len(case.finals), calls
    for call, final in zip(calls, case.finals, strict=True):
        details = call["details"]
        assert details["route"] == "trunk"
        [invite] = details["sip"]["invites"]
        assert invite["final"] == final
        if final == 200:  # answered, then the far end hung up without a fax tone
            assert details["completionCode"] == "T30_ERR_CALLDROPPED"
            assert details["sip"]["bye"] == case.bye
            assert [r["final"] for r in details["sip"]["reinvites"]] == list(case.reinvites)
            assert details["media"] == "g711" and call["pagesSent"] == 0
            continue
        assert details["completionCode"] == f"SIP_{final}"
        assert invite["cancelled"] is case.cancelled
        assert 180 in invite["provisional"]
    assert len(result.received(f"INVITE sip:{NUMBER}@")) == len(case.finals)
    if case.bye == "ours":  # also after a re-INVITE timed out: the far end may hold the call
        assert len(result.received("BYE")) == len(case.finals)
    if case.cancelled:
        assert len(result.received("CANCEL")) == len(case.finals)
        assert len(result.received("ACK")) == len(case.finals)  # for each 487


def test_an_answer_with_media_we_cannot_use_is_hung_up_as_nofax(
    faxgate_factory: ServerFactory,
) -> None:
    with far_end("uas_answer_video.xml", {}, calls=1) as trunk:
        server = sip_server(faxgate_factory, trunk.address, FAXGATE_SIP_T38="off")
        job_id = send(server)
        report = final_report(server, job_id, within=60)
        result = trunk.wait(30)
    assert result.succeeded, result.output
    [recipient] = report["recipientStatus"]
    assert recipient["status"] == "NOFAX", report
    assert "media we cannot use" in recipient["reason"], report
    [call] = attempts(server, job_id)
    assert call["details"]["sip"]["bye"] == "ours"
    assert len(result.received("BYE")) == 1


HOST = "127.0.0.1"
FAR_END_PORTS = "30000-39999"  # the serve's media takes its default 40000-49999
FAR_END_CSID = "+49 30 7777"
AFTER_PAGE_SECS = 1.5  # our MCF for the page gets out before the BYE
PAGE_WAIT_STEPS = 1500  # x 0.05 s: a page arrives well within 75 s


class HangingUpReceiver:
    """The far end as a real fax receiver: our own user agent and a spandsp T.38 terminal on
    a loop of their own, answering every call and sending BYE once the first page is in."""

    def __init__(self, lib: Library, scratch: Path) -> None:
        self.lib, self.scratch = lib, scratch
        self.received: list[MediaFacts] = []
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    def __enter__(self) -> HangingUpReceiver:
        self._thread.start()
        assert self._ready.wait(10), "the far end did not start"
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self.clock, self.ports = MediaClock(), PortPool(FAR_END_PORTS)
        endpoint = SipEndpoint(
            listen_host=HOST, listen_port=0, proxy=None, domain=HOST, transport="udp"
        )
        agent = UserAgent(endpoint, self._take)
        await agent.start()
        self.port = agent.port
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await agent.close()

    async def _take(self, call: IncomingCall) -> None:
        offered = t38_offer(call.sdp)
        assert call.sdp is not None and offered is not None, call.sdp
        image = self.scratch / f"received-{len(self.received) + 1}.tif"
        party = FaxParty(calling=False, ident=FAR_END_CSID, receive_file=image)
        media = FaxMedia(self.lib, party, self.ports, HOST, self.clock)
        try:
            dialog = await call.answer(
                media.image_sdp(negotiate(OUR_T38, offered), session_host=HOST)
            )
            media.start_t38(call.sdp)
            running = asyncio.create_task(media.run())
            for _ in range(PAGE_WAIT_STEPS):
                terminal = media.terminal
                if terminal is not None and terminal.result.pages_seen >= 1:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(AFTER_PAGE_SECS)
            await dialog.bye()
            media.hang_up()
            self.received.append(await running)
        finally:
            media.close()


def test_a_bye_mid_fax_ends_the_fax_with_the_pages_that_got_through_and_redials(
    faxgate_factory: ServerFactory, tmp_path: Path
) -> None:
    """A 3-page fax; the far end hangs up after the first page, on each call."""
    with HangingUpReceiver(require_spandsp(), tmp_path) as far_end:
        server = sip_server(faxgate_factory, (HOST, far_end.port), FAXGATE_SIP_T38="direct")
        job_id = send(server, pages=3)
        report = final_report(server, job_id, within=150)
    [recipient] = report["recipientStatus"]
    assert recipient["status"] == "REM_DIS", report
    assert "the far end sent BYE (1 page delivered)" in recipient["reason"], report
    calls = attempts(server, job_id)
    assert len(calls) == 2, calls  # the mid-fax budget: dialled once more
    for call in calls:
        details = call["details"]
        assert call["status"] == "REM_DIS"
        assert details["completionCode"] == "T30_ERR_CALLDROPPED"
        assert details["media"] == "t38" and details["sip"]["bye"] == "theirs"
        assert call["pagesSent"] == 1
        assert call["remoteCsid"] == FAR_END_CSID
    assert [facts.pages for facts in far_end.received] == [1, 1]
