"""A SIGKILLed `faxgate serve` (or one the OOM killer hit) leaves no render process behind."""

from __future__ import annotations

import time
from pathlib import Path

from tests.documents import job
from tests.e2e.conftest import FaxgateServer


def _children(parent: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == parent:
            found.add(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _render_processes(server_pid: int) -> set[int]:
    return {
        pid
        for pid in _children(server_pid)
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

    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in rendered_by) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in rendered_by if _running(pid)]
