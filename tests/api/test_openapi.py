"""GET /openapi.json: a valid OpenAPI 3.1 document whose schemas are the wire models, and
which the API's real responses satisfy."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from faxgate.api import wire_in, wire_out
from faxgate.domain.report_schema import FaxReportOut
from tests.api.helpers import send, wait_final
from tests.conftest import Service
from tests.documents import job

pytestmark = pytest.mark.anyio

SEND = "/rest/v1/{custNr}/fax"
REPORTS = "/rest/v1/{custNr}/fax/reports"
REPORT = "/rest/v1/{custNr}/fax/reports/{jobId}"
OPERATIONS = {
    (SEND, "post"): "sendJobRequest",
    (REPORT, "get"): "getStatusReport",
    (REPORTS, "get"): "getAllStatusReports",
    (REPORT, "delete"): "deleteStatusReport",
    (REPORTS, "delete"): "deleteAllStatusReports",
    (REPORTS, "post"): "bulkStatusReports",
}
# The models on the wire: requests are read (validation schema), responses written (serialization).
REQUEST_MODELS: list[type[BaseModel]] = [wire_in.FaxJobRequest, wire_in.BulkRequest]
RESPONSE_MODELS: list[type[BaseModel]] = [
    wire_out.JobIdOut,
    FaxReportOut,
    wire_out.FaxReportListOut,
    wire_out.JobDeleteOut,
    wire_out.JobDeleteListOut,
    wire_out.ErrorOut,
]


async def _document(api: Service) -> dict[str, Any]:
    async with api.anonymous() as anonymous:
        response = await anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def _model_schemas(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema and its $defs, by name, as OpenAPI components."""
    mode: JsonSchemaMode = "validation" if model in REQUEST_MODELS else "serialization"
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    defs: dict[str, Any] = schema.pop("$defs", {})
    return {model.__name__: schema, **defs}


def _check(
    document: dict[str, Any],
    path: str,
    method: str,
    response: httpx.Response,
) -> None:
    """The response's status is documented for the operation and its body fits the schema."""
    documented = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method.upper()} {path} answered {status}, not documented"
    content = documented[status].get("content")
    if not response.content:
        assert content is None, (
            f"{method.upper()} {path} {status} has an empty body, but the document declares "
            f"{sorted(content)} content with schema {content['application/json']['schema']}"
        )
        return
    assert content is not None, f"{method.upper()} {path} {status}: body not documented"
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        **content["application/json"]["schema"],
    }
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(response.json()))
    assert not errors, (
        f"{method.upper()} {path} {status} does not fit its documented schema: "
        + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    )


async def test_document_is_valid_openapi_3_1(api: Service) -> None:
    document = await _document(api)
    assert document["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(document).validate()


async def test_document_lists_the_six_fax4a_operations(api: Service) -> None:
    document = await _document(api)
    found = {
        (path, method): operation["operationId"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "delete", "patch"}
    }
    assert found == OPERATIONS
    for (path, method), _ in OPERATIONS.items():
        names = {p["name"] for p in document["paths"][path][method]["parameters"]}
        assert names == ({"custNr", "jobId"} if "{jobId}" in path else {"custNr"})


async def test_requests_and_security_are_documented(api: Service) -> None:
    document = await _document(api)
    send_body = document["paths"][SEND]["post"]["requestBody"]
    assert send_body["required"] is True
    assert send_body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FaxJobRequest"
    }
    bulk_body = document["paths"][REPORTS]["post"]["requestBody"]
    assert bulk_body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BulkRequest"
    }
    assert document["components"]["securitySchemes"]["basic"] == {
        "type": "http",
        "scheme": "basic",
    }
    assert document["security"] == [{"basic": []}]


async def test_component_schemas_are_exactly_the_wire_models(api: Service) -> None:
    components = (await _document(api))["components"]["schemas"]
    expected: dict[str, Any] = {}
    for model in REQUEST_MODELS + RESPONSE_MODELS:
        for name, schema in _model_schemas(model).items():
            assert expected.setdefault(name, schema) == schema, f"two schemas named {name}"
    assert set(components) == set(expected)
    for name, schema in expected.items():
        assert components[name] == schema, name


async def test_every_schema_and_field_is_described(api: Service) -> None:
    components = (await _document(api))["components"]["schemas"]
    report_schemas = {"FaxReportOut", "RecipientStatusOut", "ReferenceOut", "PropertyOut"}
    assert report_schemas <= set(components)
    assert set(components["RecipientStatusOut"]["properties"]) == {
        "number",
        "properties",
        "status",
        "reason",
        "sentTs",
        "durationInSecs",
        "sentToNumber",
        "remoteCsid",
    }
    undescribed = [name for name, schema in components.items() if not schema.get("description")]
    assert undescribed == []
    bare = [
        f"{name}.{field}"
        for name, schema in components.items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert bare == []


async def test_report_rules_are_in_the_schema(api: Service) -> None:
    # spec §11.5 item 7: what the SDKs need, stated where a client generator sees it
    recipient = (await _document(api))["components"]["schemas"]["RecipientStatusOut"]
    fields = recipient["properties"]
    assert fields["durationInSecs"]["minimum"] == 0
    assert fields["durationInSecs"]["maximum"] == 65535
    assert fields["reason"]["minLength"] == 1
    sent = next(s for s in fields["sentTs"]["anyOf"] if s.get("type") == "string")
    assert sent["format"] == "date-time"
    assert jsonschema.Draft202012Validator({"pattern": sent["pattern"]}).is_valid(
        "2017-08-10T13:05:09Z"
    )
    for wrong in ("", "2017-08-10T13:05:09+02:00", "2017-08-10T13:05:09.1Z"):
        assert not jsonschema.Draft202012Validator({"pattern": sent["pattern"]}).is_valid(wrong)
    assert set(recipient["required"]) == set(fields)


async def test_every_reference_resolves(api: Service) -> None:
    document = await _document(api)
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"]


async def test_real_responses_validate_against_the_document(service: Service) -> None:
    document = await _document(service)
    client = service.client
    body = job(
        "+49 89 1234567-8900",
        "+99901",
        reference={"customerDefinedId": "cid-1", "billingCode": "bc"},
    )
    body["recipients"][0]["properties"] = [{"key": "ToName", "value": "Bob"}]
    sent = await client.post(service.url(), json=body)
    _check(document, SEND, "post", sent)
    job_id = sent.json()["jobId"]
    pending = await client.get(service.url(f"/reports/{job_id}"))
    _check(document, REPORT, "get", pending)

    final = await wait_final(client, job_id)
    assert final["recipientStatus"][0]["sentTs"] is not None  # a real, sent report
    _check(document, REPORT, "get", await client.get(service.url(f"/reports/{job_id}")))
    listed = await client.get(service.url("/reports"))
    assert [r["jobId"] for r in listed.json()["reports"]] == [job_id]
    _check(document, REPORTS, "get", listed)
    bulk_get = await client.post(
        service.url("/reports"), json={"action": "GET", "jobIds": [job_id]}
    )
    assert len(bulk_get.json()["reports"]) == 1
    _check(document, REPORTS, "post", bulk_get)
    unknown = "FJ00000000000DC1ZZZZZZ"
    bulk_delete = await client.post(
        service.url("/reports"), json={"action": "DELETE", "jobIds": [unknown]}
    )
    assert bulk_delete.json()["reports"][0]["reason"] == "NOT_FOUND"
    _check(document, REPORTS, "post", bulk_delete)
    deleted = await client.delete(service.url(f"/reports/{job_id}"))
    assert deleted.json() == {"jobId": job_id, "deleted": True}
    _check(document, REPORT, "delete", deleted)

    other = await send(client, job())
    await wait_final(client, other)
    oldest = await client.delete(service.url("/reports"))
    assert oldest.json()["reports"] == [{"jobId": other, "deleted": True}]
    _check(document, REPORTS, "delete", oldest)


async def test_empty_list_responses_validate_against_the_document(api: Service) -> None:
    document = await _document(api)
    _check(document, REPORTS, "get", await api.client.get(api.url("/reports")))
    _check(document, REPORTS, "delete", await api.client.delete(api.url("/reports")))


@pytest.mark.parametrize("action", ["GET", "DELETE"])
async def test_empty_bulk_response_validates_against_the_document(
    api: Service, action: str
) -> None:
    # `{"reports": []}` fits both FaxReportListOut and JobDeleteListOut, so a `oneOf` of the two
    # (exactly one must match) rejects the answer the spec requires for an empty bulk request.
    document = await _document(api)
    response = await api.client.post(api.url("/reports"), json={"action": action, "jobIds": []})
    assert response.json() == {"reports": []}
    _check(document, REPORTS, "post", response)


async def test_error_responses_validate_against_the_document(api: Service) -> None:
    document = await _document(api)
    bad = await api.client.post(api.url(), json={"recipients": []})
    assert bad.status_code == 400
    _check(document, SEND, "post", bad)
    async with api.anonymous() as client:
        anonymous = await client.get(api.url("/reports"))
    assert anonymous.status_code == 400
    _check(document, REPORTS, "get", anonymous)
    wrong = await api.client.get(api.url("/reports"), auth=("alice", "wrong"))
    assert wrong.status_code == 401
    _check(document, REPORTS, "get", wrong)
    bulk = await api.client.post(api.url("/reports"), json={"action": "PATCH", "jobIds": []})
    assert bulk.status_code == 400
    _check(document, REPORTS, "post", bulk)


@pytest.mark.parametrize("method", ["get", "delete"])
async def test_unknown_report_404_is_documented_without_a_body(api: Service, method: str) -> None:
    # spec §11.5 item 10: 404 with an empty body (errors.py sends none), so the document must
    # not promise an ErrorOut JSON body for it as openapi.py's _errors(..., 404) does
    document = await _document(api)
    response = await api.client.request(method, api.url("/reports/FJ00000000000DC1ZZZZZZ"))
    assert response.status_code == 404
    assert response.content == b""
    _check(document, REPORT, method, response)
