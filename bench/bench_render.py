"""Rendering benchmark: the whole pipeline against raw Ghostscript, measured in the same run.

    .venv/bin/python -m bench.bench_render [--runs 3]

Prints pages/s for a 50-page text PDF and a 10-page photo PDF at HIGH (A4): raw
`gs -sDEVICE=tiffg4 -r204x196 -g1728x2292` versus `render_fax` (rasterise with a fresh cache,
header band on every page, G4 TIFF-F written), their ratio, the pdfium fallback, and the
peak memory (RSS of the render process plus its converter children) for a 300-page PDF.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter

from faxgate.config import Settings
from faxgate.render import RenderJob, RenderRecipient, SourceDocument, render_fax

RECIPIENT = RenderRecipient(0, "+49 89 1234567", "0049891234567", ())


def text_pdf(pages: int) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=11)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Benchmark page {number + 1}")
        pdf.ln(8)
        pdf.multi_cell(w=0, text="Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 45)
    return bytes(pdf.output())


def photo_pdf(pages: int) -> bytes:
    pdf = FPDF(format="A4")
    for number in range(pages):
        photo = Image.effect_noise((620, 877), 60).resize((2480, 3508)).filter(ImageFilter.BLUR)
        ImageDraw.Draw(photo).ellipse((400 + number * 40, 600, 2000, 2400), fill=70)
        buffer = io.BytesIO()
        photo.convert("RGB").save(buffer, "JPEG", quality=85)
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def raw_gs(pdf: Path, out: Path) -> None:
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffg4", "-r204x196",
         "-g1728x2292", "-dFIXEDMEDIA", "-dPDFFitPage", f"-sOutputFile={out}", str(pdf)],
        check=True,
    )  # fmt: skip


def pipeline(pdf: Path, work: Path, settings: Settings) -> int:
    job = RenderJob(
        job_id="BENCH", documents=(SourceDocument(pdf.name, pdf.read_bytes(), None, None),),
        paper="A4", fine=True, header=None, csid="+49 30 1234567", cover_html=None,
        overlay=None, submitted_at=datetime.now(UTC),
    )  # fmt: skip
    cache = Path(tempfile.mkdtemp(dir=work))  # fresh: rasterisation is part of the figure
    try:
        return render_fax(job, RECIPIENT, settings, cache, work / "out.tiff")
    finally:
        shutil.rmtree(cache)


def cpu_seconds() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best(runs: int, action: object) -> tuple[float, float]:
    """(best wall time, CPU time of that run) over `runs` runs."""
    assert callable(action)
    results = []
    for _ in range(runs):
        start, cpu = time.perf_counter(), cpu_seconds()
        action()
        results.append((time.perf_counter() - start, cpu_seconds() - cpu))
    return min(results)


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return total


def peak_memory(pdf: Path, work: Path) -> tuple[float, float]:
    """(peak RSS of the process tree, peak RSS of the Python process alone) in MiB."""
    code = (
        "import sys; from pathlib import Path; from bench.bench_render import pipeline;"
        "from faxgate.config import Settings;"
        "print(pipeline(Path(sys.argv[1]), Path(sys.argv[2]), Settings()))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(pdf), str(work)], stdout=subprocess.DEVNULL
    )
    peak_tree = peak_self = 0
    while process.poll() is None:
        peak_tree = max(peak_tree, tree_rss_kib(process.pid))
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_self = max(peak_self, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    if process.returncode != 0:
        raise SystemExit("the 300-page render failed")
    return peak_tree / 1024, peak_self / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    has_gs = shutil.which("gs") is not None
    load = os.getloadavg()[0]
    gs_text = "yes" if has_gs else "no"
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load {load:.2f}, gs {gs_text}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-render-") as name:
        work = Path(name)
        cases = {"text, 50 pages": (text_pdf(50), 50), "photo, 10 pages": (photo_pdf(10), 10)}
        for label, (data, pages) in cases.items():
            pdf = work / "in.pdf"
            pdf.write_bytes(data)
            gs_settings = Settings(rasteriser="ghostscript" if has_gs else "pdfium")
            full, full_cpu = best(args.runs, lambda: pipeline(pdf, work, gs_settings))  # noqa: B023
            pdfium_settings = Settings(rasteriser="pdfium")
            fallback, _ = best(args.runs, lambda: pipeline(pdf, work, pdfium_settings))  # noqa: B023
            print(f"\n{label}                      wall pages/s   CPU ms/page")
            if has_gs:
                raw, raw_cpu = best(args.runs, lambda: raw_gs(pdf, work / "raw.tif"))  # noqa: B023
                print(
                    f"  raw gs tiffg4 (1 process)      {pages / raw:7.1f}   "
                    f"{raw_cpu / pages * 1000:9.1f}"
                )
            print(f"  pipeline ({gs_settings.rasteriser:11s})       {pages / full:7.1f}   "
                  f"{full_cpu / pages * 1000:9.1f}")  # fmt: skip
            print(f"  pipeline (pdfium)              {pages / fallback:7.1f}")
            if has_gs:
                print(f"  ratio pipeline / raw gs (wall) {raw / full:7.2f}")
        pdf = work / "long.pdf"
        pdf.write_bytes(text_pdf(300))
        tree, alone = peak_memory(pdf, work)
        print(
            f"\n300-page PDF: peak RSS {tree:.0f} MiB (process tree), "
            f"{alone:.0f} MiB (Python process)"
        )


if __name__ == "__main__":
    main()
