"""End to end: one-page faxes per second through API → render → T.30 → final report.

`faxgate serve` runs as users run it (API and workers in one process) on SQLite and on
PostgreSQL, once with the spandsp carrier (a real T.30 session per fax) and once with the
simulator carrier as the same-run baseline (the same pipeline without the modems).
N one-page faxes (a text PDF, each to its own number) are submitted by 16 concurrent
clients; the clock stops when the last report is final.

    .venv/bin/python -m bench.bench_e2e [--faxes 200] [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from tests.documents import pdf
from tests.pg_server import running_postgres

from bench.bench_intake import (
    CUST_NR,
    LOGIN,
    PASSWORD,
    Server,
    add_account,
    faxgate_bin,
    free_port,
    started,
)
from faxgate.carriers.spandsp import spandsp_available

CONCURRENCY = 16


@contextlib.contextmanager
def pipeline_server(db_url: str, data_dir: Path, carrier: str, channels: int) -> Iterator[Server]:
    add_account(db_url, data_dir)
    port = free_port()
    os.environ.update(
        FAXGATE_CARRIER=carrier, FAXGATE_CHANNELS=str(channels), FAXGATE_POLL_INTERVAL_SECS="0.02"
    )
    command = [
        faxgate_bin(),
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--db",
        db_url,
    ]
    with started(command, port, data_dir / "serve.log") as server:
        yield server


async def run_faxes(url: str, count: int) -> tuple[float, int]:
    """Submit `count` faxes, wait until all are final; returns (seconds, faxes that are OK)."""
    body = {
        "recipients": [{"number": ""}],
        "documents": [{"name": "letter.pdf", "data": base64.b64encode(pdf(1)).decode()}],
    }
    fax = f"/rest/v1/{CUST_NR}/fax"
    async with httpx.AsyncClient(base_url=url, auth=(LOGIN, PASSWORD), timeout=120) as client:
        warm = await client.post(fax, json={**body, "recipients": [{"number": "+4930000"}]})
        await _wait_all(client, [warm.json()["jobId"]])
        numbers = iter(range(count))
        ids: list[str] = []

        async def submitter() -> None:
            for n in numbers:
                job = {**body, "recipients": [{"number": f"+49301{n:06d}"}]}
                ids.append((await client.post(fax, json=job)).json()["jobId"])

        started_at = time.perf_counter()
        await asyncio.gather(*(submitter() for _ in range(CONCURRENCY)))
        ok = await _wait_all(client, ids)
        return time.perf_counter() - started_at, ok


async def _wait_all(client: httpx.AsyncClient, ids: list[str]) -> int:
    pending = set(ids)
    ok = 0
    while pending:
        batch = list(pending)[:1000]
        response = await client.post(
            f"/rest/v1/{CUST_NR}/fax/reports", json={"action": "GET", "jobIds": batch}
        )
        for report in response.json()["reports"]:
            statuses = [r["status"] for r in report["recipientStatus"]]
            if "PENDING" not in statuses:
                pending.discard(report["jobId"])
                ok += statuses == ["OK"]
        if pending:
            await asyncio.sleep(0.1)
    return ok


def measure(db_name: str, db_url: str, carrier: str, args: argparse.Namespace) -> float:
    with (
        tempfile.TemporaryDirectory(prefix="faxgate-e2e-") as tmp,
        pipeline_server(db_url, Path(tmp), carrier, args.channels) as server,
    ):
        seconds, ok = asyncio.run(run_faxes(server.url, args.faxes))
    rate: float = args.faxes / seconds
    print(
        f"  {db_name:<11} {carrier:<10} {args.faxes} faxes in {seconds:6.1f} s = "
        f"{rate:6.1f} faxes/s   ({ok} OK)",
        flush=True,
    )
    return rate


@contextlib.contextmanager
def database(name: str, work: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'faxgate.db'}"
        return
    with running_postgres() as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faxes", type=int, default=200)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if not spandsp_available():
        raise SystemExit("libspandsp2 is not installed (apt-get install libspandsp2)")
    print(
        f"end to end: {args.faxes} one-page faxes, {CONCURRENCY} clients, "
        f"{args.channels} channels, {os.cpu_count()} cores"
    )
    for name in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        with (
            tempfile.TemporaryDirectory(prefix="faxgate-e2e-db-") as work,
            database(name, Path(work)) as url,
        ):
            baseline = measure(name, url, "simulator", args)
        with (
            tempfile.TemporaryDirectory(prefix="faxgate-e2e-db-") as work,
            database(name, Path(work)) as url,
        ):
            real = measure(name, url, "spandsp", args)
        print(
            f"  {name:<11} spandsp / simulator = {real / baseline:.2f}   "
            f"target ≥ 10 faxes/s: {'met' if real >= 10 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
