"""Report mail: build the message for a finished job, and send it over SMTP.

``send_mail`` raises ``MailError`` with ``retryable``: SMTP 4xx replies, refused or broken
connections and timeouts are worth retrying; 5xx replies (unknown user, rejected login, policy)
and a misconfiguration are not.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any

import jinja2

from faxgate.config import Settings
from faxgate.domain.mail_addresses import split_addresses
from faxgate.domain.notification import Channel
from faxgate.domain.report import JobReport
from faxgate.domain.report_options import ImageFormat, ReportMailOptions
from faxgate.domain.report_schema import rfc3339
from faxgate.domain.statuses import FaxStatus
from faxgate.notify.base import DeliveryResult
from faxgate.notify.images import Attachment, tiff_to_pdf
from faxgate.notify.mail_template import DEFAULT_TEMPLATE

OCR_MISSING_NOTE = (
    "Note: a searchable PDF (PDF_WITH_OCR) was requested, but OCR is not installed on this "
    "server; the fax image is attached as a PDF without a text layer."
)
OCR_FAILED_NOTE = (
    "Note: a searchable PDF (PDF_WITH_OCR) was requested, but no text layer could be made; "
    "the fax image is attached as a PDF without one."
)
IMAGE_MISSING_NOTE = "Note: the fax image was requested but is not available."


class MailError(Exception):
    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class MailNotifier:
    """The report mail as a `Notifier`: sends a built message over the configured SMTP
    server (its addresses are in the message)."""

    channel = Channel.MAIL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def deliver(self, notice: EmailMessage) -> DeliveryResult:
        try:
            await send_mail(notice, self.settings)
        except MailError as exc:
            return DeliveryResult(False, exc.retryable, None, str(exc))
        return DeliveryResult(True, False, 250, None)


def job_succeeded(report: JobReport) -> bool:
    """Success only when every recipient got the fax; any failure goes to the failure address."""
    return all(r.status is FaxStatus.OK for r in report.recipients)


def _addresses(text: str | None, limit: int) -> list[str]:
    # Intake refuses more than `limit`; a job stored before that rule gets its first ones.
    return split_addresses(text)[:limit]


# Plain text: HTML escaping would put &amp; into the mail.
_ENV = jinja2.Environment(
    autoescape=False,  # noqa: S701
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def render_body(report: JobReport, notes: list[str], template: str | None = None) -> str:
    success = job_succeeded(report)
    ok_count = sum(r.status is FaxStatus.OK for r in report.recipients)
    context: dict[str, Any] = {
        "job_id": report.job_id,
        "success": success,
        "outcome": "sent" if success else "not sent to every recipient",
        "pages": report.pages,
        "reference": report.reference,
        "ok_count": ok_count,
        "total": len(report.recipients),
        "recipients": [
            {
                "number": r.number,
                "status": r.status.value,
                "reason": r.reason,
                "sent_ts": rfc3339(r.sent_ts) if r.sent_ts else None,
                "duration_secs": r.duration_secs,
                # OK means every page arrived; for a failure we do not know how many did.
                "pages": report.pages if r.status is FaxStatus.OK else 0,
                "sent_to_number": r.sent_to_number,
                "remote_csid": r.remote_csid,
            }
            for r in report.recipients
        ],
        "notes": notes,
    }
    return _ENV.from_string(template or DEFAULT_TEMPLATE).render(context)


def build_report_mail(
    report: JobReport,
    mail_options: ReportMailOptions,
    attachment: Attachment | None,
    settings: Settings,
    ocr_available: bool,
    template: str | None = None,
) -> EmailMessage | None:
    """The report mail for a finished job, or None when no address is set for its outcome."""
    success = job_succeeded(report)
    to = _addresses(
        mail_options.success_address if success else mail_options.failure_address,
        settings.max_mail_addresses,
    )
    if not to:
        return None
    notes: list[str] = []
    files: list[tuple[bytes, str, str, str]] = []  # data, maintype, subtype, filename
    if mail_options.attached_fax_image_mode.attaches(success):
        if attachment is None:
            notes.append(IMAGE_MISSING_NOTE)
        else:
            files.append(_image(report.job_id, attachment, mail_options, ocr_available, notes))

    msg = EmailMessage(policy=SMTP)
    failed = sum(r.status is not FaxStatus.OK for r in report.recipients)
    total = len(report.recipients)
    msg["Subject"] = (
        f"Fax {report.job_id}: sent"
        if success
        else f"Fax {report.job_id}: failed for {failed} of {total} recipients"
    )
    msg["From"] = settings.mail_from
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us
    msg["X-Faxgate-Job"] = report.job_id
    msg.set_content(render_body(report, notes, template), charset="utf-8")
    for data, maintype, subtype, filename in files:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def _image(
    job_id: str,
    attachment: Attachment,
    options: ReportMailOptions,
    ocr_available: bool,
    notes: list[str],
) -> tuple[bytes, str, str, str]:
    fmt = options.attached_fax_image_format
    if fmt is ImageFormat.TIFF:
        return attachment.tiff, "image", "tiff", f"{job_id}.tif"
    if fmt is ImageFormat.PDF_WITH_OCR:
        if ocr_available and attachment.searchable_pdf is not None:
            return attachment.searchable_pdf, "application", "pdf", f"{job_id}.pdf"
        notes.append(OCR_FAILED_NOTE if ocr_available else OCR_MISSING_NOTE)
    return tiff_to_pdf(attachment.tiff), "application", "pdf", f"{job_id}.pdf"


async def send_mail(msg: EmailMessage, settings: Settings) -> None:
    # smtplib is blocking; a thread keeps the event loop free for the rest of the worker.
    await asyncio.to_thread(_send, msg, settings)


def _send(msg: EmailMessage, settings: Settings) -> None:
    mode = settings.smtp_tls.strip().lower()
    if mode not in ("none", "starttls", "tls"):
        raise MailError(f"FAXGATE_SMTP_TLS={settings.smtp_tls!r}: use none, starttls or tls", False)
    where = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    # Built before connecting: a bad CA file is a configuration error, not a server fault.
    context = _tls_context(settings) if mode != "none" else None
    try:
        smtp: smtplib.SMTP
        if mode == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=settings.push_timeout_secs,
                context=context,
            )
        else:
            smtp = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.push_timeout_secs
            )
        with smtp:
            if mode == "starttls":
                smtp.starttls(context=context)
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            refused = smtp.send_message(msg, from_addr=settings.mail_from)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = _refused(exc.recipients)
        raise MailError(f"{where}: {detail}", any(c < 500 for c in codes)) from exc
    except smtplib.SMTPResponseException as exc:
        text = _text(exc.smtp_error)
        raise MailError(f"{where}: {exc.smtp_code} {text}", exc.smtp_code < 500) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"{where}: {exc} (check FAXGATE_SMTP_TLS)", False) from exc
    except ssl.SSLCertVerificationError as exc:
        raise MailError(f"{where}: {_untrusted(exc)}", False) from exc
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as exc:  # the server hung up: may pass
        raise MailError(f"{where}: {exc or type(exc).__name__}", True) from exc
    except ssl.SSLError as exc:  # e.g. implicit TLS against a plain port: retrying cannot help
        raise MailError(
            f"{where}: TLS failed: {exc} (check FAXGATE_SMTP_TLS and _PORT)", False
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{where}: {exc or type(exc).__name__}", True) from exc
    if refused:
        # Some addresses took the mail: sending again would duplicate it for them.
        raise MailError(f"{where}: sent, but {_refused(refused)}", False)


def _tls_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.smtp_ca_file is not None:
        try:
            context.load_verify_locations(cafile=settings.smtp_ca_file)
        except OSError as exc:  # ssl.SSLError is an OSError: a file that is not PEM lands here too
            fault = exc.strerror or str(exc) or type(exc).__name__
            raise MailError(
                f"FAXGATE_SMTP_CA_FILE={str(settings.smtp_ca_file)!r}: not a readable file of PEM "
                f"CA certificates ({fault})",
                False,
            ) from exc
    return context


# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH: the chain is
# trusted, so pointing at another CA would not help.
_NAME_MISMATCH = {62, 64}


def _untrusted(exc: ssl.SSLCertVerificationError) -> str:
    reason = exc.verify_message or str(exc)
    if exc.verify_code in _NAME_MISMATCH:
        hint = "FAXGATE_SMTP_HOST must be a name the certificate is issued for"
    else:
        hint = "for a private CA, set FAXGATE_SMTP_CA_FILE to its PEM certificate"
    return f"TLS certificate not trusted ({reason}); {hint}"


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    parts = [f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in recipients.items()]
    return "refused " + ", ".join(parts)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
