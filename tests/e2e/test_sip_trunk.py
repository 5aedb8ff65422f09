"""Faxes between real `faxgate serve` instances over a SIP trunk: a real Kamailio registrar
and proxy with digest authentication between them, real T.38 and G.711 media, real T.30.

Three instances, each registered as its own trunk user with an inbound number:
- A asks for T.38 by re-INVITE (`FAXGATE_SIP_T38=reinvite`),
- B offers T.38 in its INVITE (`direct`),
- C keeps G.711 (`off`).
A → B switches to T.38 by A's re-INVITE, B → A is T.38 from the first offer, A → C stays
G.711 because C refuses T.38. All three faxes run at once (each takes its real line time).
"""

from __future__ import annotations

import io
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops

from tests.documents import job
from tests.e2e.conftest import FaxgateServer, ServerFactory, run_cli
from tests.e2e.final import final_report
from tests.sipnet.kamailio import Trunk, kamailio

pytestmark = pytest.mark.parametrize("db_url", [None])  # the line, not the database, is tested

TOPIC, TOPIC_PASSWORD = "trunk", "trunk-pw"
NUMBERS = {"a": "+4930555111", "b": "+4930555222", "c": "+4930555333"}
PASSWORDS = {user: f"{user}-sip-pw" for user in NUMBERS}
MODES = {"a": "reinvite", "b": "direct", "c": "off"}
LINE_TIME = 180.0  # one page takes well under a minute of real line time


def _instance(factory: ServerFactory, proxy: Trunk, user: str) -> FaxgateServer:
    server = factory(
        start=False,
        FAXGATE_CARRIER="sip",
        FAXGATE_SIP_LISTEN="127.0.0.1:0",
        FAXGATE_SIP_PROXY=f"127.0.0.1:{proxy.port}",
        FAXGATE_SIP_DOMAIN=proxy.domain,
        FAXGATE_SIP_USER=user,
        FAXGATE_SIP_PASSWORD=PASSWORDS[user],
        FAXGATE_SIP_REGISTER="true",
        FAXGATE_SIP_T38=MODES[user],
        FAXGATE_SIP_PUBLIC_ADDRESS="127.0.0.1",
    )
    added = run_cli(
        "inbound", "add", "--cust-nr", server.cust_nr, "--number", NUMBERS[user],
        "--topic", TOPIC, "--password", TOPIC_PASSWORD, *server.store_args(), env=server.env,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    server.start()
    return server


def _send(sender: FaxgateServer, to: str) -> str:
    with sender.client() as client:
        sent = client.post(sender.fax_url(), json=job(NUMBERS[to]))
    assert sent.status_code == 201, sent.text
    job_id: str = sent.json()["jobId"]
    return job_id


def _received(receiver: FaxgateServer, within: float = 60) -> dict[str, Any]:
    """The one fax the receiver's topic holds, polled as a Fax-In client would."""
    deadline = time.monotonic() + within
    url = f"{receiver.url}/faxin/rest/v1/topics/{TOPIC}?fetch=10&timeout=0"
    with httpx.Client(auth=(receiver.cust_nr, TOPIC_PASSWORD), timeout=30) as client:
        while True:
            results: list[dict[str, Any]] = client.post(url).json()["results"]
            if results:
                assert len(results) == 1, results
                return results[0]
            assert time.monotonic() < deadline, "no fax arrived"
            time.sleep(0.5)


def _pages(tiff: bytes) -> list[Image.Image]:
    image = Image.open(io.BytesIO(tiff))
    pages = []
    for n in range(getattr(image, "n_frames", 1)):
        image.seek(n)
        pages.append(image.convert("1"))
    return pages


def _assert_same_pages(sent: bytes, received: bytes) -> None:
    want, got = _pages(sent), _pages(received)
    assert len(want) == len(got)
    for number, (a, b) in enumerate(zip(want, got, strict=True), 1):
        assert a.size == b.size, (number, a.size, b.size)
        assert ImageChops.logical_xor(a, b).getbbox() is None, f"page {number} differs"


def _attempt(sender: FaxgateServer, job_id: str) -> dict[str, Any]:
    with sender.client() as client:
        detail = client.get(f"{sender.url}/faxgate/v1/jobs/{job_id}").json()
    attempts: list[dict[str, Any]] = detail["attempts"]
    assert len(attempts) == 1, attempts
    return attempts[0]


def _check_delivery(sender: FaxgateServer, receiver: FaxgateServer, to: str, job_id: str) -> str:
    """The sender's report is OK with its SIP and T.30 details, the receiver's Fax-In holds
    the same pages; returns the media the fax travelled on."""
    report = final_report(sender, job_id, within=LINE_TIME)
    assert [r["status"] for r in report["recipientStatus"]] == ["OK"], report
    attempt = _attempt(sender, job_id)
    details = attempt["details"]
    assert details["route"] == "trunk"
    assert details["completionCode"] == "T30_ERR_OK"
    assert details["sip"]["invites"][-1]["final"] == 200
    assert details["bitRate"] and details["ecm"] is True
    fax = _received(receiver)
    assert fax["status"] == "OK" and fax["pages"] == 1
    assert attempt["remoteCsid"] == NUMBERS[to]  # our terminal answers with its number
    with sender.client() as client:
        sent = client.get(f"{sender.url}/faxgate/v1/jobs/{job_id}/recipients/0/fax.tiff")
    assert sent.status_code == 200
    with httpx.Client(auth=receiver.auth, timeout=30) as client:
        got = client.get(f"{receiver.url}/faxgate/v1/faxin/{fax['id']}/fax.tiff")
    assert got.status_code == 200
    _assert_same_pages(sent.content, got.content)
    media: str = details["media"]
    return media


def test_faxes_cross_the_trunk_in_t38_and_g711(faxgate_factory: ServerFactory) -> None:
    users = {user: PASSWORDS[user] for user in NUMBERS}
    aliases = {number: user for user, number in NUMBERS.items()}
    with kamailio(users=users, aliases=aliases) as proxy:
        servers = {user: _instance(faxgate_factory, proxy, user) for user in NUMBERS}
        a, b, c = servers["a"], servers["b"], servers["c"]
        jobs = [(a, b, "b", _send(a, "b")), (b, a, "a", _send(b, "a")), (a, c, "c", _send(a, "c"))]
        with ThreadPoolExecutor(len(jobs)) as pool:
            media = list(pool.map(lambda j: _check_delivery(*j), jobs))
        assert media == ["t38", "t38", "g711"]
        a_to_b = _attempt(a, jobs[0][3])["details"]["sip"]
        assert [r["from"] for r in a_to_b["reinvites"]] == ["ours"]
        b_to_a = _attempt(b, jobs[1][3])["details"]["sip"]
        assert b_to_a["invites"][0]["t38_offered"] is True and not b_to_a["reinvites"]
        a_to_c = _attempt(a, jobs[2][3])["details"]["sip"]
        assert a_to_c["reinvites"] == [{"from": "ours", "t38": True, "final": 488}]
        metrics = httpx.get(f"{a.url}/faxgate/v1/metrics", timeout=30).text
        assert 'faxgate_line_channels{state="total"} 32.0' in metrics
        assert 'faxgate_line_channels{state="busy"} 0.0' in metrics
        for server in servers.values():  # while the trunk still answers their un-REGISTER
            assert server.stop() != -signal.SIGKILL  # ended on SIGTERM, in time
