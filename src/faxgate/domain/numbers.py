"""Fax numbers: validation and the normalised `00…` form used for dialling and reports."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SEPARATORS = re.compile(r"[\s\-/().]")
_DIGITS = re.compile(r"[0-9]{3,24}")  # ASCII only: \d would admit any script's digits


class InvalidNumber(ValueError):
    pass


def normalise(number: str) -> str:
    """`+49 89 1234567-8900` → `00498912345678900`; raises InvalidNumber when not a number."""
    compact = _SEPARATORS.sub("", number)
    if compact.startswith("+"):
        compact = "00" + compact[1:]
    if not _DIGITS.fullmatch(compact):
        raise InvalidNumber(f"not a fax number: {number!r} (digits, spaces, +, -, /, (, ) only)")
    return compact


def international(number: str) -> str:
    """`0049…` → `+49…`, as people read a number; another form as it is ("" stays "")."""
    return "+" + number[2:] if number.startswith("00") else number


def dialled_number(numbers: Sequence[str], index: int) -> str:
    """The number a recipient's next call dials: `index` into its normalised numbers (the main
    number, then the alternatives). The store keeps it beside the index for the line guard;
    every writer takes it from here, so the two cannot disagree."""
    if not 0 <= index < len(numbers):
        raise IndexError(f"number index {index} outside the recipient's {len(numbers)} numbers")
    return numbers[index]
