"""Ghostscript (a separate AGPL program, never linked): PDF, PostScript and EPS → G4 pages.

It renders straight into the body frame (1728 × body rows at 204×196 dpi): `-dPDFFitPage`
scales, centres and turns landscape pages; grey and photos get Ghostscript's own
clustered-dot screen; every page comes out as one G4 strip that the page cache keeps as is.
A PDF is cut into page ranges rendered by concurrent gs processes, so all cores work.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from faxgate.render import converters
from faxgate.render.geometry import DPI_FINE_Y, DPI_X, WIDTH

_MEMORY_BYTES = 2 * 1024**3
_MIN_PAGES_PER_PROCESS = 8


def ghostscript_binary() -> str | None:
    return shutil.which("gs")


def ghostpcl_binary() -> str | None:
    return shutil.which("gpcl6") or shutil.which("pcl6")


def _common(binary: str, rows: int, output: Path) -> list[str]:
    return [
        binary,
        "-q",
        "-dSAFER",
        "-dBATCH",
        "-dNOPAUSE",
        "-dNOPROMPT",
        "-sDEVICE=tiffg4",
        f"-r{DPI_X}x{DPI_FINE_Y}",
        f"-g{WIDTH}x{rows}",
        "-dFIXEDMEDIA",
        "-dMaxStripSize=0",  # one strip per page, so the page cache can splice it
        f"-sOutputFile={output}",
    ]


def page_ranges(pages: int, processes: int) -> list[tuple[int, int]]:
    """1-based inclusive ranges splitting `pages` over at most `processes` processes."""
    count = max(1, min(processes, pages // _MIN_PAGES_PER_PROCESS or 1))
    size, extra = divmod(pages, count)
    ranges, first = [], 1
    for index in range(count):
        last = first + size - 1 + (1 if index < extra else 0)
        ranges.append((first, last))
        first = last + 1
    return ranges


def rasterise_pdf(
    pdf: Path, out_dir: Path, *, pages: int, rows: int, processes: int, timeout: float
) -> list[Path]:
    """Render every page of `pdf`; the TIFF files (one per page range) in page order."""
    binary = ghostscript_binary()
    assert binary is not None, "callers check ghostscript_binary() first"
    running: list[tuple[Path, subprocess.Popen[bytes]]] = []
    try:
        for first, last in page_ranges(pages, processes):
            output = out_dir / f"gs-{first:05d}.tif"
            args = [
                *_common(binary, rows, output),
                "-dPDFFitPage",
                f"-dFirstPage={first}",
                f"-dLastPage={last}",
                "-f",
                str(pdf),
            ]
            running.append(
                (output, converters.start(args, timeout=timeout, memory_bytes=_MEMORY_BYTES))
            )
        for _output, process in running:
            converters.finish(process, timeout=timeout, what="Ghostscript")
    finally:
        for _output, process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    return [output for output, _process in running]


class PageLimitReached(Exception):
    """The PostScript document went on past the page limit; Ghostscript was stopped."""


_PAGE_LIMIT_MARK = "FAXGATE-PAGE-LIMIT"


def _stop_after(pages: int) -> str:
    """PostScript run before the document: at the showpage that would make page `pages` + 1,
    say so and quit. -dLastPage only stops the output: an endless showpage loop kept
    Ghostscript busy until its time limit. The count lives in global VM, which a
    document's save and restore do not roll back. (A document that installs its own EndPage escapes
    this; -dLastPage and the time limit still hold then.)"""
    return (
        "<< /EndPage { exch pop 2 ne {"
        " globaldict /FaxgatePages 2 copy known { get 1 add } { pop pop 1 } ifelse"
        " dup globaldict exch /FaxgatePages exch put"
        f" {pages} gt {{ ({_PAGE_LIMIT_MARK}\n) print flush quit }} if true"
        " } { false } ifelse } bind >> setpagedevice"
    )


def rasterise_postscript(
    source: Path, out_dir: Path, *, eps: bool, rows: int, max_pages: int, timeout: float
) -> Path:
    """The pages as one TIFF; PageLimitReached when the document has more than max_pages."""
    binary = ghostscript_binary()
    assert binary is not None, "callers check ghostscript_binary() first"
    output = out_dir / "gs-ps.tif"
    fit = "-dEPSFitPage" if eps else "-dPSFitPage"
    args = [
        *_common(binary, rows, output), fit, f"-dLastPage={max_pages + 1}",
        "-c", _stop_after(max_pages), "-f", str(source),
    ]  # fmt: skip
    out = converters.run(args, timeout=timeout, what="Ghostscript", memory_bytes=_MEMORY_BYTES)
    if _PAGE_LIMIT_MARK.encode() in out:
        raise PageLimitReached
    return output


def pcl_to_pdf(source: Path, output: Path, *, timeout: float) -> Path:
    binary = ghostpcl_binary()
    assert binary is not None, "callers check ghostpcl_binary() first"
    args: Sequence[str] = [
        binary, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
        f"-sOutputFile={output}", str(source),
    ]  # fmt: skip
    converters.run(args, timeout=timeout, what="GhostPCL", memory_bytes=_MEMORY_BYTES)
    return output
