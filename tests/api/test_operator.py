"""faxgate's own endpoints under /faxgate/v1: health, the number plan, one job in detail."""

from __future__ import annotations

import pytest

from faxgate.domain.number_plan import PLAN
from tests.api.helpers import send, wait_final
from tests.conftest import LOGIN, OTHER_LOGIN, OTHER_PASSWORD, PASSWORD, Service
from tests.documents import job

pytestmark = pytest.mark.anyio
UNKNOWN = "FJ00000000000DC1ZZZZZZ"


async def test_health_names_dc_carrier_and_database(api: Service, database_url: str) -> None:
    async with api.anonymous() as anonymous:
        response = await anonymous.get("/faxgate/v1/health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "status": "ok",
        "dc": api.settings.dc,
        "carrier": "simulator",
        "database": "sqlite" if database_url.startswith("sqlite") else "postgresql",
    }


async def test_number_plan_is_the_domain_plan(api: Service) -> None:
    async with api.anonymous() as anonymous:
        response = await anonymous.get("/faxgate/v1/number-plan")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    entries = response.json()
    assert isinstance(entries, list)
    for entry in entries:
        assert {"number", "status", "description"} <= set(entry)
        assert all(isinstance(entry[key], str) for key in ("number", "status", "description"))
    assert [(e["number"], e["status"], e["description"]) for e in entries] == [
        (p.number, p.status.value, p.description) for p in PLAN
    ]


async def test_job_detail_requires_authentication(api: Service) -> None:
    job_id = await send(api.client, job())
    async with api.anonymous() as anonymous:
        missing = await anonymous.get(f"/faxgate/v1/jobs/{job_id}")
        wrong = await anonymous.get(f"/faxgate/v1/jobs/{job_id}", auth=(LOGIN, "wrong"))
        right = await anonymous.get(f"/faxgate/v1/jobs/{job_id}", auth=(LOGIN, PASSWORD))
    assert missing.status_code == 401  # not the Fax4A 400: a browser then asks for a login
    assert wrong.status_code == 401
    for refused in (missing, wrong):
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="faxgate", charset="UTF-8"'
        assert refused.json()["field"] == "Authorization"
    assert right.status_code == 200


async def test_job_detail_of_another_login_is_404(api: Service) -> None:
    job_id = await send(api.client, job())
    for auth in ((OTHER_LOGIN, OTHER_PASSWORD), ("carol", "carol-secret")):
        response = await api.client.get(f"/faxgate/v1/jobs/{job_id}", auth=auth)
        assert response.status_code == 404, auth
        assert response.content == b""


async def test_job_detail_of_an_unknown_job_is_404(api: Service) -> None:
    response = await api.client.get(f"/faxgate/v1/jobs/{UNKNOWN}")
    assert response.status_code == 404


async def test_pending_job_detail_has_the_report_and_no_attempts(api: Service) -> None:
    job_id = await send(api.client, job())
    detail = (await api.client.get(f"/faxgate/v1/jobs/{job_id}")).json()
    report = (await api.client.get(api.url(f"/reports/{job_id}"))).json()
    assert {k: detail[k] for k in report} == report
    assert detail["attempts"] == []
    assert detail["completedAt"] is None
    assert isinstance(detail["createdAt"], str)


async def test_final_job_detail_lists_every_call(service: Service) -> None:
    # +99930: busy twice, then a fax machine that answers OK; +99900 answers at once
    job_id = await send(service.client, job("+99930", "+99900"))
    report = await wait_final(service.client, job_id)
    assert [r["status"] for r in report["recipientStatus"]] == ["OK", "OK"]
    response = await service.client.get(f"/faxgate/v1/jobs/{job_id}")
    assert response.status_code == 200
    detail = response.json()
    assert {k: detail[k] for k in report} == report
    assert detail["completedAt"] is not None
    calls = detail["attempts"]
    for call in calls:
        assert call["carrier"] == "simulator"
        assert isinstance(call["status"], str)
        assert isinstance(call["lineSeconds"], int | float)
        assert call["lineSeconds"] >= 0
    first = [c for c in calls if c["recipient"] == 0]
    second = [c for c in calls if c["recipient"] == 1]
    assert [c["status"] for c in first] == ["BUSY", "BUSY", "OK"]
    assert [c["attempt"] for c in first] == [1, 2, 3]
    assert [c["status"] for c in second] == ["OK"]
    assert first[-1]["lineSeconds"] > 0
    assert first[-1]["pagesSent"] == 1
    assert {c["number"] for c in first} == {"0099930"}
