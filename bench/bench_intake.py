"""Intake throughput: `POST /rest/v1/{custNr}/fax` with a one-page PDF and one recipient.

Three servers are measured one after another with the same load generator (`wrk`, one
thread, 16 connections, the same request body and headers):

- baseline: bench/baseline_app.py — reads the body, json.loads, answers 201 (no storage);
- faxgate on SQLite: the real `faxgate serve --no-workers` (uvicorn, as users run it);
- faxgate on PostgreSQL: the same, on a throwaway PostgreSQL 15 (tests/pg_server.py).

`--no-workers` keeps the fax pipeline out of the process, so only intake is measured: auth
(argon2 once, then the credential cache), validation, base64 decoding, one commit with the
job, its document and its recipient, and the JSON log lines (written to a file). Each server
gets a warm-up run, then a measured run of fixed duration; the table gives requests/s, p50
and p99 latency, and faxgate's throughput as a fraction of the baseline's (target ≥ 0.5).

    apt-get install wrk
    .venv/bin/python -m bench.bench_intake [--duration 20] [--warmup 5]
        [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.documents import job
from tests.pg_server import running_postgres

ROOT = Path(__file__).resolve().parents[1]
CUST_NR = "99999TE"
LOGIN = "alice"
PASSWORD = "bench-secret"
CONCURRENCY = 16

_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "{auth}"
local f = assert(io.open("{body}", "rb"))
wrk.body = f:read("*all")
f:close()

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server did not listen on {port} within {timeout} s")


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads)."""
        after_name = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def started(command: list[str], port: int, log: Path) -> Iterator[Server]:
    """Run a server process until the block ends (also on Ctrl-C)."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log, timeout=120)
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def faxgate_bin() -> str:
    return str(Path(sys.executable).with_name("faxgate"))


def add_account(db_url: str, data_dir: Path) -> None:
    subprocess.run(
        [
            faxgate_bin(),
            "accounts",
            "add",
            "--cust-nr",
            CUST_NR,
            "--login",
            LOGIN,
            "--password",
            PASSWORD,
            "--data-dir",
            str(data_dir),
            "--db",
            db_url,
        ],
        check=True,
        capture_output=True,
    )


@contextlib.contextmanager
def faxgate_server(db_url: str, data_dir: Path, launcher: tuple[str, ...] = ()) -> Iterator[Server]:
    """`faxgate serve --no-workers` on loopback, with an account for LOGIN. `launcher`
    replaces the `faxgate` executable (bench/intake_layers.py runs variants)."""
    add_account(db_url, data_dir)
    port = free_port()
    command = [
        *(launcher or (faxgate_bin(),)),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-workers",
        "--data-dir",
        str(data_dir),
        "--db",
        db_url,
    ]
    with started(command, port, data_dir / "serve.log") as server:
        yield server


@contextlib.contextmanager
def baseline_server(work: Path) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, "-m", "bench.baseline_app", "--port", str(port)]
    with started(command, port, work / "baseline.log") as server:
        yield server


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_seconds: float  # of the server process during the measured run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_wrk(server: Server, script: Path, seconds: int, name: str) -> Result:
    cpu_before = server.cpu_seconds()
    completed = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONCURRENCY}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"{server.url}/rest/v1/{CUST_NR}/fax",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p99, errors = (int(x) for x in line.split()[1:])
    cpu = server.cpu_seconds() - cpu_before
    return Result(name, requests, micros / 1e6, p50 / 1000, p99 / 1000, errors, cpu)


def prime(url: str, work: Path) -> None:
    """One request first: it must answer 201, and it puts the login in the credential cache
    (otherwise all 16 first requests verify the password with argon2 at once)."""
    response = httpx.post(
        f"{url}/rest/v1/{CUST_NR}/fax",
        content=(work / "job.json").read_bytes(),
        headers={"Content-Type": "application/json"},
        auth=(LOGIN, PASSWORD),
        timeout=60,
    )
    if response.status_code != 201:
        raise RuntimeError(f"{url}: {response.status_code} {response.text}")


def measure(name: str, server: Server, script: Path, args: argparse.Namespace) -> Result:
    prime(server.url, script.parent)
    run_wrk(server, script, args.warmup, name)
    result = run_wrk(server, script, args.duration, name)
    print(
        f"  {name:<22} {result.rate:8.1f} req/s   p50 {result.p50_ms:7.1f} ms"
        f"   p99 {result.p99_ms:7.1f} ms   errors {result.errors}"
        f"   server CPU {result.cpu_seconds / max(result.requests, 1) * 1e6:6.0f} µs/request"
        f"   (load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return result


def write_script(work: Path) -> Path:
    body = work / "job.json"
    body.write_text(json.dumps(job("+4930123456")))
    token = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    script = work / "post_fax.lua"
    script.write_text(_WRK_SCRIPT.format(auth=f"Basic {token}", body=body))
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=20, help="measured seconds per server")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up seconds per server")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed as the load generator: apt-get install wrk")
    print(
        f"intake: POST /fax, 1-page PDF, 1 recipient, {CONCURRENCY} connections (wrk -t1), "
        f"{args.warmup} s warm-up + {args.duration} s measured per server; "
        f"{platform.node()} {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}",
        flush=True,
    )
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="faxgate-bench-intake-") as tmp:
        work = Path(tmp)
        script = write_script(work)
        with baseline_server(work) as server:
            baseline = measure("baseline (json.loads)", server, script, args)
        if args.db in ("sqlite", "both"):
            data_dir = work / "sqlite"
            url_db = f"sqlite+aiosqlite:///{data_dir / 'faxgate.db'}"
            with faxgate_server(url_db, data_dir) as server:
                results.append(measure("faxgate SQLite", server, script, args))
        if args.db in ("postgresql", "both"):
            with running_postgres() as pg_url, faxgate_server(pg_url, work / "pg") as server:
                results.append(measure("faxgate PostgreSQL", server, script, args))
    print("\nfaxgate / baseline throughput (target ≥ 0.50):")
    for result in results:
        ratio = result.rate / baseline.rate
        verdict = "met" if ratio >= 0.5 else "MISSED"
        print(f"  {result.name:<22} {ratio:5.2f}  {verdict}")


if __name__ == "__main__":
    main()
