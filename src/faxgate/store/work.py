"""What a worker reads to process a claimed recipient: the job's options and documents,
and the account's templates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.job import AccountSettings, JobOptions
from faxgate.store.accounts import load_account_settings
from faxgate.store.job_json import options_from_json
from faxgate.store.tables import documents, jobs, templates


@dataclass(frozen=True)
class StoredDocument:
    name: str
    charset: str | None
    reference: str | None
    content: bytes | None


@dataclass(frozen=True)
class JobWork:
    job_id: str
    cust_nr: str
    created_at: float
    options: JobOptions  # push credentials sealed
    documents: tuple[StoredDocument, ...]
    account: AccountSettings  # secrets sealed


async def load_job_work(conn: AsyncConnection, job_id: str) -> JobWork | None:
    row = (
        await conn.execute(
            select(jobs.c.cust_nr, jobs.c.created_at, jobs.c.options).where(jobs.c.job_id == job_id)
        )
    ).first()
    if row is None:
        return None
    docs = await conn.execute(
        select(documents.c.name, documents.c.charset, documents.c.reference, documents.c.content)
        .where(documents.c.job_id == job_id)
        .order_by(documents.c.idx)
    )
    return JobWork(
        job_id=job_id,
        cust_nr=row.cust_nr,
        created_at=row.created_at,
        options=options_from_json(row.options),
        documents=tuple(StoredDocument(d.name, d.charset, d.reference, d.content) for d in docs),
        account=await load_account_settings(conn, row.cust_nr),
    )


async def find_template(
    conn: AsyncConnection, cust_nr: str, kind: str, name: str | None, fallback: bool = True
) -> bytes | None:
    """The named template of the account, else (with `fallback`) its default of that kind."""
    if name:
        content = await conn.scalar(
            select(templates.c.content).where(
                templates.c.cust_nr == cust_nr, templates.c.kind == kind, templates.c.name == name
            )
        )
        if content is not None:
            return bytes(content)
    if not fallback:
        return None
    content = await conn.scalar(
        select(templates.c.content).where(
            templates.c.cust_nr == cust_nr, templates.c.kind == kind, templates.c.is_default
        )
    )
    return None if content is None else bytes(content)
