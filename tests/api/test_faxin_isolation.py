"""Fax-In's isolation (spec §9): a topic's password reads that topic only, a customer reads
only its own faxes, and every refusal looks the same whatever its reason."""

from __future__ import annotations

import time

import httpx
import pytest

from faxgate.domain.faxin import InboundFax
from tests.conftest import CUST_NR, OTHER_CUST_NR, PASSWORD, Service
from tests.faxin_faxes import (
    FOREIGN_NUMBER,
    FOREIGN_PASSWORD,
    OTHER_NUMBER,
    OTHER_TOPIC,
    OTHER_TOPIC_PASSWORD,
    TOPIC,
    TOPIC_PASSWORD,
    add_topics,
    receive,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def faxes(api: Service) -> dict[str, InboundFax]:
    """One fax in each of CUST_NR's topics and one in OTHER_CUST_NR's topic of the same name."""
    await add_topics(api.db)
    spool = api.app.state.ctx.spool
    return {
        "own": await receive(api.settings, api.db, spool),
        "other topic": await receive(api.settings, api.db, spool, number=OTHER_NUMBER),
        "foreign": await receive(api.settings, api.db, spool, number=FOREIGN_NUMBER),
    }


async def _poll(client: httpx.AsyncClient, topic: str, auth: tuple[str, str]) -> httpx.Response:
    return await client.post(f"/faxin/rest/v1/topics/{topic}?timeout=0", auth=auth)


async def test_polls_that_may_not_read_all_answer_the_same_401(
    api: Service, faxes: dict[str, InboundFax]
) -> None:
    refusals = {
        "wrong password": await _poll(api.client, TOPIC, (CUST_NR, "wrong")),
        "unknown topic": await _poll(api.client, "nosuchtopic", (CUST_NR, TOPIC_PASSWORD)),
        "topic A's password on topic B": await _poll(
            api.client, OTHER_TOPIC, (CUST_NR, TOPIC_PASSWORD)
        ),
        "another customer's topic": await _poll(api.client, TOPIC, (OTHER_CUST_NR, TOPIC_PASSWORD)),
        "a login instead of a topic": await _poll(api.client, TOPIC, (CUST_NR, PASSWORD)),
        "a bad topic name": await _poll(api.client, "no%20such", (CUST_NR, TOPIC_PASSWORD)),
    }
    for why, response in refusals.items():
        assert response.status_code == 401, why
    assert len({(r.content, tuple(sorted(r.headers.items()))) for r in refusals.values()}) == 1

    # each topic's own password reads its own fax only
    own = await _poll(api.client, TOPIC, (CUST_NR, TOPIC_PASSWORD))
    assert [r["id"] for r in own.json()["results"]] == [faxes["own"].fax_id]
    other = await _poll(api.client, OTHER_TOPIC, (CUST_NR, OTHER_TOPIC_PASSWORD))
    assert [r["id"] for r in other.json()["results"]] == [faxes["other topic"].fax_id]
    foreign = await _poll(api.client, TOPIC, (OTHER_CUST_NR, FOREIGN_PASSWORD))
    assert [r["id"] for r in foreign.json()["results"]] == [faxes["foreign"].fax_id]


async def test_acknowledging_another_topics_fax_does_nothing(
    api: Service, faxes: dict[str, InboundFax]
) -> None:
    ids = f"{faxes['other topic'].fax_id},{faxes['foreign'].fax_id}"
    response = await api.client.post(
        f"/faxin/rest/v1/topics/{TOPIC}?fetch=0&ids={ids}", auth=(CUST_NR, TOPIC_PASSWORD)
    )
    assert response.status_code == 200
    other = await _poll(api.client, OTHER_TOPIC, (CUST_NR, OTHER_TOPIC_PASSWORD))
    assert [r["id"] for r in other.json()["results"]] == [faxes["other topic"].fax_id]
    foreign = await _poll(api.client, TOPIC, (OTHER_CUST_NR, FOREIGN_PASSWORD))
    assert [r["id"] for r in foreign.json()["results"]] == [faxes["foreign"].fax_id]


async def test_files_of_others_are_404_even_by_their_names(
    api: Service, faxes: dict[str, InboundFax]
) -> None:
    async def get(name: str, auth: tuple[str, str]) -> httpx.Response:
        return await api.client.get(f"/faxin/rest/v1/files/{name}", auth=auth)

    own, other, foreign = faxes["own"], faxes["other topic"], faxes["foreign"]
    refused = {
        "another customer's fax": await get(foreign.pdf_name, (CUST_NR, TOPIC_PASSWORD)),
        "its TIFF": await get(foreign.tiff_name, (CUST_NR, TOPIC_PASSWORD)),
        "under its own customer number": await get(foreign.pdf_name, (OTHER_CUST_NR, "x")),
        "another topic's fax": await get(other.pdf_name, (CUST_NR, TOPIC_PASSWORD)),
        "a customer's fax to another": await get(own.pdf_name, (OTHER_CUST_NR, FOREIGN_PASSWORD)),
        "wrong password": await get(own.pdf_name, (CUST_NR, "wrong")),
        "an unknown name": await get("FI00000000000000000000.pdf", (CUST_NR, TOPIC_PASSWORD)),
        "another extension": await get(f"{own.fax_id}.png", (CUST_NR, TOPIC_PASSWORD)),
    }
    for why, response in refused.items():
        assert (response.status_code, response.content) == (404, b""), why
        assert "content-type" not in response.headers, why
    # a name with a path in it is no file name at all: the router's 404
    traversal = await get(f"..%2F{own.fax_id}.pdf", (CUST_NR, TOPIC_PASSWORD))
    assert traversal.status_code == 404

    # and each is readable by its own topic's password
    assert (await get(own.pdf_name, (CUST_NR, TOPIC_PASSWORD))).status_code == 200
    assert (await get(other.tiff_name, (CUST_NR, OTHER_TOPIC_PASSWORD))).status_code == 200
    assert (await get(foreign.pdf_name, (OTHER_CUST_NR, FOREIGN_PASSWORD))).status_code == 200


async def test_expired_faxes_are_neither_polled_nor_served(api: Service) -> None:
    await add_topics(api.db)
    old = time.time() - api.settings.faxin_retention_days * 86400 - 60
    expired = await receive(api.settings, api.db, api.app.state.ctx.spool, received_at=old)
    auth = (CUST_NR, TOPIC_PASSWORD)
    assert (await _poll(api.client, TOPIC, auth)).json()["results"] == []
    response = await api.client.get(f"/faxin/rest/v1/files/{expired.pdf_name}", auth=auth)
    assert response.status_code == 404
