"""Do-not-fax lists: numbers or prefixes in normalised `00…` form, one entry a line."""

from __future__ import annotations

from collections.abc import Iterable

from faxgate.domain.numbers import InvalidNumber, normalise


def parse_entries(lines: Iterable[str]) -> tuple[str, ...]:
    """Entries of a list file: `#` starts a comment; `+49 89 123` and `0049-89-123` are equal.

    Invalid lines are skipped rather than fatal: one typo must not disable the whole list.
    """
    entries = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            entries.append(normalise(text))
        except InvalidNumber:
            continue
    return tuple(sorted(set(entries)))


def blocked_by(number: str, entries: Iterable[str]) -> str | None:
    """The entry (number or prefix) that blocks this normalised number, if any."""
    for entry in entries:
        if number.startswith(entry):
            return entry
    return None
