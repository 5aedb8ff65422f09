"""A fax arriving over SIP while `faxgate serve` is stopped (SIGTERM) is not lost: the line
hangs up and the pages that arrived reach Fax-In before the process ends."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from faxgate.carriers.sip.calls import OUR_T38
from faxgate.carriers.sip.clock import MediaClock
from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.media import FaxMedia, FaxParty
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.useragent import Dialog, UserAgent
from tests.carriers.conftest import draw_pages, write_tiff
from tests.e2e.conftest import FaxgateServer, ServerFactory, run_cli
from tests.sipnet.ports import free_port
from tests.sipnet.programs import require_spandsp

pytestmark = pytest.mark.parametrize("db_url", [None])

HOST = "127.0.0.1"
NUMBER, TOPIC, TOPIC_PASSWORD = "+4930555444", "in", "in-pw"
CALLER_PORTS = "20000-29999"  # the serve's media takes its default 40000-49999
PAGE_WAIT_SECS = 90.0


def _receiver(factory: ServerFactory, sip_port: int) -> FaxgateServer:
    server = factory(
        start=False,
        FAXGATE_CARRIER="sip",
        FAXGATE_SIP_LISTEN=f"{HOST}:{sip_port}",
        FAXGATE_SIP_DOMAIN="trunk.test",
        FAXGATE_SIP_T38="direct",
    )
    added = run_cli(
        "inbound", "add", "--cust-nr", server.cust_nr, "--number", NUMBER, "--topic", TOPIC,
        "--password", TOPIC_PASSWORD, *server.store_args(), env=server.env,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    server.start()
    return server


async def _send_until_stopped(server: FaxgateServer, sip_port: int, document: Path) -> int:
    """Call the receiver with a 3-page fax over T.38 and stop it once the first page is
    confirmed; the pages our terminal saw confirmed."""
    lib, clock = require_spandsp(), MediaClock()
    endpoint = SipEndpoint(HOST, 0, proxy=(HOST, sip_port), domain="trunk.test")
    agent = UserAgent(endpoint)
    await agent.start()
    party = FaxParty(calling=True, ident="+49 30 1111", send_file=document)
    media = FaxMedia(lib, party, PortPool(CALLER_PORTS), HOST, clock)
    try:
        answer = await agent.invite(
            to_user=NUMBER,
            from_user="+49301111",
            sdp=media.image_sdp(OUR_T38, session_host=HOST),
            ring_timeout=10,
        )
        assert isinstance(answer, Dialog), answer
        media.start_t38(answer.remote_sdp)
        running = asyncio.create_task(media.run())
        deadline = time.monotonic() + PAGE_WAIT_SECS
        while media.terminal is None or media.terminal.result.pages_seen < 1:
            assert time.monotonic() < deadline, "no page went through"
            await asyncio.sleep(0.05)
        await asyncio.to_thread(server.stop)  # SIGTERM, and wait for the process to end
        assert answer.terminated.is_set() and answer.terminated_by_remote
        media.hang_up()
        facts = await running
        return facts.pages
    finally:
        media.close()
        await agent.close()


def test_a_fax_arriving_at_shutdown_reaches_fax_in(
    faxgate_factory: ServerFactory, tmp_path: Path
) -> None:
    sip_port = free_port()
    server = _receiver(faxgate_factory, sip_port)
    document = write_tiff(tmp_path / "three.tif", draw_pages(3))
    sent = asyncio.run(_send_until_stopped(server, sip_port, document))
    assert 1 <= sent < 3
    server.start()  # the same data: what was received before the stop
    with httpx.Client(auth=(server.cust_nr, TOPIC_PASSWORD), timeout=30) as client:
        polled = client.post(f"{server.url}/faxin/rest/v1/topics/{TOPIC}?fetch=10")
    results: list[dict[str, Any]] = polled.json()["results"]
    assert len(results) == 1, results
    [fax] = results
    assert fax["pages"] >= sent  # the receiver may have the next page's start as well
    assert fax["status"] != "OK"
