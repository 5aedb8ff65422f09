"""Fax numbers in SIP: the user part we dial, and the numbers an inbound INVITE may be for.

Numbers are kept in the normalised `00…` form (domain/numbers.py). Trunks want the
international form written one of three ways (FAXGATE_SIP_NUMBER_FORMAT); a national or
local number (no `00`) is dialled as it is, in the trunk's own numbering plan.
"""

from __future__ import annotations

from typing import Final, Literal
from urllib.parse import unquote

from faxgate.domain.numbers import InvalidNumber, normalise

NumberFormat = Literal["e164", "digits", "00"]
NUMBER_FORMATS: Final[tuple[NumberFormat, ...]] = ("e164", "digits", "00")
_MAX_USER = 256  # longer user parts are no numbers worth reading
_MAX_DIGITS = 24  # as domain/numbers.py admits


def dial_user(number: str, fmt: str) -> str:
    """The user part of the request URI for the normalised `number`:
    `004930123` -> `+4930123` (e164), `4930123` (digits), `004930123` (00)."""
    if fmt not in NUMBER_FORMATS:
        raise ValueError(f"unknown SIP number format {fmt[:40]!r} (e164, digits or 00)")
    if not _is_normalised(number):
        raise ValueError(f"not a normalised fax number (digits only): {number[:40]!r}")
    if fmt == "00" or not number.startswith("00"):
        return number
    international = number[2:]
    return "+" + international if fmt == "e164" else international


def inbound_candidates(request_user: str, to_user: str) -> list[str]:
    """The normalised numbers an inbound INVITE may have dialled, most telling first: those
    read from the request URI's user part, then from To's (a registrar rewrites the request
    URI to our contact; To keeps the number). A user part that is no number gives none."""
    found: list[str] = []
    for user in (request_user, to_user):
        for number in _readings(user):
            if number not in found:
                found.append(number)
    return found


def _readings(user: str) -> list[str]:
    """`+4930…`, `004930…` -> the international number; `4930…` -> the international number
    written without its prefix, or a local number as dialled; `030…` -> as it is."""
    if len(user) > _MAX_USER:
        return []
    digits = unquote(user).split(";", 1)[0]  # user parameters such as ";npdi"
    try:
        number = normalise(digits)
    except InvalidNumber:
        return []
    if number.startswith("0"):
        return [number]
    international = "00" + number
    return [international, number] if len(international) <= _MAX_DIGITS else [number]


def _is_normalised(number: str) -> bool:
    try:
        return normalise(number) == number
    except InvalidNumber:
        return False
