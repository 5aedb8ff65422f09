"""The stored forms of an outbox row's target and snapshot: what is written reads back the
same, and the camelCase rows queued by earlier versions still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.faxin import FaxSource, ReceivedFax
from faxgate.domain.job import (
    JobOptions,
    Overlay,
    OverlayMode,
    PushFormat,
    Rendering,
    Reporting,
    Resolution,
    StatusPush,
    Transport,
)
from faxgate.domain.notification import (
    FaxInSnapshot,
    FaxInTarget,
    JobSnapshot,
    MailTarget,
    PushTarget,
    Target,
)
from faxgate.domain.report import JobReport, RecipientReport, Reference, report_to_dict
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions
from faxgate.domain.statuses import FaxStatus
from faxgate.sealing.fields import PUSH_TARGET, map_secrets
from faxgate.store.job_json import StoredFormError
from faxgate.store.outbox_json import (
    faxin_snapshot_from_json,
    push_target_from_json,
    snapshot_from_json,
    snapshot_to_json,
    target_from_json,
    target_to_json,
)

text = st.none() | st.text(max_size=16)
push_targets = st.builds(
    PushTarget,
    url=st.text(min_size=1, max_size=40),
    auth_method=st.sampled_from(PushAuth),
    principal=text,
    credentials=text,
    token_url=text,
    scope=text,
    format=st.sampled_from(PushFormat),
    secrets=st.lists(st.text(min_size=1, max_size=16), max_size=3).map(tuple),
)
mail_targets = st.builds(
    MailTarget,
    st.builds(
        ReportMailOptions,
        success_address=text,
        failure_address=text,
        attached_fax_image_mode=st.sampled_from(ImageMode),
        attached_fax_image_format=st.sampled_from(ImageFormat),
    ),
)


faxin_targets = st.builds(FaxInTarget, push_targets)


@given(push_targets | mail_targets | faxin_targets)
def test_a_target_reads_back_as_written(target: Target) -> None:
    stored = target_to_json(target)
    assert json.loads(stored)["v"] == 2
    assert target_from_json(target.channel, stored) == target


@given(push_targets)
def test_the_secrets_of_a_stored_push_target_are_where_sealing_looks(target: PushTarget) -> None:
    """`faxgate secrets reseal` and the start-up key check find them by PUSH_TARGET."""
    sealed = map_secrets(json.loads(target_to_json(target)), PUSH_TARGET, lambda s: f"<{s}>")
    expected = target.with_secrets(lambda s: f"<{s}>")
    assert target_from_json("push", json.dumps(sealed)) == expected


def test_a_push_target_queued_by_an_earlier_version_still_reads() -> None:
    legacy = {
        "url": "https://push.example/in",
        "authMethod": "OAUTH",
        "principal": "client",
        "credentials": "enc:v1:sealed-client-secret",
        "tokenUrl": "https://auth.example/token",
        "scope": "push",
        "format": "JSON",
        "secret": ["enc:v1:old", "enc:v1:new"],
    }
    assert target_from_json("push", json.dumps(legacy)) == PushTarget(
        url="https://push.example/in",
        auth_method=PushAuth.OAUTH2,
        principal="client",
        credentials="enc:v1:sealed-client-secret",
        token_url="https://auth.example/token",
        scope="push",
        format=PushFormat.JSON,
        secrets=("enc:v1:old", "enc:v1:new"),
    )
    minimal = {"url": "https://push.example/in", "authMethod": "NONE", "format": "XML"}
    assert target_from_json("push", json.dumps(minimal | {"secret": "enc:v1:one"})) == PushTarget(
        "https://push.example/in", secrets=("enc:v1:one",)
    )
    # what the account had for a format: anything but JSON was pushed as XML
    odd = target_from_json("push", json.dumps(minimal | {"format": None, "secret": None}))
    assert odd == PushTarget("https://push.example/in")


def test_a_mail_target_queued_by_an_earlier_version_still_reads() -> None:
    legacy = {
        "successAddress": "ok@example.com",
        "failureAddress": None,
        "attachedFaxImageMode": "FAILURE_ONLY",
        "attachedFaxImageFormat": "PDF",
    }
    assert target_from_json("mail", json.dumps(legacy)) == MailTarget(
        ReportMailOptions("ok@example.com", None, ImageMode.FAILURE_ONLY, ImageFormat.PDF)
    )
    assert target_from_json("mail", "{}") == MailTarget(ReportMailOptions())


@pytest.mark.parametrize(
    ("channel", "stored", "fault"),
    [
        ("push", '{"v": 3, "url": "https://x/"}', "version 3 is newer"),
        ("push", "[]", "not a JSON object"),
        ("fax", "{}", "expected push, mail or faxin"),
        ("faxin", '{"url": "https://x/"}', "faxin target: no version"),
    ],
)
def test_a_form_no_version_wrote_is_refused_by_name(channel: str, stored: str, fault: str) -> None:
    with pytest.raises(StoredFormError, match=fault):
        target_from_json(channel, stored)


def _report() -> JobReport:
    sent = datetime(2026, 11, 8, 15, 38, 8, tzinfo=UTC)
    recipient = RecipientReport(
        number="+4930123456",
        properties=(("ToName", "Jörg"),),
        status=FaxStatus.OK,
        reason="OK",
        sent_ts=sent,
        duration_secs=26,
        sent_to_number="004930123456",
        remote_csid="+49 30 123456",
        num_id="FNIJPNJYNA06EDIJNFUO1Q",
    )
    reference = Reference("c", "b", "i")
    return JobReport("FJIJPNJYN906EDIJNFGI5S", (recipient,), 2, reference, sent, sent)


def test_a_snapshot_reads_back_without_the_push_credentials() -> None:
    """The snapshot only feeds the XML echo, which never shows them: it does not keep them."""
    options = JobOptions(
        rendering=Rendering(
            resolution=Resolution.LOW,
            overlay=Overlay("letterhead", OverlayMode.FIRST_PAGE),
            header="%tid",
            cover_template="cover",
        ),
        transport=Transport(csid="+49 30 1", express=True, blocklist_enabled=False),
        reporting=Reporting(
            push=StatusPush("https://push.example/", PushAuth.HTTP_BASIC, "user", "enc:v1:pw"),
            mail=ReportMailOptions("ok@example.com"),
        ),
        customer_reference="ref-1",
    )
    snapshot = JobSnapshot(_report(), options, ("a.pdf", "b.txt"))
    stored = snapshot_to_json(snapshot)
    assert "enc:v1:pw" not in stored
    push = StatusPush("https://push.example/", PushAuth.HTTP_BASIC, "user", None)
    expected_options = JobOptions(
        rendering=options.rendering,
        transport=options.transport,
        reporting=Reporting(push=push, mail=options.reporting.mail),
        customer_reference="ref-1",
    )
    assert snapshot_from_json(stored) == JobSnapshot(
        snapshot.report, expected_options, snapshot.documents
    )


def test_a_snapshot_queued_by_an_earlier_version_still_reads() -> None:
    """Its options are the Fax4A request as it was stored (camelCase)."""
    request = {
        "renderingOptions": {"resolution": "LOW", "header": "%tid"},
        "transportOptions": {"csid": "+49 30 1", "isExpress": True},
        "statusReportOptions": {
            "httpStatusPush": {"targetUrl": "https://push.example/", "authMethod": "NONE"}
        },
        "meta": {"customerReference": "ref-1"},
    }
    stored = json.dumps(
        {"report": report_to_dict(_report()), "options": request, "documents": ["a.pdf"]}
    )
    snapshot = snapshot_from_json(stored)
    assert snapshot.report == _report()
    assert snapshot.documents == ("a.pdf",)
    assert snapshot.options.rendering == Rendering(resolution=Resolution.LOW, header="%tid")
    assert snapshot.options.transport == Transport(csid="+49 30 1", express=True)
    assert snapshot.options.reporting == Reporting(push=StatusPush("https://push.example/"))
    assert snapshot.options.customer_reference == "ref-1"


@given(push_targets)
def test_a_topic_push_target_reads_back_as_written(target: PushTarget) -> None:
    assert push_target_from_json(target_to_json(target)) == target
    # an inbound push row has the same form: its secrets are where sealing looks for them
    assert target_to_json(FaxInTarget(target)) == target_to_json(target)


received_faxes = st.builds(
    ReceivedFax,
    called_number=st.text(max_size=20),
    calling_number=st.text(max_size=20),
    remote_csid=st.text(max_size=20),
    local_csid=st.text(max_size=20),
    pages=st.integers(0, 1000),
    fine=st.booleans(),
    bit_rate=st.none() | st.integers(2400, 33600),
    duration_secs=st.floats(0, 1e6, allow_nan=False),
    status=st.sampled_from(FaxStatus),
    reason=st.text(max_size=40),
    received_at=st.floats(0, 4e9, allow_nan=False),
    source=st.sampled_from(FaxSource),
)


@given(
    st.builds(FaxInSnapshot, st.text(max_size=22), st.text(max_size=8), st.text(), received_faxes)
)
def test_a_received_fax_snapshot_reads_back_as_written(snapshot: FaxInSnapshot) -> None:
    assert faxin_snapshot_from_json(snapshot_to_json(snapshot)) == snapshot
