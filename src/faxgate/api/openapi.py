"""The OpenAPI document, built from the same pydantic models that parse and shape the wire: the
request models of api/wire_in.py, the FaxReport of domain/report_schema.py (which the JSON push
and the outbox share) and the API's own responses in api/wire_out.py. Their field descriptions
are the document's."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from faxgate import __version__
from faxgate.api import wire_in, wire_out
from faxgate.domain.report_schema import FaxReportOut

_REQUESTS: list[type[BaseModel]] = [wire_in.FaxJobRequest, wire_in.BulkRequest]
_RESPONSES: list[type[BaseModel]] = [
    wire_out.JobIdOut,
    FaxReportOut,
    wire_out.FaxReportListOut,
    wire_out.JobDeleteOut,
    wire_out.JobDeleteListOut,
    wire_out.ErrorOut,
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Authorization missing, or the request names a field and its fault",
        401: "Bad credentials, or a custNr the login does not belong to",
        404: "No report for this jobId (empty body)",
        409: "Duplicate job: the same customerDefinedId within the duplicate window",
        413: "Body over the configured limit",
        415: "Content-Type is not application/json (UTF-8)",
        429: "Too many failed logins from this address or for this login; see Retry-After",
        503: (
            "Too many password checks waiting, too many large bodies at once, or the database"
            " unavailable; see Retry-After"
        ),
    }
    # The SDKs expect a single unknown report as 404 with an empty body (spec §11.5 item 10).
    return {
        str(c): {"description": text[c]} if c == 404 else _json(wire_out.ErrorOut, text[c])
        for c in (*codes, 429, 503)  # every operation authenticates
    }


def build_openapi() -> dict[str, Any]:
    _, defs = models_json_schema(
        [
            *((m, "validation") for m in _REQUESTS),  # what the API reads
            *((m, "serialization") for m in _RESPONSES),  # what it writes
        ],
        ref_template="#/components/schemas/{model}",
    )
    cust = {"name": "custNr", "in": "path", "required": True, "schema": {"type": "string"}}
    job = {"name": "jobId", "in": "path", "required": True, "schema": {"type": "string"}}
    reports_path = "/rest/v1/{custNr}/fax/reports"
    return {
        "openapi": "3.1.0",
        "info": {"title": "faxgate (Retarus Fax4A REST API v1)", "version": __version__},
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        },
        "security": [{"basic": []}],
        "paths": {
            "/rest/v1/{custNr}/fax": {
                "post": {
                    "operationId": "sendJobRequest",
                    "parameters": [cust],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(wire_in.FaxJobRequest)}},
                    },
                    "responses": {
                        "201": _json(wire_out.JobIdOut, "Job accepted and committed"),
                        **_errors(400, 401, 409, 413, 415, 503),
                    },
                }
            },
            reports_path: {
                "get": {
                    "operationId": "getAllStatusReports",
                    "parameters": [cust],
                    "responses": {
                        "200": _json(wire_out.FaxReportListOut, "Oldest 1000 completed reports"),
                        **_errors(400, 401),
                    },
                },
                "delete": {
                    "operationId": "deleteAllStatusReports",
                    "parameters": [cust],
                    "responses": {
                        "200": _json(wire_out.JobDeleteListOut, "Oldest 1000 completed, deleted"),
                        **_errors(400, 401),
                    },
                },
                "post": {
                    "operationId": "bulkStatusReports",
                    "parameters": [cust],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(wire_in.BulkRequest)}},
                    },
                    "responses": {
                        "200": {
                            "description": "GET: found reports; DELETE: one item per jobId",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "anyOf": [
                                            _ref(wire_out.FaxReportListOut),
                                            _ref(wire_out.JobDeleteListOut),
                                        ]
                                    }
                                }
                            },
                        },
                        **_errors(400, 401, 413, 415, 503),
                    },
                },
            },
            reports_path + "/{jobId}": {
                "get": {
                    "operationId": "getStatusReport",
                    "parameters": [cust, job],
                    "responses": {
                        "200": _json(FaxReportOut, "The report, pending or complete"),
                        **_errors(400, 401, 404),
                    },
                },
                "delete": {
                    "operationId": "deleteStatusReport",
                    "parameters": [cust, job],
                    "responses": {
                        "200": _json(wire_out.JobDeleteOut, "Deleted"),
                        **_errors(400, 401, 404),
                    },
                },
            },
        },
    }
