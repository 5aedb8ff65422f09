"""The Fax-In polling API's work (spec §9): acknowledge and fetch a topic's faxes in one
transaction, and find the file of a fax that the caller may read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faxgate.config import Settings
from faxgate.domain.faxin import InboundFax
from faxgate.service.authenticator import Authenticator
from faxgate.service.errors import AuthenticationFailed, NotFound
from faxgate.service.faxin_auth import authenticate_topic
from faxgate.store import faxin
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind, Spool, servable

_FILE_NAME = re.compile(r"(FI[0-9A-Z]{20})\.(pdf|tif)")
_KINDS = {
    "pdf": (ImageKind.FAXIN_PDF, "application/pdf"),
    "tif": (ImageKind.FAXIN_TIFF, "image/tiff"),
}


@dataclass(frozen=True)
class FaxFile:
    content: bytes | Path  # a plain file on this host is served as it is
    media_type: str


def retention_cutoff(settings: Settings, now: float) -> float:
    """Faxes received before this have expired (the purge deletes them on its next run)."""
    return now - settings.faxin_retention_days * 86400


async def poll(
    db: Database,
    settings: Settings,
    cust_nr: str,
    topic: str,
    ack_ids: Sequence[str],
    fetch: int,
    lock_secs: int,
    now: float,
) -> list[InboundFax]:
    """Acknowledge `ack_ids` of the topic (others are ignored), then lock and return up to
    `fetch` of its visible faxes, oldest first."""
    if not ack_ids and fetch == 0:
        return []
    async with db.writer.begin() as conn:
        await faxin.acknowledge(conn, cust_nr, topic, ack_ids, now)
        cutoff = retention_cutoff(settings, now)
        return await faxin.fetch(conn, cust_nr, topic, fetch, lock_secs, now, cutoff)


async def fax_file(
    db: Database,
    spool: Spool,
    settings: Settings,
    logins: Authenticator,
    credentials: tuple[str, str, str],
    name: str,
    now: float,
) -> FaxFile:
    """The file `name` (`FI….pdf` or `FI….tif`) when `credentials` (custNr, password, client
    host) are those of the fax's own topic and the fax is neither acknowledged nor expired.

    The SDK names no topic when it downloads, so the fax's topic is the one whose password
    must match. Every other case is NotFound after the same password check, so that a
    download tells nothing about faxes the caller may not read, not even that they exist.
    """
    cust_nr, password, host = credentials
    found = _FILE_NAME.fullmatch(name)
    fax = None
    if found:
        async with db.reader.connect() as conn:
            fax = await faxin.get(conn, found.group(1))
    readable = (
        fax is not None
        and fax.cust_nr == cust_nr
        and fax.acknowledged_at is None
        and fax.fax.received_at >= retention_cutoff(settings, now)
    )
    topic = fax.topic if readable and fax is not None else None
    try:
        await authenticate_topic(logins, db, cust_nr, topic, password, host)
    except AuthenticationFailed:
        raise NotFound(f"no file {name!r} for these credentials") from None
    if found is None or fax is None:  # not reached: only a readable fax names a topic
        raise NotFound(f"no file {name!r}")
    kind, media_type = _KINDS[found.group(2)]
    key = ImageKey(fax.fax_id, kind, 0)
    content = await servable(spool, key)
    if content is None:  # purged since the lookup
        raise NotFound(f"no file {name!r}")
    return FaxFile(content, media_type)
