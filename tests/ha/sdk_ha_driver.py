"""The official `retarus-fax` 1.0.1 SDK against a two-DC deployment; prints JSON results.

Run by the SDK's own virtual environment (see tests/e2e/test_sdk.py):

    SDK_VENV/bin/python sdk_ha_driver.py --ha-url URL --dc-urls DE2_URL,DE1_URL \
        --cust-nr C --login L --password P --pdf letter.pdf ACTION [--count N | --ids A,B]

Configured as spec §11.1 says: `ha_uri` is the nginx HA URL, `urls` the DC URLs (Europe's
order: de2 first). Actions: `send` (send_fax_job COUNT times → job IDs), `query`
(get_fax_report for each ID, and get_fax_reports), `misdirected` (get_fax_report with the
HA URL configured as the DC URL, as a misconfigured client would: the exception's name).
"""

from __future__ import annotations

import argparse
import base64
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from retarus.commons.config import Configuration  # type: ignore[import-not-found]
from retarus.commons.region import Region, RegionUri  # type: ignore[import-not-found]
from retarus.fax.client import FaxClient  # type: ignore[import-not-found]
from retarus.fax.model import Document, Job, SendRecipient  # type: ignore[import-not-found]


def configure(args: argparse.Namespace, urls: list[str]) -> Any:
    FaxClient._FaxClient__fax_uris[:] = [
        RegionUri(region=Region.Europe, ha_uri=args.ha_url, urls=urls)
    ]
    Configuration.set_auth(args.login, args.password)
    Configuration.customer_number = args.cust_nr
    Configuration.set_region(Region.Europe)
    return FaxClient(is_async=False).client


def make_job(pdf: Path) -> Any:
    # pydantic v2 (pip's default resolution): charset and renderingOptions must be explicit
    document = Document(
        name=pdf.name, data=base64.b64encode(pdf.read_bytes()).decode(), charset=None
    )
    return Job(
        recipients=[SendRecipient(number="+4930123456")],
        documents=[document],
        renderingOptions=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--ha-url", "--dc-urls", "--cust-nr", "--login", "--password", "--pdf"):
        parser.add_argument(name, required=True)
    parser.add_argument("action", choices=["send", "query", "misdirected"])
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--ids", default="")
    args = parser.parse_args()
    out: dict[str, Any] = {"retarus-common": version("retarus-common")}
    if args.action == "misdirected":
        api = configure(args, [args.ha_url])
        try:
            out["result"] = api.get_fax_report(args.ids.split(",")[0])
        except Exception as exc:  # what the SDK raises is the result
            out["raised"] = type(exc).__name__
    else:
        api = configure(args, args.dc_urls.split(","))
    if args.action == "send":
        out["sent"] = [api.send_fax_job(make_job(Path(args.pdf))) for _ in range(args.count)]
    elif args.action == "query":
        out["reports"] = {job_id: api.get_fax_report(job_id) for job_id in args.ids.split(",")}
        out["listed"] = api.get_fax_reports()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
