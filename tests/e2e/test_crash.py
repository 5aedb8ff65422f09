"""Kill -9 midway: every job that got a job ID still ends final, and none is sent twice as OK.

200 jobs are submitted concurrently to a real `faxgate serve` whose simulated calls take real
time; the server is killed with SIGKILL while submissions and calls are in flight, then
started again on the same data directory and database. Requests that got no answer may or
may not exist; every answered job must reach a final OK report with exactly one OK call.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from faxgate.store.db import open_database
from faxgate.store.tables import recipients
from tests.documents import job
from tests.e2e.conftest import FaxgateServer

JOBS = 200
KILL_AFTER = 40  # answered submissions before the kill
DONE_BEFORE_KILL = 5  # complete jobs before the kill
SUBMITTERS = 4
FINAL_WITHIN = 180.0
CRASH_ENV = {
    "FAXGATE_SIM_DELAY_SECS": "0.05",
    "FAXGATE_CHANNELS": "4",
    "FAXGATE_LEASE_SECS": "3",
}


def number(n: int) -> str:
    """A plain number per job (every call succeeds; distinct lines run in parallel)."""
    return f"+4930{5_000_000 + n}"


@dataclass(frozen=True)
class AtKill:
    pending: set[str]  # answered jobs with a recipient not yet final
    leased: int  # recipients whose lease a worker held


def submit_all(server: FaxgateServer, kill: Callable[[], None]) -> dict[str, str]:
    """Submit JOBS jobs concurrently and kill the server midway; the answered job IDs.

    The kill comes once KILL_AFTER submissions were answered and DONE_BEFORE_KILL jobs are
    complete, so the pipeline holds finished, in-progress and waiting jobs at that moment.
    """
    answered: dict[str, str] = {}  # jobId → number
    lock = threading.Lock()

    def submit(client: httpx.Client, n: int) -> None:
        try:
            response = client.post(server.fax_url(), json=job(number(n)))
        except httpx.TransportError:
            return  # no answer: the job may or may not exist
        assert response.status_code == 201, response.text
        with lock:
            answered[response.json()["jobId"]] = number(n)

    def completed(client: httpx.Client) -> int:
        return len(client.get(server.fax_url("/reports")).json()["reports"])

    with server.client(timeout=60) as client, ThreadPoolExecutor(SUBMITTERS) as pool:
        warm_up(server, client)
        futures = [pool.submit(submit, client, n) for n in range(JOBS)]
        deadline = time.monotonic() + FINAL_WITHIN
        while len(answered) < KILL_AFTER or completed(client) < DONE_BEFORE_KILL:
            assert not all(f.done() for f in futures), "every submission ended before the kill"
            assert time.monotonic() < deadline, f"{len(answered)} answered, too few complete"
            time.sleep(0.1)
        kill()
        for future in futures:
            future.result()
    return answered


def warm_up(server: FaxgateServer, client: httpx.Client) -> None:
    """One job through the whole pipeline first: a server that has been running a while."""
    response = client.post(server.fax_url(), json=job(number(JOBS)))
    assert response.status_code == 201, response.text
    job_id = response.json()["jobId"]
    deadline = time.monotonic() + FINAL_WITHIN
    while (
        client.get(server.fax_url(f"/reports/{job_id}")).json()["recipientStatus"][0]["status"]
        == "PENDING"
    ):
        assert time.monotonic() < deadline, "the warm-up job never became final"
        time.sleep(0.1)
    client.delete(server.fax_url(f"/reports/{job_id}")).raise_for_status()


def state_at_kill(db_url: str, job_ids: set[str]) -> AtKill:
    """Read the store the killed server left behind (nothing runs on it now)."""

    async def read() -> AtKill:
        db = open_database(db_url)
        try:
            async with db.reader.connect() as conn:
                rows = (
                    await conn.execute(
                        select(recipients.c.job_id, recipients.c.status, recipients.c.lease_owner)
                    )
                ).all()
        finally:
            await db.dispose()
        return AtKill(
            pending={r.job_id for r in rows if r.job_id in job_ids and r.status == "PENDING"},
            leased=sum(1 for r in rows if r.lease_owner is not None and r.status == "PENDING"),
        )

    return asyncio.run(read())


def wait_all_completed(server: FaxgateServer, job_ids: set[str]) -> None:
    """Poll the list of completed reports until every answered job is in it."""
    deadline = time.monotonic() + FINAL_WITHIN
    with server.client() as client:
        while True:
            listed = client.get(server.fax_url("/reports"))
            assert listed.status_code == 200, listed.text
            done = {r["jobId"] for r in listed.json()["reports"]}
            missing = job_ids - done
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(missing)} answered jobs never became final after the restart, "
                    f"e.g. {sorted(missing)[:5]}"
                )
            time.sleep(0.5)


def test_sigkill_midway_every_answered_job_final_and_sent_once(
    faxgate_factory: Callable[..., FaxgateServer],
) -> None:
    server = faxgate_factory(**CRASH_ENV)
    sqlite_url = f"sqlite+aiosqlite:///{(server.data_dir / 'faxgate.db').resolve()}"
    db_url = server.db_url or sqlite_url

    answered = submit_all(server, server.kill)
    job_ids = set(answered)
    at_kill = state_at_kill(db_url, job_ids)

    # Not vacuous: the kill landed while answered jobs were pending and calls held leases.
    assert at_kill.pending, "every answered job was already final when the server was killed"
    assert at_kill.leased, "no call was in progress when the server was killed"

    server.start()  # same data directory and database, a fresh process
    wait_all_completed(server, job_ids)

    problems: list[str] = []
    with server.client() as client:
        for job_id, dialled in sorted(answered.items()):
            response = client.get(f"{server.url}/faxgate/v1/jobs/{job_id}")
            assert response.status_code == 200, (job_id, response.text)
            detail = response.json()
            statuses = [(r["number"], r["status"]) for r in detail["recipientStatus"]]
            if statuses != [(dialled, "OK")]:
                problems.append(f"{job_id}: recipients {statuses}")
            ok_calls = [a for a in detail["attempts"] if a["status"] == "OK"]
            if len(ok_calls) != 1:
                problems.append(f"{job_id}: {len(ok_calls)} OK calls: {detail['attempts']}")
    assert not problems, (
        f"{len(problems)} of {len(answered)} answered jobs are wrong "
        f"({len(at_kill.pending)} were pending at the kill):\n" + "\n".join(problems[:20])
    )
