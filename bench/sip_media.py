"""Simultaneous real-time fax calls through the SIP carrier's media layer, two instances.

The calling side and the answering side run in two separate processes (as two faxgate
instances would), each with its own event loop and one MediaClock for all its calls. The
SDP of every call crosses a pipe between them (no SIP); then N one-page faxes (a business
letter, fine, ECM, V.17) run over T.38/UDPTL or G.711/RTP on loopback. The calls start
spread over `--spread` seconds (10 by default; a one-page call lasts about 20 s, so all N
overlap in the middle): calls started in the same tick would reach every T.30 step in the
same tick too, which no trunk does.

Printed per run: calls that ended OK on both sides, how late the 20 ms steps ran (p50,
p99, max, per process), CPU milliseconds per call (both processes), the busy cores, and the
ratio of each against a baseline of 1 call measured first in the same run. The issue's
target: all calls OK with p99 under 10 ms at 100 G.711 or 200 T.38 calls on 2 cores.

    .venv/bin/python bench/sip_media.py N [--transport t38|g711] [--spread 10]
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: bench/ and tests/ live in the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import multiprocessing
import os
import platform
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection

from bench.bench_t30 import make_document
from faxgate.carriers.sip.clock import MediaClock
from faxgate.carriers.sip.media import FaxMedia, FaxParty, MediaFacts
from faxgate.carriers.sip.media_sdp import parse_audio_media
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.t38_sdp import ErrorCorrection, T38Params
from faxgate.carriers.spandsp._lib import load
from faxgate.domain.t30 import code_name

HOST = "127.0.0.1"
T38 = T38Params(max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY)
PORT_RANGES = {True: "20000-29999", False: "30000-39999"}  # caller, answerer


@dataclass(frozen=True)
class SideResult:
    codes: list[int | None]  # each call's T.30 completion code on this side, in call order
    cpu_seconds: float
    wall_seconds: float
    late_p50_ms: float
    late_p99_ms: float
    late_max_ms: float
    line_seconds_max: float


@dataclass(frozen=True)
class Run:
    calls: int
    transport: str
    spread: float  # seconds over which the calls start


def side(calling: bool, run: Run, document: str, peer: Connection, report: Connection) -> None:
    """One instance: N calls' media, SDP exchanged with the other instance over `peer`."""
    report.send(asyncio.run(_side(calling, run, Path(document), peer)))


async def _side(calling: bool, run: Run, document: Path, peer: Connection) -> SideResult:
    calls, transport, spread = run.calls, run.transport, run.spread
    lib, clock, ports = load(), MediaClock(), PortPool(PORT_RANGES[calling])
    with tempfile.TemporaryDirectory(prefix="faxgate-bench-") as tmp:
        medias = []
        for n in range(calls):
            if calling:
                party = FaxParty(calling=True, ident="+49 30 1111", send_file=document)
            else:
                party = FaxParty(
                    calling=False, ident="+49 30 2222", receive_file=Path(tmp) / f"rx-{n}.tif"
                )
            medias.append(FaxMedia(lib, party, ports, HOST, clock))
        t38 = transport == "t38"
        if calling:  # offers out, answers back
            peer.send([_sdp(m, t38, ("PCMU", "PCMA")) for m in medias])
            remote: list[str] = peer.recv()
        else:
            remote = peer.recv()
            codecs = [() if t38 else parse_audio_media(offer).codecs[:1] for offer in remote]
            peer.send([_sdp(m, t38, c) for m, c in zip(medias, codecs, strict=True)])
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        late_before = clock.lateness.snapshot()
        loop = asyncio.get_running_loop()
        for n, (media, sdp) in enumerate(zip(medias, remote, strict=True)):
            start = media.start_t38 if t38 else media.start_audio
            loop.call_later(n * spread / calls, start, sdp)
        facts: list[MediaFacts] = await asyncio.gather(*(m.run() for m in medias))
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    late = clock.lateness.since(late_before)
    return SideResult(
        codes=[fact.completion_code for fact in facts],
        cpu_seconds=cpu,
        wall_seconds=wall,
        late_p50_ms=late.quantile_ms(0.5),
        late_p99_ms=late.quantile_ms(0.99),
        late_max_ms=late.max_ms(),
        line_seconds_max=max(f.line_seconds for f in facts),
    )


def _sdp(media: FaxMedia, t38: bool, codecs: tuple[str, ...]) -> str:
    """An offer (the caller) or an answer (the answerer) for one call."""
    if t38:
        return media.image_sdp(T38, session_host=HOST)
    return media.audio_sdp(codecs=codecs, session_host=HOST)


def _name(code: int | None) -> str:
    return "none" if code is None else code_name(code)


def measure(run: Run, document: Path) -> tuple[SideResult, SideResult]:
    """(caller, answerer) results of `calls` simultaneous calls between two processes."""
    context = multiprocessing.get_context("spawn")
    caller_sdp, answerer_sdp = context.Pipe()
    reports = [context.Pipe(duplex=False) for _ in range(2)]  # (read, write) each
    processes = [
        context.Process(target=side, args=(calling, run, str(document), sdp, report[1]))
        for calling, sdp, report in (
            (True, caller_sdp, reports[0]),
            (False, answerer_sdp, reports[1]),
        )
    ]
    for process in processes:
        process.start()
    try:
        results = [report[0].recv() for report in reports]
    except EOFError:
        raise SystemExit("a bench process failed (its traceback is above)") from None
    for process in processes:
        process.join()
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", type=int, help="simultaneous calls")
    parser.add_argument("--transport", choices=("t38", "g711"), default="t38")
    parser.add_argument(
        "--spread", type=float, default=10.0, help="seconds over which the N calls start"
    )
    args = parser.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.platform()}  "
        f"cores={os.cpu_count()}  python={platform.python_version()}  "
        f"load={' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    print(
        f"{'transport':<9} {'calls':>5} {'ok':>9} {'late p50/p99/max ms (caller | answerer)':>44} "
        f"{'CPU ms/call':>11} {'cores busy':>10} {'× CPU/call':>10} {'× p99':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        document = make_document(Path(tmp), 1)
        baseline: tuple[float, float] | None = None
        for calls in (1, args.calls):
            caller, answerer = measure(Run(calls, args.transport, args.spread), document)
            ok = sum(a == b == 0 for a, b in zip(caller.codes, answerer.codes, strict=True))
            cpu_per_call = (caller.cpu_seconds + answerer.cpu_seconds) / calls
            busy = (caller.cpu_seconds + answerer.cpu_seconds) / max(
                caller.wall_seconds, answerer.wall_seconds
            )
            p99 = max(caller.late_p99_ms, answerer.late_p99_ms)
            if baseline is None:
                baseline = (cpu_per_call, p99)
            late = " | ".join(
                f"{s.late_p50_ms:.1f}/{s.late_p99_ms:.1f}/{s.late_max_ms:.0f}"
                for s in (caller, answerer)
            )
            print(
                f"{args.transport:<9} {calls:>5} {f'{ok}/{calls}':>9} {late:>44} "
                f"{cpu_per_call * 1000:>11.0f} {busy:>10.2f} "
                f"{cpu_per_call / baseline[0]:>10.2f} {p99 / max(baseline[1], 0.1):>6.1f}",
                flush=True,
            )
            if ok < calls:
                failed = Counter(
                    (_name(a), _name(b))
                    for a, b in zip(caller.codes, answerer.codes, strict=True)
                    if not a == b == 0
                )
                print(f"  failed (caller, answerer): {dict(failed)}")


if __name__ == "__main__":
    main()
