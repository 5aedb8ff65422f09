"""Scale-out on PostgreSQL: faxes per second with 1, 2 and 4 worker processes, and claims per
second under 16 concurrent claimers with the old global lock and with row locks.

Faxes: `faxgate serve --no-workers` takes the jobs and N `faxgate worker` processes (the
simulator carrier, 4 channels and their own render pool each) send them, all on one
throwaway PostgreSQL (tests/pg_server.py) and one data directory. One-page faxes, each to
its own number, are submitted by 16 concurrent clients; the clock stops when the last report
is final. The ratio is against 1 worker in the same run; the worker counts alternate their
order over the rounds and the table gives the median of each.

Claims: 16 claimers (over several processes, each claimer on its own connection) lease due
recipients and finish each one (a second transaction, as a worker's record does) for a fixed
time. "global lock" is the claim as it was before row locks (every claim took
pg_advisory_xact_lock(727275)), kept below only to measure against; "row locks" is
faxgate.store.queue.claim. Two queues: every recipient on a line of its own, and all of them
on 8 lines with one call per line. The variants alternate over the rounds; the table gives
the median of each.

    .venv/bin/python -m bench.bench_scaleout [--faxes 80] [--workers 1,2,4]
        [--claim-secs 4] [--rounds 2] [--part all|faxes|claims]
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: bench/ and tests/ live in the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

import asyncpg
from sqlalchemy import Update, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from tests.pg_server import running_postgres

from bench.bench_e2e import run_faxes
from bench.bench_intake import (
    ROOT,
    Server,
    add_account,
    faxgate_bin,
    free_port,
    started,
)
from faxgate.domain.attempt import Claim
from faxgate.domain.job import JobOptions
from faxgate.domain.report import Reference
from faxgate.domain.retry import FailureCounts
from faxgate.store import queue
from faxgate.store.db import migrate, open_database
from faxgate.store.jobs import NewJob, NewRecipient, insert_jobs
from faxgate.store.tables import recipients

CLAIMERS = 16
CHANNELS = 4  # per worker process
HOT_LINES = 8
Claimer = Callable[[AsyncConnection, str, float, float, int], Awaitable[Claim | None]]


# ---- faxes per second with N worker processes ------------------------------------------


def _pipeline_env() -> None:
    os.environ.update(
        FAXGATE_CARRIER="simulator",
        FAXGATE_CHANNELS=str(CHANNELS),
        FAXGATE_POLL_INTERVAL_SECS="0.02",
    )


@contextlib.contextmanager
def api_server(db_url: str, data_dir: Path) -> Iterator[Server]:
    add_account(db_url, data_dir)
    port = free_port()
    command = [faxgate_bin(), "serve", "--port", str(port), "--no-workers"]
    command += ["--data-dir", str(data_dir), "--db", db_url]
    with started(command, port, data_dir / "serve.log") as server:
        yield server


@contextlib.contextmanager
def workers(db_url: str, data_dir: Path, count: int) -> Iterator[None]:
    """`count` worker processes, each up (its start line written) before the block runs."""
    logs = [data_dir / f"worker{n}.log" for n in range(count)]
    processes = []
    try:
        for log in logs:
            with log.open("wb") as out:
                command = [faxgate_bin(), "worker", "--data-dir", str(data_dir), "--db", db_url]
                processes.append(
                    subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
                )
        for log, process in zip(logs, processes, strict=True):
            _wait_for_start(log, process)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_start(log: Path, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b"faxgate worker (carrier" in log.read_bytes():
            return
        if process.poll() is not None:
            raise RuntimeError(f"worker exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.1)
    raise TimeoutError(f"worker did not start within {timeout} s")


async def _fresh_database(server: str) -> str:
    name = f"scale_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.rsplit("/", 1)[0] + "/" + name


def measure_faxes(server: str, worker_count: int, faxes: int) -> float:
    db_url = asyncio.run(_fresh_database(server))
    with (
        tempfile.TemporaryDirectory(prefix="faxgate-scaleout-") as tmp,
        api_server(db_url, Path(tmp)) as api,
        workers(db_url, Path(tmp), worker_count),
    ):
        asyncio.run(run_faxes(api.url, 2 * CHANNELS * worker_count))  # every worker warm
        seconds, ok = asyncio.run(run_faxes(api.url, faxes))
    rate = faxes / seconds
    print(
        f"  {_workers(worker_count)}  {faxes} faxes in {seconds:6.1f} s = {rate:6.1f} faxes/s"
        f"   ({ok} OK)",
        flush=True,
    )
    return rate


def _workers(count: int) -> str:
    return f"{count} worker process{'es' if count > 1 else '  '}"


def bench_faxes(server: str, counts: list[int], faxes: int, rounds: int) -> list[tuple[int, float]]:
    _pipeline_env()
    print(
        f"faxes: {faxes} one-page faxes, {CLAIMERS} clients, simulator carrier, "
        f"{CHANNELS} channels per worker, {rounds} rounds, {os.cpu_count()} cores",
        flush=True,
    )
    rates: dict[int, list[float]] = {count: [] for count in counts}
    for round_no in range(rounds):
        for count in counts if round_no % 2 == 0 else list(reversed(counts)):
            rates[count].append(measure_faxes(server, count, faxes))
    medians = [(count, statistics.median(rates[count])) for count in counts]
    base = medians[0][1]
    for count, rate in medians:
        print(
            f"  {_workers(count)}  {rate:6.1f} faxes/s = {rate / base:.2f} × {_workers(counts[0])}"
        )
    return medians


# ---- claims per second under 16 concurrent claimers -------------------------------------


async def claim_with_global_lock(
    conn: AsyncConnection, worker: str, now: float, lease_secs: float, per_destination: int
) -> Claim | None:
    """store/queue.claim before row locks, statement for statement (bench only)."""
    await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727275)")
    other = recipients.alias("other")
    line_in_use = (
        select(func.count())
        .where(
            other.c.destination == recipients.c.destination,
            other.c.lease_owner.is_not(None),
            other.c.lease_until > now,
        )
        .scalar_subquery()
    )
    candidate = (
        select(recipients.c.job_id, recipients.c.idx)
        .where(
            recipients.c.status == "PENDING",
            recipients.c.next_attempt_at <= now,
            or_(recipients.c.lease_owner.is_(None), recipients.c.lease_until <= now),
            line_in_use < per_destination,
        )
        .order_by(
            recipients.c.express.desc(),
            recipients.c.next_attempt_at,
            recipients.c.job_id,
            recipients.c.idx,
        )
        .limit(1)
    )
    picked = (await conn.execute(candidate)).first()
    if picked is None:
        return None
    row = (
        await conn.execute(
            update(recipients)
            .where(recipients.c.job_id == picked.job_id, recipients.c.idx == picked.idx)
            .values(lease_owner=worker, lease_until=now + lease_secs)
            .returning(
                recipients.c.job_id,
                recipients.c.idx,
                recipients.c.number,
                recipients.c.properties,
                recipients.c.numbers,
                recipients.c.number_index,
                recipients.c.attempts,
                recipients.c.no_connect_failures,
                recipients.c.mid_fax_failures,
                recipients.c.valid_end,
            )
        )
    ).one()
    return Claim(
        job_id=row.job_id,
        idx=row.idx,
        number=row.number,
        properties=tuple((k, v) for k, v in json.loads(row.properties)),
        numbers=tuple(json.loads(row.numbers)),
        number_index=row.number_index,
        attempts=row.attempts,
        failures=FailureCounts(row.no_connect_failures, row.mid_fax_failures),
        valid_end=row.valid_end,
    )


VARIANTS: dict[str, Claimer] = {
    "global lock": claim_with_global_lock,
    "row locks": queue.claim,
}


def _jobs(count: int, lines: int | None, start: float) -> list[NewJob]:
    """`count` one-recipient jobs, due since `start`; on `lines` lines, or each on its own."""
    jobs = []
    for n in range(count):
        number = f"0049{(n % lines) if lines else n:09d}"
        jobs.append(
            NewJob(
                job_id=f"scale{n:017d}",
                login="bench",
                cust_nr="99999TE",
                dc="dc1",
                created_at=start,
                reference=Reference(),
                options=JobOptions(),
                payload_hash="0" * 64,
                valid_start=start + n * 1e-4,
                valid_end=start + 86400,
                express=False,
                documents=(),
                recipients=(NewRecipient(number, (), (number,)),),
            )
        )
    return jobs


async def _fill_queue(db_url: str, count: int, lines: int | None) -> None:
    database = open_database(db_url)
    try:
        await migrate(database)
        jobs = _jobs(count, lines, time.time() - 3600)
        async with database.writer.begin() as conn:
            for first in range(0, count, 5000):
                await conn.run_sync(insert_jobs, jobs[first : first + 5000])
    finally:
        await database.dispose()


async def _reset_queue(db_url: str) -> None:
    """Every recipient due and unleased again, the dead rows of the last run vacuumed."""
    plain = db_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute(
            "UPDATE recipients SET status = 'PENDING', lease_owner = NULL, lease_until = NULL"
        )
        await conn.execute("VACUUM ANALYZE recipients")
    finally:
        await conn.close()


async def _claimers(
    db_url: str, variant: str, tasks: int, per_destination: int, start_at: float, secs: float
) -> int:
    """`tasks` claimers on their own connections from `start_at` for `secs`; claims made."""
    engine = create_async_engine(db_url, pool_size=tasks, max_overflow=0)
    claim = VARIANTS[variant]
    claims = 0

    async def claimer(name: str) -> None:
        nonlocal claims
        async with engine.connect() as conn:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            while time.time() < start_at + secs:
                async with conn.begin():
                    leased = await claim(conn, name, time.time(), 60, per_destination)
                if leased is None:
                    await asyncio.sleep(0.001)  # a worker would wait its poll interval
                    continue
                async with conn.begin():
                    await conn.execute(_finish(leased))
                claims += 1

    try:
        await asyncio.gather(*(claimer(f"{os.getpid()}-{n}") for n in range(tasks)))
    finally:
        await engine.dispose()
    return claims


def _finish(leased: Claim) -> Update:
    """What record() does to a final recipient, reduced to the queue's columns."""
    return (
        update(recipients)
        .where(recipients.c.job_id == leased.job_id, recipients.c.idx == leased.idx)
        .values(status="OK", lease_owner=None, lease_until=None)
    )


def _claimers_process(
    db_url: str, variant: str, tasks: int, per_destination: int, start_at: float, secs: float
) -> int:
    return asyncio.run(_claimers(db_url, variant, tasks, per_destination, start_at, secs))


def measure_claims(
    db_url: str, variant: str, per_destination: int, processes: int, secs: float
) -> float:
    asyncio.run(_reset_queue(db_url))
    start_at = time.time() + 2.0  # every process connected and waiting
    per_process = CLAIMERS // processes
    with ProcessPoolExecutor(processes) as pool:
        futures = [
            pool.submit(
                _claimers_process, db_url, variant, per_process, per_destination, start_at, secs
            )
            for _ in range(processes)
        ]
        claims = sum(future.result() for future in futures)
    return claims / secs


def bench_claims(server: str, args: argparse.Namespace) -> list[tuple[str, float, float]]:
    print(
        f"claims: {CLAIMERS} claimers in {args.claim_processes} processes, one call per line, "
        f"{args.claim_secs:g} s per measurement, {args.rounds} rounds, {os.cpu_count()} cores",
        flush=True,
    )
    results = []
    for queue_name, lines in (("a line per recipient", None), (f"{HOT_LINES} lines", HOT_LINES)):
        db_url = asyncio.run(_fresh_database(server))
        asyncio.run(_fill_queue(db_url, args.queue, lines))
        rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for round_no in range(args.rounds):
            order = list(VARIANTS) if round_no % 2 == 0 else list(reversed(VARIANTS))
            for variant in order:
                rate = measure_claims(db_url, variant, 1, args.claim_processes, args.claim_secs)
                rates[variant].append(rate)
                print(f"  {queue_name:<22} {variant:<12} {rate:8.0f} claims/s", flush=True)
        before = statistics.median(rates["global lock"])
        after = statistics.median(rates["row locks"])
        results.append((queue_name, before, after))
    for queue_name, before, after in results:
        print(
            f"  {queue_name:<22} global lock {before:7.0f}/s   row locks {after:7.0f}/s   "
            f"= {after / before:.2f} ×"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faxes", type=int, default=80)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, first = base")
    parser.add_argument("--claim-secs", type=float, default=4.0)
    parser.add_argument("--claim-processes", type=int, default=2)
    parser.add_argument("--queue", type=int, default=40000, help="recipients due per claims run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--part", choices=["all", "faxes", "claims"], default="all")
    args = parser.parse_args()
    print(f"load average at the start: {' '.join(map(str, os.getloadavg()))}", flush=True)
    with running_postgres() as server:
        if args.part in ("all", "claims"):
            bench_claims(server, args)
        if args.part in ("all", "faxes"):
            counts = [int(n) for n in args.workers.split(",")]
            bench_faxes(server, counts, args.faxes, args.rounds)


if __name__ == "__main__":
    main()
