"""Writing new jobs, and the checks made in the same transaction.

These are synchronous: the intake writer runs them in one call per batch, in its own thread
on SQLite (one hand-off instead of one per statement) and through `run_sync` on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.engine import Connection

from faxgate.domain.job import JobOptions
from faxgate.domain.numbers import dialled_number
from faxgate.domain.report import Reference
from faxgate.store.job_json import options_to_json
from faxgate.store.tables import documents, jobs, recipients, templates

_SQLITE_MAX_VARIABLES = 999  # the lowest limit of any SQLite build


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
    options: JobOptions  # push credentials already sealed
    payload_hash: str
    valid_start: float
    valid_end: float
    express: bool
    documents: tuple[NewDocument, ...]
    recipients: tuple[NewRecipient, ...]
    overlay_name: str | None = None  # must name an overlay template of the account


def insert_jobs(conn: Connection, batch: Sequence[NewJob]) -> None:
    """Insert whole jobs: one statement per table, however many jobs the batch holds."""
    _insert(
        conn,
        jobs,
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
                "options": options_to_json(job.options),
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
        _insert(conn, documents, document_rows)
    _insert(
        conn,
        recipients,
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
                "number_index": 0,
                "destination": dialled_number(r.numbers, 0),
            }
            for job in batch
            for i, r in enumerate(job.recipients)
        ],
    )


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany on PostgreSQL (asyncpg sends the rows in one go). On SQLite, multi-row
    INSERTs: pysqlite's executemany steps once per row and gives the GIL up each time, which
    stalls the writer thread behind the busy event loop."""
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])  # our own column names, never client input
    head = f"INSERT INTO {table.name} ({','.join(columns)}) VALUES "  # noqa: S608 - values bound
    one_row = "(" + ",".join("?" * len(columns)) + ")"
    per_statement = max(1, _SQLITE_MAX_VARIABLES // len(columns))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        conn.exec_driver_sql(
            head + ",".join([one_row] * len(chunk)),
            tuple(row[column] for row in chunk for column in columns),
        )


def find_duplicate(
    conn: Connection, login: str, customer_defined_id: str, since: float
) -> str | None:
    """An earlier job of this login with the same customerDefinedId inside the window."""
    return conn.scalar(
        select(jobs.c.job_id)
        .where(
            jobs.c.login == login,
            jobs.c.customer_defined_id == customer_defined_id,
            jobs.c.created_at >= since,
        )
        .limit(1)
    )


def lock_for_duplicate_check(conn: Connection, key: int) -> None:
    """On PostgreSQL, writers in other processes checking the same key take turns (until
    commit). SQLite needs nothing: its write transactions are already serial."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def has_template(conn: Connection, cust_nr: str, kind: str, name: str) -> bool:
    found = conn.scalar(
        select(templates.c.name).where(
            templates.c.cust_nr == cust_nr, templates.c.kind == kind, templates.c.name == name
        )
    )
    return found is not None
