"""Which pages of a fax get the overlay, for the eight modes of spec §5.6. Pure.

Pages are numbered from 0 in the order they are sent: the cover page (if any) first, then the
pages of each document in turn. The cover page counts as the first page for FIRST_PAGE and
the ALL_BUT_FIRST modes, and belongs to no file for FIRST_FILE.
"""

from __future__ import annotations

from collections.abc import Sequence

OVERLAY_MODES = frozenset(
    {
        "ALL_PAGES",
        "NO_OVERLAY",
        "FIRST_PAGE",
        "LAST_PAGE",
        "ALL_BUT_FIRST_PAGE",
        "ALL_BUT_LAST_PAGE",
        "ALL_BUT_FIRST_AND_LAST_PAGE",
        "FIRST_FILE",
    }
)


def validate_overlay_mode(mode: str) -> str:
    """The mode upper-cased, or ValueError naming the accepted values."""
    upper = mode.strip().upper()
    if upper not in OVERLAY_MODES:
        raise ValueError(
            f"unknown overlay mode {mode!r} (one of {', '.join(sorted(OVERLAY_MODES))})"
        )
    return upper


def overlay_pages(mode: str, *, cover: bool, file_page_counts: Sequence[int]) -> frozenset[int]:
    """Indices of the pages (cover included) that carry the overlay.

    `file_page_counts` holds the number of pages each document produced, in order.
    """
    if any(count < 0 for count in file_page_counts):
        raise ValueError("a document cannot have a negative page count")
    total = int(cover) + sum(file_page_counts)
    every = range(total)
    if mode == "ALL_PAGES":
        return frozenset(every)
    if mode == "NO_OVERLAY":
        return frozenset()
    if mode == "FIRST_PAGE":
        return frozenset(every[:1])
    if mode == "LAST_PAGE":
        return frozenset(every[-1:])
    if mode == "ALL_BUT_FIRST_PAGE":
        return frozenset(every[1:])
    if mode == "ALL_BUT_LAST_PAGE":
        return frozenset(every[:-1])
    if mode == "ALL_BUT_FIRST_AND_LAST_PAGE":
        return frozenset(every[1:-1])
    if mode == "FIRST_FILE":
        first_file = file_page_counts[0] if file_page_counts else 0
        start = int(cover)
        return frozenset(range(start, start + first_file))
    raise ValueError(f"unknown overlay mode {mode!r}")
