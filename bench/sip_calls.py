"""Simultaneous one-page faxes over the whole SIP carrier (signalling, media, Fax-In) between
two instances on this machine.

The receiver is a real `faxgate serve` (FAXGATE_CARRIER=sip, an inbound number with a Fax-In
topic, SQLite in a temporary data directory). The caller is a second process running the
carrier's own outgoing path without the HTTP API: a SipLine whose proxy is the receiver's
SIP address (no proxy between them, no auth) and N `place_call`s started spread over
`--spread` seconds (as bench/sip_media.py does: calls started in the same tick would reach
every T.30 step in the same tick too, which no trunk does).

Printed per run: calls that ended OK at the caller, faxes that arrived OK in the receiver's
Fax-In (polled as a Fax-In client would), how late the caller's 20 ms media steps ran over
the run (p50, p99, max), CPU milliseconds per call of each process, the busy cores, and the
receiver's GET /faxgate/v1/health latency during the calls against an idle baseline measured
just before them. A baseline run of 1 call comes first; the ratios are against it.
`--find-max` steps N up until a run fails the issue's criterion (all calls OK at both ends,
caller lateness p99 under 10 ms) and prints the largest passing N. The issue's target on
2 cores: 200 T.38 calls, 100 G.711 calls.

    .venv/bin/python bench/sip_calls.py [N] [--media t38|g711] [--spread 10]
        [--find-max [--steps 25,50,100,150,200,300]]
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: bench/ and tests/ live in the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

import httpx

from bench.bench_intake import CUST_NR, Server, add_account, faxgate_bin, free_port, started
from bench.bench_t30 import make_document
from faxgate.carriers.base import CallOutcome, FaxCall
from faxgate.carriers.sip.line import SipLine
from faxgate.carriers.sip.outbound import place_call
from faxgate.carriers.sip.settings import SipSettings
from faxgate.carriers.sip.useragent import IncomingCall
from faxgate.carriers.spandsp._lib import load
from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus

HOST = "127.0.0.1"
T38_SETTING = {"t38": "direct", "g711": "off"}  # FAXGATE_SIP_T38 of both sides
CALLER_PORTS, RECEIVER_PORTS = "20000-29999", "30000-39999"  # 2500 calls' media each
NUMBER, DIALLED = "+4930555222", "004930555222"  # the receiver's inbound number
TOPIC, TOPIC_PASSWORD = "bench", "bench-topic-pw"
FIND_MAX_STEPS = (25, 50, 100, 150, 200, 300)
LATE_P99_LIMIT_MS = 10.0
HEALTH_INTERVAL = 0.1  # seconds between health requests (their CPU counts as the receiver's)
IDLE_HEALTH_SECS = 3.0  # the health baseline before each run's calls
FAXIN_QUIET_SECS = 30.0  # stop waiting for Fax-In after this long without a new fax
SHOWN_REASONS = 3


@dataclass(frozen=True)
class CallerResult:
    statuses: dict[str, int]
    reasons: list[str]  # a few distinct reasons of calls that did not end OK
    cpu_seconds: float
    wall_seconds: float
    late_p50_ms: float
    late_p99_ms: float
    late_max_ms: float
    media: dict[str, int]  # how many calls ran on t38 / g711
    packets: dict[str, int]  # the calls' packet counts added up (rtp_missing, udptl_lost, …)


@dataclass(frozen=True)
class RunResult:
    calls: int
    caller: CallerResult
    faxin_ok: int
    faxin_other: int
    receiver_cpu_seconds: float
    health_idle_ms: tuple[float, float]  # p50, p99
    health_busy_ms: tuple[float, float]
    receiver_stalls: list[str]  # the receiver's "media clock stalled" log lines of the run
    receiver_failures: list[str]  # its log lines of calls that brought no fax

    @property
    def caller_ok(self) -> int:
        return self.caller.statuses.get(FaxStatus.OK.value, 0)

    @property
    def cpu_per_call(self) -> tuple[float, float]:
        return self.caller.cpu_seconds / self.calls, self.receiver_cpu_seconds / self.calls

    @property
    def busy_cores(self) -> float:
        return (self.caller.cpu_seconds + self.receiver_cpu_seconds) / self.caller.wall_seconds

    @property
    def passed(self) -> bool:
        return (
            self.caller_ok == self.calls
            and self.faxin_ok == self.calls
            and self.caller.late_p99_ms < LATE_P99_LIMIT_MS
        )


# --- the caller: its own process, the carrier's outgoing path -----------------------------


def caller(
    calls: int, media: str, spread: float, sip_port: int, document: str, report: Connection
) -> None:
    """N calls to the receiver's inbound number through a SipLine of this process."""
    settings = Settings(
        sip_listen=f"{HOST}:0",
        sip_proxy=f"{HOST}:{sip_port}",
        sip_domain=HOST,
        sip_t38=T38_SETTING[media],
        sip_rtp_ports=CALLER_PORTS,
        sip_channels=max(calls, 1),
    )
    line = SipLine(
        SipSettings.from_settings(settings), max_line_secs=settings.spandsp_max_line_secs
    )
    line.start(_refuse)
    try:
        report.send(line.run(_calls(line, calls, spread, Path(document))))
    finally:
        line.stop()


async def _refuse(incoming: IncomingCall) -> None:
    await incoming.reject(403, "Forbidden")  # the caller takes no calls


async def _calls(line: SipLine, calls: int, spread: float, document: Path) -> CallerResult:
    lib, clock = load(), line.clock
    assert clock is not None
    loop = asyncio.get_running_loop()
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    late_before = clock.lateness.snapshot()

    async def one(n: int) -> CallOutcome:
        await asyncio.sleep(n * spread / calls)
        call = FaxCall(f"BENCH{n:05d}", 0, DIALLED, document, 1, True, "+49 30 1111", 1)
        return await place_call(line, call, lib)

    outcomes = await asyncio.gather(*(loop.create_task(one(n)) for n in range(calls)))
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    late = clock.lateness.since(late_before)
    failed = [o.reason for o in outcomes if o.status is not FaxStatus.OK]
    return CallerResult(
        statuses=dict(Counter(o.status.value for o in outcomes)),
        reasons=list(dict.fromkeys(failed))[:SHOWN_REASONS],
        cpu_seconds=cpu,
        wall_seconds=wall,
        late_p50_ms=late.quantile_ms(0.5),
        late_p99_ms=late.quantile_ms(0.99),
        late_max_ms=late.max_ms(),
        media=dict(Counter(str(o.stats.get("media")) for o in outcomes)),
        packets=dict(sum((Counter(o.stats.get("packets", {})) for o in outcomes), Counter())),
    )


# --- the receiver: `faxgate serve` --------------------------------------------------------


@dataclass(frozen=True)
class Receiver:
    server: Server
    sip_port: int
    log: Path


@contextlib.contextmanager
def receiver(media: str, channels: int, data_dir: Path) -> Iterator[Receiver]:
    """A running `faxgate serve` with the SIP carrier and one inbound number."""
    data_dir.mkdir()
    db_url = f"sqlite+aiosqlite:///{data_dir / 'faxgate.db'}"
    add_account(db_url, data_dir)
    sip_port = free_port()
    os.environ.update(
        FAXGATE_CARRIER="sip",
        FAXGATE_SIP_LISTEN=f"{HOST}:{sip_port}",
        FAXGATE_SIP_DOMAIN=HOST,
        FAXGATE_SIP_T38=T38_SETTING[media],
        FAXGATE_SIP_CHANNELS=str(channels),
        FAXGATE_SIP_RTP_PORTS=RECEIVER_PORTS,
    )
    store = ["--data-dir", str(data_dir), "--db", db_url]
    subprocess.run(
        [faxgate_bin(), "inbound", "add", "--cust-nr", CUST_NR, "--number", NUMBER,
         "--topic", TOPIC, "--password", TOPIC_PASSWORD, *store],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    command = [faxgate_bin(), "serve", "--host", HOST, "--port", str(port), *store]
    log = data_dir / "serve.log"
    with started(command, port, log) as server:
        yield Receiver(server, sip_port, log)


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (render processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
    tree, added = {pid}, True
    while added:
        children = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= children
        added = bool(children)
    total = 0.0
    for member in tree:
        with contextlib.suppress(OSError):
            fields = _stat(member)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def health_ms(client: httpx.Client) -> float:
    start = time.perf_counter()
    client.get("/faxgate/v1/health").raise_for_status()
    return (time.perf_counter() - start) * 1000


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    if not ordered:
        return 0.0, 0.0
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def faxin_arrivals(server: Server, calls: int) -> Counter[str]:
    """Statuses of the faxes the topic receives, until `calls` arrived or none came for a
    while; each poll locks what it returns and acknowledges the previous batch."""
    url = f"{server.url}/faxin/rest/v1/topics/{TOPIC}"
    statuses: Counter[str] = Counter()
    ids: list[str] = []
    last_new = time.monotonic()
    with httpx.Client(auth=(CUST_NR, TOPIC_PASSWORD), timeout=30) as client:
        while sum(statuses.values()) < calls and time.monotonic() - last_new < FAXIN_QUIET_SECS:
            query = f"fetch=100&timeout=86400{'&ids=' + ','.join(ids) if ids else ''}"
            results = client.post(f"{url}?{query}").json()["results"]
            ids = [fax["id"] for fax in results]
            statuses.update(fax["status"] for fax in results)
            if results:
                last_new = time.monotonic()
            else:
                time.sleep(0.5)
        if ids:
            client.post(f"{url}?fetch=0&ids={','.join(ids)}")
    return statuses


def log_lines_from(log: Path, offset: int) -> tuple[list[str], int]:
    """The lines a log gained since `offset`, and its new end."""
    with log.open("rb") as file:
        file.seek(offset)
        data = file.read()
    return data.decode(errors="replace").splitlines(), offset + len(data)


def measure(receiver: Receiver, calls: int, media: str, spread: float, document: Path) -> RunResult:
    server = receiver.server
    context = multiprocessing.get_context("spawn")
    read, write = context.Pipe(duplex=False)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        idle, stop = [], time.monotonic() + IDLE_HEALTH_SECS
        while time.monotonic() < stop:
            idle.append(health_ms(client))
            time.sleep(HEALTH_INTERVAL)
        cpu_before = tree_cpu_seconds(server.pid)
        _, log_start = log_lines_from(receiver.log, 0)
        process = context.Process(
            target=caller, args=(calls, media, spread, receiver.sip_port, str(document), write)
        )
        process.start()
        try:
            busy = []
            while not read.poll(HEALTH_INTERVAL):
                if not process.is_alive():
                    raise SystemExit("the caller process failed (its traceback is above)")
                busy.append(health_ms(client))
            result: CallerResult = read.recv()
            process.join()
        finally:
            if process.is_alive():
                process.terminate()
                process.join()
    arrived = faxin_arrivals(server, calls)
    logged, _ = log_lines_from(receiver.log, log_start)
    return RunResult(
        calls=calls,
        caller=result,
        faxin_ok=arrived.get(FaxStatus.OK.value, 0),
        faxin_other=sum(arrived.values()) - arrived.get(FaxStatus.OK.value, 0),
        receiver_cpu_seconds=tree_cpu_seconds(server.pid) - cpu_before,
        health_idle_ms=quantiles(idle),
        health_busy_ms=quantiles(busy),
        receiver_stalls=[line for line in logged if "media clock stalled" in line],
        receiver_failures=[
            line
            for line in logged
            if "SIP call to an own number ended" in line and '"status":"OK"' not in line
        ],
    )


def print_row(run: RunResult, media: str, baseline: RunResult) -> None:
    c, base = run.caller, baseline.caller
    caller_cpu, receiver_cpu = run.cpu_per_call
    base_cpu = sum(baseline.cpu_per_call)
    late = f"{c.late_p50_ms:.1f}/{c.late_p99_ms:.1f}/{c.late_max_ms:.0f}"
    health = (
        f"{run.health_idle_ms[0]:.1f}/{run.health_idle_ms[1]:.1f} → "
        f"{run.health_busy_ms[0]:.1f}/{run.health_busy_ms[1]:.1f}"
    )
    print(
        f"{media:<5} {run.calls:>5} {f'{run.caller_ok}/{run.calls}':>9} "
        f"{f'{run.faxin_ok}/{run.calls}':>9} {late:>16} "
        f"{f'{caller_cpu * 1000:.0f} | {receiver_cpu * 1000:.0f}':>13} {run.busy_cores:>5.2f} "
        f"{health:>25} {(caller_cpu + receiver_cpu) / base_cpu:>7.2f} "
        f"{c.late_p99_ms / max(base.late_p99_ms, 0.1):>6.1f}  {'pass' if run.passed else 'FAIL'}",
        flush=True,
    )
    if run.caller_ok < run.calls or run.faxin_ok < run.calls:
        print(
            f"      caller statuses {c.statuses}, media {c.media}; Fax-In: {run.faxin_ok} OK, "
            f"{run.faxin_other} other; reasons: {c.reasons}",
            flush=True,
        )
    if not run.passed:
        print(f"      caller packets {c.packets}", flush=True)
    if run.receiver_failures:
        print(
            f"      receiver: {len(run.receiver_failures)} calls brought no fax, e.g. "
            f"{run.receiver_failures[0]}",
            flush=True,
        )
    if run.receiver_stalls:
        print(
            f"      receiver's media clock stalled {len(run.receiver_stalls)}×, "
            f"last: {run.receiver_stalls[-1]}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", type=int, nargs="?", default=100, help="simultaneous calls")
    parser.add_argument("--media", choices=("t38", "g711"), default="t38")
    parser.add_argument(
        "--spread", type=float, default=10.0, help="seconds over which the N calls start"
    )
    parser.add_argument(
        "--find-max",
        action="store_true",
        help="step N up (see --steps) until a run fails; print the largest N that passed",
    )
    parser.add_argument(
        "--steps",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=FIND_MAX_STEPS,
        help="the N that --find-max steps through, comma-separated",
    )
    args = parser.parse_args()
    steps = args.steps if args.find_max else (args.calls,)
    cores = os.cpu_count() or 1
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.platform()}  "
        f"cores={cores}  python={platform.python_version()}  "
        f"load={' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    print(
        f"{'media':<5} {'calls':>5} {'caller ok':>9} {'Fax-In ok':>9} {'late p50/p99/max':>16} "
        f"{'CPU ms/call':>13} {'cores':>5} {'health p50/p99 ms idle → busy':>25} "
        f"{'× CPU':>7} {'× p99':>6}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="faxgate-bench-sip-") as tmp,
        receiver(args.media, max(steps), Path(tmp) / "data") as running,
    ):
        document = make_document(Path(tmp), 1)
        baseline = measure(running, 1, args.media, args.spread, document)
        print_row(baseline, args.media, baseline)
        largest = 0
        for calls in steps:
            run = measure(running, calls, args.media, args.spread, document)
            print_row(run, args.media, baseline)
            if not run.passed:
                break
            largest = calls
        print(
            f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; largest passing N: "
            f"{largest} ({largest / cores:g} per core)",
            flush=True,
        )


if __name__ == "__main__":
    main()
