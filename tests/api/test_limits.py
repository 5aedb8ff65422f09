"""What one request may carry: recipients, documents and report-mail addresses per job, JSON
elements per body, and only JSON media types on the JSON endpoints (415 otherwise)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from faxgate.store.tables import jobs
from tests.conftest import CUST_NR, Service
from tests.documents import b64, job, pdf

pytestmark = pytest.mark.anyio


async def _count_jobs(api: Service) -> int:
    async with api.db.reader.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(jobs)) or 0)


def _recipients(count: int) -> dict[str, Any]:
    return job(*(f"+4930{1_000_000 + n}" for n in range(count)))


def _documents(count: int) -> dict[str, Any]:
    body = job()
    body["documents"] = [{"name": f"p{n}.pdf", "data": b64(pdf())} for n in range(count)]
    return body


def _addresses(field: str, count: int) -> dict[str, Any]:
    addresses = ", ".join(f"ops{n}@example.com" for n in range(count))
    return job(statusReportOptions={"reportMail": {field: addresses}})


async def _refused(api: Service, body: dict[str, Any], field: str, fault: str) -> None:
    response = await api.client.post(api.url(), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert fault in response.json()["error"]


async def test_recipients_per_job_are_capped(api: Service) -> None:
    cap = api.settings.max_recipients
    assert (await api.client.post(api.url(), json=_recipients(cap))).status_code == 201
    await _refused(api, _recipients(cap + 1), "recipients", f"at most {cap}")
    assert await _count_jobs(api) == 1


async def test_many_recipients_are_refused_before_each_is_checked(api: Service) -> None:
    body = _recipients(1)
    body["recipients"] = [{"number": "not a number"}] * 200_000
    await _refused(api, body, "recipients", f"at most {api.settings.max_recipients}")


async def test_documents_per_job_are_capped(api: Service) -> None:
    cap = api.settings.max_documents
    assert (await api.client.post(api.url(), json=_documents(cap))).status_code == 201
    await _refused(api, _documents(cap + 1), "documents", f"at most {cap}")
    assert await _count_jobs(api) == 1


@pytest.mark.parametrize("field", ["successAddress", "failureAddress"])
async def test_report_mail_addresses_are_capped(api: Service, field: str) -> None:
    cap = api.settings.max_mail_addresses
    assert (await api.client.post(api.url(), json=_addresses(field, cap))).status_code == 201
    await _refused(
        api,
        _addresses(field, cap + 1),
        f"statusReportOptions.reportMail.{field}",
        f"at most {cap}",
    )
    assert await _count_jobs(api) == 1


async def test_a_mail_address_longer_than_smtp_allows_is_refused(api: Service) -> None:
    body = job(statusReportOptions={"reportMail": {"successAddress": "a" * 300 + "@example.com"}})
    await _refused(api, body, "statusReportOptions.reportMail.successAddress", "254")


async def test_properties_and_alternative_numbers_per_recipient_are_capped(api: Service) -> None:
    body = job()
    body["recipients"][0]["properties"] = [{"key": "k", "value": "v"}] * 1001
    await _refused(api, body, "recipients[0].properties", "at most")
    body = job()
    body["recipients"][0]["alternativeNumbers"] = ["+4930123456"] * 101
    await _refused(api, body, "recipients[0].alternativeNumbers", "at most")


async def test_a_body_of_too_many_json_elements_is_refused(api: Service) -> None:
    # Ignored fields cost memory too while they are parsed: about 30 bytes per element.
    body = job(junk=[0] * (api.settings.max_json_elements + 1))
    await _refused(api, body, "body", "JSON elements")
    assert await _count_jobs(api) == 0


# --- media types ---------------------------------------------------------------------------

ENDPOINTS = [
    ("/fax", job()),
    ("/fax/reports", {"action": "GET", "jobIds": []}),
]
REFUSED_TYPES = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonp",
    "application/json; charset=iso-8859-1",
    None,  # every official SDK sends one (spec §2.2, §11)
]
ACCEPTED_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=UTF-8",  # the Java SDK
    'Application/JSON;charset="utf-8"',
]


def _encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


@pytest.mark.parametrize("content_type", REFUSED_TYPES)
@pytest.mark.parametrize(("path", "body"), ENDPOINTS, ids=["send", "bulk"])
async def test_json_endpoints_refuse_other_media_types(
    api: Service, path: str, body: dict[str, Any], content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await api.client.post(
        f"/rest/v1/{CUST_NR}{path}", content=_encoded(body), headers=headers
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["field"] == "Content-Type"
    assert "application/json" in response.json()["error"]
    assert await _count_jobs(api) == 0


@pytest.mark.parametrize("content_type", ACCEPTED_TYPES)
@pytest.mark.parametrize(("path", "body", "status"), [(*ENDPOINTS[0], 201), (*ENDPOINTS[1], 200)])
async def test_json_endpoints_accept_json(
    api: Service, path: str, body: dict[str, Any], status: int, content_type: str
) -> None:
    response = await api.client.post(
        f"/rest/v1/{CUST_NR}{path}",
        content=_encoded(body),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == status, response.text


async def test_get_and_delete_ignore_the_content_type(api: Service) -> None:
    for method in ("GET", "DELETE"):
        response = await api.client.request(
            method, api.url("/reports"), headers={"Content-Type": "text/plain"}
        )
        assert response.status_code == 200
