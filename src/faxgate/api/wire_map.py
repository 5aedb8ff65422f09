"""A validated Fax4A request mapped onto the service's job model (domain/job.py).

The only place that knows the camelCase names of a job: the checks whose faults name a wire
field without a counterpart in the model (report-mail addresses, a job with nothing to send,
the validity bounds) are made here, in the order the API has always reported them; the
service checks the documents' contents and the validity window.
"""

from __future__ import annotations

from datetime import datetime

from faxgate.api import wire_in
from faxgate.domain.job import (
    JobDocument,
    JobOptions,
    JobRequest,
    Overlay,
    Recipient,
    Rendering,
    Reporting,
    StatusPush,
    Transport,
    Validity,
)
from faxgate.domain.job_validity import InvalidValidity, parse_bound
from faxgate.domain.mail_addresses import address_fault
from faxgate.domain.numbers import normalise
from faxgate.domain.report import Reference
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions
from faxgate.service.errors import InvalidRequest

InlineData = tuple[str | None, ...]  # each document's base64 `data`, in document order


def job_from_wire(
    wire: wire_in.FaxJobRequest, now: datetime, max_mail_addresses: int
) -> tuple[JobRequest, InlineData]:
    """The job a request asks for, and its documents' inline data beside it; raises
    InvalidRequest naming the wire field."""
    report = wire.status_report_options
    mail = _report_mail(report.report_mail if report else None, max_mail_addresses)
    rendering = _rendering(wire.rendering_options)
    documents = wire.documents or []
    if not documents and not rendering.cover_template:
        raise InvalidRequest(
            "documents", "a job needs at least one document or a cover page (coverpageTemplate)"
        )
    options = JobOptions(
        rendering=rendering,
        transport=_transport(wire.transport_options),
        reporting=Reporting(push=_push(report.http_status_push if report else None), mail=mail),
        customer_reference=wire.meta.customer_reference if wire.meta else None,
    )
    request = JobRequest(
        recipients=tuple(_recipient(r) for r in wire.recipients),
        documents=tuple(
            JobDocument(name=d.name, charset=d.charset, reference=d.reference or None)
            for d in documents
        ),
        reference=_reference(wire.reference),
        options=options,
        validity=_validity(wire.meta.job_valid if wire.meta else None, now),
    )
    return request, tuple(d.data for d in documents)


def _recipient(recipient: wire_in.FaxRecipient) -> Recipient:
    return Recipient(
        number=recipient.number,
        numbers=(
            normalise(recipient.number),
            *(normalise(a) for a in recipient.alternative_numbers or []),
        ),
        properties=tuple((p.key, p.value) for p in recipient.properties or []),
    )


def _reference(reference: wire_in.Reference | None) -> Reference:
    if reference is None:
        return Reference()
    return Reference(
        reference.customer_defined_id or "",
        reference.billing_code or "",
        reference.billing_info or "",
    )


def _rendering(options: wire_in.RenderingOptions | None) -> Rendering:
    if options is None:
        return Rendering()
    overlay = options.overlay
    return Rendering(
        paper=options.paper_format,
        resolution=options.resolution,
        cover_template=options.coverpage_template,
        overlay=None if overlay is None else Overlay(overlay.name, overlay.mode),
        header=options.header,
    )


def _transport(options: wire_in.TransportOptions | None) -> Transport:
    if options is None:
        return Transport()
    return Transport(
        csid=options.csid,
        express=options.is_express,
        blocklist_enabled=options.is_blacklist_enabled,
    )


def _push(push: wire_in.HttpStatusPush | None) -> StatusPush | None:
    if push is None:
        return None
    return StatusPush(
        url=push.target_url,
        auth=push.auth_method or PushAuth.NONE,
        principal=push.principal,
        credentials=push.credentials,
    )


def _report_mail(mail: wire_in.ReportMail | None, max_addresses: int) -> ReportMailOptions | None:
    """None also for a `reportMail` that gives nothing: as before, the account's default
    report mail applies then."""
    if mail is None:
        return None
    for name, text in (
        ("successAddress", mail.success_address),
        ("failureAddress", mail.failure_address),
    ):
        fault = address_fault(text, max_addresses)
        if fault:
            raise InvalidRequest(f"statusReportOptions.reportMail.{name}", fault)
    if mail.model_dump(exclude_none=True) == {}:
        return None
    return ReportMailOptions(
        success_address=mail.success_address,
        failure_address=mail.failure_address,
        attached_fax_image_mode=mail.attached_fax_image_mode or ImageMode.NEVER,
        attached_fax_image_format=mail.attached_fax_image_format or ImageFormat.TIFF,
    )


def _validity(valid: wire_in.JobValid | None, now: datetime) -> Validity:
    """The bounds as instants (a duration counts from `now`); the window rules (default end,
    not in the past, end after start) are the service's."""
    if valid is None:
        return Validity()
    try:
        return Validity(
            start=parse_bound("meta.jobValid.start", valid.start, now) if valid.start else None,
            end=parse_bound("meta.jobValid.end", valid.end, now) if valid.end else None,
        )
    except InvalidValidity as exc:
        raise InvalidRequest(exc.field, exc.fault) from None
