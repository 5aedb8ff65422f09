"""A call to one of this installation's own inbound numbers: our receiving terminal answers
it, and what the terminal received becomes a received fax of the topic owning the number.

The line between the sender and our terminal follows the test number plan as for any number
(an inbound number in the +999 range hangs up, is noisy …), so a partial fax arrives as it
would from the outside: with the pages that came and the call's status.

The worker hands the fax in before it records the sender's call: a crash between the two
redials the fax (it may arrive twice, as on a real network) but never loses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from faxgate.carriers.base import CallOutcome, Receipt
from faxgate.config import Settings
from faxgate.domain.faxin import InboundFax, ReceivedFax, terminal_csid
from faxgate.domain.statuses import FaxStatus
from faxgate.pipeline.faxin_intake import accept_received, owns
from faxgate.store import inbound
from faxgate.store.db import Database
from faxgate.store.spool import Spool

log = structlog.get_logger("faxgate.faxin")


class ReceiveFault(RuntimeError):
    """The received fax could not be stored; the sender's call is then retried."""


@dataclass(frozen=True)
class InboundLeg:
    """The receiving side of a call to an own inbound number."""

    called_number: str  # normalised, as dialled
    calling_number: str  # the sending account's first inbound number; "" (withheld) if none
    csid: str  # what our terminal answers with


async def calling_number(db: Database, sender_cust_nr: str) -> str:
    """What the sending account's calls present as the calling number: its first inbound
    number, "" (withheld) when it owns none."""
    async with db.reader.connect() as conn:
        return await inbound.first_number_of(conn, sender_cust_nr) or ""


async def inbound_leg(db: Database, destination: str, calling: str) -> InboundLeg | None:
    """Our receiving terminal, when the normalised `destination` is an own inbound number."""
    if not await owns(db, destination):
        return None
    return InboundLeg(destination, calling, terminal_csid(destination))


def received_fax(
    leg: InboundLeg, outcome: CallOutcome, receipt: Receipt, ended_at: float
) -> ReceivedFax:
    """The receiver's record of the call: its pages and the sender's TSI as our terminal saw
    them, the call's line time, status and reason as the sender's report has them."""
    return ReceivedFax(
        called_number=leg.called_number,
        calling_number=leg.calling_number,
        remote_csid=receipt.tsi,
        local_csid=leg.csid,
        pages=receipt.pages,
        fine=receipt.fine,
        bit_rate=outcome.bit_rate,
        duration_secs=outcome.line_seconds,
        status=outcome.status,
        reason=outcome.reason,
        received_at=ended_at,
    )


async def deliver(
    settings: Settings,
    db: Database,
    spool: Spool,
    leg: InboundLeg,
    outcome: CallOutcome,
    ended_at: float,
) -> InboundFax | None:
    """Hand what our terminal received to Fax-In. A call that brought no page, or that our
    side hung up because its job was withdrawn, delivers nothing and is only logged."""
    receipt, image = outcome.receipt, outcome.received_path
    if (
        receipt is None
        or receipt.pages <= 0
        or image is None
        or outcome.status is FaxStatus.CANCELLED
    ):
        log.info(
            "call to an own number: no fax received",
            number=leg.called_number,
            status=outcome.status.value,
            reason=outcome.reason,
        )
        return None
    try:
        return await accept_received(
            settings, db, spool, image, received_fax(leg, outcome, receipt, ended_at)
        )
    except Exception as exc:
        log.error("received fax not stored: the call is retried", number=leg.called_number)
        raise ReceiveFault(
            f"the received fax could not be stored ({type(exc).__name__}: {exc})"
        ) from exc
