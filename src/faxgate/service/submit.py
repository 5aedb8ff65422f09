"""Accepting a fax job, already mapped onto the job model (api/wire_map.py): check its
documents and validity window, and build the rows to store (intake.py commits them).
Documents go into the same transaction as the job, so there is never a job without its
documents.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import anyio.to_thread

from faxgate.config import Settings
from faxgate.domain.charsets import text_charset
from faxgate.domain.ids import dc_code, new_job_id
from faxgate.domain.job import JobDocument, JobOptions, JobRequest
from faxgate.domain.job_validity import InvalidValidity, window_of
from faxgate.render import DocumentRejected, precheck_document
from faxgate.sealing.box import SecretBox
from faxgate.sealing.keys import secret_box
from faxgate.service.errors import InvalidRequest
from faxgate.service.intake import JobWriter
from faxgate.store.jobs import NewDocument, NewJob, NewRecipient

_WHITESPACE = b" \t\n\r\x0b\x0c"  # what MIME line-wrapped base64 may contain


@dataclass(frozen=True)
class Submitter:
    login: str
    cust_nr: str
    dc: str  # the data center the job is placed on


def decode_document(
    index: int, doc: JobDocument, data: str | None, settings: Settings
) -> bytes | None:
    """The document's bytes, or None when it is fetched by reference (reference wins)."""
    field = f"documents[{index}]"
    if doc.reference:
        return None
    if not data:
        raise InvalidRequest(field, "needs either 'data' (base64) or 'reference' (URL)")
    compact = data.encode("ascii", "replace").translate(None, _WHITESPACE)
    if len(compact) * 3 // 4 > settings.max_document_bytes:
        raise InvalidRequest(
            f"{field}.data", f"larger than the limit of {settings.max_document_bytes} bytes"
        )
    try:
        content = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"{field}.data", "is not valid base64") from None
    if not content:
        raise InvalidRequest(f"{field}.data", "is empty (0 bytes)")
    return content


def _new_document(
    index: int, doc: JobDocument, data: str | None, settings: Settings
) -> NewDocument:
    content = decode_document(index, doc, data, settings)
    if content is not None:
        try:
            precheck_document(doc.name, content, settings)
        except DocumentRejected as exc:
            raise InvalidRequest(f"documents[{index}]", str(exc)) from None
    charset = None
    if doc.name.lower().endswith(".txt"):
        try:
            charset = text_charset(doc.charset).value
        except ValueError as exc:
            raise InvalidRequest(f"documents[{index}].charset", str(exc)) from None
    return NewDocument(name=doc.name, charset=charset, reference=doc.reference, content=content)


def sealed_options(options: JobOptions, box: SecretBox) -> JobOptions:
    """The options as stored: the push credentials sealed."""
    push = options.reporting.push
    if push is None or not push.credentials:
        return options
    reporting = replace(
        options.reporting, push=replace(push, credentials=box.seal(push.credentials))
    )
    return replace(options, reporting=reporting)


async def submit_job(
    writer: JobWriter,
    request: JobRequest,
    data: Sequence[str | None],
    raw_body: bytes,
    who: Submitter,
    settings: Settings,
    now: datetime,
    *,
    in_thread: bool,
) -> NewJob:
    """Check and build the job, then return once it is committed. Building decodes and
    checks every document: `in_thread` for a large request, so the event loop answers other
    requests meanwhile."""
    build = functools.partial(build_job, request, data, raw_body, who, settings, now)
    job = await anyio.to_thread.run_sync(build) if in_thread else build()
    await writer.store(job)
    return job


def build_job(
    request: JobRequest,
    data: Sequence[str | None],
    raw_body: bytes,
    who: Submitter,
    settings: Settings,
    now: datetime,
) -> NewJob:
    """The rows of an accepted job; `data` holds each document's inline base64 content."""
    new_documents = [
        _new_document(i, doc, content, settings)
        for i, (doc, content) in enumerate(zip(request.documents, data, strict=True))
    ]
    try:
        window = window_of(request.validity.start, request.validity.end, now)
    except InvalidValidity as exc:
        raise InvalidRequest(exc.field, exc.fault) from None
    box = secret_box(settings)
    if settings.encrypt_files:
        new_documents = [
            replace(d, content=None if d.content is None else box.seal_bytes(d.content))
            for d in new_documents
        ]
    options = request.options
    overlay = options.rendering.active_overlay
    return NewJob(
        job_id=new_job_id(who.dc, int(now.timestamp() * 1000)),
        login=who.login,
        cust_nr=who.cust_nr,
        dc=dc_code(who.dc),
        created_at=now.timestamp(),
        reference=request.reference,
        options=sealed_options(options, box),
        payload_hash=hashlib.sha256(raw_body).hexdigest(),
        valid_start=window.start.timestamp(),
        valid_end=window.end.timestamp(),
        express=bool(options.transport.express),
        overlay_name=None if overlay is None else overlay.name,
        documents=tuple(new_documents),
        recipients=tuple(
            NewRecipient(number=r.number, properties=r.properties, numbers=r.numbers)
            for r in request.recipients
        ),
    )
