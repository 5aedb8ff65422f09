"""The page limit applies while pages are produced, for every document type: a document far
over it stops at the first page too many, with a reason that names the limit."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import RenderFailure
from tests.bombs import CEILING, RENDER_IN_CHILD, ChildRun, run_limited
from tests.render.conftest import Render, doc, make_job, text_pdf


def _render_in_child(
    tmp_path: Path, name: str, content: bytes, timeout: float = 60.0, **overrides: object
) -> ChildRun:
    source = tmp_path / "source.bin"
    source.write_bytes(content)
    return run_limited(
        RENDER_IN_CHILD, str(source), name, json.dumps(overrides), str(tmp_path), timeout=timeout
    )


def _failure(render: Render, settings: Settings, name: str, content: bytes) -> RenderFailure:
    try:
        render(make_job((doc(name, content),)), settings)
    except RenderFailure as exc:
        return exc
    raise AssertionError("the render did not fail")


def test_text_of_form_feeds_stops_at_the_page_limit_within_a_memory_ceiling(
    tmp_path: Path,
) -> None:
    # a million pages of 4 KB each in fpdf2 when every page is built before the limit
    run = _render_in_child(tmp_path, "bomb.txt", b"\f" * 1_000_000)
    assert run.stdout.startswith("failed RENDERING_ERROR"), run.describe()
    assert "has more than 500 pages (at most 500, FAXGATE_MAX_PAGES)" in run.stdout
    assert run.peak_rss < CEILING, run.describe()


def test_text_with_one_endless_line_stops_at_the_page_limit(
    render: Render, gs_settings: Settings
) -> None:
    limited = gs_settings.with_overrides(max_pages=3)
    exc = _failure(render, limited, "line.txt", b"\t" * 2_000_000)
    assert exc.status is FaxStatus.RENDERING_ERROR
    assert exc.reason == "document 'line.txt' has more than 3 pages (at most 3, FAXGATE_MAX_PAGES)"


def test_pdf_over_the_limit_is_refused_before_rasterising(
    render: Render, settings: Settings
) -> None:
    limited = settings.with_overrides(max_pages=2)
    exc = _failure(render, limited, "long.pdf", text_pdf(3))
    assert exc.status is FaxStatus.RENDERING_ERROR
    assert exc.reason == "document 'long.pdf' has 3 pages (at most 2, FAXGATE_MAX_PAGES)"


def test_endless_postscript_stops_at_the_page_limit(render: Render, gs_settings: Settings) -> None:
    # -dLastPage alone stops the output but not the interpreter: this ran until the
    # converter's time limit
    limited = gs_settings.with_overrides(max_pages=3, converter_timeout_secs=30)
    endless = b"%!PS-Adobe-3.0\n{ save showpage restore } loop\n"
    exc = _failure(render, limited, "endless.ps", endless)
    assert exc.status is FaxStatus.RENDERING_ERROR
    assert (
        exc.reason == "document 'endless.ps' has more than 3 pages (at most 3, FAXGATE_MAX_PAGES)"
    )


def test_postscript_within_the_limit_renders(render: Render, gs_settings: Settings) -> None:
    pages = b"".join(b"/Helvetica findfont 20 scalefont setfont 72 72 moveto (p) show showpage\n"
                     for _ in range(3))  # fmt: skip
    count, _pages = render(make_job((doc("three.ps", b"%!PS\n" + pages),)),
                           gs_settings.with_overrides(max_pages=3))  # fmt: skip
    assert count == 3


def many_directory_tiff(frames: int) -> bytes:
    """A TIFF of `frames` 8×8 pages sharing one strip (about 100 bytes a page)."""
    entries = [(256, 3, 8), (257, 3, 8), (258, 3, 1), (259, 3, 1), (262, 3, 0),
               (273, 4, 8), (278, 3, 8), (279, 4, 8)]  # fmt: skip
    size = 2 + 12 * len(entries) + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", 16) + b"\x00" * 8)
    for index in range(frames):
        following = len(out) + size if index < frames - 1 else 0
        out += struct.pack("<H", len(entries))
        for tag, kind, value in entries:
            packed = struct.pack("<I", value) if kind == 4 else struct.pack("<HH", value, 0)
            out += struct.pack("<HHI", tag, kind, 1) + packed
        out += struct.pack("<I", following)
    return bytes(out)


def test_tiff_pages_are_counted_only_up_to_the_limit(tmp_path: Path) -> None:
    # Pillow's n_frames walks every directory, in quadratic time: 100,000 took minutes
    run = _render_in_child(tmp_path, "many.tif", many_directory_tiff(100_000), timeout=60)
    assert run.returncode == 0, run.describe()
    assert run.stdout.startswith("failed RENDERING_ERROR"), run.describe()
    assert "'many.tif' has more than 500 pages (at most 500, FAXGATE_MAX_PAGES)" in run.stdout


def test_html_layout_stops_at_the_page_limit(render: Render, gs_settings: Settings) -> None:
    html = "<html><body>" + '<p style="break-after: page">page</p>' * 2000 + "</body></html>"
    limited = gs_settings.with_overrides(max_pages=5)
    exc = _failure(render, limited, "long.html", html.encode())
    assert exc.status is FaxStatus.RENDERING_ERROR
    assert exc.reason == "document 'long.html' has more than 5 pages (at most 5, FAXGATE_MAX_PAGES)"


def test_html_with_too_many_tags_is_refused_before_parsing(tmp_path: Path) -> None:
    # WeasyPrint builds every element's box before the first page: 60,000 paragraphs took
    # minutes and more than a gigabyte before the page limit could act
    html = "<html><body>" + "<p>x</p>" * 30_000 + "</body></html>"
    run = _render_in_child(tmp_path, "long.html", html.encode())
    assert run.stdout.startswith("failed RENDERING_ERROR"), run.describe()
    assert "the HTML has 60,004 tags, more than the limit of 50,000" in run.stdout
    assert "FAXGATE_MAX_HTML_TAGS" in run.stdout
    assert run.peak_rss < CEILING, run.describe()
