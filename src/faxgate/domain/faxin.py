"""Rules of Fax-In that need no I/O: topic names, what a received fax is, and how the
polling API's parameters are read (spec §9)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from faxgate.domain.statuses import FaxStatus

# A topic is a path segment of the polling API (/faxin/rest/v1/topics/{topic}).
TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")

DEFAULT_LOCK_SECS = 60  # spec §9: a fetched fax is hidden this long unless acknowledged
MAX_LOCK_SECS = 24 * 3600
MAX_FETCH = 100  # faxes per poll, whatever `fetch` asks for
MAX_ACK_IDS = 1000  # IDs per acknowledge; the rest of a longer list is ignored


def topic_fault(name: str) -> str | None:
    """Why `name` cannot be a topic, or None."""
    if not TOPIC_NAME.fullmatch(name):
        return "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
    return None


class FaxSource(StrEnum):
    NETWORK = "network"  # a call on faxgate's own line (the virtual network, a SIP trunk)
    GATEWAY = "gateway"  # handed in by a fax gateway of the site (POST /faxgate/v1/faxin)


@dataclass(frozen=True)
class ReceivedFax:
    """What a carrier or gateway hands to Fax-In: one call's received fax, whole or partial.

    The image itself travels beside it as a TIFF file; `pages` counts its pages.
    """

    called_number: str  # normalised (`00…`): the inbound number that was dialled
    calling_number: str  # as the network presented it; "" when withheld or unknown
    remote_csid: str  # the sender's TSI
    local_csid: str  # the CSID our receiving terminal answered with
    pages: int
    fine: bool  # 196 dpi rows (HIGH), else 98 dpi (LOW)
    bit_rate: int | None
    duration_secs: float
    status: FaxStatus  # OK, or how the call broke off after `pages` pages
    reason: str
    received_at: float
    source: FaxSource = FaxSource.NETWORK

    @property
    def resolution(self) -> str:
        return "HIGH" if self.fine else "LOW"


@dataclass(frozen=True)
class InboundFax:
    """A received fax as Fax-In keeps it, owned by one topic of one account."""

    fax_id: str
    cust_nr: str
    topic: str
    fax: ReceivedFax
    locked_until: float  # hidden from polls until then (0: never fetched)
    acknowledged_at: float | None

    @property
    def pdf_name(self) -> str:
        return f"{self.fax_id}.pdf"

    @property
    def tiff_name(self) -> str:
        return f"{self.fax_id}.tif"


def parse_ids(raw: str | None) -> list[str]:
    """The IDs of an acknowledge, split on `,` and on `%` (the Python SDK joins its IDs with
    `%`, spec §9.3); blanks dropped, duplicates once, at most MAX_ACK_IDS."""
    if not raw:
        return []
    seen: dict[str, None] = {}
    for part in re.split(r"[,%]", raw):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)[:MAX_ACK_IDS]


def lock_secs(raw: str | None) -> int:
    """The lock of a poll's faxes: `timeout` as given (0 hides nothing), 60 s when absent;
    ValueError naming the fault."""
    if raw is None or not raw.strip():
        return DEFAULT_LOCK_SECS
    value = _whole_number(raw, "timeout")
    if value > MAX_LOCK_SECS:
        raise ValueError(f"timeout: at most {MAX_LOCK_SECS} seconds")
    return value


def fetch_count(raw: str | None) -> int:
    """How many faxes a poll returns: `fetch` (0 only acknowledges), at most MAX_FETCH;
    absent means 10, the SDK's default page size."""
    if raw is None or not raw.strip():
        return 10
    return min(_whole_number(raw, "fetch"), MAX_FETCH)


def _whole_number(raw: str, name: str) -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > 9:
        raise ValueError(f"{name}: must be a whole number of 0 or more, not {raw!r}")
    return int(text)


# T.30 carries a CSID of at most 20 characters (T.30 §5.3.6.2.4).
CSID_MAX = 20


def terminal_csid(number: str) -> str:
    """The CSID our receiving terminal answers with on an inbound number: the number in
    international form, `+` and the digits after `00` (`0049301234567` → `+49301234567`)."""
    international = "+" + number[2:] if number.startswith("00") else number
    return international[:CSID_MAX]
