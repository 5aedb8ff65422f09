"""Overlay page selection for the eight modes of spec §5.6."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.overlay import OVERLAY_MODES, overlay_pages, validate_overlay_mode


@pytest.mark.parametrize(
    ("mode", "cover", "expected"),
    [
        ("ALL_PAGES", False, {0, 1, 2, 3, 4}),
        ("NO_OVERLAY", True, set()),
        ("FIRST_PAGE", True, {0}),
        ("FIRST_PAGE", False, {0}),
        ("LAST_PAGE", True, {5}),
        ("ALL_BUT_FIRST_PAGE", True, {1, 2, 3, 4, 5}),
        ("ALL_BUT_LAST_PAGE", False, {0, 1, 2, 3}),
        ("ALL_BUT_FIRST_AND_LAST_PAGE", True, {1, 2, 3, 4}),
        ("FIRST_FILE", False, {0, 1}),
        ("FIRST_FILE", True, {1, 2}),  # the cover page belongs to no file
    ],
)
def test_modes_on_two_files_of_two_and_three_pages(
    mode: str, cover: bool, expected: set[int]
) -> None:
    assert overlay_pages(mode, cover=cover, file_page_counts=[2, 3]) == expected


def test_cover_only_job() -> None:
    assert overlay_pages("FIRST_PAGE", cover=True, file_page_counts=[]) == {0}
    assert overlay_pages("FIRST_FILE", cover=True, file_page_counts=[]) == set()
    assert overlay_pages("ALL_BUT_FIRST_AND_LAST_PAGE", cover=True, file_page_counts=[]) == set()


def test_mode_validation() -> None:
    assert validate_overlay_mode(" all_pages ") == "ALL_PAGES"
    with pytest.raises(ValueError, match="unknown overlay mode 'SOME'"):
        validate_overlay_mode("SOME")


_counts = st.lists(st.integers(0, 6), max_size=5)


@given(st.sampled_from(sorted(OVERLAY_MODES)), st.booleans(), _counts)
def test_selection_is_within_the_fax(mode: str, cover: bool, counts: list[int]) -> None:
    total = int(cover) + sum(counts)
    assert overlay_pages(mode, cover=cover, file_page_counts=counts) <= set(range(total))


@given(st.booleans(), _counts)
def test_modes_relate_to_each_other(cover: bool, counts: list[int]) -> None:
    def select(mode: str) -> frozenset[int]:
        return overlay_pages(mode, cover=cover, file_page_counts=counts)

    every = select("ALL_PAGES")
    assert select("ALL_BUT_FIRST_PAGE") == every - select("FIRST_PAGE")
    assert select("ALL_BUT_LAST_PAGE") == every - select("LAST_PAGE")
    assert select("ALL_BUT_FIRST_AND_LAST_PAGE") == (
        every - select("FIRST_PAGE") - select("LAST_PAGE")
    )
    assert len(select("FIRST_FILE")) == (counts[0] if counts else 0)
    assert 0 not in select("FIRST_FILE") or not cover


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown overlay mode"):
        overlay_pages("SOMETIMES", cover=False, file_page_counts=[1])
