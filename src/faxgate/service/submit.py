"""Accepting a fax job: validate everything and build the rows to store (intake.py
commits them). Documents go into the same transaction as the job, so there is never a job
without its documents.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime

from faxgate.api.wire_in import Document, FaxJobRequest, OverlayMode
from faxgate.config import Settings
from faxgate.domain.charsets import text_charset
from faxgate.domain.ids import dc_code, new_job_id
from faxgate.domain.job_validity import InvalidValidity, validity_window
from faxgate.domain.mail_addresses import address_fault
from faxgate.domain.numbers import normalise
from faxgate.domain.report import Reference
from faxgate.render import DocumentRejected, precheck_document
from faxgate.sealing.fields import JOB_OPTIONS, map_secrets
from faxgate.sealing.keys import secret_box
from faxgate.service.errors import InvalidRequest
from faxgate.store.jobs import NewDocument, NewJob, NewRecipient

_WHITESPACE = b" \t\n\r\x0b\x0c"  # what MIME line-wrapped base64 may contain


@dataclass(frozen=True)
class Submitter:
    login: str
    cust_nr: str
    dc: str  # the data center the job is placed on


def decode_document(index: int, doc: Document, settings: Settings) -> bytes | None:
    """The document's bytes, or None when it is fetched by reference (reference wins)."""
    field = f"documents[{index}]"
    if doc.reference:
        return None
    if not doc.data:
        raise InvalidRequest(field, "needs either 'data' (base64) or 'reference' (URL)")
    compact = doc.data.encode("ascii", "replace").translate(None, _WHITESPACE)
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


def check_report_mail(request: FaxJobRequest, settings: Settings) -> None:
    options = request.status_report_options
    mail = options.report_mail if options else None
    if mail is None:
        return
    for name, text in (
        ("successAddress", mail.success_address),
        ("failureAddress", mail.failure_address),
    ):
        fault = address_fault(text, settings.max_mail_addresses)
        if fault:
            raise InvalidRequest(f"statusReportOptions.reportMail.{name}", fault)


def build_job(
    request: FaxJobRequest,
    raw_body: bytes,
    who: Submitter,
    settings: Settings,
    now: datetime,
) -> NewJob:
    check_report_mail(request, settings)
    documents = request.documents or []
    rendering = request.rendering_options
    has_cover = bool(rendering and rendering.coverpage_template)
    if not documents and not has_cover:
        raise InvalidRequest(
            "documents", "a job needs at least one document or a cover page (coverpageTemplate)"
        )
    new_documents = []
    for i, doc in enumerate(documents):
        content = decode_document(i, doc, settings)
        if content is not None:
            try:
                precheck_document(doc.name, content, settings)
            except DocumentRejected as exc:
                raise InvalidRequest(f"documents[{i}]", str(exc)) from None
        charset = None
        if doc.name.lower().endswith(".txt"):
            try:
                charset = text_charset(doc.charset).value
            except ValueError as exc:
                raise InvalidRequest(f"documents[{i}].charset", str(exc)) from None
        new_documents.append(
            NewDocument(
                name=doc.name,
                charset=charset,
                reference=doc.reference or None,
                content=content,
            )
        )
    job_valid = request.meta.job_valid if request.meta else None
    try:
        window = validity_window(
            job_valid.start if job_valid else None, job_valid.end if job_valid else None, now
        )
    except InvalidValidity as exc:
        raise InvalidRequest(exc.field, exc.fault) from None
    ref = request.reference
    options = request.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        exclude={"documents": {"__all__": {"data"}}},
    )
    box = secret_box(settings)
    options = map_secrets(options, JOB_OPTIONS, box.seal)
    if settings.encrypt_files:
        new_documents = [
            replace(d, content=None if d.content is None else box.seal_bytes(d.content))
            for d in new_documents
        ]
    transport = request.transport_options
    return NewJob(
        job_id=new_job_id(who.dc, int(now.timestamp() * 1000)),
        login=who.login,
        cust_nr=who.cust_nr,
        dc=dc_code(who.dc),
        created_at=now.timestamp(),
        reference=Reference(
            (ref.customer_defined_id or "") if ref else "",
            (ref.billing_code or "") if ref else "",
            (ref.billing_info or "") if ref else "",
        ),
        options_json=json.dumps(options, separators=(",", ":")),
        payload_hash=hashlib.sha256(raw_body).hexdigest(),
        valid_start=window.start.timestamp(),
        valid_end=window.end.timestamp(),
        express=bool(transport and transport.is_express),
        overlay_name=(
            rendering.overlay.name
            if rendering
            and rendering.overlay
            and rendering.overlay.mode is not OverlayMode.NO_OVERLAY
            else None
        ),
        documents=tuple(new_documents),
        recipients=tuple(
            NewRecipient(
                number=r.number,
                properties=tuple((p.key, p.value) for p in r.properties or []),
                numbers=(normalise(r.number), *(normalise(a) for a in r.alternative_numbers or [])),
            )
            for r in request.recipients
        ),
    )
