"""Fax page geometry: every page is 1728 px wide; heights are counted at fine resolution.

A page is a header band (`BAND_ROWS` per header line) above the body, into which the
document content is scaled and centred. The band never covers content.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 1728
DPI_X = 204
DPI_FINE_Y = 196
BAND_ROWS = 32  # one header line at fine resolution (DejaVu Sans Mono 22 px)
_FINE_ROWS = {"A4": 2292, "LETTER": 2156}  # 297 mm and 11 in at 196 dpi


@dataclass(frozen=True)
class PageGeometry:
    paper: str
    fine: bool
    header_lines: int

    @property
    def page_rows_fine(self) -> int:
        return _FINE_ROWS[self.paper]

    @property
    def band_rows_fine(self) -> int:
        return BAND_ROWS * self.header_lines

    @property
    def body_rows_fine(self) -> int:
        return self.page_rows_fine - self.band_rows_fine

    @property
    def body_rows(self) -> int:
        """Body rows in the output resolution (halved for LOW)."""
        return self.body_rows_fine if self.fine else self.body_rows_fine // 2

    @property
    def band_rows(self) -> int:
        return self.band_rows_fine if self.fine else self.band_rows_fine // 2

    @property
    def dpi_y(self) -> int:
        return DPI_FINE_Y if self.fine else DPI_FINE_Y // 2


def paper_name(value: str) -> str:
    upper = value.strip().upper() or "A4"
    if upper not in _FINE_ROWS:
        raise ValueError(f"unknown paper format {value!r} (A4 or LETTER)")
    return upper
