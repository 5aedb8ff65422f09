"""What a job listing asks for: filters, a page size and a position, read from query text.

The position (cursor) is the last job of the previous page, (created_at, job_id): jobs are
listed newest first and a new job sorts before every cursor, so a client paging on while jobs
arrive neither skips nor repeats one. The cursor is opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from faxgate.domain.numbers import InvalidNumber, normalise
from faxgate.domain.statuses import FaxStatus

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
PARAMETERS = frozenset(
    {"status", "final", "number", "customerDefinedId", "from", "to", "cursor", "limit"}
)


class FilterError(ValueError):
    def __init__(self, field: str, fault: str) -> None:
        super().__init__(f"{field}: {fault}")
        self.field = field
        self.fault = fault


@dataclass(frozen=True, slots=True)
class JobFilter:
    status: FaxStatus | None = None  # of any recipient
    final: bool | None = None  # True: every recipient final; False: any still pending
    number: str | None = None  # normalised: a recipient's main or alternative number
    customer_defined_id: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: float
    job_id: str

    def encode(self) -> str:
        text = f"{self.created_at!r}|{self.job_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> Cursor:
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            created, job_id = text.split("|")
            cursor = Cursor(float(created), job_id)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise FilterError("cursor", "not a cursor this service gave out") from None
        if not job_id.isalnum() or len(job_id) > 22 or cursor.created_at != cursor.created_at:
            raise FilterError("cursor", "not a cursor this service gave out")
        return cursor


@dataclass(frozen=True, slots=True)
class ListingRequest:
    filters: JobFilter
    cursor: Cursor | None
    limit: int


def parse_listing(query: Mapping[str, str]) -> ListingRequest:
    """The listing asked for by `query`; FilterError names the first bad parameter."""
    unknown = sorted(set(query) - PARAMETERS)
    if unknown:
        raise FilterError(unknown[0], f"unknown parameter; known: {', '.join(sorted(PARAMETERS))}")
    filters = JobFilter(
        status=_status(query.get("status")),
        final=_boolean("final", query.get("final")),
        number=_number(query.get("number")),
        customer_defined_id=query.get("customerDefinedId") or None,
        created_from=_time("from", query.get("from")),
        created_to=_time("to", query.get("to")),
    )
    cursor = Cursor.decode(query["cursor"]) if query.get("cursor") else None
    return ListingRequest(filters, cursor, _limit(query.get("limit")))


def _status(text: str | None) -> FaxStatus | None:
    if not text:
        return None
    try:
        return FaxStatus(text.upper())
    except ValueError:
        raise FilterError("status", f"unknown status {text!r}; e.g. PENDING, OK, BUSY") from None


def _boolean(field: str, text: str | None) -> bool | None:
    if not text:
        return None
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise FilterError(field, f"must be true or false, not {text!r}")


def _number(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return normalise(text)
    except InvalidNumber as exc:
        raise FilterError("number", str(exc)) from None


def _time(field: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        example = "2026-12-02T18:00:00Z"
        raise FilterError(field, f"must be an ISO 8601 time like {example}, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limit(text: str | None) -> int:
    if not text:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise FilterError("limit", f"must be a whole number, not {text!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise FilterError("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit
