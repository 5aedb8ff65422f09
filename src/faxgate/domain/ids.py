"""Job IDs: `FJ` + 20 characters of [A-Z0-9], time-ordered, carrying the data center.

Layout after `FJ`: 9 characters of milliseconds since the epoch in base 36 (so IDs sort by
creation as plain strings), 3 characters of DC code, 8 random characters. Recipient IDs
(`numId`, used by the push) share the job's first 17 characters and end in the index.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TIME_CHARS = 9
_DC_CHARS = 3
_RANDOM_CHARS = 8
JOB_ID_PATTERN = re.compile(r"FJ[0-9A-Z]{20}")
FAXIN_ID_PATTERN = re.compile(r"FI[0-9A-Z]{20}")
DC_PATTERN = re.compile(r"[a-z0-9]{1,3}")


def _base36(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rest = divmod(value, 36)
        digits.append(ALPHABET[rest])
    if value:
        raise ValueError("value does not fit")
    return "".join(reversed(digits))


def dc_code(dc: str) -> str:
    """The three ID characters of a DC name such as `de1`."""
    if not DC_PATTERN.fullmatch(dc):
        raise ValueError(f"DC name {dc!r}: 1 to 3 lower-case letters or digits, e.g. de1")
    return dc.upper().rjust(_DC_CHARS, "0")


def new_job_id(dc: str, now_ms: int) -> str:
    randomness = _base36(secrets.randbelow(36**_RANDOM_CHARS), _RANDOM_CHARS)
    return "FJ" + _base36(now_ms, _TIME_CHARS) + dc_code(dc) + randomness


def dc_of(job_id: str) -> str:
    """The DC code inside a job ID (upper case, zero-padded)."""
    return job_id[2 + _TIME_CHARS : 2 + _TIME_CHARS + _DC_CHARS]


def created_ms(job_id: str) -> int:
    return int(job_id[2 : 2 + _TIME_CHARS], 36)


def recipient_id(job_id: str, index: int) -> str:
    return "FN" + job_id[2:19] + _base36(index, 3)


def new_faxin_id(dc: str, now_ms: int) -> str:
    """A received fax's ID: `FI` and the layout of a job ID, so the two never meet."""
    return "FI" + new_job_id(dc, now_ms)[2:]
