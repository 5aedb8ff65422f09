"""The fax images of a job, for its owner: as sent and as received per recipient, and one
page of the sent fax as PNG. They come from the spool, so any API process serves them
whichever worker or host made them."""

from __future__ import annotations

import io
from pathlib import Path

import anyio.to_thread

from faxgate.render import page_png
from faxgate.service import reports
from faxgate.service.errors import FileNotReady
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind, Spool, servable

_NOT_YET = {ImageKind.SENT: "rendered", ImageKind.RECEIVED: "received by the remote"}


async def _key(
    db: Database, scope: reports.Scope, job_id: str, recipient: int, kind: ImageKind
) -> ImageKey:
    report = await reports.get_report(db, scope, job_id)
    if not 0 <= recipient < len(report.recipients):
        raise FileNotReady(f"job {job_id} has no recipient {recipient} (they count from 0)")
    return ImageKey(job_id, kind, recipient)


def _missing(key: ImageKey) -> FileNotReady:
    return FileNotReady(
        f"recipient {key.recipient} of {key.job_id} has not been {_NOT_YET[key.kind]} (yet)"
    )


async def fax_image(
    db: Database, spool: Spool, scope: reports.Scope, job_id: str, recipient: int, kind: ImageKind
) -> Path | bytes:
    """The TIFF: a plain local file to serve as it is, or its bytes."""
    key = await _key(db, scope, job_id, recipient, kind)
    found = await servable(spool, key)
    if found is None:
        raise _missing(key)
    return found


async def page(
    db: Database, spool: Spool, scope: reports.Scope, job_id: str, recipient: int, number: int
) -> bytes:
    """Page `number` (from 1) of the fax as sent, as PNG."""
    key = await _key(db, scope, job_id, recipient, ImageKind.SENT)
    data = await spool.get(key)
    if data is None:
        raise _missing(key)
    try:
        return await anyio.to_thread.run_sync(page_png, io.BytesIO(data), number)
    except IndexError as exc:
        raise FileNotReady(str(exc)) from None
