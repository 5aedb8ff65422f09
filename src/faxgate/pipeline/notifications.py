"""Which notifications a completed job gets, and putting them in the outbox.

Runs inside the transaction that completes the job, so a completed job always has its
notifications queued (at least once, even if the process dies right after).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.report import report_to_dict
from faxgate.store import outbox
from faxgate.store.accounts import get_account_settings
from faxgate.store.reports import load_reports
from faxgate.store.tables import documents, jobs


def plan_targets(
    options: dict[str, Any], account: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The job's own push and mail settings, else the account's defaults."""
    report_options = options.get("statusReportOptions") or {}
    targets: list[tuple[str, dict[str, Any]]] = []
    push = report_options.get("httpStatusPush") or account.get("defaultPush")
    if push and push.get("targetUrl"):
        targets.append(
            (
                "push",
                {
                    "url": push["targetUrl"],
                    "authMethod": push.get("authMethod") or "NONE",
                    "principal": push.get("principal"),
                    "credentials": push.get("credentials"),
                    "tokenUrl": account.get("pushTokenUrl"),
                    "scope": account.get("pushTokenScope"),
                    "format": (account.get("pushFormat") or "XML").upper(),
                    "secret": account.get("pushSecret"),
                },
            )
        )
    mail = report_options.get("reportMail") or account.get("defaultReportMail")
    if mail and (mail.get("successAddress") or mail.get("failureAddress")):
        targets.append(("mail", dict(mail)))
    return targets


async def enqueue_for_job(conn: AsyncConnection, job_id: str, now: float) -> int:
    row = (
        await conn.execute(
            select(jobs.c.login, jobs.c.cust_nr, jobs.c.options).where(jobs.c.job_id == job_id)
        )
    ).one()
    options = json.loads(row.options)
    targets = plan_targets(options, await get_account_settings(conn, row.cust_nr))
    if not targets:
        return 0
    (report,) = await load_reports(conn, row.login, [job_id])
    names = [
        name
        for (name,) in await conn.execute(
            select(documents.c.name).where(documents.c.job_id == job_id).order_by(documents.c.idx)
        )
    ]
    snapshot = {"report": report_to_dict(report), "options": options, "documents": names}
    await outbox.enqueue(conn, job_id, row.login, snapshot, targets, now)
    return len(targets)
