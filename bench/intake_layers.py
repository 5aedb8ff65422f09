"""Where the time of one `POST /fax` goes: faxgate with parts of the intake path switched
off (bench/faxgate_variant.py), each measured like bench/bench_intake.py measures the whole.

Rows, from the bare HTTP server up to faxgate as users run it (on SQLite, or with
`--db postgresql` on a throwaway PostgreSQL server):

1. the baseline: a raw ASGI app that parses the JSON and answers 201;
2. faxgate without storage, PDF check and logs: routing, authentication (cached), the whole
   FaxJobRequest validated, the document decoded, the job's rows built;
3. + the two log lines (request, job accepted);
4. + the PDF opened at submit time;
5. + the group commit (faxgate as it runs).

Each row prints requests/s, server CPU per request, and the CPU that row adds. The intake
target (≥ 0.5 × baseline) leaves faxgate about twice the baseline's CPU per request.

    .venv/bin/python -m bench.intake_layers [--duration 15] [--warmup 4] [--db postgresql]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

from tests.pg_server import running_postgres

from bench.bench_intake import Result, baseline_server, faxgate_server, measure, write_script

VARIANTS = (
    ("without storage, PDF check, logs", "store,pdfcheck,logs"),
    ("+ logs", "store,pdfcheck"),
    ("+ PDF check", "store"),
    ("+ storage (faxgate)", ""),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=15, help="measured seconds per server")
    parser.add_argument("--warmup", type=int, default=4, help="warm-up seconds per server")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed as the load generator: apt-get install wrk")
    rows: list[tuple[str, Result]] = []
    with tempfile.TemporaryDirectory(prefix="faxgate-bench-layers-") as tmp:
        work = Path(tmp)
        script = write_script(work)
        with baseline_server(work) as server:
            rows.append(("baseline (json.loads)", measure("baseline", server, script, args)))
        for name, parts in VARIANTS:
            data_dir = work / (parts.replace(",", "-") or "full")
            with contextlib.ExitStack() as stack:
                # A fresh database for each variant, so each starts empty with one account.
                url = (
                    stack.enter_context(running_postgres())
                    if args.db == "postgresql"
                    else f"sqlite+aiosqlite:///{data_dir / 'faxgate.db'}"
                )
                launcher = (sys.executable, "-m", "bench.faxgate_variant", "--without", parts, "--")
                server = stack.enter_context(faxgate_server(url, data_dir, launcher))
                rows.append((name, measure(name[:22], server, script, args)))
    baseline = rows[0][1]
    print(f"\n{'':34} {'req/s':>8} {'× baseline':>10} {'CPU µs/req':>11} {'adds µs':>8}")
    previous = None
    for name, result in rows:
        cpu = result.cpu_seconds / max(result.requests, 1) * 1e6
        added = "" if previous is None else f"{cpu - previous:+8.0f}"
        print(
            f"{name:34} {result.rate:8.0f} {result.rate / baseline.rate:10.2f} {cpu:11.0f} {added}"
        )
        previous = cpu


if __name__ == "__main__":
    main()
