"""Reports on a large store: list oldest 1000, delete oldest 1000, bulk GET 1000.

The store holds `--reports` completed reports (default 1,000,000) of one login, each a job
with one OK recipient, its one-page PDF document (kept in the database, as in production)
and one call attempt; plus noise: another login with a tenth as many completed reports, and
pending jobs of both logins. It is filled with INSERT … SELECT over generate_series
(PostgreSQL) or a recursive CTE (SQLite), in chunks of 100,000 jobs; PostgreSQL then gets
VACUUM ANALYZE (SQLite is left as faxgate leaves it: no ANALYZE).

Each operation is timed twice:
- service: faxgate.service.reports.oldest_completed / delete_oldest / bulk_get, in this
  process, on the Database faxgate opens;
- HTTP: over loopback against a real `faxgate serve --no-workers` (another process) with an
  httpx client: GET, DELETE and POST {"action": "get"} on /rest/v1/{custNr}/fax/reports,
  timed until the whole response body has arrived.
Bulk GET asks for 1000 random existing reports (from the newer half of the table). Deletes
remove the next 1000 oldest each time. The SELECTs that list oldest really executes are
captured and explained (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on
SQLite); `--plans` does the same for every operation and prints the plans in full. The CPU
column is the CPU time of the process doing the work: this one for the service layer (all
threads, so SQLite's work is in it), the server process for HTTP (PostgreSQL's own work is in
neither). Target: every operation under 250 ms.

    .venv/bin/python -m bench.bench_reports [--reports 1000000] [--db sqlite|postgresql|both]
        [--repeat 5] [--plans]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text
from tests.documents import pdf
from tests.pg_server import running_postgres

from bench.bench_intake import CUST_NR, LOGIN, PASSWORD, Server, faxgate_server
from faxgate.service import reports
from faxgate.service.accounts import add_login
from faxgate.store.db import Database, migrate, open_database
from faxgate.store.reports import REPORT_LIMIT

TARGET_MS = 250.0
CHUNK = 100_000
OTHER_LOGIN = "bob"
T0 = 1_780_000_000.0  # completion time of the first report (2026)
NUMBER = "+4930123456"

_JOB_ID = {
    "sqlite": "printf('FJ%09dDC1%08d', i, i)",
    "postgresql": "'FJ' || lpad(i::text, 9, '0') || 'DC1' || lpad(i::text, 8, '0')",
}


def job_id(i: int) -> str:
    return f"FJ{i:09d}DC1{i:08d}"


def _series(dialect: str) -> tuple[str, str]:
    """(WITH clause, FROM clause) yielding i from :first to :last."""
    if dialect == "postgresql":
        return "", "generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS s(i)"
    return (
        "WITH RECURSIVE s(i) AS (SELECT CAST(:first AS INTEGER) "
        "UNION ALL SELECT i + 1 FROM s WHERE i < :last) ",
        "s",
    )


def _fill_statements(dialect: str) -> list[str]:
    """INSERT … SELECT for jobs, recipients, documents, attempts of the series :first..:last.

    Job i completes at :t0 + i * :spacing (NULL when :pending), created 60 s before."""
    with_, from_ = _series(dialect)
    jid = _JOB_ID[dialect]
    done = "CAST(:t0 AS DOUBLE PRECISION) + i * CAST(:spacing AS DOUBLE PRECISION)"
    completed = f"CASE WHEN CAST(:pending AS INTEGER) = 1 THEN NULL ELSE {done} END"
    status = "CASE WHEN CAST(:pending AS INTEGER) = 1 THEN 'PENDING' ELSE 'OK' END"
    return [
        f"INSERT INTO jobs "  # noqa: S608 (only constants are formatted in)
        f"(job_id, login, cust_nr, dc, created_at, completed_at, pages, "
        f"options, payload_hash, valid_start, valid_end) {with_}"
        f"SELECT {jid}, :login, :cust_nr, 'DC1', {done} - 60, {completed}, 1, :options, "
        f"'0000000000000000000000000000000000000000000000000000000000000000', "
        f"{done} - 60, {done} + 86400 FROM {from_}",
        f"INSERT INTO recipients "  # noqa: S608
        f"(job_id, idx, number, properties, numbers, status, reason, "
        f"sent_ts, duration_secs, sent_to_number, remote_csid, pages, next_attempt_at, "
        f"valid_end, destination, attempts) {with_}"
        f"SELECT {jid}, 0, :number, '[]', :numbers, {status}, {status}, {completed}, 31, "
        f":number, 'REMOTE CSID', 1, {done} + 10 * 86400, {done} + 86400, :number, 1 "
        f"FROM {from_}",
        f"INSERT INTO documents "  # noqa: S608
        f"(job_id, idx, name, charset, reference, content) {with_}"
        f"SELECT {jid}, 0, 'letter.pdf', NULL, NULL, :content FROM {from_}",
        f"INSERT INTO attempts "  # noqa: S608
        f"(job_id, recipient_idx, attempt_no, number, carrier, started_at, "
        f"ended_at, status, reason, pages_sent, line_seconds, remote_csid, details) {with_}"
        f"SELECT {jid}, 0, 1, :number, 'simulator', {done} - 31, {done}, 'OK', 'OK', 1, 31.0, "
        f"'REMOTE CSID', '{{}}' FROM {from_}",
    ]


@dataclass(frozen=True)
class Group:
    login: str
    first: int
    count: int
    spacing: float  # seconds between completions
    pending: bool

    @property
    def last(self) -> int:
        return self.first + self.count - 1


def groups(reports_count: int) -> list[Group]:
    """The measured login's completed reports, then the noise, with disjoint job IDs."""
    other = max(reports_count // 10, 1)
    pending = max(reports_count // 100, 100)
    alice = Group(LOGIN, 1, reports_count, 1.0, pending=False)
    # the other login's reports are interleaved in time with alice's (10 s apart, +0.5 s)
    bob = Group(OTHER_LOGIN, alice.last + 1, other, 10.0, pending=False)
    alice_pending = Group(LOGIN, bob.last + 1, pending, 1.0, pending=True)
    bob_pending = Group(OTHER_LOGIN, alice_pending.last + 1, pending // 10, 1.0, pending=True)
    return [alice, bob, alice_pending, bob_pending]


async def fill(db: Database, reports_count: int) -> None:
    statements = [text(s) for s in _fill_statements(db.reader.dialect.name)]
    for group in groups(reports_count):
        for first in range(group.first, group.last + 1, CHUNK):
            last = min(first + CHUNK - 1, group.last)
            # bob's job i completes 10 s after alice's job i - offset, shifted by 0.5 s
            t0 = T0 if group.spacing == 1.0 else T0 + 0.5 - group.first * group.spacing
            params = {
                "first": first,
                "last": last,
                "t0": t0,
                "spacing": group.spacing,
                "pending": int(group.pending),
                "login": group.login,
                "cust_nr": CUST_NR if group.login == LOGIN else "88888TE",
                "options": '{"recipients":[{"number":"+4930123456"}]}',
                "number": NUMBER,
                "numbers": f'["{NUMBER}"]',
                "content": pdf(),
            }
            async with db.writer.begin() as conn:
                for statement in statements:
                    await conn.execute(statement, params)
    if not db.is_sqlite:
        async with db.writer.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("VACUUM ANALYZE")


@dataclass
class Capture:
    """The statements an operation executes, to EXPLAIN them afterwards."""

    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def hook(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.on:
            self.statements.append((statement, parameters))


async def explain(db: Database, capture: Capture, title: str, verbose: bool) -> None:
    print(f"  plan of {title}:")
    async with db.writer.connect() as conn:
        transaction = await conn.begin()
        try:
            for statement, parameters in capture.statements:
                # DELETEs are left out: their IDs are gone by now, the plan would show 0 rows
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
                rows = await conn.exec_driver_sql(prefix + statement, parameters)
                lines = [" ".join(str(c) for c in row[-1:]) for row in rows]
                print(f"    {statement.split()[0]} … ({len(parameters or ())} parameters)")
                for line in lines if verbose else lines[:12]:
                    print(f"      {line[:150]}")
        finally:
            await transaction.rollback()


Operation = Callable[[], Awaitable[int]]


@dataclass
class Timing:
    db: str
    layer: str
    name: str
    millis: list[float]
    cpu_millis: list[float]  # CPU time of the process doing the work (100 Hz ticks for HTTP)

    def row(self) -> str:
        median, worst = statistics.median(self.millis), max(self.millis)
        cpu = statistics.median(self.cpu_millis)
        verdict = "met" if worst < TARGET_MS else "MISSED"
        return (
            f"  {self.db:<10} {self.layer:<8} {self.name:<20} {median:9.1f} {worst:9.1f} "
            f"{cpu:9.1f}   {verdict}"
        )


async def time_it(
    operation: Operation, repeat: int, cpu_clock: Callable[[], float]
) -> tuple[list[float], list[float]]:
    millis, cpu_millis = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), cpu_clock()
        count = await operation()
        millis.append((time.perf_counter() - started) * 1000)
        cpu_millis.append((cpu_clock() - started_cpu) * 1000)
        if count != REPORT_LIMIT:
            raise RuntimeError(f"expected {REPORT_LIMIT} reports, got {count}")
    return millis, cpu_millis


def sample_ids(reports_count: int, rng: random.Random) -> list[str]:
    # from the newer half: the deletes of this run only remove the oldest reports
    low = reports_count // 2 + 1
    return [job_id(i) for i in rng.sample(range(low, reports_count + 1), 1000)]


async def service_timings(
    db: Database, name: str, scope: reports.Scope, args: argparse.Namespace, rng: random.Random
) -> list[Timing]:
    capture = Capture()
    event.listen(db.reader.sync_engine, "before_cursor_execute", capture.hook)

    async def list_oldest() -> int:
        return len(await reports.oldest_completed(db, scope))

    async def delete_oldest() -> int:
        return len(await reports.delete_oldest(db, scope))

    async def bulk_get() -> int:
        return len(await reports.bulk_get(db, scope, sample_ids(args.reports, rng)))

    timings = []
    for title, operation in (
        ("list oldest 1000", list_oldest),
        ("bulk GET 1000", bulk_get),
        ("delete oldest 1000", delete_oldest),
    ):
        millis, cpu = await time_it(operation, args.repeat, time.process_time)
        timings.append(Timing(name, "service", title, millis, cpu))
        if args.plans or title == "list oldest 1000":
            capture.statements.clear()
            capture.on = True
            await operation()
            capture.on = False
            await explain(db, capture, title, args.plans)
    event.remove(db.reader.sync_engine, "before_cursor_execute", capture.hook)
    return timings


async def http_timings(
    server: Server, name: str, args: argparse.Namespace, rng: random.Random
) -> list[Timing]:
    base = f"{server.url}/rest/v1/{CUST_NR}/fax/reports"
    async with httpx.AsyncClient(auth=(LOGIN, PASSWORD), timeout=60) as client:
        # the first request verifies the password with argon2; later ones hit the cache
        (await client.get(f"{base}/{job_id(args.reports)}")).raise_for_status()

        async def count(response: httpx.Response) -> int:
            response.raise_for_status()
            return len(response.json()["reports"])

        async def list_oldest() -> int:
            response = await client.get(base)
            return await count(response)

        async def delete_oldest() -> int:
            response = await client.delete(base)
            return await count(response)

        async def bulk_get() -> int:
            body = {"action": "get", "jobIds": sample_ids(args.reports, rng)}
            response = await client.post(base, json=body)
            return await count(response)

        timings = []
        for title, operation in (
            ("list oldest 1000", list_oldest),
            ("bulk GET 1000", bulk_get),
            ("delete oldest 1000", delete_oldest),
        ):
            millis, cpu = await time_it(operation, args.repeat, server.cpu_seconds)
            timings.append(Timing(name, "HTTP", title, millis, cpu))
    return timings


@contextlib.asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    db = open_database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def bench_one(name: str, url: str, data_dir: Path, args: argparse.Namespace) -> list[Timing]:
    rng = random.Random(20261127)
    async with opened(url) as db:
        await migrate(db)
        await add_login(db, CUST_NR, LOGIN, PASSWORD)
        started = time.perf_counter()
        await fill(db, args.reports)
        total = sum(g.count for g in groups(args.reports))
        print(
            f"{name}: filled {args.reports:,} completed reports of {LOGIN} ({total:,} jobs in all)"
            f" in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        scope = reports.Scope(LOGIN, data_dir=data_dir)
        timings = await service_timings(db, name, scope, args, rng)
    with faxgate_server(url, data_dir) as server:
        timings += await http_timings(server, name, args, rng)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{name}: load average {load} on {os.cpu_count()} cores", flush=True)
    for timing in timings:
        print(timing.row(), flush=True)
    return timings


@contextlib.contextmanager
def database(name: str, work: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'sqlite' / 'faxgate.db'}"
    else:
        with running_postgres() as url:
            yield url


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per operation")
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    args = parser.parse_args()
    if args.reports < 2 * (args.repeat * 2 + 1) * 1000:
        parser.error(f"--reports must be at least {2 * (args.repeat * 2 + 1) * 1000}")
    names = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    # asyncio's own Ctrl-C handling only cancels the main task, and a cancellation that
    # arrives inside a database call can be lost; raise KeyboardInterrupt at once instead,
    # so the servers and the temporary directory below are cleaned up.
    signal.signal(signal.SIGINT, _interrupt)
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="faxgate-bench-reports-") as tmp:
        for name in names:
            work = Path(tmp) / name
            with database(name, work) as url:
                timings += asyncio.run(bench_one(name, url, work / "data", args))
    print(
        f"\nreports: {args.reports:,} completed; {args.repeat} runs each; target < {TARGET_MS} ms"
    )
    print(
        f"  {'database':<10} {'layer':<8} {'operation':<20} {'median ms':>9} {'max ms':>9} "
        f"{'CPU ms':>9}   (CPU: service: this process, all threads; HTTP: the server process)"
    )
    for timing in timings:
        print(timing.row())


if __name__ == "__main__":
    main()
