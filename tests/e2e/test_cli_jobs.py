"""`faxgate send --no-wait` and `faxgate jobs` against a real `faxgate serve`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.documents import pdf
from tests.e2e.conftest import FaxgateServer
from tests.e2e.final import final_report

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_send_no_wait_prints_only_the_job_id_and_jobs_lists_it(
    server: FaxgateServer, tmp_path: Path
) -> None:
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(pdf(1))
    sent = [server.cli("send", str(letter), "--to", "+4930123456", "--no-wait") for _ in range(3)]
    assert all(done.returncode == 0 for done in sent), [d.stderr for d in sent]
    job_ids = [done.stdout.strip() for done in sent]
    assert all(job_id.startswith("FJ") and job_id.isalnum() for job_id in job_ids), job_ids

    listed = server.cli("jobs")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == job_ids[::-1]  # newest first
    assert "+4930123456:" in lines[0]

    paged = server.cli("jobs", "--limit", "1", "--all", "--json")
    assert paged.returncode == 0, paged.stderr
    assert [json.loads(line)["jobId"] for line in paged.stdout.splitlines()] == job_ids[::-1]
    first_page = server.cli("jobs", "--limit", "1")
    assert len(first_page.stdout.splitlines()) == 1

    for job_id in job_ids:
        final_report(server, job_id, within=60)
    done = server.cli("jobs", "--final", "--status", "OK", "--json")
    assert [json.loads(line)["jobId"] for line in done.stdout.splitlines()] == job_ids[::-1]
    assert server.cli("jobs", "--pending").stdout == ""


def test_a_bad_filter_is_a_one_line_error_naming_it(server: FaxgateServer) -> None:
    done = server.cli("jobs", "--status", "LOST")
    assert done.returncode == 1
    assert '"field":"status"' in done.stderr
    assert "Traceback" not in done.stderr
