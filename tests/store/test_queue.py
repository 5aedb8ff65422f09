"""The claim: on PostgreSQL many claimers side by side, each on its own connection, never
lease more calls to one line than allowed, never take one recipient twice, and do not wait
for each other; on both databases the line of a redial is the number it dials."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence

import anyio
import pytest

from faxgate.domain.attempt import Claim, NextStep
from faxgate.domain.job import JobOptions
from faxgate.domain.report import Reference
from faxgate.domain.retry import FailureCounts
from faxgate.domain.statuses import FaxStatus
from faxgate.store import queue
from faxgate.store.db import Database
from faxgate.store.jobs import NewJob, NewRecipient, insert_jobs
from tests.conftest import CUST_NR, LOGIN

pytestmark = pytest.mark.anyio
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

CLAIMERS = 16
LINES = ("0049301", "0049302", "0049303", "0049304")
MAX_ROUNDS = 2000  # per claimer: far more than the work needs, so a bug ends the test


def _job(n: int, numbers: Sequence[tuple[str, ...]], start: float, express: bool) -> NewJob:
    return NewJob(
        job_id=_job_id(n),
        login=LOGIN,
        cust_nr=CUST_NR,
        dc="dc1",
        created_at=start,
        reference=Reference(),
        options=JobOptions(),
        payload_hash="0" * 64,
        valid_start=start,
        valid_end=start + 3600,
        express=express,
        documents=(),
        recipients=tuple(NewRecipient(line[0], (), line) for line in numbers),
    )


async def _store(db: Database, jobs: Sequence[NewJob]) -> None:
    async with db.writer.begin() as conn:
        await conn.run_sync(insert_jobs, jobs)


def _final(claim: Claim, now: float) -> NextStep:
    return _step(claim, now, final=True, number_index=claim.number_index)


def _step(claim: Claim, now: float, final: bool, number_index: int) -> NextStep:
    return NextStep(
        final=final,
        status=FaxStatus.OK if final else FaxStatus.PENDING,
        reason="OK" if final else "PENDING: BUSY, will redial",
        number_index=number_index,
        next_attempt_at=now,
        failures=FailureCounts(),
        pages=1,
        sent_ts=now,
        duration_secs=1,
        sent_to_number=claim.destination,
        remote_csid=None,
    )


@on_postgresql
@pytest.mark.parametrize("per_destination", [1, 2])
async def test_concurrent_claimers_keep_every_line_within_its_channels(
    db: Database, per_destination: int
) -> None:
    start = time.time() - 10
    rng = random.Random(per_destination)
    await _store(
        db,
        [
            _job(n, [(LINES[n % 4],), (LINES[(n + 1) % 4],)], start + n * 0.001, n % 7 == 0)
            for n in range(60)
        ],
    )
    total = 120
    live: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    most_at_once = 0
    claimed: list[tuple[str, int]] = []
    finished = 0

    async def claimer(name: str) -> None:
        nonlocal most_at_once, finished
        for _ in range(MAX_ROUNDS):
            if finished == total:
                return
            async with db.writer.begin() as conn:
                claim = await queue.claim(conn, name, time.time(), 60, per_destination)
            if claim is None:
                await anyio.sleep(0.002)
                continue
            # Counted from after the lease's commit to before the record: inside the lease.
            live[claim.destination] += 1
            peak[claim.destination] = max(peak[claim.destination], live[claim.destination])
            most_at_once = max(most_at_once, live.total())
            claimed.append((claim.job_id, claim.idx))
            await anyio.sleep(rng.uniform(0.001, 0.01))  # the call
            live[claim.destination] -= 1
            async with db.writer.begin() as conn:
                assert await queue.record(
                    conn, claim, name, None, _final(claim, time.time()), time.time()
                )
            finished += 1

    with anyio.fail_after(120):
        async with anyio.create_task_group() as group:
            for n in range(CLAIMERS):
                group.start_soon(claimer, f"w{n}")

    assert finished == total, "not every recipient was claimed"
    assert len(set(claimed)) == len(claimed) == total, "a recipient was claimed twice"
    assert max(peak.values()) <= per_destination, f"too many calls on one line: {peak}"
    assert most_at_once >= 2, "the claimers never overlapped: the test proved nothing"


@on_postgresql
async def test_a_claimer_skips_a_line_another_claim_holds_instead_of_waiting(
    db: Database,
) -> None:
    start = time.time() - 10
    first, second, other = "0049777", "0049777", "0049888"
    await _store(
        db,
        [
            _job(1, [(first,)], start, False),
            _job(2, [(second,)], start + 1, False),
            _job(3, [(other,)], start + 2, False),
        ],
    )
    now = time.time()
    with anyio.fail_after(30):  # the old global lock made the second claimer wait forever
        async with db.writer.begin() as holding:
            a = await queue.claim(holding, "w1", now, 60, per_destination=2)
            async with db.writer.begin() as conn:
                b = await queue.claim(conn, "w2", now, 60, per_destination=2)
        async with db.writer.begin() as conn:
            c = await queue.claim(conn, "w3", now, 60, per_destination=2)
        async with db.writer.begin() as conn:
            d = await queue.claim(conn, "w4", now, 60, per_destination=2)
    assert a is not None and b is not None and c is not None
    # b skipped the second call to 777 while a's claim of that line was still open
    assert (a.job_id, b.job_id, c.job_id, d) == (_job_id(1), _job_id(3), _job_id(2), None)


def _job_id(n: int) -> str:
    return f"claims{n:016d}"


async def test_a_redial_on_the_alternative_number_occupies_that_line(db: Database) -> None:
    start = time.time() - 10
    main, alternative = "0049555", "0049666"
    await _store(db, [_job(1, [(main, alternative)], start, False)])
    await _store(db, [_job(2, [(alternative,)], start + 1, False)])
    now = time.time()
    async with db.writer.begin() as conn:
        first = await queue.claim(conn, "w1", now, 60, per_destination=1)
    assert first is not None and first.destination == main
    async with db.writer.begin() as conn:
        redial = _step(first, start, final=False, number_index=1)
        assert await queue.record(conn, first, "w1", None, redial, now)
    async with db.writer.begin() as conn:
        second = await queue.claim(conn, "w2", now, 60, per_destination=1)
    async with db.writer.begin() as conn:
        blocked = await queue.claim(conn, "w3", now, 60, per_destination=1)
    assert second is not None
    assert (second.job_id, second.destination) == (_job_id(1), alternative)
    assert blocked is None, "job 2 was leased on the line the redial occupies"
