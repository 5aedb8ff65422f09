"""What `faxgate serve` writes on stderr: one JSON object per line for each request and job
transition, as a log shipper reads it."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.documents import job
from tests.e2e.conftest import FaxgateServer


def _events(server: FaxgateServer) -> list[dict[str, Any]]:
    lines = [line for line in server.stderr().splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def test_requests_and_transitions_are_json_lines(server: FaxgateServer) -> None:
    with server.client() as client:
        job_id = client.post(server.fax_url(), json=job("+4930123456")).json()["jobId"]
    deadline = time.monotonic() + 60
    while not any(e.get("event") == "job complete" for e in _events(server)):
        assert time.monotonic() < deadline, "no 'job complete' line"
        time.sleep(0.1)
    events = _events(server)
    posted = [e for e in events if e["event"] == "request" and e["method"] == "POST"]
    assert posted and posted[0]["status"] == 201 and posted[0]["level"] == "info"
    assert posted[0]["timestamp"].endswith("Z")
    accepted = [e for e in events if e["event"] == "job accepted"]
    assert [e["job_id"] for e in accepted] == [job_id]
