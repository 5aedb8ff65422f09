"""POST /{custNr}/fax: acceptance, tolerance of every SDK's dialect, and storage."""

from __future__ import annotations

import asyncio
import base64

import pytest
from sqlalchemy import func, select

from faxgate.domain.ids import JOB_ID_PATTERN
from faxgate.domain.job import Overlay, OverlayMode, PaperFormat, Resolution, Transport
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth
from faxgate.service.account_admin import add_template
from faxgate.store.job_json import options_from_json
from faxgate.store.tables import documents, jobs, recipients
from tests.api.helpers import send
from tests.conftest import CUST_NR, LOGIN, PASSWORD, Service
from tests.documents import b64, job, pdf

pytestmark = pytest.mark.anyio


async def test_send_returns_201_with_job_id_and_json(api: Service) -> None:
    response = await api.client.post(api.url(), json=job("+4930123456"))
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    job_id = response.json()["jobId"]
    assert JOB_ID_PATTERN.fullmatch(job_id)
    assert set(response.json()) == {"jobId"}


async def test_accepted_job_is_committed_with_documents_and_recipients(api: Service) -> None:
    job_id = await send(api.client, job("+4930123456", "+99900"))
    async with api.db.reader.connect() as conn:
        assert await conn.scalar(select(func.count()).where(jobs.c.job_id == job_id)) == 1
        content = await conn.scalar(select(documents.c.content).where(documents.c.job_id == job_id))
        assert content == pdf(1)
        assert await conn.scalar(select(func.count()).where(recipients.c.job_id == job_id)) == 2


async def test_mime_wrapped_base64_is_accepted(api: Service) -> None:
    """Java's MIME encoder wraps base64 every 76 characters with CRLF."""
    wrapped = base64.encodebytes(pdf(1)).decode().replace("\n", "\r\n")
    body = job("+4930123456")
    body["documents"][0]["data"] = wrapped
    job_id = await send(api.client, body)
    async with api.db.reader.connect() as conn:
        content = await conn.scalar(select(documents.c.content).where(documents.c.job_id == job_id))
    assert content == pdf(1)


async def test_concurrent_jobs_with_many_recipients_are_all_stored(api: Service) -> None:
    """Jobs that share one commit, with more rows than one SQLite statement may bind."""
    numbers = [f"+49301234{i:03d}" for i in range(250)]
    job_ids = await asyncio.gather(*(send(api.client, job(*numbers)) for _ in range(8)))
    async with api.db.reader.connect() as conn:
        for job_id in job_ids:
            stored = (
                await conn.execute(
                    select(recipients.c.idx, recipients.c.number)
                    .where(recipients.c.job_id == job_id)
                    .order_by(recipients.c.idx)
                )
            ).all()
            assert [(row.idx, row.number) for row in stored] == list(enumerate(numbers))


async def test_report_exists_immediately_as_pending(api: Service) -> None:
    job_id = await send(api.client, job("+49 89 1234567-8900"))
    report = (await api.client.get(api.url(f"/reports/{job_id}"))).json()
    assert report["jobId"] == job_id
    assert report["pages"] == 0
    (recipient,) = report["recipientStatus"]
    assert recipient["number"] == "+49 89 1234567-8900"
    assert recipient["status"] == "PENDING"
    assert isinstance(recipient["reason"], str)
    assert recipient["sentTs"] is None
    assert recipient["durationInSecs"] == 0
    assert report["reference"] == {"customerDefinedId": "", "billingCode": "", "billingInfo": ""}


async def test_python_sdk_snake_case_body_is_understood(api: Service) -> None:
    body = {
        "recipients": [
            {"number": "+4912345678", "properties": [{"key": "ToName", "value": "Bob"}]}
        ],
        "documents": [{"name": "a.pdf", "data": b64(pdf()), "charset": None}],
        "rendering_options": {
            "paper_format": "Letter",
            "resolution": "low",
            "coverpage_template": "x.html",
            "header": "%C",
        },
    }
    job_id = await send(api.client, body)
    async with api.db.reader.connect() as conn:
        options = options_from_json(
            str(await conn.scalar(select(jobs.c.options).where(jobs.c.job_id == job_id)))
        )
    assert options.rendering.paper is PaperFormat.LETTER
    assert options.rendering.resolution is Resolution.LOW
    assert options.rendering.cover_template == "x.html"


async def test_java_sdk_explicit_nulls_are_absent(api: Service) -> None:
    body = {
        "documents": [{"name": "a.pdf", "charset": None, "reference": None, "data": b64(pdf())}],
        "recipients": [{"number": "+4912345", "properties": None}],
        "transportOptions": None,
        "renderingOptions": None,
        "statusReportOptions": None,
        "meta": None,
        "reference": None,
    }
    await send(api.client, body)


async def test_go_sdk_dialect_is_accepted(api: Service) -> None:
    body = job(
        "+4912345",
        renderingOptions={"paperFormat": "", "overlay": None},
        statusReportOptions={
            "reportPurgeTs": "0001-01-01T00:00:00+0000",
            "httpStatusPush": {"targetUrl": "https://example.com/push", "authMethod": "OAUTH"},
        },
        meta={"customerReference": "", "jobValid": {}},
    )
    body["recipients"][0]["alternativeNumbers"] = ["+4912346"]
    body["documents"][0]["charset"] = "utf-8"
    await send(api.client, body)


async def test_full_request_is_stored_including_later_options(api: Service) -> None:
    await add_template(api.db, CUST_NR, "overlay", "letterhead", pdf(), is_default=False)
    body = job(
        "+4912345",
        reference={"customerDefinedId": "c-1", "billingCode": "bc", "billingInfo": "bi"},
        transportOptions={"csid": "ACME Corp", "isExpress": True, "isBlacklistEnabled": True},
        renderingOptions={"overlay": {"name": "letterhead", "mode": "first_page"}},
        statusReportOptions={
            "reportMail": {
                "successAddress": "ok@example.com",
                "failureAddress": "no@example.com",
                "attachedFaxImageMode": "always",
                "attachedFaxImageFormat": "pdf",
            },
            "httpStatusPush": {
                "targetUrl": "https://example.com/p",
                "principal": "u",
                "credentials": "p",
                "authMethod": "http_digest",
            },
        },
        meta={"customerReference": "ref", "jobValid": {"start": "PT1M", "end": "PT80M"}},
    )
    job_id = await send(api.client, body)
    async with api.db.reader.connect() as conn:
        row = (await conn.execute(select(jobs).where(jobs.c.job_id == job_id))).one()
    options = options_from_json(row.options)
    assert options.transport == Transport(csid="ACME Corp", express=True, blocklist_enabled=True)
    assert options.rendering.overlay == Overlay("letterhead", OverlayMode.FIRST_PAGE)
    assert options.reporting.push is not None
    assert options.reporting.push.auth is PushAuth.HTTP_DIGEST
    assert options.reporting.mail is not None
    assert options.reporting.mail.attached_fax_image_mode is ImageMode.ALWAYS
    assert options.reporting.mail.attached_fax_image_format is ImageFormat.PDF
    assert options.customer_reference == "ref"
    assert body["documents"][0]["data"] not in row.options
    assert row.valid_end - row.valid_start == pytest.approx(79 * 60, abs=5)
    report = (await api.client.get(api.url(f"/reports/{job_id}"))).json()
    assert report["reference"] == {
        "customerDefinedId": "c-1",
        "billingCode": "bc",
        "billingInfo": "bi",
    }


async def test_cover_page_without_documents_is_valid(api: Service) -> None:
    body = {
        "recipients": [{"number": "+4912345"}],
        "renderingOptions": {"coverpageTemplate": "coverpage-default.ftl.html"},
    }
    await send(api.client, body)


async def test_reference_wins_over_data_and_content_is_not_stored(api: Service) -> None:
    body = job("+4912345")
    body["documents"][0]["reference"] = "https://example.com/letter.pdf"
    job_id = await send(api.client, body)
    async with api.db.reader.connect() as conn:
        row = (await conn.execute(select(documents).where(documents.c.job_id == job_id))).one()
    assert row.reference == "https://example.com/letter.pdf"
    assert row.content is None


async def test_urlsafe_basic_auth_without_padding(api: Service) -> None:
    token = base64.urlsafe_b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode().rstrip("=")
    assert "-" in token or "_" in token  # the password is chosen so the alphabets differ
    response = await api.client.post(
        api.url(), json=job(), headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 201


async def test_double_slash_and_trailing_slash_are_tolerated(api: Service) -> None:
    response = await api.client.post(f"/rest/v1//{CUST_NR}/fax/", json=job())
    assert response.status_code == 201
    job_id = response.json()["jobId"]
    assert (await api.client.get(f"/rest/v1//{CUST_NR}/fax/reports/{job_id}")).status_code == 200


async def test_content_type_on_get_and_delete_is_ignored(api: Service) -> None:
    headers = {"Content-Type": "application/json"}
    response = await api.client.get(api.url("/reports"), headers=headers)
    assert response.status_code == 200
    response = await api.client.delete(api.url("/reports"), headers=headers)
    assert response.status_code == 200


async def test_duplicate_customer_defined_id_is_409_naming_the_first_job(api: Service) -> None:
    body = job(reference={"customerDefinedId": "invoice-42"})
    first = await send(api.client, body)
    response = await api.client.post(api.url(), json=body)
    assert response.status_code == 409
    assert response.json()["field"] == "reference.customerDefinedId"
    assert response.headers["X-Faxgate-Existing-Job"] == first
    # another login of the same account has its own namespace
    other = await api.client.post(api.url(), json=body, auth=("carol", "carol-secret"))
    assert other.status_code == 201
    # jobs without a customerDefinedId are never duplicates
    await send(api.client, job())
    await send(api.client, job())


async def test_overlay_must_name_a_template_of_the_account(api: Service) -> None:
    body = job(renderingOptions={"overlay": {"name": "letterhead", "mode": "ALL_PAGES"}})
    response = await api.client.post(api.url(), json=body)
    assert response.status_code == 400
    assert response.json()["field"] == "renderingOptions.overlay.name"
    body["renderingOptions"]["overlay"]["mode"] = "NO_OVERLAY"
    await send(api.client, body)


async def test_charset_is_checked_for_text_documents_only(api: Service) -> None:
    text = {"name": "note.txt", "data": b64("Grüße".encode("cp1252")), "charset": "koi8"}
    response = await api.client.post(api.url(), json=job(documents=[text]))
    assert response.status_code == 400
    assert response.json()["field"] == "documents[0].charset"
    text["charset"] = "windows-1252"
    await send(api.client, job(documents=[text]))
    await send(api.client, job(documents=[{"name": "a.pdf", "data": b64(pdf()), "charset": "x"}]))
