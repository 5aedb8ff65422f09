"""The secrets stored in JSON columns: checking at start that the configured keys open them,
and re-sealing all of them with the first key (after a key rotation, and to seal the rows
stored in plain text before encryption existed).

Re-sealing walks each table by primary key in batches, one write transaction per batch, so it
runs beside a working service; rows are rewritten only when a secret in them changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import Column, ColumnElement, Table, and_, select, text, true, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.sealing import fields
from faxgate.sealing.box import PREFIX, SecretBox
from faxgate.store.db import Database
from faxgate.store.tables import accounts, deliveries, faxin_topics, jobs

_BATCH = 200
_TOKEN = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_\-=]+")


@dataclass(frozen=True)
class _Column:
    table: Table
    keys: tuple[Column[Any], ...]  # the primary key, in the order batches walk it
    column: Column[Any]
    paths: tuple[fields.Path, ...]
    dumps: Callable[[Any], str]  # as the writer of the column formats it
    only: Callable[[], ColumnElement[bool]]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _sorted(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _compact_sorted(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


SEALED_COLUMNS = (
    _Column(
        accounts,
        (accounts.c.cust_nr,),
        accounts.c.settings,
        fields.ACCOUNT_SETTINGS,
        _sorted,
        true,
    ),
    _Column(
        jobs,
        (jobs.c.job_id,),
        jobs.c.options,
        fields.JOB_OPTIONS,
        _compact,
        lambda: jobs.c.options.like('%"credentials"%'),
    ),
    _Column(
        deliveries,
        (deliveries.c.id,),
        deliveries.c.target,
        fields.PUSH_TARGET,
        json.dumps,
        lambda: deliveries.c.channel.in_(("push", "faxin")),
    ),
    _Column(
        deliveries,
        (deliveries.c.id,),
        deliveries.c.snapshot,
        fields.SNAPSHOT,
        json.dumps,
        lambda: deliveries.c.snapshot.like('%"credentials"%'),
    ),
    _Column(
        faxin_topics,
        (faxin_topics.c.cust_nr, faxin_topics.c.name),
        faxin_topics.c.push_target,
        fields.PUSH_TARGET,
        _compact_sorted,
        lambda: faxin_topics.c.push_target.like('%"credentials"%'),
    ),
)


async def sample_sealed(conn: AsyncConnection) -> str | None:
    """One sealed value of the secrets still in use (accounts, pending pushes, unfinished
    jobs, Fax-In topics' pushes), or None when there is none; cheap enough for every start."""
    probes = (
        (accounts.c.settings, true()),
        (deliveries.c.target, deliveries.c.state == "pending"),
        (jobs.c.options, jobs.c.completed_at.is_(None)),
        (faxin_topics.c.push_target, faxin_topics.c.push_target.is_not(None)),
    )
    for column, where in probes:
        found = await conn.scalar(select(column).where(where, column.like(f"%{PREFIX}%")).limit(1))
        if found is not None:
            match = _TOKEN.search(found)
            if match:
                return match.group(0)
    return None


async def check_keys(db: Database, box: SecretBox) -> None:
    """Raise SecretKeyError at start when the keys cannot open the stored secrets, instead
    of failing every push later."""
    async with db.reader.connect() as conn:
        sealed = await sample_sealed(conn)
    if sealed is not None:
        box.unseal(sealed)


async def reseal_all(db: Database, box: SecretBox) -> dict[str, int]:
    """Seal every stored secret with the first key; the rows rewritten, per column."""
    counts: dict[str, int] = {}
    for spec in SEALED_COLUMNS:
        name = f"{spec.table.name}.{spec.column.name}"
        counts[name] = 0
        last: tuple[Any, ...] | None = None
        while True:  # ends at the last row: each batch starts after the previous one's key
            async with db.writer.begin() as conn:
                if db.is_sqlite:
                    # overwrite the plain text of changed rows in the file, not only unlink it
                    await conn.execute(text("PRAGMA secure_delete=ON"))
                query = select(*spec.keys, spec.column).where(spec.only())
                if not db.is_sqlite:  # SQLite's write transactions are serial already
                    query = query.with_for_update()
                if last is not None:
                    query = query.where(_after(spec.keys, last))
                rows = (await conn.execute(query.order_by(*spec.keys).limit(_BATCH))).all()
                for *key, value in rows:
                    document = json.loads(value)
                    if not isinstance(document, dict):
                        continue
                    changed = fields.map_secrets(document, spec.paths, box.reseal)
                    if changed != document:
                        await conn.execute(
                            spec.table.update()
                            .where(and_(*(c == k for c, k in zip(spec.keys, key, strict=True))))
                            .values({spec.column.name: spec.dumps(changed)})
                        )
                        counts[name] += 1
            if len(rows) < _BATCH:
                break
            last = tuple(rows[-1][: len(spec.keys)])
    if db.blocking_writer is not None:
        await anyio.to_thread.run_sync(_truncate_wal, db.blocking_writer)
    return counts


def _after(keys: tuple[Column[Any], ...], last: tuple[Any, ...]) -> ColumnElement[bool]:
    """The rows after `last` in key order (a row-value comparison for a composite key)."""
    after: ColumnElement[bool] = (
        keys[0] > last[0] if len(keys) == 1 else tuple_(*keys) > tuple_(*last)
    )
    return after


def _truncate_wal(engine: Engine) -> None:
    """Copy the log into the database file and empty it: the old page versions, which hold
    the plain text, go with it (when no reader still needs them)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
