"""TXT → PDF with fpdf2: DejaVu Sans Mono, and Noto Sans CJK for what DejaVu lacks."""

from __future__ import annotations

from pathlib import Path

from faxgate.render.fonts import cjk_font, mono_font

_FONT_SIZE = 10.0
_LINE_MM = 4.6
_MARGIN_MM = 15.0
_CJK_START = 0x2E80  # CJK radicals onwards: beyond what DejaVu Sans Mono covers
_PAPER = {"A4": "A4", "LETTER": "Letter"}


def text_to_pdf(text: str, paper: str, output: Path) -> Path:
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
    for number, sheet in enumerate(text.split("\f")):
        pdf.add_page()
        if number == 0 and not sheet.strip() and len(text.split("\f")) > 1:
            continue
        for line in sheet.split("\n"):
            cleaned = "".join(ch for ch in line.expandtabs(8) if ch.isprintable())
            pdf.multi_cell(w=0, h=_LINE_MM, text=cleaned or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(output))
    return output
