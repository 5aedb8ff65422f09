"""Simulated line-seconds per wall-second of the spandsp carrier.

Runs 1-page and 10-page faxes to an ordinary virtual fax machine (ECM, V.17 14400) over
audio and over T.38: first on one core (calls one after another in this process), then
with 2 worker processes (each runs the same calls; the ratio counts the line time of both
against the shared wall time). The baseline is real time: ×1 means a call takes as long
as on a real line; the issue's target is ×300 per core.

    .venv/bin/python bench/bench_t30.py [--calls 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw

from faxgate.carriers.base import FaxCall
from faxgate.carriers.spandsp import SpandspCarrier, spandsp_available
from faxgate.carriers.spandsp._lib import load
from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus


def letter_pages(count: int) -> list[Image.Image]:
    """Business-letter-like fine pages: a letterhead block and 45 lines of text."""
    pages = []
    for n in range(count):
        page = Image.new("1", (1728, 2292), 1)
        draw = ImageDraw.Draw(page)
        draw.rectangle((100, 100, 700, 260), fill=0)
        for line in range(45):
            text = f"Page {n + 1}, line {line + 1}: faxgate benchmark text, " * 3
            draw.text((120, 340 + line * 42), text, fill=0)
        pages.append(page)
    return pages


def make_document(directory: Path, pages: int) -> Path:
    path = directory / f"letter-{pages}.tif"
    images = letter_pages(pages)
    images[0].save(
        path, save_all=True, append_images=images[1:], compression="group4", dpi=(204, 196)
    )
    return path


def run_calls(transport: str, document: str, pages: int, calls: int) -> float:
    """Send `calls` faxes one after another; return their total line seconds."""
    carrier = SpandspCarrier(Settings(spandsp_transport=transport))
    total = 0.0
    for attempt in range(1, calls + 1):
        call = FaxCall(
            "FJBENCH", 0, "004930123456", Path(document), pages, True, "FAXGATE BENCH", attempt
        )
        outcome = carrier.transmit(call)
        if outcome.status is not FaxStatus.OK or outcome.pages_sent != pages:
            raise RuntimeError(f"benchmark call failed: {outcome}")
        total += outcome.line_seconds
    return total


def measure(
    transport: str, document: Path, pages: int, calls: int, processes: int
) -> tuple[float, float]:
    """(line seconds, wall seconds) for `processes` workers running `calls` each."""
    start = time.perf_counter()
    if processes == 1:
        line = run_calls(transport, str(document), pages, calls)
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            futures = [
                pool.submit(run_calls, transport, str(document), pages, calls)
                for _ in range(processes)
            ]
            line = sum(f.result() for f in futures)
    return line, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="calls per measurement")
    args = parser.parse_args()
    if not spandsp_available():
        raise SystemExit("libspandsp2 not installed (apt-get install libspandsp2)")
    print(
        f"{time.strftime('%Y-%m-%d')}  {platform.platform()}  cores={os.cpu_count()}  "
        f"library={load().path}  python={platform.python_version()}"
    )
    print(
        f"{'transport':<9} {'pages':>5} {'procs':>5} {'line s/call':>11} "
        f"{'wall s':>7} {'× real time':>11} {'× per core':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        documents = {n: make_document(Path(tmp), n) for n in (1, 10)}
        run_calls("audio", str(documents[1]), 1, 1)  # warm-up: library, noise, tables
        for transport in ("audio", "t38"):
            for pages in (1, 10):
                for processes in (1, 2):
                    line, wall = measure(transport, documents[pages], pages, args.calls, processes)
                    per_call = line / (args.calls * processes)
                    ratio = line / wall
                    print(
                        f"{transport:<9} {pages:>5} {processes:>5} {per_call:>11.1f} "
                        f"{wall:>7.2f} {ratio:>11.0f} {ratio / processes:>10.0f}"
                    )


if __name__ == "__main__":
    main()
