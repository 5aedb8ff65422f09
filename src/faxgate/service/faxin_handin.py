"""Hand-in: a fax that a site's own fax gateway received, given to Fax-In as a TIFF or PDF
file (`POST /faxgate/v1/faxin`, `faxgate receive`).

The file becomes a fax TIFF in a worker process (render/faxin_image.py: a fax TIFF is kept
as it is, anything else is rasterised within the renderer's limits and time), then enters
through the same intake as a fax received on the line. Every fault is found before the
intake stores anything, and names the field: `to`, `from`, `csid` or `body`.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_process
import anyio.to_thread
from anyio import BrokenWorkerProcess

from faxgate.config import Settings
from faxgate.domain.faxin import FaxSource, InboundFax, ReceivedFax
from faxgate.domain.numbers import InvalidNumber, normalise
from faxgate.domain.statuses import FaxStatus
from faxgate.pipeline.faxin_intake import accept_received
from faxgate.render import DocumentRejected, RenderFailure
from faxgate.render.faxin_image import FaxImage, fax_tiff
from faxgate.render.sniff import Kind, content_kind
from faxgate.service.errors import (
    FileNotReady,
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from faxgate.store import inbound
from faxgate.store.db import Database
from faxgate.store.spool import Spool

MAX_CSID = 20  # T.30 sends an identification of at most 20 characters
MEDIA_TYPES = {"image/tiff": Kind.TIFF, "application/pdf": Kind.PDF}


@dataclass(frozen=True)
class HandIn:
    """What the gateway says about the fax, as given (checked by `target_of`)."""

    to: str | None
    calling: str | None = None
    csid: str | None = None


@dataclass(frozen=True)
class Target:
    """A checked hand-in: the inbound number it goes to, owned by the caller's account."""

    called_number: str
    calling_number: str
    csid: str
    topic: str


async def target_of(db: Database, hand_in: HandIn, cust_nr: str | None) -> Target:
    """The checked hand-in; `cust_nr` None for the operator (any account's number).

    A number that is not an inbound number, and one of another account, get the same 404,
    so a login cannot find out which numbers other customers have."""
    if not hand_in.to:
        raise InvalidRequest("to", "is required: the inbound number the fax was sent to")
    called = _number("to", hand_in.to)
    calling = _number("from", hand_in.calling) if hand_in.calling else ""
    csid = _csid(hand_in.csid or "")
    async with db.reader.connect() as conn:
        owner = await inbound.owner_of(conn, called)
    if owner is None or (cust_nr is not None and owner.cust_nr != cust_nr):
        raise _not_an_inbound_number(called, cust_nr)
    return Target(called, calling, csid, owner.topic)


def body_kind(body: bytes, max_bytes: int, declared: str | None) -> Kind:
    """TIFF or PDF, as the bytes show; a declared media type (image/tiff, application/pdf)
    must agree with them."""
    if not body:
        raise InvalidRequest("body", "is empty: send the fax's TIFF or PDF file as the body")
    if len(body) > max_bytes:
        raise PayloadTooLarge("body", f"larger than the limit of {max_bytes} bytes")
    found = content_kind(body)
    if found not in (Kind.TIFF, Kind.PDF):
        what = "text" if found is None else found.value
        raise UnsupportedMediaType("body", f"must be a TIFF or a PDF file; this one is {what}")
    expected = MEDIA_TYPES.get(declared or "")
    if expected is not None and expected is not found:
        raise UnsupportedMediaType("body", f"is a {found.value} file, not {declared} as declared")
    return found


async def hand_in(
    settings: Settings, db: Database, spool: Spool, target: Target, body: bytes, kind: Kind
) -> InboundFax:
    """Convert the file and store it as a received fax of the target's topic."""
    with tempfile.TemporaryDirectory(prefix="faxgate-handin-") as work_name:
        work = Path(work_name)
        source = work / ("handed-in.pdf" if kind is Kind.PDF else "handed-in.tiff")
        await anyio.to_thread.run_sync(source.write_bytes, body)
        image = await _convert(settings, source, work)
        fax = await accept_received(
            settings,
            db,
            spool,
            image.path,
            ReceivedFax(
                called_number=target.called_number,
                calling_number=target.calling_number,
                remote_csid=target.csid,
                local_csid="",  # no terminal of ours answered
                pages=image.pages,
                fine=image.fine,
                bit_rate=None,
                duration_secs=0.0,
                status=FaxStatus.OK,
                reason="",
                received_at=time.time(),
                source=FaxSource.GATEWAY,
            ),
        )
    if fax is None:  # the number was removed meanwhile
        raise _not_an_inbound_number(target.called_number, None)
    return fax


async def _convert(settings: Settings, source: Path, work: Path) -> FaxImage:
    """In a worker process, stopped (killed) after the render time limit."""
    limit = settings.render_timeout_secs
    try:
        with anyio.fail_after(limit):
            return await anyio.to_process.run_sync(
                fax_tiff, source, work / "fax.tiff", settings, work, os.getpid(), cancellable=True
            )
    except RenderFailure as exc:
        raise InvalidRequest("body", exc.reason) from None
    except DocumentRejected as exc:
        raise InvalidRequest("body", str(exc)) from None
    except TimeoutError:
        raise InvalidRequest(
            "body", f"took longer than {limit:g} s to convert (FAXGATE_RENDER_TIMEOUT_SECS)"
        ) from None
    except BrokenWorkerProcess:
        raise InvalidRequest("body", "the converter crashed on this file") from None


def _number(field: str, number: str) -> str:
    try:
        return normalise(number)
    except InvalidNumber as exc:
        raise InvalidRequest(field, str(exc)) from None


def _csid(csid: str) -> str:
    if len(csid) > MAX_CSID or not all(" " <= ch <= "~" for ch in csid):
        raise InvalidRequest("csid", f"at most {MAX_CSID} printable ASCII characters (T.30)")
    return csid


def _not_an_inbound_number(number: str, cust_nr: str | None) -> FileNotReady:
    whose = "of this installation" if cust_nr is None else f"of customer {cust_nr}"
    return FileNotReady(f"to: {number} is not an inbound number {whose}")
