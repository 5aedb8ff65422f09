"""jobs.options as the code before the versioned form (store/job_json.py) wrote it: the
request as its wire model dumped it, documents without their data, push credentials sealed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from faxgate.api.wire_in import FaxJobRequest
from faxgate.sealing.fields import map_secrets

_CREDENTIALS = (("statusReportOptions", "httpStatusPush", "credentials"),)


def legacy_options(
    request: FaxJobRequest | dict[str, Any], seal: Callable[[str], str] = str
) -> str:
    wire = request if isinstance(request, FaxJobRequest) else FaxJobRequest.model_validate(request)
    dumped = wire.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        exclude={"documents": {"__all__": {"data"}}},
    )
    return json.dumps(map_secrets(dumped, _CREDENTIALS, seal), separators=(",", ":"))
