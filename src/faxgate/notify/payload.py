"""The bodies of a status push: the XML ``faxJobReport`` (spec §7.1) and the JSON FaxReport.

XML is Retarus's default push format: the SOAP report element in namespace
``http://retarus.com/fax4ba/faxws/3/0``, with ``sentTS`` (capital TS) and a ``numId`` per
recipient, and elements only for what the job gave. JSON is the REST ``FaxReport`` of spec §4.2,
serialised by domain/report.py from the models in domain/report_schema.py, as the API does.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from faxgate.domain.report import JobReport, RecipientReport, report_body
from faxgate.domain.report_options import PushAuth, ReportMailOptions
from faxgate.domain.report_schema import rfc3339

# Re-exported: notify/mail.py and code written before it moved import it from here.

XML_NAMESPACE = "http://retarus.com/fax4ba/faxws/3/0"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class DocumentInfo:
    name: str

    @property
    def is_text(self) -> bool:
        # The extension decides the file type (spec §4.1), so it decides isText too.
        return self.name.lower().endswith(".txt")


@dataclass(frozen=True)
class PushEcho:
    """``httpStatusPush`` as echoed in the XML: never the principal or credentials."""

    url: str
    auth_method: PushAuth = PushAuth.NONE


@dataclass(frozen=True)
class OverlayEcho:
    name: str
    mode: str


@dataclass(frozen=True)
class JobOptionsEcho:
    """The SOAP ``options`` element; each child appears only when given (None = absent)."""

    resolution: str | None = None
    csid: str | None = None
    header: str | None = None
    is_blacklist_enabled: bool | None = None
    is_express: bool | None = None
    overlay: OverlayEcho | None = None
    coverpage_template_name: str | None = None
    schedule_ts: datetime | None = None
    job_expiry_minutes: int | None = None
    job_reference: str | None = None


@dataclass(frozen=True)
class PushContext:
    """What the XML report echoes from the job request besides the report itself."""

    documents: tuple[DocumentInfo, ...] = ()
    report_mail: ReportMailOptions | None = None
    http_status_push: PushEcho | None = None
    options: JobOptionsEcho | None = None


# ---------------------------------------------------------------- JSON (REST FaxReport)


def report_json(report: JobReport) -> bytes:
    """The FaxReport of spec §4.2, byte for byte what the API answers for the same report."""
    return json.dumps(report_body(report), ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------- XML (SOAP faxJobReport)

# Characters XML 1.0 cannot carry at all; a reason text from a modem must not break the push.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _add(parent: ET.Element, tag: str, value: object | None) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = rfc3339(value)
    else:
        text = _NOT_XML.sub("\ufffd", str(value))
    ET.SubElement(parent, tag).text = text


def report_xml(report: JobReport, options: PushContext) -> bytes:
    # Unqualified child tags under a default xmlns: every element is in the namespace, and
    # no process-wide ET.register_namespace is needed.
    root = ET.Element("faxJobReport", {"xmlns": XML_NAMESPACE})
    _add(root, "jobId", report.job_id)
    if options.report_mail is not None:
        mail = options.report_mail
        node = ET.SubElement(root, "reportMail")
        _add(node, "successAddress", mail.success_address)
        _add(node, "failureAddress", mail.failure_address)
        _add(node, "attachedFaxImageMode", mail.attached_fax_image_mode.value)
        _add(node, "attachedFaxImageFormat", mail.attached_fax_image_format.value)
    if options.http_status_push is not None:
        node = ET.SubElement(root, "httpStatusPush")
        _add(node, "url", options.http_status_push.url)
        _add(node, "authMethod", options.http_status_push.auth_method.value)
    for recipient in report.recipients:
        _recipient_xml(ET.SubElement(root, "faxRecipient"), recipient)
    for document in options.documents:
        node = ET.SubElement(root, "document")
        _add(node, "name", document.name)
        _add(node, "isText", document.is_text)
    if options.options is not None:
        _options_xml(root, options.options)
    _add(root, "pages", report.pages)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _recipient_xml(node: ET.Element, recipient: RecipientReport) -> None:
    _add(node, "number", recipient.number)
    _add(node, "numId", recipient.num_id)
    # JAXB's default form for a list property: one repeated element per item [INF].
    for key, value in recipient.properties:
        prop = ET.SubElement(node, "properties")
        _add(prop, "key", key)
        _add(prop, "value", value)
    _add(node, "status", recipient.status.value)
    _add(node, "reason", recipient.reason or recipient.status.value)
    _add(node, "sentTS", recipient.sent_ts)
    _add(node, "durationInSecs", recipient.duration_secs)
    _add(node, "sentToNumber", recipient.sent_to_number)
    _add(node, "remoteCsid", recipient.remote_csid)


def _options_xml(root: ET.Element, echo: JobOptionsEcho) -> None:
    node = ET.SubElement(root, "options")
    _add(node, "resolution", echo.resolution)
    _add(node, "csid", echo.csid)
    _add(node, "header", echo.header)
    _add(node, "isBlacklistEnabled", echo.is_blacklist_enabled)
    _add(node, "isExpress", echo.is_express)
    if echo.overlay is not None:
        overlay = ET.SubElement(node, "overlay")
        _add(overlay, "name", echo.overlay.name)
        _add(overlay, "mode", echo.overlay.mode)
    _add(node, "coverpageTemplateName", echo.coverpage_template_name)
    _add(node, "scheduleTS", echo.schedule_ts)
    _add(node, "jobExpiryMinutes", echo.job_expiry_minutes)
    _add(node, "jobReference", echo.job_reference)
