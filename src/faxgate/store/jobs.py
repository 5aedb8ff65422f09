"""Writing a new job, and finding duplicates of it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.report import Reference
from faxgate.store.tables import documents, jobs, recipients


@dataclass(frozen=True)
class NewDocument:
    name: str
    charset: str | None
    reference: str | None
    content: bytes | None


@dataclass(frozen=True)
class NewRecipient:
    number: str
    properties: tuple[tuple[str, str], ...]
    numbers: tuple[str, ...]  # normalised: the main number, then the alternatives


@dataclass(frozen=True)
class NewJob:
    job_id: str
    login: str
    cust_nr: str
    dc: str
    created_at: float
    reference: Reference
    options_json: str
    payload_hash: str
    valid_start: float
    valid_end: float
    express: bool
    documents: tuple[NewDocument, ...]
    recipients: tuple[NewRecipient, ...]
    overlay_name: str | None = None  # must name an overlay template of the account


async def insert_jobs(conn: AsyncConnection, batch: Sequence[NewJob]) -> None:
    """Insert whole jobs: one executemany per table, however many jobs the batch holds."""
    await conn.execute(
        jobs.insert(),
        [
            {
                "job_id": job.job_id,
                "login": job.login,
                "cust_nr": job.cust_nr,
                "dc": job.dc,
                "created_at": job.created_at,
                "customer_defined_id": job.reference.customer_defined_id,
                "billing_code": job.reference.billing_code,
                "billing_info": job.reference.billing_info,
                "options": job.options_json,
                "payload_hash": job.payload_hash,
                "valid_start": job.valid_start,
                "valid_end": job.valid_end,
            }
            for job in batch
        ],
    )
    document_rows = [
        {
            "job_id": job.job_id,
            "idx": i,
            "name": d.name,
            "charset": d.charset,
            "reference": d.reference,
            "content": d.content,
        }
        for job in batch
        for i, d in enumerate(job.documents)
    ]
    if document_rows:
        await conn.execute(documents.insert(), document_rows)
    await conn.execute(
        recipients.insert(),
        [
            {
                "job_id": job.job_id,
                "idx": i,
                "number": r.number,
                "properties": json.dumps(r.properties),
                "numbers": json.dumps(r.numbers),
                "express": job.express,
                "next_attempt_at": job.valid_start,
                "valid_end": job.valid_end,
                "destination": r.numbers[0],
            }
            for job in batch
            for i, r in enumerate(job.recipients)
        ],
    )


async def find_duplicate(
    conn: AsyncConnection, login: str, customer_defined_id: str, since: float
) -> str | None:
    """An earlier job of this login with the same customerDefinedId inside the window."""
    return await conn.scalar(
        select(jobs.c.job_id)
        .where(
            jobs.c.login == login,
            jobs.c.customer_defined_id == customer_defined_id,
            jobs.c.created_at >= since,
        )
        .limit(1)
    )
