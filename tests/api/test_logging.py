"""Logs: one structured line per request and per job transition, never document content
or passwords."""

from __future__ import annotations

import json

import pytest
from structlog.testing import capture_logs

from tests.api.helpers import send, wait_final
from tests.conftest import PASSWORD, Service
from tests.documents import b64, job, pdf

pytestmark = pytest.mark.anyio


async def test_logs_name_requests_and_transitions_but_never_secrets(service: Service) -> None:
    push = {
        "targetUrl": "https://example.com/push",
        "authMethod": "HTTP_BASIC",
        "principal": "hook-user",
        "credentials": "hook-password-123",
    }
    body = job("+99900", statusReportOptions={"httpStatusPush": push})
    with capture_logs() as events:
        job_id = await send(service.client, body)
        await wait_final(service.client, job_id)
        await service.client.get(service.url("/reports"), auth=("alice", "wrong-password-456"))
    names = [e["event"] for e in events]
    assert "request" in names and "job accepted" in names
    assert "recipient final" in names and "job complete" in names
    requests = [e for e in events if e["event"] == "request"]
    assert {"method", "path", "status", "ms"} <= set(requests[0])
    text = json.dumps(events, default=str)
    for secret in (PASSWORD, "wrong-password-456", "hook-password-123", b64(pdf())[:40]):
        assert secret not in text
