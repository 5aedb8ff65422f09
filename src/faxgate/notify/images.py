"""The fax image in the formats a report mail can attach (spec §5.5)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageSequence
from pypdf import PdfReader, PdfWriter

FAX_DPI = (204.0, 196.0)  # fine resolution; a TIFF's own dpi tag wins when present


@dataclass(frozen=True)
class Attachment:
    """The rendered fax of a job as multi-page TIFF (G4), as the carrier sent it.

    ``searchable_pdf`` is a PDF with a text layer when an OCR step produced one.
    """

    tiff: bytes
    searchable_pdf: bytes | None = None


def tiff_to_pdf(tiff: bytes) -> bytes:
    """One PDF page per TIFF page, each at its true physical size.

    Fax pixels are not square (204 x 196 or 204 x 98 dpi), so the horizontal and vertical
    resolutions are given separately; one dpi value would stretch a normal-resolution fax to
    half its height. 1-bit pages are stored CCITT G4-compressed. Pages are decoded and
    written one at a time: a decoded fax page takes about 4 MB, and a fax may have hundreds.
    (Each page is copied out of the TIFF first: Pillow would otherwise re-save it with the
    source's fill order and photometric tags, which spandsp's TIFFs make unreadable.)
    """
    writer = PdfWriter()
    with Image.open(io.BytesIO(tiff)) as image:
        for frame in ImageSequence.Iterator(image):
            page = frame.copy()
            if page.mode not in ("1", "L", "RGB"):
                page = page.convert("L")
            single = io.BytesIO()
            page.save(single, format="PDF", dpi=_dpi(frame))
            writer.append(PdfReader(single))
    if not writer.pages:
        raise ValueError("the fax image has no pages")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _dpi(image: Image.Image) -> tuple[float, float]:
    value = image.info.get("dpi")
    if isinstance(value, tuple) and len(value) == 2 and all(float(v) > 0 for v in value):
        return float(value[0]), float(value[1])
    return FAX_DPI
