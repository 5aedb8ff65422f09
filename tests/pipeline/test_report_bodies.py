"""The JSON status push posts exactly the bytes the API answers for the same report: one
serialiser behind both, the push going through the outbox snapshot on the way."""

from __future__ import annotations

import time
from typing import Any

import anyio
import jsonschema
import pytest

from faxgate.domain.job import AccountChanges, PushFormat
from faxgate.domain.report_schema import FaxReportOut
from faxgate.sealing.keys import secret_box
from faxgate.service.account_admin import configure
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR
from tests.documents import job
from tests.notify.receiver import ReceiverState, running_receiver
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio
LOOPBACK = ("127.0.0.0/8",)


async def _first_push(receiver: ReceiverState) -> bytes:
    deadline = time.monotonic() + 60
    while not receiver.received:
        assert time.monotonic() < deadline, receiver.requests
        await anyio.sleep(0.05)
    return receiver.received[0].body


async def test_json_push_is_the_api_report_byte_for_byte(make_service: ServiceFactory) -> None:
    with running_receiver() as receiver:
        async with make_service(allow_networks=LOOPBACK) as service:
            await configure(
                service.db,
                secret_box(service.settings),
                CUST_NR,
                AccountChanges(push_format=PushFormat.JSON),
            )
            body = job(
                "+99900",
                "+99901",
                reference={"customerDefinedId": "Bestellung ü-17", "billingCode": "bc"},
                statusReportOptions={
                    "httpStatusPush": {"targetUrl": receiver.url("/none"), "authMethod": "NONE"}
                },
            )
            body["recipients"][0]["properties"] = [
                {"key": "ToName", "value": "Jörg Müller"},
                {"key": "SubjectTitle", "value": 'Invoice <1> & "co"'},
            ]
            job_id = await send(service.client, body)
            await wait_final(service.client, job_id)
            pushed = await _first_push(receiver)
            answer = await service.client.get(f"/rest/v1/{CUST_NR}/fax/reports/{job_id}")
            async with service.anonymous() as anonymous:
                document: dict[str, Any] = (await anonymous.get("/openapi.json")).json()
    assert answer.status_code == 200
    assert pushed == answer.content
    assert "Jörg Müller".encode() in pushed  # UTF-8, not \u escapes, in both
    report = FaxReportOut.model_validate_json(pushed)
    assert [r.status for r in report.recipientStatus] == ["OK", "BUSY"]
    assert report.reference.billingInfo == ""
    schema = {"components": document["components"], "$ref": "#/components/schemas/FaxReportOut"}
    jsonschema.Draft202012Validator(schema).validate(answer.json())
