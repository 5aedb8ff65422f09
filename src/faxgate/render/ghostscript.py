"""Ghostscript (a separate AGPL program, never linked): PDF, PostScript and EPS → G4 pages.

It renders straight into the body frame (1728 × body rows at 204×196 dpi): `-dPDFFitPage`
scales, centres and turns landscape pages; grey and photos get Ghostscript's own
clustered-dot screen; every page comes out as one G4 strip that the page cache keeps as is.
A PDF is cut into page ranges rendered by concurrent gs processes, so all cores work. Each
gs runs in its own sandbox jail: `-dSAFER` alone still lets PostScript list, read and write
everything under TMPDIR (render/sandbox.py).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from faxgate.render import converters
from faxgate.render.geometry import DPI_FINE_Y, DPI_X, WIDTH
from faxgate.render.sandbox import Sandbox, jail

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


def _output_dir(work_dir: Path) -> Path:
    """The one directory gs may write to: its own, not the document's."""
    out = work_dir / "gs-out"
    out.mkdir(exist_ok=True)
    return out


def rasterise_pdf(
    pdf: Path, work_dir: Path, *, pages: int, rows: int, processes: int, timeout: float,
    sandbox: Sandbox,
) -> list[Path]:  # fmt: skip
    """Render every page of `pdf`; the TIFF files (one per page range) in page order."""
    binary = ghostscript_binary()
    assert binary is not None, "callers check ghostscript_binary() first"
    out_dir = _output_dir(work_dir)
    running: list[tuple[Path, subprocess.Popen[bytes]]] = []
    with ExitStack() as jails:  # each gs its own jail, all removed once every gs ended
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
                box = jails.enter_context(jail(sandbox, reads=[pdf], writes=[out_dir]))
                process = converters.start(
                    args, jail=box, timeout=timeout, memory_bytes=_MEMORY_BYTES
                )
                running.append((output, process))
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
    source: Path, work_dir: Path, *, eps: bool, rows: int, max_pages: int, timeout: float,
    sandbox: Sandbox,
) -> Path:  # fmt: skip
    """The pages as one TIFF; PageLimitReached when the document has more than max_pages."""
    binary = ghostscript_binary()
    assert binary is not None, "callers check ghostscript_binary() first"
    out_dir = _output_dir(work_dir)
    output = out_dir / "gs-ps.tif"
    fit = "-dEPSFitPage" if eps else "-dPSFitPage"
    args = [
        *_common(binary, rows, output), fit, f"-dLastPage={max_pages + 1}",
        "-c", _stop_after(max_pages), "-f", str(source),
    ]  # fmt: skip
    with jail(sandbox, reads=[source], writes=[out_dir]) as box:
        out = converters.run(
            args, jail=box, timeout=timeout, what="Ghostscript", memory_bytes=_MEMORY_BYTES
        )
    if _PAGE_LIMIT_MARK.encode() in out:
        raise PageLimitReached
    return output


def pcl_to_pdf(source: Path, work_dir: Path, *, timeout: float, sandbox: Sandbox) -> Path:
    binary = ghostpcl_binary()
    assert binary is not None, "callers check ghostpcl_binary() first"
    out_dir = _output_dir(work_dir)
    output = out_dir / "pcl.pdf"
    args: Sequence[str] = [
        binary, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
        f"-sOutputFile={output}", str(source),
    ]  # fmt: skip
    with jail(sandbox, reads=[source], writes=[out_dir]) as box:
        converters.run(args, jail=box, timeout=timeout, what="GhostPCL", memory_bytes=_MEMORY_BYTES)
    return output
