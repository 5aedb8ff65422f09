"""The wire models themselves: tolerant input (spec §2.4, §11.5 items 3–5) and strict output
(§4.2, §4.3, §11.5 items 7–8), without HTTP in between."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from faxgate.api import wire_in
from faxgate.api.wire_in import (
    BulkAction,
    BulkRequest,
    FaxJobRequest,
)
from faxgate.api.wire_out import (
    FaxReportListOut,
    JobDeleteListOut,
    JobDeleteOut,
    deletion_json,
)
from faxgate.domain.charsets import Charset, text_charset
from faxgate.domain.job import OverlayMode, PaperFormat, Resolution
from faxgate.domain.report import JobReport, RecipientReport, Reference, report_body
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth
from faxgate.domain.report_schema import FaxReportOut
from faxgate.domain.statuses import FaxStatus
from faxgate.service.reports import Deletion

PDF = {"name": "letter.pdf", "data": "JVBERi0xLjQK"}
MINIMAL: dict[str, Any] = {"recipients": [{"number": "+4930123456"}], "documents": [PDF]}

# A valid instance of every request model with only its required fields.
REQUIRED_ONLY: dict[type[BaseModel], dict[str, Any]] = {
    wire_in.Reference: {},
    wire_in.RecipientProperty: {"key": "ToName", "value": "Bob"},
    wire_in.FaxRecipient: {"number": "+4930123456"},
    wire_in.Document: {"name": "letter.pdf"},
    wire_in.TransportOptions: {},
    wire_in.Overlay: {"name": "letterhead", "mode": "ALL_PAGES"},
    wire_in.RenderingOptions: {},
    wire_in.ReportMail: {},
    wire_in.HttpStatusPush: {"targetUrl": "https://example.test/hook"},
    wire_in.StatusReportOptions: {},
    wire_in.JobValid: {},
    wire_in.MetaData: {},
    wire_in.FaxJobRequest: MINIMAL,
    wire_in.BulkRequest: {"action": "GET", "jobIds": []},
}


def _parse(body: dict[str, Any]) -> FaxJobRequest:
    return FaxJobRequest.model_validate(body)


def _with(**extra: Any) -> FaxJobRequest:
    return _parse({**MINIMAL, **extra})


# --- §11.5 item 3: unknown fields, null, snake_case aliases, reportPurgeTs --------------------


def test_every_request_model_is_covered_by_these_tests() -> None:
    models = {
        value
        for value in vars(wire_in).values()
        if isinstance(value, type) and issubclass(value, wire_in.Wire) and value is not wire_in.Wire
    }
    assert models == set(REQUIRED_ONLY)


@pytest.mark.parametrize("model", list(REQUIRED_ONLY), ids=lambda m: m.__name__)
def test_unknown_fields_are_ignored_in_every_model(model: type[BaseModel]) -> None:
    base = REQUIRED_ONLY[model]
    noisy = {**base, "unknownField": 1, "x_vendor": {"nested": [None]}, "Recipients": "no"}
    assert model.model_validate(noisy) == model.model_validate(base)


OPTIONAL_FIELDS = [
    (model, field.alias or name)
    for model in REQUIRED_ONLY
    for name, field in model.model_fields.items()
    if not field.is_required()
]


@pytest.mark.parametrize(
    ("model", "alias"), OPTIONAL_FIELDS, ids=[f"{m.__name__}.{a}" for m, a in OPTIONAL_FIELDS]
)
def test_null_is_the_same_as_absent_for_every_optional_field(
    model: type[BaseModel], alias: str
) -> None:
    base = REQUIRED_ONLY[model]
    absent = {key: value for key, value in base.items() if key != alias}
    assert model.model_validate({**base, alias: None}) == model.model_validate(absent)


def test_java_style_body_with_every_unset_field_null_is_accepted() -> None:
    body = {
        "reference": {"customerDefinedId": None, "billingCode": None, "billingInfo": None},
        "recipients": [{"number": "+4930123456", "properties": None, "alternativeNumbers": None}],
        "documents": [{"name": "letter.pdf", "charset": None, "reference": None, "data": "AA=="}],
        "transportOptions": {"csid": None, "isExpress": None, "isBlacklistEnabled": None},
        "renderingOptions": {
            "paperFormat": None,
            "resolution": None,
            "coverpageTemplate": None,
            "overlay": None,
            "header": None,
        },
        "statusReportOptions": {
            "reportPurgeTs": None,
            "reportMail": {
                "successAddress": None,
                "failureAddress": None,
                "attachedFaxImageMode": None,
                "attachedFaxImageFormat": None,
            },
            "httpStatusPush": None,
        },
        "meta": {"customerReference": None, "jobValid": None},
    }
    parsed = _parse(body)
    assert parsed.rendering_options == wire_in.RenderingOptions()
    assert parsed.reference == wire_in.Reference()
    assert parsed.meta == wire_in.MetaData()
    assert parsed.documents is not None
    assert parsed.documents[0].charset is None


def test_snake_case_aliases_of_the_python_sdk() -> None:
    snake = _with(
        rendering_options={
            "paper_format": "LETTER",
            "coverpage_template": "coverpage-default.ftl.html",
            "resolution": "LOW",
        }
    )
    camel = _with(
        renderingOptions={
            "paperFormat": "LETTER",
            "coverpageTemplate": "coverpage-default.ftl.html",
            "resolution": "LOW",
        }
    )
    assert snake == camel
    assert snake.rendering_options is not None
    assert snake.rendering_options.paper_format is PaperFormat.LETTER
    assert snake.rendering_options.coverpage_template == "coverpage-default.ftl.html"


def test_python_sdk_body_shape_is_accepted() -> None:
    # the Python SDK mixes snake_case (rendering_options) into camelCase bodies
    body = {
        "recipients": [{"number": "+4930123456", "properties": []}],
        "documents": [PDF],
        "rendering_options": {"paper_format": "A4", "resolution": "HIGH"},
        "statusReportOptions": {"reportMail": {"successAddress": "a@example.test"}},
        "meta": {"customerReference": "ref", "jobValid": {}},
    }
    parsed = _parse(body)
    assert parsed.rendering_options == wire_in.RenderingOptions(
        paper_format=PaperFormat.A4, resolution=Resolution.HIGH
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@pytest.mark.parametrize(
    "purge",
    [
        "2006-01-02T15:04:05.999-0700",
        "0001-01-01T00:00:00+0000",  # Go's zero value
        "2026-05-10T14:00:00Z",
        "",
        "next tuesday",
        12345,
        {"when": "never"},
        [],
        True,
    ],
)
def test_report_purge_ts_in_any_form_is_accepted_and_changes_nothing(purge: Any) -> None:
    options = {"reportPurgeTs": purge, "reportMail": {"successAddress": "a@example.test"}}
    parsed = _with(statusReportOptions=options)
    without = _with(statusReportOptions={"reportMail": {"successAddress": "a@example.test"}})
    assert parsed.model_dump(exclude={"status_report_options": {"report_purge_ts"}}) == (
        without.model_dump(exclude={"status_report_options": {"report_purge_ts"}})
    )


@settings(deadline=None)
@given(json_values)
def test_report_purge_ts_never_makes_a_request_invalid(purge: Any) -> None:
    _with(statusReportOptions={"reportPurgeTs": purge})


# --- §11.5 item 4: enums without regard to case, with synonyms ---------------------------------


@pytest.mark.parametrize(
    ("given_value", "member"),
    [
        ("Letter", PaperFormat.LETTER),
        ("letter", PaperFormat.LETTER),
        ("LETTER", PaperFormat.LETTER),
        (" a4 ", PaperFormat.A4),
    ],
)
def test_paper_format(given_value: str, member: PaperFormat) -> None:
    parsed = _with(renderingOptions={"paperFormat": given_value})
    assert parsed.rendering_options is not None
    assert parsed.rendering_options.paper_format is member


@pytest.mark.parametrize(
    ("given_value", "member"),
    [
        ("OAUTH", PushAuth.OAUTH2),  # Java
        ("OAUTH2", PushAuth.OAUTH2),  # Go
        ("oauth", PushAuth.OAUTH2),
        ("http_basic", PushAuth.HTTP_BASIC),
        ("Http_Digest", PushAuth.HTTP_DIGEST),
        ("none", PushAuth.NONE),
    ],
)
def test_auth_method(given_value: str, member: PushAuth) -> None:
    push = {"targetUrl": "https://example.test/hook", "authMethod": given_value}
    parsed = _with(statusReportOptions={"httpStatusPush": push})
    assert parsed.status_report_options is not None
    assert parsed.status_report_options.http_status_push is not None
    assert parsed.status_report_options.http_status_push.auth_method is member


@pytest.mark.parametrize(
    ("given_value", "member"),
    [
        ("utf-8", Charset.UTF_8),  # Rust
        ("UTF-8", Charset.UTF_8),
        ("WINDOWS-1252", Charset.WINDOWS_1252),  # Java
        ("Windows-1252", Charset.WINDOWS_1252),  # Go and the docs
        ("windows-1252", Charset.WINDOWS_1252),
        ("us-ascii", Charset.US_ASCII),
        ("iso-8859-1", Charset.ISO_8859_1),
        ("utf-16le", Charset.UTF_16LE),
        ("Utf-16BE", Charset.UTF_16BE),
        ("UTF-16", Charset.UTF_16),
    ],
)
def test_charset(given_value: str, member: Charset) -> None:
    parsed = _with(documents=[{"name": "note.txt", "data": "aGk=", "charset": given_value}])
    assert parsed.documents is not None
    assert text_charset(parsed.documents[0].charset) is member


def _mixed_case(text: str, mask: list[bool]) -> str:
    return "".join(c.lower() if i < len(mask) and mask[i] else c for i, c in enumerate(text))


@settings(deadline=None)
@given(member=st.sampled_from(list(Resolution)), mask=st.lists(st.booleans(), max_size=8))
def test_resolution_in_any_case(member: Resolution, mask: list[bool]) -> None:
    parsed = _with(renderingOptions={"resolution": _mixed_case(member.value, mask)})
    assert parsed.rendering_options is not None
    assert parsed.rendering_options.resolution is member


@settings(deadline=None)
@given(member=st.sampled_from(list(OverlayMode)), mask=st.lists(st.booleans(), max_size=30))
def test_overlay_mode_in_any_case(member: OverlayMode, mask: list[bool]) -> None:
    overlay = {"name": "letterhead", "mode": _mixed_case(member.value, mask)}
    parsed = _with(renderingOptions={"overlay": overlay})
    assert parsed.rendering_options is not None
    assert parsed.rendering_options.overlay is not None
    assert parsed.rendering_options.overlay.mode is member


@settings(deadline=None)
@given(
    mode=st.sampled_from(list(ImageMode)),
    image=st.sampled_from(list(ImageFormat)),
    mask=st.lists(st.booleans(), max_size=14),
)
def test_report_mail_enums_in_any_case(
    mode: ImageMode, image: ImageFormat, mask: list[bool]
) -> None:
    mail = {
        "attachedFaxImageMode": _mixed_case(mode.value, mask),
        "attachedFaxImageFormat": _mixed_case(image.value, mask),
    }
    parsed = _with(statusReportOptions={"reportMail": mail})
    assert parsed.status_report_options is not None
    assert parsed.status_report_options.report_mail is not None
    assert parsed.status_report_options.report_mail.attached_fax_image_mode is mode
    assert parsed.status_report_options.report_mail.attached_fax_image_format is image


@settings(deadline=None)
@given(member=st.sampled_from(list(Charset)), mask=st.lists(st.booleans(), max_size=12))
def test_charset_in_any_case(member: Charset, mask: list[bool]) -> None:
    document = {"name": "note.txt", "data": "aGk=", "charset": _mixed_case(member.value, mask)}
    parsed = _with(documents=[document])
    assert parsed.documents is not None
    assert text_charset(parsed.documents[0].charset) is member


@pytest.mark.parametrize(("given_value", "member"), [("get", "GET"), ("Delete", "DELETE")])
def test_bulk_action_in_any_case(given_value: str, member: str) -> None:
    parsed = BulkRequest.model_validate({"action": given_value, "jobIds": []})
    assert parsed.action is BulkAction(member)


def test_unknown_enum_values_are_still_refused() -> None:
    with pytest.raises(ValidationError):
        _with(renderingOptions={"paperFormat": "A3"})
    with pytest.raises(ValidationError):
        _with(
            statusReportOptions={
                "httpStatusPush": {"targetUrl": "https://x.test", "authMethod": "KERBEROS"}
            }
        )


@pytest.mark.parametrize("charset", ["utf-8", "UTF-16LE", "windows-1252"])
def test_charset_on_a_pdf_is_accepted(charset: str) -> None:
    # Rust sends charset "utf-8" on every document, PDFs included
    parsed = _with(documents=[{**PDF, "charset": charset}])
    assert parsed.documents is not None


@pytest.mark.parametrize("charset", ["binary", "EBCDIC", "application/pdf"])
def test_charset_on_a_non_txt_document_is_ignored_even_when_unknown(charset: str) -> None:
    # §11.5 item 4: "Ignore `charset` for non-txt documents". A value the .txt enum does not
    # know must not turn a PDF job into a 400.
    try:
        _with(documents=[{**PDF, "charset": charset}])
    except ValidationError as exc:
        pytest.fail(
            f"BUG: charset {charset!r} on letter.pdf is refused ({exc.errors()[0]['msg']}); "
            "wire_in.Document validates charset against the enum before knowing the file type"
        )


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"renderingOptions": {"paperFormat": ""}}, ("rendering_options", "paper_format")),
        ({"renderingOptions": {"resolution": ""}}, ("rendering_options", "resolution")),
        (
            {"statusReportOptions": {"reportMail": {"attachedFaxImageMode": ""}}},
            ("status_report_options", "report_mail", "attached_fax_image_mode"),
        ),
        (
            {"statusReportOptions": {"reportMail": {"attachedFaxImageFormat": "  "}}},
            ("status_report_options", "report_mail", "attached_fax_image_format"),
        ),
        (
            {
                "statusReportOptions": {
                    "httpStatusPush": {"targetUrl": "https://x.test/h", "authMethod": ""}
                }
            },
            ("status_report_options", "http_status_push", "auth_method"),
        ),
    ],
)
def test_empty_string_is_an_absent_optional_enum(
    options: dict[str, Any], path: tuple[str, ...]
) -> None:
    value: Any = _with(**options)
    for name in path:
        value = getattr(value, name)
    assert value is None


def test_empty_charset_of_a_text_document_means_utf8() -> None:
    parsed = _with(documents=[{"name": "a.txt", "data": "aGk=", "charset": ""}])
    assert parsed.documents is not None
    assert text_charset(parsed.documents[0].charset) is Charset.UTF_8


# --- §11.5 item 5: jobValid ---------------------------------------------------------------


def test_empty_job_valid_is_accepted() -> None:
    parsed = _with(meta={"customerReference": "r", "jobValid": {}})
    assert parsed.meta is not None
    assert parsed.meta.job_valid == wire_in.JobValid(start=None, end=None)


@pytest.mark.parametrize(
    "job_valid",
    [
        {"start": "2026-05-10T14:00:00Z", "end": "PT80M"},
        {"start": "2026-05-10T14:00:00+0200", "end": "2026-06-10T14:00:00.372+02:00"},
        {"start": "PT10M"},
    ],
)
def test_job_valid_strings_pass_the_wire_unchanged(job_valid: dict[str, str]) -> None:
    parsed = _with(meta={"jobValid": job_valid})
    assert parsed.meta is not None
    assert parsed.meta.job_valid is not None
    assert parsed.meta.job_valid.start == job_valid.get("start")
    assert parsed.meta.job_valid.end == job_valid.get("end")


# --- output: FaxReport, JobDeleteReport (§4.2, §4.3, §11.5 items 7–8) ------------------------

RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
REFERENCE_KEYS = {"customerDefinedId", "billingCode", "billingInfo"}


def _recipient(**overrides: Any) -> RecipientReport:
    base: dict[str, Any] = {
        "number": "+49 89 1234567-8900",
        "properties": (),
        "status": FaxStatus.PENDING,
        "reason": "PENDING",
        "sent_ts": None,
        "duration_secs": 0,
        "sent_to_number": None,
        "remote_csid": None,
        "num_id": "FN0000000000000000000A",
    }
    return RecipientReport(**{**base, **overrides})


def _report(*recipients: RecipientReport, reference: Reference | None = None) -> JobReport:
    return JobReport(
        job_id="FJ00000000000DC1ABCDEF",
        recipients=recipients or (_recipient(),),
        pages=0,
        reference=reference or Reference(),
        created_at=datetime(2026, 5, 10, tzinfo=UTC),
        completed_at=None,
    )


def test_pending_report_shape() -> None:
    body = report_body(_report())
    FaxReportOut.model_validate(body)
    (recipient,) = body["recipientStatus"]
    assert recipient["sentTs"] is None
    assert recipient["status"] == "PENDING"
    assert recipient["reason"] == "PENDING"
    assert recipient["durationInSecs"] == 0
    assert body["reference"] == {"customerDefinedId": "", "billingCode": "", "billingInfo": ""}


def test_sent_report_shape() -> None:
    sent = _recipient(
        status=FaxStatus.OK,
        reason="OK",
        sent_ts=datetime(2017, 8, 10, 13, 5, 9, 654321, tzinfo=UTC),
        duration_secs=19,
        sent_to_number="00498912345678900",
        remote_csid="+49/89/1234567-8900",
        properties=(("ToName", "Bob"), ("SubjectTitle", "Invoice")),
    )
    body = report_body(_report(sent, reference=Reference("cid", "bc", "bi")))
    FaxReportOut.model_validate(body)
    assert body["recipientStatus"][0] == {
        "number": "+49 89 1234567-8900",
        "properties": [
            {"key": "ToName", "value": "Bob"},
            {"key": "SubjectTitle", "value": "Invoice"},
        ],
        "status": "OK",
        "reason": "OK",
        "sentTs": "2017-08-10T13:05:09Z",
        "durationInSecs": 19,
        "sentToNumber": "00498912345678900",
        "remoteCsid": "+49/89/1234567-8900",
    }
    assert body["reference"] == {
        "customerDefinedId": "cid",
        "billingCode": "bc",
        "billingInfo": "bi",
    }


def test_no_properties_is_null_not_an_empty_list() -> None:
    assert (
        report_body(_report(_recipient(properties=())))["recipientStatus"][0]["properties"] is None
    )


def test_duration_is_capped_for_rust_u16() -> None:
    (recipient,) = report_body(_report(_recipient(duration_secs=70_000)))["recipientStatus"]
    assert recipient["durationInSecs"] == 65535


texts = st.text(max_size=20)
recipients = st.builds(
    _recipient,
    properties=st.lists(st.tuples(texts, texts), max_size=3).map(tuple),
    status=st.sampled_from(list(FaxStatus)),
    reason=texts,
    sent_ts=st.none()
    | st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    duration_secs=st.integers(0, 10**6),
    sent_to_number=st.none() | st.from_regex(r"00[0-9]{3,20}", fullmatch=True),
    remote_csid=st.none() | texts,
)
references = st.builds(Reference, texts, texts, texts)


@settings(deadline=None)
@given(st.lists(recipients, min_size=1, max_size=4), references)
def test_any_report_validates_against_the_out_model(
    people: list[RecipientReport], reference: Reference
) -> None:
    body = report_body(_report(*people, reference=reference))
    FaxReportOut.model_validate(body)
    FaxReportListOut.model_validate({"reports": [body]})
    assert set(body["reference"]) == REFERENCE_KEYS
    assert all(isinstance(v, str) for v in body["reference"].values())
    for person, out in zip(people, body["recipientStatus"], strict=True):
        assert out["sentTs"] != ""
        if person.sent_ts is None:
            assert out["sentTs"] is None
        else:
            assert RFC3339_UTC.fullmatch(out["sentTs"]), out["sentTs"]
            assert out["sentTs"] == person.sent_ts.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert isinstance(out["durationInSecs"], int)
        assert 0 <= out["durationInSecs"] <= 65535
        assert out["properties"] is None or all(
            set(p) == {"key", "value"} for p in out["properties"]
        )


def test_deleted_object_has_exactly_job_id_and_deleted() -> None:
    body = deletion_json(Deletion("FJ00000000000DC1ABCDEF", True))
    assert body == {"jobId": "FJ00000000000DC1ABCDEF", "deleted": True}
    JobDeleteOut.model_validate(body)


@pytest.mark.parametrize("reason", ["NOT_FOUND", "INTERNAL_ERROR"])
def test_failed_delete_object_has_exactly_job_id_deleted_and_reason(reason: str) -> None:
    body = deletion_json(Deletion("FJ00000000000DC1ABCDEF", False, reason))
    assert body == {"jobId": "FJ00000000000DC1ABCDEF", "deleted": False, "reason": reason}
    JobDeleteOut.model_validate(body)
    JobDeleteListOut.model_validate({"reports": [body]})


def test_out_models_refuse_extra_keys() -> None:
    # the checks above mean something only because the Out models are closed
    with pytest.raises(ValidationError):
        JobDeleteOut.model_validate({"jobId": "x", "deleted": True, "extra": 1})
    body = report_body(_report())
    body["reference"]["note"] = ""
    with pytest.raises(ValidationError):
        FaxReportOut.model_validate(body)
