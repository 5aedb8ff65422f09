"""A SIGKILLed `faxgate serve` (or one the OOM killer hit) leaves no render process behind."""

from __future__ import annotations

import time
from pathlib import Path

from tests.documents import job
from tests.e2e.conftest import FaxgateServer
from tests.processes import all_gone, children


def _render_processes(server_pid: int) -> set[int]:
    return {
        pid
        for pid in children(server_pid)
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    }


def test_render_processes_die_with_a_killed_server(server: FaxgateServer) -> None:
    assert server.process is not None
    with server.client() as client:
        job_id = client.post(server.fax_url(), json=job("+4930123456")).json()["jobId"]
        deadline = time.monotonic() + 60
        while (
            client.get(server.fax_url(f"/reports/{job_id}")).json()["recipientStatus"][0]["status"]
            == "PENDING"
        ):
            assert time.monotonic() < deadline, "the fax never finished"
            time.sleep(0.1)
    rendered_by = _render_processes(server.process.pid)
    assert rendered_by, "the fax was rendered, but no render process was found"

    server.kill()

    assert all_gone(rendered_by, within=10)
