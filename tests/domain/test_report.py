"""The report's JSON forms: the FaxReport rules held by its models, and the outbox snapshot,
which must deliver the same push bodies and mail as the report it was taken from, including
snapshots stored before the snapshot became an extension of the FaxReport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from faxgate.domain.report import (
    JobReport,
    RecipientReport,
    Reference,
    report_body,
    report_from_dict,
    report_to_dict,
)
from faxgate.domain.report_schema import FaxReportOut, RecipientStatusOut, ReportSnapshot
from faxgate.domain.statuses import FaxStatus
from faxgate.notify.mail import render_body
from faxgate.notify.payload import DocumentInfo, PushContext, report_json, report_xml
from tests.notify.conftest import sample_report

CONTEXT = PushContext(documents=(DocumentInfo("letter.pdf"),))

# Outbox rows as the snapshot code before ReportSnapshot wrote them (its output, verbatim):
# sample_report(failed=True) of tests/notify/conftest.py ...
FIRST_SAMPLE = (
    '{"jobId": "FJIJPNJYN906EDIJNFGI5S", "pages": 3, "reference": ["order-17", "", ""], '
    '"createdAt": 1794152220.0, "completedAt": 1794152340.0, "recipients": [{"number": '
    '"+49 89 1234567-8900", "properties": [["ToName", "Jörg Müller"], ["SubjectTitle", '
    '"Invoice <1> & co"]], "status": "OK", "reason": "OK", "sentTs": 1794152288.0, '
    '"durationSecs": 26, "sentToNumber": "00498912345678900", "remoteCsid": '
    '"+49/89/1234567-8900", "numId": "FNIJPNJYNA06EDIJNFUO1Q"}, {"number": "+12015551000", '
    '"properties": [], "status": "BUSY", "reason": "line busy after 5 attempts", "sentTs": '
    'null, "durationSecs": 0, "sentToNumber": "0012015551000", "remoteCsid": null, "numId": '
    '"FNIJPNJYNA06EDIJNFUO2R"}]}'
)
# ... and a report with what the FaxReport rules rewrite: NULL reference columns, an empty
# reason, a fractional sent time, a duration over the u16 cap.
FIRST_EDGE = (
    '{"jobId": "FJ00000000000DC1ABCDEF", "pages": 2, "reference": [null, "cost-7", null], '
    '"createdAt": 1794152220.25, "completedAt": 1794168062.75, "recipients": [{"number": '
    '"+49 30 123456", "properties": [["ToName", "Zoë"]], "status": "CANCELLED", "reason": "", '
    '"sentTs": 1794152288.5, "durationSecs": 70000, "sentToNumber": "004930123456", '
    '"remoteCsid": "", "numId": "FN00000000000DC1ABCDE1"}]}'
)
# The push bodies the code before ReportSnapshot sent for FIRST_EDGE.
FIRST_EDGE_JSON = (
    '{"jobId":"FJ00000000000DC1ABCDEF","recipientStatus":[{"number":"+49 30 123456",'
    '"properties":[{"key":"ToName","value":"Zoë"}],"status":"CANCELLED","reason":"CANCELLED",'
    '"sentTs":"2026-11-08T15:38:08Z","durationInSecs":65535,"sentToNumber":"004930123456",'
    '"remoteCsid":""}],"pages":2,"reference":{"customerDefinedId":"","billingCode":"cost-7",'
    '"billingInfo":""}}'
)
FIRST_EDGE_XML = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<faxJobReport xmlns="http://retarus.com/fax4ba/faxws/3/0"><jobId>FJ00000000000DC1ABCDEF'
    "</jobId><faxRecipient><number>+49 30 123456</number><numId>FN00000000000DC1ABCDE1</numId>"
    "<properties><key>ToName</key><value>Zoë</value></properties><status>CANCELLED</status>"
    "<reason>CANCELLED</reason><sentTS>2026-11-08T15:38:08Z</sentTS><durationInSecs>70000"
    "</durationInSecs><sentToNumber>004930123456</sentToNumber><remoteCsid /></faxRecipient>"
    "<pages>2</pages></faxJobReport>"
)


def _stored(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Through JSON text, as the outbox row holds it."""
    loaded: dict[str, Any] = json.loads(json.dumps(snapshot))
    return loaded


def _deliveries(report: JobReport) -> tuple[bytes, bytes, str]:
    return report_json(report), report_xml(report, CONTEXT), render_body(report, [])


def test_first_snapshot_of_a_report_delivers_as_the_report_itself() -> None:
    report = sample_report(failed=True)
    loaded = report_from_dict(json.loads(FIRST_SAMPLE))
    assert loaded == report
    assert _deliveries(loaded) == _deliveries(report)


def test_first_snapshot_with_rewritten_fields_delivers_the_same_bytes_as_before() -> None:
    loaded = report_from_dict(json.loads(FIRST_EDGE))
    assert report_json(loaded).decode() == FIRST_EDGE_JSON
    assert report_xml(loaded, PushContext()).decode() == FIRST_EDGE_XML
    assert "Duration:    70000 s" in render_body(loaded, [])


def test_snapshot_is_the_fax_report_extended() -> None:
    report = sample_report(failed=True)
    snapshot = report_to_dict(report)
    ReportSnapshot.model_validate(snapshot)
    assert snapshot["createdAt"] == "2026-11-08T15:37:00Z"
    assert snapshot["completedAt"] == "2026-11-08T15:39:00Z"
    assert [r.pop("numId") for r in snapshot["recipientStatus"]] == [
        r.num_id for r in report.recipients
    ]
    del snapshot["createdAt"], snapshot["completedAt"]
    assert snapshot == report_body(report)
    assert json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode() == (
        report_json(report)
    )


texts = st.text(max_size=12)
naive_moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1))
moments = naive_moments.map(lambda moment: moment.replace(tzinfo=UTC)) | naive_moments
recipients = st.builds(
    RecipientReport,
    number=texts,
    properties=st.lists(st.tuples(texts, texts), max_size=3).map(tuple),
    status=st.sampled_from(list(FaxStatus)),
    reason=texts,
    sent_ts=st.none() | moments,
    # The snapshot holds durationInSecs, capped for the Rust SDK, so the XML and the mail of a
    # call longer than 65535 s (18 h; the spandsp carrier stops at 600 s) would say 65535.
    duration_secs=st.integers(0, 65535),
    sent_to_number=st.none() | st.from_regex(r"00[0-9]{3,20}", fullmatch=True),
    remote_csid=st.none() | texts,
    num_id=st.from_regex(r"FN[A-Z0-9]{20}", fullmatch=True),
)
reports = st.builds(
    JobReport,
    job_id=st.from_regex(r"FJ[A-Z0-9]{20}", fullmatch=True),
    recipients=st.lists(recipients, min_size=1, max_size=4).map(tuple),
    pages=st.integers(0, 500),
    reference=st.builds(Reference, texts, texts, texts),
    created_at=moments,
    completed_at=st.none() | moments,
)


@settings(deadline=None)
@given(reports)
def test_any_snapshot_delivers_what_its_report_would(report: JobReport) -> None:
    loaded = report_from_dict(_stored(report_to_dict(report)))
    assert _deliveries(loaded) == _deliveries(report)
    assert report_body(loaded) == report_body(report)
    assert loaded.job_id == report.job_id
    assert [r.num_id for r in loaded.recipients] == [r.num_id for r in report.recipients]


def _recipient(**fields: Any) -> dict[str, Any]:
    good: dict[str, Any] = report_body(sample_report())["recipientStatus"][0]
    return {**good, **fields}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sentTs", ""),
        ("sentTs", "2026-11-08T15:38:08+01:00"),
        ("sentTs", "2026-11-08T15:38:08.5Z"),
        ("durationInSecs", 65536),
        ("durationInSecs", -1),
        ("reason", ""),
        ("status", ""),
        ("properties", [{"key": "a"}]),
        ("remoteCsid", 7),
    ],
)
def test_the_models_refuse_what_the_sdks_refuse(field: str, value: object) -> None:
    RecipientStatusOut.model_validate(_recipient())
    with pytest.raises(ValidationError) as caught:
        RecipientStatusOut.model_validate(_recipient(**{field: value}))
    assert caught.value.errors()[0]["loc"][0] == field


def test_the_fax_report_is_closed() -> None:
    body = report_body(sample_report())
    FaxReportOut.model_validate(body)
    for extra in ({"alternativeNumbers": None}, {"numId": "FN1"}):
        with pytest.raises(ValidationError):
            FaxReportOut.model_validate(
                {**body, "recipientStatus": [{**body["recipientStatus"][0], **extra}]}
            )
    with pytest.raises(ValidationError):
        FaxReportOut.model_validate({**body, "reference": {**body["reference"], "note": ""}})
