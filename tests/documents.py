"""Small real documents made on the fly for the tests."""

from __future__ import annotations

import base64
import functools
from typing import Any

from fpdf import FPDF


@functools.cache
def pdf(pages: int = 1) -> bytes:
    document = FPDF(format="A4")
    document.set_font("helvetica", size=14)
    for n in range(pages):
        document.add_page()
        document.cell(text=f"faxgate test page {n + 1} of {pages}")
    return bytes(document.output())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def job(*numbers: str, pages: int = 1, **extra: Any) -> dict[str, Any]:
    """A minimal valid FaxJobRequest with a PDF."""
    return {
        "recipients": [{"number": n} for n in numbers or ("+4930123456",)],
        "documents": [{"name": "letter.pdf", "data": b64(pdf(pages))}],
        **extra,
    }
