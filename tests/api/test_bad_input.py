"""Bad input: the spec's status code, a JSON body naming the field and the fault, and
nothing stored."""

from __future__ import annotations

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


def _with(**changes: Any) -> dict[str, Any]:
    body = job("+4930123456")
    body.update(changes)
    return body


def _doc(**changes: Any) -> dict[str, Any]:
    body = job("+4930123456")
    body["documents"][0].update(changes)
    return body


CASES: list[tuple[str, Any, int, str | None, str]] = [
    ("malformed JSON", b'{"recipients": [', 400, None, "malformed JSON"),
    ("not an object", b"[1, 2]", 400, None, "object"),
    ("empty body", b"", 400, "body", "required"),
    ("missing recipients", {"documents": job()["documents"]}, 400, "recipients", "required"),
    ("empty recipients", _with(recipients=[]), 400, "recipients", "at least 1"),
    ("null recipients", _with(recipients=None), 400, "recipients", ""),
    (
        "number of wrong type",
        _with(recipients=[{"number": 49}]),
        400,
        "recipients[0].number",
        "string",
    ),
    (
        "not a number",
        _with(recipients=[{"number": "call me"}]),
        400,
        "recipients[0].number",
        "not a fax number",
    ),
    ("no documents, no cover", _with(documents=[]), 400, "documents", "cover page"),
    ("name too long", _doc(name="a" * 29 + ".pdf"), 400, "documents[0].name", "32"),
    ("name with space", _doc(name="my letter.pdf"), 400, "documents[0].name", "no spaces"),
    ("name with slash", _doc(name="../a.pdf"), 400, "documents[0].name", "slashes"),
    ("invalid base64", _doc(data="not*base64!"), 400, "documents[0].data", "base64"),
    ("neither data nor reference", _doc(data=None), 400, "documents[0]", "data"),
    (
        "unknown enum",
        _with(renderingOptions={"paperFormat": "A3"}),
        400,
        "renderingOptions.paperFormat",
        "A4",
    ),
    (
        "unknown overlay mode",
        _with(renderingOptions={"overlay": {"name": "x", "mode": "SOME"}}),
        400,
        "renderingOptions.overlay.mode",
        "",
    ),
    (
        "csid too long",
        _with(transportOptions={"csid": "x" * 21}),
        400,
        "transportOptions.csid",
        "20",
    ),
    (
        "customerDefinedId too long",
        _with(reference={"customerDefinedId": "x" * 257}),
        400,
        "reference.customerDefinedId",
        "256",
    ),
    (
        "billingCode too long",
        _with(reference={"billingCode": "x" * 81}),
        400,
        "reference.billingCode",
        "80",
    ),
    (
        "billingInfo too long",
        _with(reference={"billingInfo": "x" * 81}),
        400,
        "reference.billingInfo",
        "80",
    ),
    (
        "start without time zone",
        _with(meta={"jobValid": {"start": "2030-01-01T10:00:00"}}),
        400,
        "meta.jobValid.start",
        "time zone",
    ),
    (
        "end before start",
        _with(meta={"jobValid": {"start": "2030-01-02T10:00:00Z", "end": "2030-01-01T10:00:00Z"}}),
        400,
        "meta.jobValid.end",
        "after the start",
    ),
    (
        "end in the past",
        _with(meta={"jobValid": {"end": "2001-01-01T10:00:00Z"}}),
        400,
        "meta.jobValid.end",
        "past",
    ),
    (
        "garbage start",
        _with(meta={"jobValid": {"start": "tomorrow"}}),
        400,
        "meta.jobValid.start",
        "ISO 8601",
    ),
    (
        "push without target",
        _with(statusReportOptions={"httpStatusPush": {"authMethod": "NONE"}}),
        400,
        "statusReportOptions.httpStatusPush.targetUrl",
        "required",
    ),
    (
        "push auth unknown",
        _with(
            statusReportOptions={
                "httpStatusPush": {"targetUrl": "https://e.com", "authMethod": "KERBEROS"}
            }
        ),
        400,
        "statusReportOptions.httpStatusPush.authMethod",
        "",
    ),
    (
        "boolean of wrong type",
        _with(transportOptions={"isExpress": "maybe"}),
        400,
        "transportOptions.isExpress",
        "boolean",
    ),
]


@pytest.mark.parametrize(
    ("case", "body", "status", "field", "fault"), CASES, ids=[c[0] for c in CASES]
)
async def test_bad_job_is_refused_naming_the_field(
    api: Service, case: str, body: Any, status: int, field: str | None, fault: str
) -> None:
    if isinstance(body, bytes):
        response = await api.client.post(
            api.url(), content=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = await api.client.post(api.url(), json=body)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["status"] == status
    assert error["field"] == field
    assert fault.lower() in error["error"].lower()
    assert await _count_jobs(api) == 0


async def test_body_over_the_limit_is_413(api: Service) -> None:
    limit = api.settings.max_body_bytes
    response = await api.client.post(
        api.url(), content=b"x" * (limit + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    assert await _count_jobs(api) == 0


async def test_one_bad_document_stores_nothing(api: Service) -> None:
    body = job("+4930123456")
    body["documents"].append({"name": "second.pdf", "data": "!!"})
    response = await api.client.post(api.url(), json=body)
    assert response.status_code == 400
    assert response.json()["field"] == "documents[1].data"
    assert await _count_jobs(api) == 0


async def test_missing_authorization_is_400(api: Service) -> None:
    async with api.anonymous() as client:
        assert (await client.post(api.url(), json=job())).status_code == 400
        response = await client.get(api.url("/reports"), headers={"Authorization": "Bearer x"})
        assert response.status_code == 400
        assert response.json()["field"] == "Authorization"
    assert await _count_jobs(api) == 0


async def test_wrong_password_is_401(api: Service) -> None:
    response = await api.client.post(api.url(), json=job(), auth=("alice", "wrong"))
    assert response.status_code == 401
    response = await api.client.get(api.url("/reports"), auth=("nobody", "x"))
    assert response.status_code == 401


async def test_foreign_cust_nr_is_401(api: Service) -> None:
    response = await api.client.post("/rest/v1/88888XY/fax", json=job())
    assert response.status_code == 401
    assert await _count_jobs(api) == 0


async def test_bulk_over_1000_ids_is_400(api: Service) -> None:
    response = await api.client.post(
        f"/rest/v1/{CUST_NR}/fax/reports", json={"action": "GET", "jobIds": ["FJ"] * 1001}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "jobIds"


@pytest.mark.parametrize(
    "body", [b'{"action": "PUT", "jobIds": []}', b'{"action": "GET"}', b"null", b""]
)
async def test_bulk_bad_body_is_400(api: Service, body: bytes) -> None:
    response = await api.client.post(
        f"/rest/v1/{CUST_NR}/fax/reports",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


async def test_document_over_size_limit_is_400(api: Service) -> None:
    data = b64(pdf() + b"%" * (api.settings.max_document_bytes))
    response = await api.client.post(api.url(), json=_doc(data=data))
    assert response.status_code == 400
    assert response.json()["field"] == "documents[0].data"
