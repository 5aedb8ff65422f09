"""The body of an inbound push: Retarus's Fax-to-Webservice JSON_POST (spec §10), pure.

`{"Fax": {"Authentication": …, "FaxDetails": {…}, "FaxFile": [{…}]}}`, every value a string
(except `ArchivedUntil`, null as in Retarus's example), so a receiver written for Retarus's
push reads it unchanged:

- `FaxFile` holds the PDF, as the polling API's document: one file, so `FaxDetails.FileType`
  names it; the TIFF as received stays downloadable by polling and would double every body.
- `Authentication` is there when the push uses HTTP Basic, with the same user and password as
  the Authorization header: Retarus's receivers check the block, other receivers the header.
  It is built here, for the one request, and never stored.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from faxgate.domain.notification import FaxInSnapshot, PushTarget
from faxgate.domain.numbers import international
from faxgate.domain.report_options import PushAuth

CONTENT_TYPE = "application/json; charset=UTF-8"
SERVICE = "Fax2WS"


def faxin_body(snapshot: FaxInSnapshot, target: PushTarget, pdf: bytes) -> bytes:
    """The JSON_POST body of a received fax with its PDF; `target` with its secrets unsealed."""
    fax = snapshot.fax
    file_name = f"{snapshot.fax_id}.pdf"
    details = {
        "JobID": snapshot.fax_id,
        "DateReceived": date_received(fax.received_at),
        "CalledNumber": international(fax.called_number),
        "CallingNumber": international(fax.calling_number),
        "RemoteCSID": fax.remote_csid,
        "CSID": fax.local_csid,
        "BillingCode": "",
        "FileType": "pdf",
        "Resolution": fax.resolution,
        "TotalDuration": str(round(fax.duration_secs)),
        "BaudRate": "" if fax.bit_rate is None else str(fax.bit_rate),
        "PageCount": str(fax.pages),
        "Status": fax.status.value,
        "ArchivingStatus": "not configured",
        "ArchivedUntil": None,
        "Service": SERVICE,
    }
    document: dict[str, Any] = {}
    if target.auth_method is PushAuth.HTTP_BASIC:
        document["Authentication"] = {
            "AuthenticationMethod": "UserPassword",
            "Username": target.principal or "",
            "Password": target.credentials or "",
        }
    document["FaxDetails"] = details
    document["FaxFile"] = [
        {
            "FileType": "pdf",
            "FileName": file_name,
            "FileContent": base64.b64encode(pdf).decode("ascii"),
        }
    ]
    return json.dumps({"Fax": document}, ensure_ascii=False).encode("utf-8")


def date_received(at: float) -> str:
    """As in Retarus's example (`2019-11-18T11:21:04+0100`), in UTC."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S%z")
