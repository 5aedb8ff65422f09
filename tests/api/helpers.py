"""Waiting for the pipeline, as a client would: by polling the report."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx

from tests.conftest import CUST_NR


async def wait_final(
    client: httpx.AsyncClient,
    job_id: str,
    within: float = 60,
    base: str = "/rest/v1",
    auth: tuple[str, str] | None = None,
    cust_nr: str = CUST_NR,
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        url = f"{base}/{cust_nr}/fax/reports/{job_id}"
        response = await (client.get(url, auth=auth) if auth else client.get(url))
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        if all(r["status"] != "PENDING" for r in report["recipientStatus"]):
            return report
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still pending: {report}")
        await anyio.sleep(0.05)


async def send(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post(f"/rest/v1/{CUST_NR}/fax", json=body)
    assert response.status_code == 201, response.text
    job_id: str = response.json()["jobId"]
    return job_id
