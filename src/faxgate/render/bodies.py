"""One document → its page bodies: G4 strips of WIDTH × body rows at the output resolution.

Every kind goes through one of two rasterisers: Ghostscript (preferred; PDF, PS, EPS) or
pdfium (PDF fallback), and images through Pillow. Text, HTML, PCL and office documents are
converted to PDF first. Pages are yielded one at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from faxgate.config import Settings
from faxgate.render import ghostscript, images, office, pdfium
from faxgate.render.bitonal import halve_bitonal, halve_grey, to_bitonal
from faxgate.render.charsets import decode_text
from faxgate.render.errors import rendering_error, too_many_pages, unknown_file
from faxgate.render.geometry import PageGeometry
from faxgate.render.html import HtmlPageLimit, html_to_pdf
from faxgate.render.sandbox import Sandbox, SandboxUnavailable, sandbox_for
from faxgate.render.sniff import IMAGE_KINDS, OFFICE_KINDS, Kind
from faxgate.render.text import text_to_pdf
from faxgate.render.tiff_f import Strip, decode, encode, read_strips

_GS_HINT = "install Ghostscript (apt install ghostscript)"
# Ghostscript costs ~170 ms of process start-up per document, pdfium ~65 ms a page in
# process (measured, docs/rendering.md): short documents are faster without the subprocess.
_PDFIUM_UP_TO_PAGES = 2


def use_ghostscript(settings: Settings) -> bool:
    choice = settings.rasteriser.lower()
    if choice == "pdfium":
        return False
    present = ghostscript.ghostscript_binary() is not None
    if choice == "ghostscript" and not present:
        raise rendering_error(f"FAXGATE_RASTERISER=ghostscript, but it is missing: {_GS_HINT}")
    return present


def converter_sandbox(settings: Settings) -> Sandbox:
    try:
        return sandbox_for(settings.sandbox)
    except SandboxUnavailable as exc:  # the service refuses to start; `faxgate render` gets here
        raise rendering_error(str(exc)) from exc


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))


def bodies(
    kind: Kind,
    source: Path,
    *,
    name: str,
    charset: str | None,
    geometry: PageGeometry,
    settings: Settings,
    work_dir: Path,
) -> Iterator[Strip]:
    timeout = settings.converter_timeout_secs
    if kind is Kind.PDF:
        yield from pdf_bodies(source, name, geometry, settings, work_dir)
    elif kind in IMAGE_KINDS:
        for grey in images.grey_pages(
            source, name, geometry.body_rows_fine, max_pages=settings.max_pages,
            max_pixels=settings.max_image_pixels,
        ):  # fmt: skip
            yield grey_to_strip(grey, geometry)
    elif kind is Kind.TEXT:
        text = _decode(source.read_bytes(), charset, name)
        pdf = text_to_pdf(
            text, geometry.paper, work_dir / "text.pdf", name=name, max_pages=settings.max_pages
        )
        yield from pdf_bodies(pdf, name, geometry, settings, work_dir)
    elif kind is Kind.HTML:
        html = _decode(source.read_bytes(), None, name)
        try:
            pdf = html_to_pdf(
                html, geometry.paper, work_dir / "html.pdf", max_pages=settings.max_pages,
                max_tags=settings.max_html_tags,
            )  # fmt: skip
        except HtmlPageLimit:
            raise too_many_pages(name, settings.max_pages) from None
        yield from pdf_bodies(pdf, name, geometry, settings, work_dir)
    elif kind in (Kind.POSTSCRIPT, Kind.EPS):
        if ghostscript.ghostscript_binary() is None:
            raise unknown_file(f"document {name!r} is PostScript and needs Ghostscript: {_GS_HINT}")
        try:
            tiff = ghostscript.rasterise_postscript(
                source, work_dir, eps=kind is Kind.EPS, rows=geometry.body_rows_fine,
                max_pages=settings.max_pages, timeout=timeout, sandbox=converter_sandbox(settings),
            )  # fmt: skip
        except ghostscript.PageLimitReached:
            raise too_many_pages(name, settings.max_pages) from None
        yield from _gs_strips(tiff, name, geometry, settings)
    elif kind is Kind.PCL:
        if ghostscript.ghostpcl_binary() is None:
            raise unknown_file(
                f"document {name!r} is PCL, which needs GhostPCL (the gpcl6 program of "
                "Ghostscript's GhostPDL), and it is not installed"
            )
        pdf = ghostscript.pcl_to_pdf(
            source, work_dir, timeout=timeout, sandbox=converter_sandbox(settings)
        )
        yield from pdf_bodies(pdf, name, geometry, settings, work_dir)
    elif kind in OFFICE_KINDS:
        sandbox = converter_sandbox(settings)
        in_filter = None if sandbox.confined else office.unconfined_filter(kind, name)
        pdf = office.office_to_pdf(
            source, work_dir, timeout=timeout, sandbox=sandbox, in_filter=in_filter
        )
        yield from pdf_bodies(pdf, name, geometry, settings, work_dir)
    else:
        raise unknown_file(f"document {name!r}: {kind} documents are not supported")


def pdf_bodies(
    pdf: Path, name: str, geometry: PageGeometry, settings: Settings, work_dir: Path
) -> Iterator[Strip]:
    pages = pdfium.page_count(pdf, name)
    if pages > settings.max_pages:
        raise too_many_pages(name, settings.max_pages, pages)
    if use_ghostscript(settings) and (
        pages > _PDFIUM_UP_TO_PAGES or settings.rasteriser.lower() == "ghostscript"
    ):
        processes = settings.render_processes or cpu_count()
        tiffs = ghostscript.rasterise_pdf(
            pdf, work_dir, pages=pages, rows=geometry.body_rows_fine, processes=processes,
            timeout=settings.converter_timeout_secs, sandbox=converter_sandbox(settings),
        )  # fmt: skip
        for tiff in tiffs:
            yield from _gs_strips(tiff, name, geometry, settings)
            tiff.unlink()
    else:
        for grey in pdfium.grey_pages(pdf, name, geometry.body_rows_fine):
            yield grey_to_strip(grey, geometry)


def _gs_strips(
    tiff: Path, name: str, geometry: PageGeometry, settings: Settings
) -> Iterator[Strip]:
    try:
        strips = read_strips(tiff)
    except ValueError:
        yield from _pillow_strips(tiff, geometry)
        return
    if len(strips) > settings.max_pages:
        raise too_many_pages(name, settings.max_pages)
    for strip in strips:
        if geometry.fine:
            yield strip
        else:
            yield encode(halve_bitonal(decode(strip)))


def _pillow_strips(tiff: Path, geometry: PageGeometry) -> Iterator[Strip]:
    """Ghostscript pages that are not single G4 strips (other gs builds): decode, re-encode."""
    with Image.open(tiff) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            page = image.convert("1")
            yield encode(page if geometry.fine else halve_bitonal(page))


def grey_to_strip(grey: Image.Image, geometry: PageGeometry) -> Strip:
    return encode(to_bitonal(grey if geometry.fine else halve_grey(grey)))


def _decode(data: bytes, charset: str | None, name: str) -> str:
    try:
        return decode_text(data, charset)
    except ValueError as exc:
        raise rendering_error(f"document {name!r}: {exc}") from exc
