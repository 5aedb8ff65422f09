"""A Fax4A request mapped onto the job model (api/wire_map.py), and stored and loaded again:
generated requests of every shape, and the rows written before the versioned form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.api.wire_in import FaxJobRequest
from faxgate.api.wire_map import job_from_wire
from faxgate.domain.job import JobRequest, Validity
from faxgate.domain.numbers import normalise
from faxgate.domain.report import Reference
from faxgate.service.errors import InvalidRequest
from faxgate.store.job_json import options_from_json, options_to_json
from tests.legacy_rows import legacy_options

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
MAX_MAIL = 3

NUMBERS = ("+4930123456", "+99900", "+49 89 1234567-8900", "0049 30 99 88 77", "+1 (212) 555-0100")
MODES = (
    "ALL_PAGES",
    "no_overlay",
    "First_Page",
    "last-page",
    "ALL_BUT_FIRST_PAGE",
    "all_but_last_page",
    "ALL_BUT_FIRST_AND_LAST_PAGE",
    "first_file",
)

texts = st.text(st.characters(codec="utf-8"), max_size=12)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def sparse(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object that gives any subset of the fields (null included, as the SDKs send)."""
    return st.fixed_dictionaries({}, optional=fields)


recipients = st.fixed_dictionaries(
    {"number": st.sampled_from(NUMBERS)},
    optional={
        "properties": maybe(st.lists(st.fixed_dictionaries({"key": texts, "value": texts}))),
        "alternativeNumbers": maybe(st.lists(st.sampled_from(NUMBERS), max_size=3)),
    },
)
documents = st.fixed_dictionaries(
    {"name": st.from_regex(r"[A-Za-z0-9_-]{1,10}\.(pdf|txt|docx|PNG)", fullmatch=True)},
    optional={
        "charset": maybe(st.sampled_from(["utf-8", "Windows-1252", "latin-9", ""])),
        "reference": maybe(st.sampled_from(["https://example.test/a.pdf", ""])),
        "data": maybe(st.sampled_from(["JVBERi0xLjQK", "aGVsbG8=", ""])),
    },
)
addresses = maybe(st.sampled_from(["", "a@example.test", "a@example.test, b@example.test"]))
wire_requests = st.fixed_dictionaries(
    {
        "recipients": st.lists(recipients, min_size=1, max_size=3),
        "documents": st.lists(documents, min_size=1, max_size=3),
    },
    optional={
        "reference": maybe(
            sparse(customerDefinedId=maybe(texts), billingCode=maybe(texts), billingInfo=texts)
        ),
        "transportOptions": maybe(
            sparse(
                csid=maybe(texts),
                isExpress=maybe(st.booleans()),
                isBlacklistEnabled=maybe(st.booleans()),
            )
        ),
        "renderingOptions": maybe(
            sparse(
                paperFormat=maybe(st.sampled_from(["A4", "letter", "Letter", ""])),
                resolution=maybe(st.sampled_from(["HIGH", "low", ""])),
                coverpageTemplate=maybe(texts),
                overlay=maybe(
                    st.fixed_dictionaries(
                        {"name": texts.filter(bool), "mode": st.sampled_from(MODES)}
                    )
                ),
                header=maybe(st.sampled_from(["", "ACME Corp", "%C %Y-%m-%d", "Page %P/%T"])),
            )
        ),
        "statusReportOptions": maybe(
            sparse(
                reportPurgeTs=maybe(st.sampled_from(["2026-01-01", 0])),
                reportMail=maybe(
                    sparse(
                        successAddress=addresses,
                        failureAddress=addresses,
                        attachedFaxImageMode=maybe(
                            st.sampled_from(["NEVER", "success_only", "ALWAYS", ""])
                        ),
                        attachedFaxImageFormat=maybe(st.sampled_from(["TIFF", "pdf", ""])),
                    )
                ),
                httpStatusPush=maybe(
                    st.fixed_dictionaries(
                        {"targetUrl": st.sampled_from(["https://h.test/p", "HTTP://h.test"])},
                        optional={
                            "principal": maybe(texts),
                            "credentials": maybe(texts),
                            "authMethod": maybe(
                                st.sampled_from(["HTTP_BASIC", "oauth", "OAUTH2", "none", ""])
                            ),
                        },
                    )
                ),
            )
        ),
        "meta": maybe(
            sparse(
                customerReference=maybe(texts),
                jobValid=maybe(
                    sparse(
                        start=maybe(st.sampled_from(["PT1M", "2026-05-11T08:00:00+02:00", ""])),
                        end=maybe(st.sampled_from(["PT80M", "2026-06-01T00:00:00Z"])),
                    )
                ),
            )
        ),
    },
)


def mapped(body: dict[str, Any]) -> tuple[FaxJobRequest, JobRequest, tuple[str | None, ...]]:
    wire = FaxJobRequest.model_validate(body)
    request, data = job_from_wire(wire, NOW, MAX_MAIL)
    return wire, request, data


@settings(max_examples=300, deadline=None)
@given(wire_requests)
def test_stored_options_load_as_mapped_and_as_the_old_rows_of_the_same_request(
    body: dict[str, Any],
) -> None:
    wire, request, _ = mapped(body)
    assert options_from_json(options_to_json(request.options)) == request.options
    assert options_from_json(legacy_options(wire)) == request.options


@settings(max_examples=200, deadline=None)
@given(wire_requests)
def test_recipients_documents_and_data_keep_their_order_and_values(body: dict[str, Any]) -> None:
    _, request, data = mapped(body)
    assert [r.number for r in request.recipients] == [r["number"] for r in body["recipients"]]
    for recipient, sent in zip(request.recipients, body["recipients"], strict=True):
        alternatives = sent.get("alternativeNumbers") or []
        assert recipient.numbers == tuple(normalise(n) for n in [sent["number"], *alternatives])
        pairs = tuple((p["key"], p["value"]) for p in sent.get("properties") or [])
        assert recipient.properties == pairs
    assert [d.name for d in request.documents] == [d["name"] for d in body["documents"]]
    assert [d.charset for d in request.documents] == [d.get("charset") for d in body["documents"]]
    assert [d.reference for d in request.documents] == [
        d.get("reference") or None for d in body["documents"]
    ]
    assert list(data) == [d.get("data") for d in body["documents"]]
    reference = body.get("reference") or {}
    assert request.reference == Reference(
        reference.get("customerDefinedId") or "",
        reference.get("billingCode") or "",
        reference.get("billingInfo") or "",
    )


def test_a_report_mail_that_gives_nothing_leaves_the_account_default_in_force() -> None:
    body: dict[str, Any] = {"recipients": [{"number": "+99900"}], "documents": [{"name": "a.pdf"}]}
    for mail in ({}, {"successAddress": None}):
        body["statusReportOptions"] = {"reportMail": mail}
        assert mapped(body)[1].options.reporting.mail is None
    body["statusReportOptions"] = {"reportMail": {"successAddress": ""}}
    given_mail = mapped(body)[1].options.reporting.mail
    assert given_mail is not None and given_mail.success_address == ""


def test_validity_bounds_are_instants_counted_from_the_submission() -> None:
    body: dict[str, Any] = {"recipients": [{"number": "+99900"}], "documents": [{"name": "a.pdf"}]}
    assert mapped(body)[1].validity == Validity()
    body["meta"] = {"jobValid": {"start": "PT10M", "end": "2026-05-10T16:00:00+02:00"}}
    assert mapped(body)[1].validity == Validity(
        NOW + timedelta(minutes=10), datetime(2026, 5, 10, 14, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"documents": []}, "documents"),
        ({"meta": {"jobValid": {"start": "soon"}}}, "meta.jobValid.start"),
        ({"meta": {"jobValid": {"end": "2026-06-01T00:00:00"}}}, "meta.jobValid.end"),
        (
            {"statusReportOptions": {"reportMail": {"failureAddress": "a@x.test," * 4}}},
            "statusReportOptions.reportMail.failureAddress",
        ),
    ],
)
def test_faults_name_the_wire_field(extra: dict[str, Any], field: str) -> None:
    body = {"recipients": [{"number": "+99900"}], "documents": [{"name": "a.pdf"}], **extra}
    with pytest.raises(InvalidRequest) as caught:
        mapped(body)
    assert caught.value.field == field
