"""GET /faxgate/v1/jobs: a login's jobs, pending ones included, newest first, filtered and
paged by cursor; on SQLite and PostgreSQL (the `api` fixture runs both)."""

from __future__ import annotations

from typing import Any

import pytest

from faxgate.store.tables import jobs, recipients
from tests.api.helpers import send
from tests.conftest import LOGIN, OTHER_LOGIN, OTHER_PASSWORD, Service
from tests.documents import job

pytestmark = pytest.mark.anyio
URL = "/faxgate/v1/jobs"


async def listing(api: Service, **query: str) -> dict[str, Any]:
    response = await api.client.get(URL, params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def every_page(api: Service, **query: str) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await listing(api, **query, **({"cursor": cursor} if cursor else {}))
        seen += [j["jobId"] for j in page["jobs"]]
        cursor = page["next"]
        if cursor is None:
            return seen


async def complete(api: Service, job_id: str, status: str) -> None:
    """Finish a job in the store as the pipeline would (the `api` fixture runs no workers)."""
    async with api.db.writer.begin() as conn:
        await conn.execute(
            recipients.update()
            .where(recipients.c.job_id == job_id)
            .values(status=status, reason=status)
        )
        await conn.execute(jobs.update().where(jobs.c.job_id == job_id).values(completed_at=1e9))


async def test_pending_jobs_are_listed_newest_first_with_their_report(api: Service) -> None:
    first = await send(api.client, job("+4930111", reference={"customerDefinedId": "a"}))
    second = await send(api.client, job("+4930222", "+4930333"))
    page = await listing(api)
    assert [j["jobId"] for j in page["jobs"]] == [second, first]
    assert page["next"] is None
    newest = page["jobs"][0]
    assert [r["status"] for r in newest["recipientStatus"]] == ["PENDING", "PENDING"]
    assert newest["createdAt"].endswith("+00:00") and newest["completedAt"] is None
    detail = (await api.client.get(f"{URL}/{second}")).json()
    assert {k: detail[k] for k in newest} == newest  # one shape for the list and the detail


async def test_filters_by_status_final_number_reference_and_time(api: Service) -> None:
    ok = await send(api.client, job("+49 30 111", reference={"customerDefinedId": "invoice-7"}))
    busy = await send(api.client, job("+4930222", "+4930111"))
    pending = await send(api.client, job("+4930333"))
    await complete(api, ok, "OK")
    await complete(api, busy, "BUSY")

    async def ids(**query: str) -> list[str]:
        return [j["jobId"] for j in (await listing(api, **query))["jobs"]]

    assert await ids(status="BUSY") == [busy]
    assert await ids(status="pending") == [pending]
    assert await ids(final="true") == [busy, ok]
    assert await ids(final="false") == [pending]
    assert await ids(number="004930111") == [busy, ok]  # any spelling of the number
    assert await ids(number="+49 30 333") == [pending]
    assert await ids(customerDefinedId="invoice-7") == [ok]
    assert await ids(status="OK", number="+4930222") == []
    everything = await listing(api)
    created = [j["createdAt"] for j in everything["jobs"]]
    assert await ids(**{"from": created[1]}) == [pending, busy]
    assert await ids(to=created[1]) == [ok]


async def test_paging_neither_skips_nor_repeats_while_jobs_arrive(api: Service) -> None:
    before = [await send(api.client, job()) for _ in range(7)]
    seen: list[str] = []
    page = await listing(api, limit="3")
    seen += [j["jobId"] for j in page["jobs"]]
    arrived = []
    while page["next"]:
        arrived.append(await send(api.client, job()))  # newer than every cursor
        page = await listing(api, limit="3", cursor=page["next"])
        seen += [j["jobId"] for j in page["jobs"]]
    assert seen == list(reversed(before))
    assert len(arrived) == 2
    assert (await every_page(api, limit="4"))[: len(arrived)] == list(reversed(arrived))


async def test_equal_creation_times_page_by_job_id(api: Service) -> None:
    sent = [await send(api.client, job()) for _ in range(5)]
    async with api.db.writer.begin() as conn:
        await conn.execute(jobs.update().where(jobs.c.job_id.in_(sent)).values(created_at=1e9))
    assert await every_page(api, limit="2") == sorted(sent, reverse=True)


async def test_a_login_sees_only_its_own_jobs(api: Service) -> None:
    mine = await send(api.client, job("+4930111", reference={"customerDefinedId": "shared-ref"}))
    assert [j["jobId"] for j in (await listing(api, customerDefinedId="shared-ref"))["jobs"]] == [
        mine
    ]
    response = await api.client.get(
        URL, params={"customerDefinedId": "shared-ref"}, auth=(OTHER_LOGIN, OTHER_PASSWORD)
    )
    assert response.status_code == 200
    assert response.json() == {"jobs": [], "next": None}
    theirs = await api.client.get(URL, auth=(OTHER_LOGIN, OTHER_PASSWORD))
    assert mine not in [j["jobId"] for j in theirs.json()["jobs"]]
    # a cursor is a position, not a permission: ours, used by another login, shows none of ours
    await send(api.client, job())
    cursor = (await listing(api, limit="1"))["next"]
    assert cursor is not None
    borrowed = await api.client.get(
        URL, params={"cursor": cursor}, auth=(OTHER_LOGIN, OTHER_PASSWORD)
    )
    assert mine not in [j["jobId"] for j in borrowed.json()["jobs"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "LOST"}, "status"),
        ({"final": "maybe"}, "final"),
        ({"number": "call me"}, "number"),
        ({"from": "yesterday"}, "from"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "%%%"}, "cursor"),
        ({"sort": "asc"}, "sort"),
    ],
)
async def test_bad_parameters_are_a_400_naming_the_parameter(
    api: Service, query: dict[str, str], field: str
) -> None:
    response = await api.client.get(URL, params=query)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


async def test_without_credentials_a_browser_is_asked_for_a_login(api: Service) -> None:
    async with api.anonymous() as anonymous:
        response = await anonymous.get(URL)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="faxgate"')


async def test_fax4a_routes_keep_their_documented_answers(api: Service) -> None:
    async with api.anonymous() as anonymous:
        missing = await anonymous.get(api.url("/reports"))
        wrong = await anonymous.get(api.url("/reports"), auth=(LOGIN, "wrong"))
    assert missing.status_code == 400  # the Fax4A contract
    assert "WWW-Authenticate" not in missing.headers
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith('Basic realm="faxgate"')


async def test_a_pending_job_shows_the_pages_already_sent(api: Service) -> None:
    job_id = await send(api.client, job("+4930111", "+4930222", pages=2))
    async with api.db.writer.begin() as conn:  # the first recipient delivered, as a worker does
        await conn.execute(
            recipients.update()
            .where(recipients.c.job_id == job_id, recipients.c.idx == 0)
            .values(status="OK", reason="OK", pages=2)
        )
    report = (await api.client.get(api.url(f"/reports/{job_id}"))).json()
    assert [r["status"] for r in report["recipientStatus"]] == ["OK", "PENDING"]
    assert report["pages"] == 2  # not 0 until the last recipient is final
    listed = (await listing(api))["jobs"][0]
    assert listed["jobId"] == job_id and listed["pages"] == 2
