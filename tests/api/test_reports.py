"""Reading and deleting reports: one, oldest 1000, delete one, delete oldest, bulk."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update

from faxgate.store import reports as store
from faxgate.store.tables import jobs, recipients
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR, Service
from tests.documents import job

pytestmark = pytest.mark.anyio
REPORT_KEYS = {"jobId", "recipientStatus", "pages", "reference"}
RECIPIENT_KEYS = {
    "number",
    "properties",
    "status",
    "reason",
    "sentTs",
    "durationInSecs",
    "sentToNumber",
    "remoteCsid",
}


async def _complete(api: Service, job_id: str, completed_at: float) -> None:
    """Finish a job directly in the store, as a worker would, at a chosen time."""
    async with api.db.writer.begin() as conn:
        await conn.execute(
            update(recipients)
            .where(recipients.c.job_id == job_id)
            .values(status="OK", reason="OK", sent_ts=completed_at)
        )
        await conn.execute(
            update(jobs).where(jobs.c.job_id == job_id).values(completed_at=completed_at, pages=1)
        )


async def test_empty_account_lists_and_deletes_as_empty_200(api: Service) -> None:
    for method in ("GET", "DELETE"):
        response = await api.client.request(method, api.url("/reports"))
        assert response.status_code == 200
        assert response.json() == {"reports": []}
    response = await api.client.post(api.url("/reports"), json={"action": "get", "jobIds": []})
    assert response.json() == {"reports": []}


async def test_unknown_single_report_is_404_with_empty_body(api: Service) -> None:
    for method in ("GET", "DELETE"):
        response = await api.client.request(method, api.url("/reports/FJ00000000000000000000"))
        assert response.status_code == 404
        assert response.content == b""


async def test_list_shows_completed_only_oldest_first(api: Service) -> None:
    ids = [await send(api.client, job()) for _ in range(4)]
    now = time.time()
    # completion order differs from creation order; ties break by creation, then job ID
    await _complete(api, ids[2], now - 30)
    await _complete(api, ids[0], now - 20)
    await _complete(api, ids[1], now - 20)
    listed = (await api.client.get(api.url("/reports"))).json()["reports"]
    assert [r["jobId"] for r in listed] == [ids[2], ids[0], ids[1]]
    for report in listed:
        assert set(report) == REPORT_KEYS
        assert set(report["recipientStatus"][0]) == RECIPIENT_KEYS
        assert report["recipientStatus"][0]["sentTs"].endswith("Z")


async def test_list_is_capped_at_1000(api: Service) -> None:
    ids = [await send(api.client, job()) for _ in range(3)]
    async with api.db.writer.begin() as conn:
        await conn.execute(update(jobs).values(completed_at=time.time()))
    async with api.db.reader.connect() as conn:
        assert await store.oldest_completed(conn, "alice", limit=2) == sorted(ids)[:2]


async def test_delete_one_then_gone(api: Service) -> None:
    job_id = await send(api.client, job())
    response = await api.client.delete(api.url(f"/reports/{job_id}"))
    assert response.status_code == 200
    assert response.json() == {"jobId": job_id, "deleted": True}
    assert (await api.client.get(api.url(f"/reports/{job_id}"))).status_code == 404


async def test_delete_oldest_removes_completed_oldest_first_and_keeps_pending(
    api: Service,
) -> None:
    ids = [await send(api.client, job()) for _ in range(3)]
    pending = await send(api.client, job())
    now = time.time()
    for offset, job_id in zip((3, 1, 2), ids, strict=True):
        await _complete(api, job_id, now - offset)
    response = await api.client.delete(api.url("/reports"))
    assert response.status_code == 200
    deleted = response.json()["reports"]
    assert deleted == [{"jobId": i, "deleted": True} for i in (ids[0], ids[2], ids[1])]
    assert (await api.client.get(api.url(f"/reports/{pending}"))).status_code == 200
    assert (await api.client.delete(api.url("/reports"))).json() == {"reports": []}


async def test_bulk_get_returns_found_only_in_request_order(api: Service) -> None:
    a, b = await send(api.client, job()), await send(api.client, job())
    body = {"action": "GET", "jobIds": [b, "FJUNKNOWN0000000000000", a]}
    reports = (await api.client.post(api.url("/reports"), json=body)).json()["reports"]
    assert [r["jobId"] for r in reports] == [b, a]
    assert set(reports[0]) == REPORT_KEYS


async def test_bulk_delete_answers_every_id(api: Service) -> None:
    a = await send(api.client, job())
    body = {"action": "delete", "jobIds": [a, "FJUNKNOWN0000000000000"]}
    reports = (await api.client.post(api.url("/reports"), json=body)).json()["reports"]
    assert reports == [
        {"jobId": a, "deleted": True},
        {"jobId": "FJUNKNOWN0000000000000", "deleted": False, "reason": "NOT_FOUND"},
    ]


async def test_reports_are_isolated_per_login(api: Service) -> None:
    job_id = await send(api.client, job())
    await _complete(api, job_id, time.time())
    carol = ("carol", "carol-secret")  # same custNr, another login
    assert (await api.client.get(api.url(f"/reports/{job_id}"), auth=carol)).status_code == 404
    assert (await api.client.get(api.url("/reports"), auth=carol)).json() == {"reports": []}
    assert (await api.client.delete(api.url(f"/reports/{job_id}"), auth=carol)).status_code == 404
    bulk = {"action": "DELETE", "jobIds": [job_id]}
    response = await api.client.post(api.url("/reports"), json=bulk, auth=carol)
    assert response.json()["reports"][0]["deleted"] is False
    assert (await api.client.delete(api.url("/reports"), auth=carol)).json() == {"reports": []}
    assert (await api.client.get(api.url(f"/reports/{job_id}"))).status_code == 200


async def test_job_runs_to_ok_with_realistic_report(service: Service) -> None:
    body = job("+49 30 1234-567", pages=2, transportOptions={"csid": "ACME"})
    job_id = await send(service.client, body)
    report = await wait_final(service.client, job_id)
    (r,) = report["recipientStatus"]
    assert r["status"] == "OK"
    assert r["sentToNumber"] == "0049301234567"
    assert r["durationInSecs"] > 0
    assert r["sentTs"].endswith("Z")
    assert r["remoteCsid"] == "FAXGATE REMOTE"
    assert report["pages"] == 2
    listed = (await service.client.get(f"/rest/v1/{CUST_NR}/fax/reports")).json()["reports"]
    assert [x["jobId"] for x in listed] == [job_id]
