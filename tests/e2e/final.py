"""Waiting for a job of a real `faxgate serve` to end."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import FaxgateServer


def final_report(server: FaxgateServer, job_id: str, within: float = 60) -> dict[str, Any]:
    """The job's report once no recipient is PENDING any more."""
    deadline = time.monotonic() + within
    with server.client() as client:
        while True:
            report: dict[str, Any] = client.get(server.fax_url(f"/reports/{job_id}")).json()
            if all(r["status"] != "PENDING" for r in report["recipientStatus"]):
                return report
            assert time.monotonic() < deadline, f"{job_id} still pending: {report}"
            time.sleep(0.2)
