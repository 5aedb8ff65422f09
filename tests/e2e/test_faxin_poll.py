"""The Fax-In polling API of real `faxgate serve` processes, on SQLite and PostgreSQL:
concurrent pollers, and the data-center prefixes of an emulated region."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.e2e.conftest import FaxgateServer, ServerFactory
from tests.e2e.faxin_seed import seed
from tests.faxin_faxes import TOPIC, TOPIC_PASSWORD

POLLERS = 6
FAXES = 30
MAX_POLLS = 100  # per poller; far more than it takes


def _poll(client: httpx.Client, url: str) -> dict[str, Any]:
    response = client.post(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _poller(servers: list[FaxgateServer], n: int, start: threading.Barrier) -> list[str]:
    """Poll 3 at a time with a long lock, acknowledging each batch through `next`, until the
    topic answers empty; the IDs received, in order."""
    server = servers[n % len(servers)]
    received: list[str] = []
    with httpx.Client(auth=(server.cust_nr, TOPIC_PASSWORD), timeout=60) as client:
        url = f"{server.url}/faxin/rest/v1/topics/{TOPIC}?fetch=3&timeout=600"
        start.wait()
        for _ in range(MAX_POLLS):
            body = _poll(client, url)
            if not body["results"]:
                return received
            received += [result["id"] for result in body["results"]]
            url = body["meta"]["next"]
    raise AssertionError(f"poller {n} still got faxes after {MAX_POLLS} polls")


def test_concurrent_pollers_get_every_fax_exactly_once(
    faxgate_factory: ServerFactory, db_url: str | None
) -> None:
    server = faxgate_factory()
    # on PostgreSQL a second process serves the same database: row locks across processes
    servers = [server] + ([faxgate_factory(add_account=False)] if db_url else [])
    seeded = {fax.fax_id for fax in seed(server, FAXES)}

    start = threading.Barrier(POLLERS)
    with ThreadPoolExecutor(POLLERS) as pool:
        batches = list(pool.map(lambda n: _poller(servers, n, start), range(POLLERS)))

    everything = [fax_id for batch in batches for fax_id in batch]
    assert len(everything) == len(set(everything)), "a fax was handed out twice while locked"
    assert set(everything) == seeded
    assert sum(1 for batch in batches if batch) > 1, "one poller took everything"
    # every one was acknowledged: even without a lock none comes back
    with httpx.Client(auth=(server.cust_nr, TOPIC_PASSWORD), timeout=30) as client:
        after = _poll(client, f"{server.url}/faxin/rest/v1/topics/{TOPIC}?timeout=0")
    assert after["results"] == []


def test_the_dc_prefixes_of_a_region_see_the_same_faxes(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_REGION="de")
    first, second = seed(server, 2)
    auth = (server.cust_nr, TOPIC_PASSWORD)
    with httpx.Client(auth=auth, timeout=30) as client:

        def poll(prefix: str, query: str = "fetch=1&timeout=600") -> dict[str, Any]:
            return _poll(client, f"{server.url}{prefix}/faxin/rest/v1/topics/{TOPIC}?{query}")

        on_de1 = poll("/de1")
        assert [r["id"] for r in on_de1["results"]] == [first.fax_id]
        pdf_url = on_de1["results"][0]["documents"][0]["url"]
        assert pdf_url == f"{server.url}/de1/faxin/rest/v1/files/{first.pdf_name}"
        on_de2 = poll("/de2")
        assert [r["id"] for r in on_de2["results"]] == [second.fax_id]
        assert on_de2["meta"]["exit"].startswith(f"{server.url}/de2/faxin/rest/v1/topics/")
        assert poll("")["results"] == []  # the plain path too: both are locked

        served = [client.get(pdf_url), client.get(pdf_url.replace("/de1/", "/de2/"))]
        assert [r.status_code for r in served] == [200, 200]
        assert served[0].content == served[1].content
        assert served[0].headers["content-type"] == "application/pdf"

        # acknowledged on one DC, gone on every one
        assert _poll(client, on_de2["meta"]["exit"])["results"] == []
        assert _poll(client, on_de1["meta"]["exit"])["results"] == []
        for prefix in ("", "/de1", "/de2"):
            assert poll(prefix, "timeout=0")["results"] == [], prefix
        gone = client.get(f"{server.url}//de2/faxin/rest/v1/files/{first.pdf_name}")
        assert gone.status_code == 404
