"""Fixtures for the render tests: real documents made on the fly, and a TIFF reader.

Nothing here is a stored binary: PDFs come from fpdf2/pypdf, images from Pillow,
PostScript is written as text, office files are converted by LibreOffice itself.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from faxgate.config import Settings
from faxgate.render import (
    OverlaySpec,
    RenderJob,
    RenderRecipient,
    SourceDocument,
    render_fax,
)

HAS_GS = shutil.which("gs") is not None
HAS_SOFFICE = shutil.which("soffice") is not None
needs_gs = pytest.mark.skipif(not HAS_GS, reason="Ghostscript (gs) not installed")
needs_soffice = pytest.mark.skipif(
    not HAS_SOFFICE,
    reason="LibreOffice not installed (apt install libreoffice-writer-nogui "
    "libreoffice-calc-nogui libreoffice-impress-nogui)",
)
RASTERISERS = [
    pytest.param(
        "ghostscript", marks=pytest.mark.skipif(not HAS_GS, reason="Ghostscript (gs) not installed")
    ),
    "pdfium",
]


@pytest.fixture(params=RASTERISERS)
def rasteriser(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(rasteriser: str) -> Settings:
    return Settings(rasteriser=rasteriser, render_processes=2, converter_timeout_secs=60)


@pytest.fixture
def gs_settings() -> Settings:
    if not HAS_GS:
        pytest.skip("Ghostscript (gs) not installed")
    return Settings(rasteriser="ghostscript", render_processes=2, converter_timeout_secs=60)


def text_pdf(pages: int = 1, *, landscape: bool = False, paper: str = "A4") -> bytes:
    pdf = FPDF(orientation="L" if landscape else "P", format=paper)
    pdf.set_font("helvetica", size=14)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Page {number + 1} of a test document")
        pdf.ln(10)
        pdf.multi_cell(w=0, text="The quick brown fox jumps over the lazy dog. " * 20)
    return bytes(pdf.output())


def photo_pdf(pages: int = 1) -> bytes:
    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(gradient_image(1200, 1600), x=10, y=10, w=190)
    return bytes(pdf.output())


def gradient_image(width: int, height: int) -> Image.Image:
    image = Image.linear_gradient("L").resize((width, height))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, width // 2, height // 2), fill=40)
    return image.convert("RGB")


def image_bytes(kind: str, *, size: tuple[int, int] = (800, 1000), **save: object) -> bytes:
    image = gradient_image(*size)
    ImageDraw.Draw(image).rectangle((50, 50, 300, 120), fill=(0, 0, 0))
    if kind == "GIF":
        image = image.convert("P")
    buffer = io.BytesIO()
    image.save(buffer, kind, **save)
    return buffer.getvalue()


def make_job(
    documents: tuple[SourceDocument, ...],
    *,
    paper: str = "A4",
    fine: bool = True,
    header: str | None = None,
    cover_html: str | None = None,
    overlay: OverlaySpec | None = None,
) -> RenderJob:
    return RenderJob(
        job_id="FJTEST",
        documents=documents,
        paper=paper,
        fine=fine,
        header=header,
        csid="+49 30 1234567",
        cover_html=cover_html,
        overlay=overlay,
        submitted_at=datetime.now(UTC),
    )


def doc(name: str, content: bytes, charset: str | None = None) -> SourceDocument:
    return SourceDocument(name=name, content=content, reference=None, charset=charset)


RECIPIENT = RenderRecipient(
    index=0,
    number="+49 89 1234567",
    normalised_number="0049891234567",
    properties=(("ToName", "Ada <script>alert(1)</script>"), ("SubjectTitle", "Quarterly")),
)


@dataclass(frozen=True)
class FaxPage:
    image: Image.Image  # mode 1
    width: int
    height: int
    dpi: tuple[float, float]
    compression: str
    photometric: int
    page_number: tuple[int, int] | None


def read_fax(path: Path) -> list[FaxPage]:
    pages = []
    with Image.open(path) as tiff:
        for index in range(getattr(tiff, "n_frames", 1)):
            tiff.seek(index)
            tags = tiff.tag_v2  # type: ignore[attr-defined]
            number = tags.get(297)
            pages.append(
                FaxPage(
                    image=tiff.convert("1"),
                    width=tiff.width,
                    height=tiff.height,
                    dpi=tuple(float(v) for v in tiff.info["dpi"]),  # type: ignore[arg-type]
                    compression=str(tiff.info["compression"]),
                    photometric=int(tags[262]),
                    page_number=tuple(number) if number else None,
                )
            )
    return pages


def black_pixels(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    region = image.crop(box) if box else image
    return region.convert("L").histogram()[0]


Render = Callable[..., tuple[int, list[FaxPage]]]


@pytest.fixture
def render(tmp_path: Path) -> Iterator[Render]:
    """render(job, settings, recipient=RECIPIENT) → (returned page count, pages read back)."""
    counter = iter(range(1_000_000))

    def run(
        job: RenderJob, settings: Settings, recipient: RenderRecipient = RECIPIENT
    ) -> tuple[int, list[FaxPage]]:
        out = tmp_path / f"out-{next(counter)}.tiff"
        count = render_fax(job, recipient, settings, tmp_path / "cache", out)
        return count, read_fax(out)

    yield run
