"""A fax received elsewhere (a site's fax gateway hands in a TIFF or PDF) → the fax TIFF that
Fax-In keeps: TIFF Class F, 1728 px wide, 1-bit, CCITT-coded, 204 × 196 or 204 × 98 dpi.

A TIFF that already is one is kept byte for byte: its pixels are what the remote sent. Any
other TIFF, and every PDF, is rasterised by the outbound renderer's own code (`bodies`, with
its page and pixel limits and its sandboxed converters) onto A4 pages without a header band,
at fine resolution, G4. The service runs this in a process of its own (a hostile file can
crash or hang a decoder), so everything it raises pickles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from faxgate.config import Settings
from faxgate.render.bodies import bodies
from faxgate.render.errors import DocumentRejected, RenderFailure, rendering_error, too_many_pages
from faxgate.render.geometry import DPI_FINE_Y, WIDTH, PageGeometry
from faxgate.render.lifetime import die_with_parent
from faxgate.render.sniff import Kind, content_kind
from faxgate.render.tiff_f import Strip, TiffWriter

# Pillow's names for the CCITT codings of TIFF Class F (T.4 one- or two-dimensional, T.6)
_FAX_CODINGS = frozenset({"group3", "group4"})
_NAMES = {Kind.TIFF: "fax.tiff", Kind.PDF: "fax.pdf"}


@dataclass(frozen=True)
class FaxImage:
    path: Path  # the fax TIFF: the file handed in when it was one already, else `out`
    pages: int
    fine: bool  # 196 dpi rows
    kept: bool  # the file handed in is kept as it is


def fax_tiff(
    source: Path, out: Path, settings: Settings, work_dir: Path, parent_pid: int | None = None
) -> FaxImage:
    """The fax TIFF of `source` (a TIFF or PDF file); RenderFailure naming the fault when it
    cannot be read or is over a limit. `parent_pid`: die with that process (when run in a
    worker process of it)."""
    if parent_pid is not None:
        die_with_parent(parent_pid)
    with source.open("rb") as stream:
        kind = content_kind(stream.read(1024))
    if kind not in _NAMES:
        raise DocumentRejected(f"a handed-in fax is a TIFF or a PDF file, not {kind or 'text'}")
    name = _NAMES[kind]
    if kind is Kind.TIFF:
        kept = _as_received(source, name, settings)
        if kept is not None:
            return kept
    geometry = PageGeometry("A4", fine=True, header_lines=0)
    strips: list[Strip] = []
    for strip in bodies(
        kind, source, name=name, charset=None, geometry=geometry, settings=settings,
        work_dir=work_dir,
    ):  # fmt: skip
        if len(strips) == settings.max_pages:
            raise too_many_pages(name, settings.max_pages)
        strips.append(strip)
    if not strips:
        raise rendering_error(f"document {name!r} has no pages")
    partial = out.with_name(f".{out.name}.part")
    with partial.open("wb") as stream:
        writer = TiffWriter(stream, dpi_y=DPI_FINE_Y)
        for number, strip in enumerate(strips):
            writer.add_page(strip, page_number=number, total=len(strips))
        writer.close()
    os.replace(partial, out)
    return FaxImage(out, len(strips), fine=True, kept=False)


def _as_received(source: Path, name: str, settings: Settings) -> FaxImage | None:
    """The file itself when every page is a fax page of one resolution, each readable and
    within the limits; None when it must be rasterised."""
    resolutions: set[bool] = set()
    pages = 0
    try:
        with Image.open(source) as image:
            while True:
                try:
                    image.seek(pages)
                except EOFError:
                    break
                if pages == settings.max_pages:
                    raise too_many_pages(name, settings.max_pages)
                pages += 1
                if image.width * image.height > settings.max_image_pixels:
                    raise rendering_error(
                        f"page {pages} of {name!r} is too large (more than "
                        f"{settings.max_image_pixels:,} pixels, FAXGATE_MAX_IMAGE_PIXELS)"
                    )
                fine = _fax_page(image)
                if fine is None:
                    return None
                resolutions.add(fine)
                image.load()  # every page must decode: a fax kept as it is is read later
    except RenderFailure:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise rendering_error(f"{name!r} is damaged and cannot be read") from exc
    if len(resolutions) != 1:
        return None  # pages of both resolutions: a fax is stored with one
    return FaxImage(source, pages, fine=resolutions.pop(), kept=True)


def _fax_page(image: Image.Image) -> bool | None:
    """Whether the page is a fax page in fine (True) or normal (False) resolution; None when
    it is not one."""
    if (
        image.mode != "1"
        or image.width != WIDTH
        or image.info.get("compression") not in _FAX_CODINGS
    ):
        return None
    dpi = image.info.get("dpi")
    if not (isinstance(dpi, tuple) and len(dpi) == 2):
        return None
    x, y = float(dpi[0]), float(dpi[1])
    if not 195 <= x <= 210:  # 204 dpi; some machines write 200
        return None
    if 190 <= y <= 210:
        return True
    if 95 <= y <= 105:
        return False
    return None
