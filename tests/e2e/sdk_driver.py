"""Drives the official `retarus-fax` 1.0.1 SDK against a faxgate URL; prints JSON results.

Run by the SDK's own virtual environment (it pins pytest, so it cannot share ours):

    SDK_VENV/bin/python sdk_driver.py --url http://127.0.0.1:PORT --cust-nr 99999TE \
        --login alice --password SECRET --pdf letter.pdf --to +99900 --mode sync|async

The SDK is configured as spec §11.1 says and used as its README shows, with pip's default
resolution (pydantic v2): `Document.from_path()` then fails (charset is required), so the
document is built with the model and `charset=None`, and `Job` gets `renderingOptions=None`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from retarus.commons.config import Configuration  # type: ignore[import-not-found]
from retarus.commons.region import Region, RegionUri  # type: ignore[import-not-found]
from retarus.fax.client import FaxClient  # type: ignore[import-not-found]
from retarus.fax.model import Document, Job, SendRecipient  # type: ignore[import-not-found]

Call = Callable[..., Awaitable[Any]]  # call(method, *params)
FINAL_WITHIN = 60.0


def configure(url: str, cust_nr: str, login: str, password: str) -> None:
    """Spec §11.1: point the class-level URI list at the local server before any client."""
    FaxClient._FaxClient__fax_uris[:] = [RegionUri(region=Region.Europe, ha_uri=url, urls=[url])]
    Configuration.set_auth(login, password)
    Configuration.customer_number = cust_nr
    Configuration.set_region(Region.Europe)


def make_job(pdf: Path, number: str) -> Any:
    document = Document(
        name=pdf.name, data=base64.b64encode(pdf.read_bytes()).decode(), charset=None
    )
    return Job(
        recipients=[SendRecipient(number=number)], documents=[document], renderingOptions=None
    )


async def run(api: Any, call: Call, args: argparse.Namespace) -> dict[str, Any]:
    """The integrator's round trip; `call(method, *args)` hides sync versus async clients."""
    out: dict[str, Any] = {"mode": args.mode}

    async def final(job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + FINAL_WITHIN
        polls = 0
        while True:
            report = await call(api.get_fax_report, job_id)
            polls += 1
            if report and report["recipientStatus"][0]["status"] != "PENDING":
                return {"report": report, "polls": polls}
            if time.monotonic() > deadline:
                return {"report": report, "polls": polls, "timeout": True}
            await asyncio.sleep(0.1)

    pdf = Path(args.pdf)
    sent = await call(api.send_fax_job, make_job(pdf, args.to))
    out["sent"] = sent
    job_id = sent["jobId"]
    out["first"] = await final(job_id)
    out["listed"] = await call(api.get_fax_reports)
    out["deleted_one"] = await call(api.delete_fax_report, job_id)
    out["after_delete"] = await call(api.get_fax_report, job_id)
    more = [await call(api.send_fax_job, make_job(pdf, args.to)) for _ in range(2)]
    out["more"] = more
    out["more_final"] = [await final(m["jobId"]) for m in more]
    out["deleted_oldest"] = await call(api.delete_all_fax_reports)
    out["listed_after"] = await call(api.get_fax_reports)
    return out


async def scenario(args: argparse.Namespace) -> dict[str, Any]:
    if args.mode == "async":
        fax = FaxClient(is_async=True)

        async def call_async(method: Callable[..., Awaitable[Any]], *params: Any) -> Any:
            return await method(*params)

        return await run(fax.client, call_async, args)
    fax = FaxClient(is_async=False)

    async def call_sync(method: Callable[..., Any], *params: Any) -> Any:
        # The sync client runs its own event loop, which must not be nested in ours.
        return await asyncio.to_thread(method, *params)

    return await run(fax.client, call_sync, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--url", "--cust-nr", "--login", "--password", "--pdf", "--to"):
        parser.add_argument(name, required=True)
    parser.add_argument("--mode", choices=["sync", "async"], required=True)
    args = parser.parse_args()
    configure(args.url, args.cust_nr, args.login, args.password)
    print(json.dumps(asyncio.run(scenario(args))))


if __name__ == "__main__":
    main()
