"""Which notifications a completed job gets, and putting them in the outbox.

Runs inside the transaction that completes the job, so a completed job always has its
notifications queued (at least once, even if the process dies right after).
"""

from __future__ import annotations

from faxgate.domain.notification import JobSnapshot, plan_targets
from faxgate.store import outbox
from faxgate.store.accounts import load_account_settings
from faxgate.store.db import Transaction
from faxgate.store.job_notices import document_names, notified_job
from faxgate.store.reports import load_reports


async def enqueue_for_job(conn: Transaction, job_id: str, now: float) -> int:
    job = await notified_job(conn, job_id)
    targets = plan_targets(job.options, await load_account_settings(conn, job.cust_nr))
    if not targets:
        return 0
    (report,) = await load_reports(conn, job.login, [job_id])
    snapshot = JobSnapshot(report, job.options, await document_names(conn, job_id))
    await outbox.enqueue(conn, job_id, job.login, snapshot, targets, now)
    return len(targets)
