"""The push bodies, parsed back the way a receiver would."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions
from faxgate.domain.statuses import FaxStatus
from faxgate.notify.payload import (
    XML_NAMESPACE,
    DocumentInfo,
    JobOptionsEcho,
    OverlayEcho,
    PushContext,
    PushEcho,
    report_json,
    report_xml,
)

from .conftest import parse_xml, sample_report

NS = {"r": XML_NAMESPACE}


def _q(tag: str) -> str:
    return f"{{{XML_NAMESPACE}}}{tag}"


def test_xml_minimal_has_only_what_was_given() -> None:
    root = parse_xml(report_xml(sample_report(failed=True), PushContext()))
    assert root.tag == _q("faxJobReport")
    assert [child.tag for child in root] == [
        _q("jobId"),
        _q("faxRecipient"),
        _q("faxRecipient"),
        _q("pages"),
    ]
    assert root.findtext("r:jobId", namespaces=NS) == "FJIJPNJYN906EDIJNFGI5S"
    assert root.findtext("r:pages", namespaces=NS) == "3"
    first, second = root.findall("r:faxRecipient", NS)
    assert first.findtext("r:numId", namespaces=NS) == "FNIJPNJYNA06EDIJNFUO1Q"
    assert first.findtext("r:sentTS", namespaces=NS) == "2026-11-08T15:38:08Z"
    assert first.findtext("r:durationInSecs", namespaces=NS) == "26"
    assert first.findtext("r:remoteCsid", namespaces=NS) == "+49/89/1234567-8900"
    props = first.findall("r:properties", NS)
    assert [
        (p.findtext("r:key", namespaces=NS), p.findtext("r:value", namespaces=NS)) for p in props
    ] == [("ToName", "Jörg Müller"), ("SubjectTitle", "Invoice <1> & co")]
    assert second.findtext("r:status", namespaces=NS) == "BUSY"
    assert second.findtext("r:reason", namespaces=NS) == "line busy after 5 attempts"
    assert second.find("r:sentTS", NS) is None  # not sent: no element, never an empty one
    assert second.find("r:remoteCsid", NS) is None
    assert second.find("r:properties", NS) is None


def test_xml_echoes_mail_push_documents_and_options_in_soap_order() -> None:
    context = PushContext(
        documents=(DocumentInfo("document.pdf"), DocumentInfo("note.TXT")),
        report_mail=ReportMailOptions("ok@example.com", "", ImageMode.ALWAYS, ImageFormat.PDF),
        http_status_push=PushEcho("https://statuslistener.example.com/x", PushAuth.HTTP_BASIC),
        options=JobOptionsEcho(
            resolution="HIGH",
            csid="+49 89 1",
            is_express=False,
            overlay=OverlayEcho("letterhead", "FIRST_PAGE"),
            schedule_ts=datetime(2026, 11, 8, 17, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
    )
    root = parse_xml(report_xml(sample_report(), context))
    tags = [child.tag.removeprefix(f"{{{XML_NAMESPACE}}}") for child in root]
    assert tags == [
        "jobId",
        "reportMail",
        "httpStatusPush",
        "faxRecipient",
        "faxRecipient",
        "document",
        "document",
        "options",
        "pages",
    ]
    mail = root.find("r:reportMail", NS)
    assert mail is not None
    assert mail.findtext("r:successAddress", namespaces=NS) == "ok@example.com"
    assert mail.findtext("r:failureAddress", namespaces=NS) == ""
    assert mail.findtext("r:attachedFaxImageMode", namespaces=NS) == "ALWAYS"
    assert mail.findtext("r:attachedFaxImageFormat", namespaces=NS) == "PDF"
    push = root.find("r:httpStatusPush", NS)
    assert push is not None
    assert push.findtext("r:url", namespaces=NS) == "https://statuslistener.example.com/x"
    assert push.findtext("r:authMethod", namespaces=NS) == "HTTP_BASIC"
    assert [len(push)] == [2]  # never principal or credentials
    docs = root.findall("r:document", NS)
    assert [
        (d.findtext("r:name", namespaces=NS), d.findtext("r:isText", namespaces=NS)) for d in docs
    ] == [("document.pdf", "false"), ("note.TXT", "true")]
    options = root.find("r:options", NS)
    assert options is not None
    assert [c.tag.removeprefix(f"{{{XML_NAMESPACE}}}") for c in options] == [
        "resolution",
        "csid",
        "isExpress",
        "overlay",
        "scheduleTS",
    ]
    assert options.findtext("r:scheduleTS", namespaces=NS) == "2026-11-08T15:00:00Z"
    assert options.findtext("r:overlay/r:mode", namespaces=NS) == "FIRST_PAGE"


def test_xml_survives_control_characters_in_a_reason() -> None:
    report = sample_report()
    bad = replace(report.recipients[0], reason="modem said \x07\x00 oops")
    report = replace(report, recipients=(bad,))
    root = parse_xml(report_xml(report, PushContext()))
    assert root.findtext("r:faxRecipient/r:reason", namespaces=NS) == "modem said \ufffd\ufffd oops"


def test_json_is_the_rest_fax_report() -> None:
    data = json.loads(report_json(sample_report(failed=True)))
    assert set(data) == {"jobId", "recipientStatus", "pages", "reference"}
    assert data["reference"] == {
        "customerDefinedId": "order-17",
        "billingCode": "",
        "billingInfo": "",
    }
    ok, busy = data["recipientStatus"]
    assert ok == {
        "number": "+49 89 1234567-8900",
        "properties": [
            {"key": "ToName", "value": "Jörg Müller"},
            {"key": "SubjectTitle", "value": "Invoice <1> & co"},
        ],
        "status": "OK",
        "reason": "OK",
        "sentTs": "2026-11-08T15:38:08Z",
        "durationInSecs": 26,
        "sentToNumber": "00498912345678900",
        "remoteCsid": "+49/89/1234567-8900",
    }
    assert busy["properties"] is None
    assert busy["sentTs"] is None
    assert busy["remoteCsid"] is None
    assert data["pages"] == 3


def test_json_sent_ts_is_utc_z_for_any_offset_and_naive_values() -> None:
    report = sample_report()
    berlin = datetime(2026, 7, 1, 12, 0, 0, 999, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2026, 7, 1, 12, 0, 0)
    recipients = (
        replace(report.recipients[0], sent_ts=berlin),
        replace(report.recipients[1], sent_ts=naive),
    )
    data = json.loads(report_json(replace(report, recipients=recipients)))
    assert [r["sentTs"] for r in data["recipientStatus"]] == [
        "2026-07-01T10:00:00Z",
        "2026-07-01T12:00:00Z",
    ]
    parsed = datetime.fromisoformat(data["recipientStatus"][0]["sentTs"])
    assert parsed == berlin.replace(microsecond=0).astimezone(UTC)


def test_json_pending_recipient_and_empty_reason() -> None:
    report = sample_report()
    pending = replace(
        report.recipients[0],
        status=FaxStatus.PENDING,
        reason="",
        sent_ts=None,
        duration_secs=0,
        sent_to_number=None,
        remote_csid=None,
    )
    data = json.loads(report_json(replace(report, recipients=(pending,))))
    assert data["recipientStatus"][0]["reason"] == "PENDING"
    assert data["recipientStatus"][0]["sentTs"] is None
