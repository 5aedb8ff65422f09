"""Golden checks on the produced TIFF-F: geometry, tags, compression, header band."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from faxgate.config import Settings
from faxgate.render import DEFAULT_COVER_HTML, render_fax
from tests.render.conftest import (
    RECIPIENT,
    Render,
    black_pixels,
    doc,
    make_job,
    photo_pdf,
    text_pdf,
)

PAGE_ROWS = {
    ("A4", True): 2292,
    ("A4", False): 1146,
    ("LETTER", True): 2156,
    ("LETTER", False): 1078,
}


@pytest.mark.parametrize("paper", ["A4", "LETTER"])
@pytest.mark.parametrize("fine", [True, False], ids=["HIGH", "LOW"])
def test_geometry_tags_and_compression(
    render: Render, settings: Settings, paper: str, fine: bool
) -> None:
    job = make_job((doc("letter.pdf", text_pdf(3)),), paper=paper, fine=fine)
    count, pages = render(job, settings)
    assert count == len(pages) == 3
    for number, page in enumerate(pages):
        assert (page.width, page.height) == (1728, PAGE_ROWS[paper, fine])
        assert page.dpi == (204.0, 196.0 if fine else 98.0)
        assert page.compression == "group4"
        assert page.photometric == 0  # min-is-white, as TIFF Class F wants
        assert page.page_number == (number, 3)
        band_rows = 32 if fine else 16
        assert black_pixels(page.image, (0, 0, 1728, band_rows)) > 100, "header band is blank"
        assert black_pixels(page.image, (0, band_rows, 1728, page.height)) > 1000, "no content"


def test_libtiff_reads_every_page_without_errors(
    render: Render, gs_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "fax.tiff"
    job = make_job((doc("a.pdf", text_pdf(2)), doc("b.pdf", photo_pdf(1))))
    render_fax(job, RECIPIENT, gs_settings, tmp_path / "cache", out)
    if shutil.which("tiffinfo") is None:
        pytest.skip("tiffinfo (libtiff-tools) not installed")
    result = subprocess.run(
        ["tiffinfo", "-D", str(out)], check=False, capture_output=True, text=True
    )
    assert "Bad code" not in result.stderr and "Uncompressed" not in result.stderr
    assert result.stdout.count("Image Width: 1728") == 3


def test_g3_is_available(render: Render, settings: Settings) -> None:
    g3 = Settings(rasteriser=settings.rasteriser, fax_compression="g3")
    _, pages = render(make_job((doc("a.pdf", text_pdf(2)),)), g3)
    assert {page.compression for page in pages} == {"group3"}
    assert all(page.width == 1728 for page in pages)


def test_landscape_pages_are_turned_to_portrait(render: Render, settings: Settings) -> None:
    _, (page,) = render(make_job((doc("wide.pdf", text_pdf(1, landscape=True)),)), settings)
    body = page.image.crop((0, 32, 1728, page.height))
    left, top, right, bottom = body.convert("L").point(lambda v: 255 - v).getbbox() or (0, 0, 0, 0)
    # the text lines run down the page once turned: the ink is taller than it is wide
    assert bottom - top > right - left


def test_photo_pages_are_halftoned_not_diffused(render: Render, settings: Settings) -> None:
    _, (page,) = render(make_job((doc("photo.pdf", photo_pdf(1)),)), settings)
    body = page.image.crop((300, 600, 1400, 1600)).convert("L")
    dark = body.histogram()[0] / (body.width * body.height)
    assert 0.05 < dark < 0.95, "the gradient must become a screen of dots, not white or black"


def test_pages_are_counted_with_the_cover(render: Render, gs_settings: Settings) -> None:
    job = make_job(
        (doc("a.pdf", text_pdf(2)), doc("b.pdf", text_pdf(1))), cover_html=DEFAULT_COVER_HTML
    )
    count, pages = render(job, gs_settings)
    assert count == len(pages) == 4
    assert [page.page_number for page in pages] == [(0, 4), (1, 4), (2, 4), (3, 4)]
