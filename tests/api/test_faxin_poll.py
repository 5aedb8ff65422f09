"""The Fax-In polling API (spec §9) in process, on SQLite and PostgreSQL: the response's
shape, locks that expire, every way to acknowledge, and the downloads."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest

from faxgate.service import faxin_poll
from tests.conftest import CUST_NR, Service
from tests.faxin_faxes import (
    CALLING,
    NUMBER,
    OTHER_NUMBER,
    OTHER_TOPIC,
    TOPIC,
    TOPIC_PASSWORD,
    add_topics,
    fax_tiff,
    receive,
)

pytestmark = pytest.mark.anyio
AUTH = (CUST_NR, TOPIC_PASSWORD)
BASE = "http://faxgate.test/faxin/rest/v1"


async def _poll(api: Service, query: str = "", topic: str = TOPIC) -> dict[str, Any]:
    response = await api.client.post(f"/faxin/rest/v1/topics/{topic}?{query}", auth=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [result["id"] for result in body["results"]]


@pytest.fixture
async def api_with_topics(api: Service) -> Service:
    await add_topics(api.db)
    return api


async def test_poll_answers_the_proposed_shape(api_with_topics: Service) -> None:
    api = api_with_topics
    spool = api.app.state.ctx.spool
    first = await receive(api.settings, api.db, spool, pages=2, received_at=time.time() - 5)
    second = await receive(api.settings, api.db, spool)
    await receive(api.settings, api.db, spool, number=OTHER_NUMBER)  # another topic's

    body = await _poll(api, "fetch=5&timeout=60")

    ids = f"{first.fax_id},{second.fax_id}"
    assert body["meta"] == {
        "topic": TOPIC,
        "fetch": 5,
        "timeout": 60,
        "count": 2,
        "next": f"{BASE}/topics/{TOPIC}?fetch=5&timeout=60&ids={ids}",
        "exit": f"{BASE}/topics/{TOPIC}?fetch=0&timeout=60&ids={ids}",
    }
    result = body["results"][0]
    assert result["id"] == first.fax_id
    assert result["topic"] == TOPIC
    assert result["receivedTs"].endswith("Z") and len(result["receivedTs"]) == 20
    assert result["calledNumber"] == "+" + NUMBER[2:]
    assert result["callingNumber"] == "+" + CALLING[2:]
    assert result["remoteCsid"] == "+49 89 1234567"
    assert (result["pages"], result["durationInSecs"], result["status"]) == (2, 21, "OK")
    assert (result["resolution"], result["bitRate"]) == ("HIGH", 14400)
    assert result["documents"] == [
        {
            "url": f"{BASE}/files/{first.fax_id}.pdf",
            "name": f"{first.fax_id}.pdf",
            "mimeType": "application/pdf",
        },
        {
            "url": f"{BASE}/files/{first.fax_id}.tif",
            "name": f"{first.fax_id}.tif",
            "mimeType": "image/tiff",
        },
    ]


async def test_files_download_with_their_content_types(api_with_topics: Service) -> None:
    api = api_with_topics
    fax = await receive(api.settings, api.db, api.app.state.ctx.spool, pages=2)
    documents = (await _poll(api))["results"][0]["documents"]

    pdf = await api.client.get(documents[0]["url"], auth=AUTH)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    tiff = await api.client.get(documents[1]["url"], auth=AUTH)
    assert tiff.status_code == 200
    assert tiff.headers["content-type"] == "image/tiff"
    assert tiff.content == fax_tiff(2)  # kept as received
    # the urlsafe alphabet without padding, as the Python SDK sends it
    token = base64.urlsafe_b64encode(f"{CUST_NR}:{TOPIC_PASSWORD}".encode()).rstrip(b"=")
    again = await api.anonymous().get(
        f"/faxin/rest/v1/files/{fax.fax_id}.pdf",
        headers={"Authorization": f"Basic {token.decode()}"},
    )
    assert again.status_code == 200 and again.content == pdf.content


async def test_an_empty_topic_answers_200_with_no_results(api_with_topics: Service) -> None:
    body = await _poll(api_with_topics, "fetch=10&timeout=60")
    assert body["results"] == []
    assert body["meta"]["count"] == 0
    assert body["meta"]["next"] == f"{BASE}/topics/{TOPIC}?fetch=10&timeout=60"
    assert body["meta"]["exit"] == f"{BASE}/topics/{TOPIC}?fetch=0&timeout=60"


async def test_defaults_and_the_sdk_extras(api_with_topics: Service) -> None:
    api = api_with_topics
    fax = await receive(api.settings, api.db, api.app.state.ctx.spool)
    response = await api.client.post(
        f"/faxin/rest/v1//topics/{TOPIC}/?toString=", json={}, auth=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["meta"]["fetch"], body["meta"]["timeout"]) == (10, 60)
    assert _ids(body) == [fax.fax_id]


async def test_a_locked_fax_reappears_when_its_lock_expires(api_with_topics: Service) -> None:
    api = api_with_topics
    fax = await receive(api.settings, api.db, api.app.state.ctx.spool)
    assert _ids(await _poll(api, "timeout=60")) == [fax.fax_id]
    assert _ids(await _poll(api, "timeout=60")) == []  # hidden while locked

    later = time.time() + 61
    again = await faxin_poll.poll(api.db, api.settings, CUST_NR, TOPIC, [], 10, 60, later)
    assert [f.fax_id for f in again] == [fax.fax_id]


async def test_timeout_zero_hides_nothing(api_with_topics: Service) -> None:
    api = api_with_topics
    fax = await receive(api.settings, api.db, api.app.state.ctx.spool)
    assert _ids(await _poll(api, "timeout=0")) == [fax.fax_id]
    assert _ids(await _poll(api, "timeout=0")) == [fax.fax_id]


@pytest.mark.parametrize("separator", [",", "%"])
async def test_acknowledge_by_ids(api_with_topics: Service, separator: str) -> None:
    api = api_with_topics
    spool = api.app.state.ctx.spool
    faxes = [await receive(api.settings, api.db, spool) for _ in range(3)]
    ids = separator.join(f.fax_id for f in faxes[:2])

    response = await api.client.post(
        f"/faxin/rest/v1/topics/{TOPIC}", params={"fetch": "0", "ids": ids}, auth=AUTH
    )
    assert response.status_code == 200 and response.json()["results"] == []
    assert _ids(await _poll(api, "timeout=0")) == [faxes[2].fax_id]


async def test_acknowledge_comes_before_the_fetch(api_with_topics: Service) -> None:
    api = api_with_topics
    spool = api.app.state.ctx.spool
    first, second = [await receive(api.settings, api.db, spool) for _ in range(2)]
    body = await _poll(api, f"fetch=10&timeout=0&ids={first.fax_id}")
    assert _ids(body) == [second.fax_id]


async def test_calling_next_acknowledges_the_batch(api_with_topics: Service) -> None:
    api = api_with_topics
    spool = api.app.state.ctx.spool
    faxes = [await receive(api.settings, api.db, spool) for _ in range(3)]
    first = await _poll(api, "fetch=2&timeout=0")
    assert _ids(first) == [f.fax_id for f in faxes[:2]]

    following = await api.client.post(first["meta"]["next"], auth=AUTH)
    assert following.status_code == 200
    # timeout=0 hides nothing: only the acknowledge keeps the first two away
    assert _ids(following.json()) == [faxes[2].fax_id]
    last = await api.client.post(following.json()["meta"]["next"], auth=AUTH)
    assert last.json()["results"] == []


async def test_calling_exit_acknowledges_and_fetches_nothing(api_with_topics: Service) -> None:
    api = api_with_topics
    spool = api.app.state.ctx.spool
    faxes = [await receive(api.settings, api.db, spool) for _ in range(2)]
    batch = await _poll(api, "fetch=10&timeout=0")
    assert _ids(batch) == [f.fax_id for f in faxes]

    done = await api.client.post(batch["meta"]["exit"], auth=AUTH)
    assert done.status_code == 200 and done.json()["results"] == []
    assert _ids(await _poll(api, "timeout=0")) == []
    gone = await api.client.get(batch["results"][0]["documents"][0]["url"], auth=AUTH)
    assert gone.status_code == 404 and gone.content == b""


async def test_unknown_and_foreign_ids_are_ignored(api_with_topics: Service) -> None:
    api = api_with_topics
    spool = api.app.state.ctx.spool
    own = await receive(api.settings, api.db, spool)
    other_topics = await receive(api.settings, api.db, spool, number=OTHER_NUMBER)
    ids = f"FI00000000000000000000,junk,,{other_topics.fax_id}"

    body = await _poll(api, f"fetch=10&timeout=0&ids={ids}")
    assert _ids(body) == [own.fax_id]
    other = await api.client.post(
        f"/faxin/rest/v1/topics/{OTHER_TOPIC}?timeout=0", auth=(CUST_NR, "support-pw")
    )
    assert [r["id"] for r in other.json()["results"]] == [other_topics.fax_id]


@pytest.mark.parametrize(
    ("query", "field"),
    [("fetch=-1", "fetch"), ("fetch=ten", "fetch"), ("timeout=1.5", "timeout"),
     ("timeout=999999", "timeout")],
)  # fmt: skip
async def test_bad_parameters_are_400_naming_them(
    api_with_topics: Service, query: str, field: str
) -> None:
    response = await api_with_topics.client.post(
        f"/faxin/rest/v1/topics/{TOPIC}?{query}", auth=AUTH
    )
    assert response.status_code == 400
    assert response.json()["field"] == field


async def test_fetch_is_capped(api_with_topics: Service) -> None:
    body = await _poll(api_with_topics, "fetch=100000")
    assert body["meta"]["fetch"] == 100


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_without_credentials_400(api_with_topics: Service) -> None:
    anonymous: httpx.AsyncClient = api_with_topics.anonymous()
    assert (await anonymous.post(f"/faxin/rest/v1/topics/{TOPIC}")).status_code == 400
    assert (await anonymous.get("/faxin/rest/v1/files/x.pdf")).status_code == 400
