"""Drives the official `retarus-fax` 1.0.1 SDK's FaxInPollClient against a faxgate URL, as an
integrator would; prints JSON results. Run by the SDK's own virtual environment:

    SDK_VENV/bin/python sdk_faxin_driver.py --url http://127.0.0.1:PORT --cust-nr 99999TE \
        --topic sales --password SECRET --out DIR

The client is configured as spec §11.1 shows (the class-level URI list, before any client),
with no lock (timeout 0, as in the wire capture of spec §9.3), so that only acknowledges keep
faxes from coming back. With a page size of 2: fetch a page and download its documents;
fetch the next page passing the first page's IDs (the SDK joins them with '%'), which
acknowledges them; acknowledge the second page (joined with ','); then the topic is empty.
Last, a wrong password.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from retarus.commons.config import Configuration  # type: ignore[import-not-found]
from retarus.commons.region import Region, RegionUri  # type: ignore[import-not-found]
from retarus.fax_in_poll.client import FaxInPollClient  # type: ignore[import-not-found]


def configure(url: str, cust_nr: str, password: str) -> None:
    FaxInPollClient._FaxInPollClient__fax_in_poll_uris[:] = [
        RegionUri(region=Region.Europe, ha_uri=url + "/faxin", urls=[url + "/faxin"])
    ]
    Configuration.set_auth(cust_nr, password)
    Configuration.customer_number = cust_nr
    Configuration.set_region(Region.Europe)


def main() -> None:
    parser = argparse.ArgumentParser()
    for option in ("--url", "--cust-nr", "--topic", "--password", "--out"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    configure(args.url, args.cust_nr, args.password)
    poller = FaxInPollClient(is_async=False, download_path=args.out, page_size=2, timeout=0)
    client = poller.client
    out: dict[str, Any] = {}

    first = client.fetch_fax_list(args.topic)
    out["first"] = first
    for fax in first:
        for document in fax["documents"]:
            client.download_fax(document["url"])
    out["downloaded"] = sorted(p.name for p in Path(args.out).iterdir())
    second = client.fetch_fax_list(args.topic, ids=[fax["id"] for fax in first])
    out["second"] = second
    out["acknowledged"] = client.acknowledge_fax(args.topic, [fax["id"] for fax in second])
    out["after"] = client.fetch_fax_list(args.topic)

    Configuration.set_auth(args.cust_nr, "not-the-password")
    try:
        out["wrong_password"] = client.fetch_fax_list(args.topic)
    except Exception as exc:  # the SDK's exception, by name
        out["wrong_password"] = type(exc).__name__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
