"""TXT → PDF with fpdf2: DejaVu Sans Mono, and Noto Sans CJK for what DejaVu lacks.

The page limit applies while pages are laid out: a file of form feeds, or one endless line,
stops at the first page over it instead of building every page first (about 1 ms and 4 KB
a page in fpdf2).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from faxgate.render.errors import too_many_pages
from faxgate.render.fonts import cjk_font, mono_font

_FONT_SIZE = 10.0
_LINE_MM = 4.6
_MARGIN_MM = 15.0
_CJK_START = 0x2E80  # CJK radicals onwards: beyond what DejaVu Sans Mono covers
_PAPER = {"A4": "A4", "LETTER": "Letter"}
# A line is laid out in pieces of this many characters: one piece fills a few pages at most
# (tabs expanded), so the page limit is checked often enough.
_PIECE = 4096


def text_to_pdf(text: str, paper: str, output: Path, *, name: str, max_pages: int) -> Path:
    # fpdf2 takes about a second to import: only processes that render text pay for it.
    from fpdf import FPDF  # noqa: PLC0415

    pdf = FPDF(format=_PAPER[paper])
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN_MM)
    pdf.add_font("mono", fname=str(mono_font()))
    # loading Noto CJK (a 19 MB collection) costs a second or more: only when text needs it
    cjk = cjk_font() if any(ord(ch) >= _CJK_START for ch in text) else None
    if cjk is not None:
        pdf.add_font("cjk", fname=str(cjk), collection_font_number=0)
        pdf.set_fallback_fonts(["cjk"])
    pdf.set_font("mono", size=_FONT_SIZE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    several_sheets = "\f" in text
    for number, sheet in enumerate(_split(text, "\f")):
        if pdf.page >= max_pages:
            raise too_many_pages(name, max_pages)
        pdf.add_page()
        if number == 0 and not sheet.strip() and several_sheets:
            continue
        for line in _split(sheet, "\n"):
            for piece in _pieces(line):
                cleaned = "".join(ch for ch in piece.expandtabs(8) if ch.isprintable())
                pdf.multi_cell(w=0, h=_LINE_MM, text=cleaned or " ", new_x="LMARGIN", new_y="NEXT")
                if pdf.page > max_pages:
                    raise too_many_pages(name, max_pages)
    pdf.output(str(output))
    return output


def _split(text: str, separator: str) -> Iterator[str]:
    """Like str.split, one part at a time (a list of millions of parts is memory too)."""
    start = 0
    while True:
        end = text.find(separator, start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + len(separator)


def _pieces(line: str) -> Iterator[str]:
    if not line:
        yield line
        return
    for start in range(0, len(line), _PIECE):
        yield line[start : start + _PIECE]
