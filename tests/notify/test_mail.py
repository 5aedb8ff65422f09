"""Report mail built from a report and sent to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from PIL import Image
from pypdf import PdfReader

from faxgate.config import Settings
from faxgate.domain.report_options import ImageFormat, ImageMode, ReportMailOptions
from faxgate.notify.images import Attachment, tiff_to_pdf
from faxgate.notify.mail import (
    OCR_MISSING_NOTE,
    MailError,
    build_report_mail,
    send_mail,
)

from .conftest import sample_report
from .smtp_server import SMTP_PASSWORD, SMTP_USER, Mailbox, running_smtp

PAGES = 3


def fax_tiff(pages: int = PAGES, dpi: tuple[int, int] = (204, 196)) -> bytes:
    images = []
    for n in range(pages):
        image = Image.new("1", (1728, 400), 1)
        image.paste(0, (100 * n, 50, 100 * n + 80, 130))  # a black box, somewhere else per page
        images.append(image)
    out = io.BytesIO()
    images[0].save(
        out, format="TIFF", compression="group4", save_all=True, append_images=images[1:], dpi=dpi
    )
    return out.getvalue()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_smtp() as box:
        yield box


def _settings(box: Mailbox, **changes: object) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=box.port,
        mail_from="fax@example.org",
        push_timeout_secs=10.0,
    ).with_overrides(**changes)


def _options(
    mode: ImageMode = ImageMode.ALWAYS, fmt: ImageFormat = ImageFormat.TIFF
) -> ReportMailOptions:
    return ReportMailOptions("ok@example.com", "fail@example.com; boss@example.com", mode, fmt)


def _received(box: Mailbox) -> EmailMessage:
    [(_sender, _rcpts, raw)] = box.messages
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _attachments(msg: EmailMessage) -> list[tuple[str, str, bytes]]:
    result = []
    for part in msg.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        result.append((part.get_content_type(), part.get_filename() or "", payload))
    return result


def test_success_mail_with_tiff_attachment(mailbox: Mailbox) -> None:
    report = sample_report()
    msg = build_report_mail(report, _options(), Attachment(fax_tiff()), _settings(mailbox), False)
    assert msg is not None
    asyncio.run(send_mail(msg, _settings(mailbox)))
    [(sender, rcpts, _raw)] = mailbox.messages
    assert (sender, rcpts) == ("fax@example.org", ["ok@example.com"])
    got = _received(mailbox)
    assert got["Subject"] == f"Fax {report.job_id}: sent"
    body = got.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert report.job_id in text
    assert "+49 89 1234567-8900" in text and "2026-11-08T15:38:08Z" in text
    assert "Duration:    26 s" in text and "Pages:       3" in text
    [(ctype, name, data)] = _attachments(got)
    assert (ctype, name) == ("image/tiff", f"{report.job_id}.tif")
    with Image.open(io.BytesIO(data)) as image:
        assert getattr(image, "n_frames", 1) == PAGES


def test_failure_mail_with_pdf_goes_to_the_failure_addresses(mailbox: Mailbox) -> None:
    report = sample_report(failed=True)
    msg = build_report_mail(
        report, _options(fmt=ImageFormat.PDF), Attachment(fax_tiff()), _settings(mailbox), False
    )
    assert msg is not None
    asyncio.run(send_mail(msg, _settings(mailbox)))
    [(_s, rcpts, _raw)] = mailbox.messages
    assert rcpts == ["fail@example.com", "boss@example.com"]
    got = _received(mailbox)
    assert got["Subject"] == f"Fax {report.job_id}: failed for 1 of 2 recipients"
    body = got.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "BUSY (line busy after 5 attempts)" in text and "not sent" in text
    [(ctype, name, data)] = _attachments(got)
    assert (ctype, name) == ("application/pdf", f"{report.job_id}.pdf")
    assert len(PdfReader(io.BytesIO(data)).pages) == PAGES


def test_pdf_with_ocr_falls_back_to_pdf_and_says_so(mailbox: Mailbox) -> None:
    msg = build_report_mail(
        sample_report(),
        _options(fmt=ImageFormat.PDF_WITH_OCR),
        Attachment(fax_tiff()),
        _settings(mailbox),
        ocr_available=False,
    )
    assert msg is not None
    asyncio.run(send_mail(msg, _settings(mailbox)))
    got = _received(mailbox)
    body = got.get_body(("plain",))
    assert body is not None
    assert OCR_MISSING_NOTE in " ".join(body.get_content().split())
    [(ctype, _name, data)] = _attachments(got)
    assert ctype == "application/pdf"
    assert len(PdfReader(io.BytesIO(data)).pages) == PAGES


def test_pdf_with_ocr_uses_the_searchable_pdf_when_there_is_one() -> None:
    searchable = tiff_to_pdf(fax_tiff(1))
    msg = build_report_mail(
        sample_report(),
        _options(fmt=ImageFormat.PDF_WITH_OCR),
        Attachment(fax_tiff(), searchable),
        Settings(),
        ocr_available=True,
    )
    assert msg is not None
    [(_c, _n, data)] = _attachments(msg)
    assert data == searchable


def test_pdf_pages_keep_the_physical_size_of_non_square_fax_pixels() -> None:
    fine = PdfReader(io.BytesIO(tiff_to_pdf(fax_tiff(1, (204, 196))))).pages[0].mediabox
    normal = PdfReader(io.BytesIO(tiff_to_pdf(fax_tiff(1, (204, 98))))).pages[0].mediabox
    assert round(float(fine.width)) == round(float(normal.width)) == round(1728 / 204 * 72)
    assert round(float(normal.height)) == 2 * round(float(fine.height))


@pytest.mark.parametrize(
    ("mode", "failed", "attached"),
    [
        (ImageMode.NEVER, False, False),
        (ImageMode.SUCCESS_ONLY, False, True),
        (ImageMode.SUCCESS_ONLY, True, False),
        (ImageMode.FAILURE_ONLY, False, False),
        (ImageMode.FAILURE_ONLY, True, True),
        (ImageMode.ALWAYS, True, True),
    ],
)
def test_attachment_follows_the_mode(mode: ImageMode, failed: bool, attached: bool) -> None:
    msg = build_report_mail(
        sample_report(failed=failed), _options(mode), Attachment(fax_tiff()), Settings(), False
    )
    assert msg is not None
    assert bool(list(msg.iter_attachments())) is attached


def test_no_address_for_the_outcome_means_no_mail() -> None:
    only_failure = ReportMailOptions(None, "fail@example.com")
    assert build_report_mail(sample_report(), only_failure, None, Settings(), False) is None
    only_success = ReportMailOptions("ok@example.com", "  ")
    assert (
        build_report_mail(sample_report(failed=True), only_success, None, Settings(), False) is None
    )


def test_custom_template() -> None:
    msg = build_report_mail(
        sample_report(),
        _options(ImageMode.NEVER),
        None,
        Settings(),
        False,
        template="{{ job_id }} {% for r in recipients %}{{ r.status }} {% endfor %}",
    )
    assert msg is not None
    body = msg.get_body(("plain",))
    assert body is not None
    assert body.get_content().strip() == "FJIJPNJYN906EDIJNFGI5S OK OK"


# Loopback-only test server; TLS would need a certificate the test has no use for.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_is_used_when_configured() -> None:
    with running_smtp(with_auth=True) as box:
        msg = build_report_mail(sample_report(), _options(ImageMode.NEVER), None, Settings(), False)
        assert msg is not None
        with pytest.raises(MailError) as info:  # the server requires AUTH
            asyncio.run(send_mail(msg, _settings(box)))
        assert not info.value.retryable
        asyncio.run(
            send_mail(msg, _settings(box, smtp_user=SMTP_USER, smtp_password=SMTP_PASSWORD))
        )
        assert len(box.messages) == 1
        with pytest.raises(MailError) as info:
            asyncio.run(send_mail(msg, _settings(box, smtp_user=SMTP_USER, smtp_password="wrong")))
        assert not info.value.retryable


def test_rejected_recipient_5xx_is_final_4xx_is_retried(mailbox: Mailbox) -> None:
    msg = build_report_mail(sample_report(), _options(ImageMode.NEVER), None, Settings(), False)
    assert msg is not None
    mailbox.reject_rcpt["ok@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(MailError) as info:
        asyncio.run(send_mail(msg, _settings(mailbox)))
    assert not info.value.retryable
    assert "550" in str(info.value)
    mailbox.reject_rcpt["ok@example.com"] = "451 4.3.0 try again later"
    with pytest.raises(MailError) as info:
        asyncio.run(send_mail(msg, _settings(mailbox)))
    assert info.value.retryable


def test_no_server_is_retryable() -> None:
    with running_smtp() as box:
        port = box.port  # just stopped: nobody listens there now
    with pytest.raises(MailError) as info:
        asyncio.run(send_mail(EmailMessage(), Settings(smtp_host="127.0.0.1", smtp_port=port)))
    assert info.value.retryable


def test_bad_tls_setting_is_not_retryable() -> None:
    with pytest.raises(MailError) as info:
        asyncio.run(send_mail(EmailMessage(), Settings(smtp_tls="maybe")))
    assert not info.value.retryable


def test_a_stored_job_with_too_many_addresses_mails_only_the_first_ones() -> None:
    # Intake refuses such jobs now; one stored before that rule still mails a bounded list.
    addresses = "; ".join(f"ops{n}@example.com" for n in range(2000))
    settings = Settings()
    msg = build_report_mail(sample_report(), ReportMailOptions(addresses), None, settings, False)
    assert msg is not None
    to = [a.strip() for a in str(msg["To"]).split(",")]
    assert to == [f"ops{n}@example.com" for n in range(settings.max_mail_addresses)]
