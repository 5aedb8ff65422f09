"""The fax image in the formats a report mail can attach (spec §5.5)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageSequence

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
    half its height. 1-bit pages are stored CCITT G4-compressed, as in the TIFF, and decoded
    one at a time (a decoded fax page takes about 4 MB; a fax may have hundreds).
    """
    out = io.BytesIO()
    with Image.open(io.BytesIO(tiff)) as image:
        dpi = _dpi(image)
        if all(page.mode == "1" for page in ImageSequence.Iterator(image)):
            image.seek(0)
            image.save(out, format="PDF", save_all=True, dpi=dpi)
            return out.getvalue()
        pages = [page.copy() for page in ImageSequence.Iterator(image)]
    pages = [p if p.mode in ("1", "L", "RGB") else p.convert("L") for p in pages]
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], dpi=dpi)
    return out.getvalue()


def _dpi(image: Image.Image) -> tuple[float, float]:
    value = image.info.get("dpi")
    if isinstance(value, tuple) and len(value) == 2 and all(float(v) > 0 for v in value):
        return float(value[0]), float(value[1])
    return FAX_DPI
