"""The pipeline on the simulator carrier: every plan number ends with its status, and the
retry policy, alternative numbers and attempt records behave as documented."""

from __future__ import annotations

from typing import Any

import pytest

from faxgate.domain.number_plan import PLAN, Line
from tests.api.helpers import send, wait_final
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio


async def _attempts(client: Any, job_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/faxgate/v1/jobs/{job_id}")
    assert response.status_code == 200
    attempts: list[dict[str, Any]] = response.json()["attempts"]
    return attempts


async def test_every_plan_number_ends_with_its_status(make_service: ServiceFactory) -> None:
    async with make_service(retry_no_connect_attempts=3, retry_mid_fax_attempts=2) as service:
        body = job(*(entry.number for entry in PLAN), pages=2)
        report = await wait_final(service.client, await send(service.client, body))
    for entry, recipient in zip(PLAN, report["recipientStatus"], strict=True):
        assert recipient["status"] == entry.status.value, (entry.number, recipient)
        assert isinstance(recipient["reason"], str) and recipient["reason"]
        if entry.status.value == "OK":
            assert recipient["remoteCsid"] == entry.remote_csid
            assert recipient["durationInSecs"] > 0


async def test_busy_twice_then_ok_records_three_attempts(make_service: ServiceFactory) -> None:
    async with make_service() as service:
        job_id = await send(service.client, job("+99930"))
        report = await wait_final(service.client, job_id)
        attempts = await _attempts(service.client, job_id)
    assert report["recipientStatus"][0]["status"] == "OK"
    assert [a["status"] for a in attempts] == ["BUSY", "BUSY", "OK"]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert all(a["carrier"] == "simulator" for a in attempts)


async def test_no_connect_budget_ends_in_busy(make_service: ServiceFactory) -> None:
    async with make_service(retry_no_connect_attempts=4) as service:
        job_id = await send(service.client, job("+99901"))
        report = await wait_final(service.client, job_id)
        attempts = await _attempts(service.client, job_id)
    assert report["recipientStatus"][0]["status"] == "BUSY"
    assert len(attempts) == 4


async def test_mid_fax_budget_is_separate(make_service: ServiceFactory) -> None:
    async with make_service(retry_no_connect_attempts=5, retry_mid_fax_attempts=2) as service:
        job_id = await send(service.client, job("+999501", pages=2))
        report = await wait_final(service.client, job_id)
        attempts = await _attempts(service.client, job_id)
    assert report["recipientStatus"][0]["status"] == "PAGE_SEND_ERR"
    assert [a["status"] for a in attempts] == ["PAGE_SEND_ERR", "PAGE_SEND_ERR"]


async def test_permanent_failure_is_not_redialled(make_service: ServiceFactory) -> None:
    async with make_service() as service:
        job_id = await send(service.client, job("+99922"))
        report = await wait_final(service.client, job_id)
        attempts = await _attempts(service.client, job_id)
    assert report["recipientStatus"][0]["status"] == "WRONG_NO"
    assert len(attempts) == 1


async def test_alternative_number_is_tried_and_reported(make_service: ServiceFactory) -> None:
    body = job()
    body["recipients"] = [{"number": "+99901", "alternativeNumbers": ["+49 30 555"]}]
    async with make_service() as service:
        job_id = await send(service.client, body)
        report = await wait_final(service.client, job_id)
        attempts = await _attempts(service.client, job_id)
    recipient = report["recipientStatus"][0]
    assert recipient["status"] == "OK"
    assert recipient["number"] == "+99901"
    assert recipient["sentToNumber"] == "004930555"
    assert [(a["number"], a["status"]) for a in attempts] == [
        ("0099901", "BUSY"),
        ("004930555", "OK"),
    ]


async def test_csid_is_sent_as_tsi(make_service: ServiceFactory) -> None:
    async with make_service() as service:
        job_id = await send(service.client, job("+99900", transportOptions={"csid": "ACME Fax"}))
        await wait_final(service.client, job_id)
        (attempt,) = await _attempts(service.client, job_id)
    assert attempt["details"]["tsi"] == "ACME Fax"


def test_plan_has_a_number_for_every_line_behaviour() -> None:
    assert {entry.line for entry in PLAN} == set(Line)
