"""Stateless workers on PostgreSQL: one API process and three worker processes, each with an
empty data directory of its own and FAXGATE_SPOOL=database, nothing shared but the database.

300 jobs across the number plan must all end with the plan's status; each recipient must be
dialled exactly as often as the retry policy says (a double claim would show as an extra
call); and the API process must serve every fax image (as sent, as received, a page as PNG)
although only the workers rendered and sent them.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from PIL import Image
from sqlalchemy import select

from faxgate.domain.number_plan import PLAN, Line, PlanEntry
from faxgate.domain.retry import FailureCounts, Finish, RetryPolicy, decide
from faxgate.domain.statuses import FaxStatus
from faxgate.sealing.keys import new_key
from faxgate.store.db import open_database
from faxgate.store.tables import attempts, recipients
from tests.documents import job
from tests.e2e.conftest import (
    FAST_ENV,
    FAXGATE,
    STOP_TIMEOUT,
    FaxgateServer,
    _pg_admin,
    clean_env,
    run_cli,
)

JOBS = 300
WORKERS = 3
MULTI_PAGE = {Line.HANG_UP_AFTER_PAGE, Line.FAIL_ON_PAGE}  # they need more than one page
FINAL_WITHIN = 150.0
POLICY = RetryPolicy(no_connect_attempts=3, mid_fax_attempts=2, backoff_secs=(0.1,))
TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
ENV = {
    **FAST_ENV,
    "FAXGATE_SPOOL": "database",
    "FAXGATE_ENCRYPT_FILES": "1",  # sealed images cross hosts: every process has the same key
    "FAXGATE_SECRET_KEY": new_key().decode(),
    "FAXGATE_CHANNELS": "2",
    "FAXGATE_POLL_INTERVAL_SECS": "0.2",  # idle channels of three workers poll the database
    "FAXGATE_RETRY_NO_CONNECT_ATTEMPTS": str(POLICY.no_connect_attempts),
    "FAXGATE_RETRY_MID_FAX_ATTEMPTS": str(POLICY.mid_fax_attempts),
    "FAXGATE_CALLS_PER_DESTINATION": "4",  # ~9 jobs per plan number: let them overlap
    "FAXGATE_WORKERS_IN_SERVE": "0",
}


@dataclass
class Worker:
    """One `faxgate worker` process with its own data directory."""

    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]
    _log_file: IO[bytes]

    @classmethod
    def start(cls, data_dir: Path, db_url: str) -> Worker:
        log = data_dir.parent / f"{data_dir.name}.log"
        log_file = log.open("wb")
        process = subprocess.Popen(
            [FAXGATE, "worker", "--data-dir", str(data_dir), "--db", db_url],
            env=clean_env(**ENV),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        return cls(data_dir, log, process, log_file)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self._log_file.close()

    def finals(self) -> int:
        """Recipients this worker saw through to a final status."""
        return self.log.read_text(errors="replace").count('"recipient final"')


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    name = f"scale_{uuid.uuid4().hex[:12]}"
    _pg_admin(postgres_server, f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    _pg_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def api(tmp_path: Path, pg_url: str) -> Iterator[FaxgateServer]:
    server = FaxgateServer(tmp_path / "api", pg_url, clean_env(**ENV))
    added = run_cli(
        "accounts", "add", "--cust-nr", server.cust_nr, "--login", server.login,
        "--password", server.password, *server.store_args(), env=server.env,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workers(tmp_path: Path, pg_url: str, api: FaxgateServer) -> Iterator[list[Worker]]:
    started = [Worker.start(tmp_path / f"worker{n}", pg_url) for n in range(1, WORKERS + 1)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def expected_calls(entry: PlanEntry) -> list[FaxStatus]:
    """The statuses of the calls the plan and the retry policy make for a number."""
    statuses: list[FaxStatus] = []
    failures, index = FailureCounts(), 0
    for attempt in range(1, 100):
        busy = entry.line is Line.BUSY_THEN_ANSWER and attempt <= (entry.default_param or 0)
        status = FaxStatus.BUSY if busy else entry.status
        statuses.append(status)
        decision = decide(POLICY, status, failures, index, 1)
        if isinstance(decision, Finish):
            return statuses
        failures, index = decision.failures, decision.number_index
    raise AssertionError(f"{entry.number} is never final")


def pages(entry: PlanEntry) -> int:
    return 2 if entry.line in MULTI_PAGE else 1


def submit(api: FaxgateServer) -> dict[str, PlanEntry]:
    sent: dict[str, PlanEntry] = {}
    with api.client() as client:
        for n in range(JOBS):
            entry = PLAN[n % len(PLAN)]
            body = job(entry.number, pages=pages(entry))
            response = client.post(api.fax_url(), json=body)
            assert response.status_code == 201, response.text
            sent[response.json()["jobId"]] = entry
    return sent


def wait_all_final(api: FaxgateServer, job_ids: set[str], workers: list[Worker]) -> None:
    deadline = time.monotonic() + FINAL_WITHIN
    with api.client() as client:
        while True:
            listed = client.get(api.fax_url("/reports"))
            assert listed.status_code == 200, listed.text
            missing = job_ids - {r["jobId"] for r in listed.json()["reports"]}
            if not missing:
                return
            for worker in workers:
                assert worker.process.poll() is None, worker.log.read_text(errors="replace")
            assert time.monotonic() < deadline, f"{len(missing)} jobs never became final"
            time.sleep(0.5)


@dataclass(frozen=True)
class Outcomes:
    statuses: dict[str, str]  # job → its (only) recipient's status
    calls: dict[str, list[tuple[int, str]]]  # job → (attempt number, status) of every call


def outcomes(db_url: str) -> Outcomes:
    async def read() -> Outcomes:
        db = open_database(db_url)
        try:
            async with db.reader.connect() as conn:
                finals = (
                    await conn.execute(select(recipients.c.job_id, recipients.c.status))
                ).all()
                rows = (
                    await conn.execute(
                        select(attempts.c.job_id, attempts.c.attempt_no, attempts.c.status)
                        .where(attempts.c.recipient_idx == 0)
                        .order_by(attempts.c.job_id, attempts.c.attempt_no, attempts.c.id)
                    )
                ).all()
        finally:
            await db.dispose()
        calls: dict[str, list[tuple[int, str]]] = {}
        for row in rows:
            calls.setdefault(row.job_id, []).append((row.attempt_no, row.status))
        return Outcomes({row.job_id: row.status for row in finals}, calls)

    return asyncio.run(read())


def received_pages(tiff: bytes) -> int:
    with Image.open(io.BytesIO(tiff)) as image:
        return int(getattr(image, "n_frames", 1))


def check_images(api: FaxgateServer, sent: dict[str, PlanEntry]) -> list[str]:
    """Every job's fax as sent and, for one job per plan number, the received image (when the
    call failed: its 404, or the pages that arrived) and the last page as PNG, all from the
    API process."""
    problems: list[str] = []
    shown: set[str] = set()
    with api.client() as client:
        for job_id, entry in sent.items():
            base = f"{api.url}/faxgate/v1/jobs/{job_id}/recipients/0"
            tiff = client.get(base + "/fax.tiff")
            if tiff.status_code != 200 or not tiff.content.startswith(TIFF_MAGIC):
                problems.append(f"{job_id} fax.tiff: {tiff.status_code} {tiff.text[:100]}")
                continue
            with Image.open(io.BytesIO(tiff.content)) as image:
                if getattr(image, "n_frames", 1) != pages(entry):
                    problems.append(f"{job_id} fax.tiff: not {pages(entry)} pages")
            if entry.code in shown:
                continue
            shown.add(entry.code)
            received = client.get(base + "/received.tiff")
            if entry.status is FaxStatus.OK:
                if received.status_code != 200 or received.content != tiff.content:
                    problems.append(f"{job_id} received.tiff: {received.status_code}")
            elif received.status_code == 200:  # the pages the remote confirmed before failing
                if received_pages(received.content) >= pages(entry):
                    problems.append(f"{job_id} ({entry.status}) received every page")
            elif received.status_code != 404:
                problems.append(f"{job_id} ({entry.status}) received.tiff: {received.status_code}")
            png = client.get(base + f"/pages/{pages(entry)}.png")
            if png.status_code != 200 or not png.content.startswith(b"\x89PNG"):
                problems.append(f"{job_id} page PNG: {png.status_code} {png.text[:100]}")
    return problems


def test_three_workers_with_their_own_data_dirs_share_only_the_database(
    api: FaxgateServer, workers: list[Worker], pg_url: str
) -> None:
    sent = submit(api)
    wait_all_final(api, set(sent), workers)

    problems: list[str] = []
    found = outcomes(pg_url)
    for job_id, entry in sent.items():
        status = found.statuses.get(job_id)
        if status != entry.status.value:
            problems.append(f"{job_id} {entry.number}: {status}, the plan says {entry.status}")
        expected = [(n, s.value) for n, s in enumerate(expected_calls(entry), 1)]
        if found.calls.get(job_id) != expected:
            problems.append(
                f"{job_id} {entry.number}: calls {found.calls.get(job_id)}, not {expected}"
            )
    problems += check_images(api, sent)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])

    # Not vacuous: every worker did part of the work, and no image lies in any data dir.
    finals = Counter({worker.data_dir.name: worker.finals() for worker in workers})
    assert sum(finals.values()) == JOBS and all(finals.values()), finals
    for data_dir in (api.data_dir, *(worker.data_dir for worker in workers)):
        assert not (data_dir / "spool").exists() and not (data_dir / "received").exists()
