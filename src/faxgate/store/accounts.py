"""Accounts (customer numbers) and their logins."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.job import AccountChanges, AccountSettings
from faxgate.store.job_json import account_changes_json, account_from_json
from faxgate.store.tables import accounts, logins


@dataclass(frozen=True)
class LoginRow:
    login: str
    cust_nr: str
    password_hash: str


async def ensure_account(conn: AsyncConnection, cust_nr: str, now: float) -> None:
    exists = await conn.scalar(select(accounts.c.cust_nr).where(accounts.c.cust_nr == cust_nr))
    if exists is None:
        await conn.execute(accounts.insert().values(cust_nr=cust_nr, created_at=now))


async def upsert_login(
    conn: AsyncConnection, cust_nr: str, login: str, password_hash: str, now: float
) -> None:
    current = await get_login(conn, login)
    if current is None:
        await conn.execute(
            logins.insert().values(
                login=login, cust_nr=cust_nr, password_hash=password_hash, created_at=now
            )
        )
    else:
        await conn.execute(
            logins.update()
            .where(logins.c.login == login)
            .values(cust_nr=cust_nr, password_hash=password_hash)
        )


async def get_login(conn: AsyncConnection, login: str) -> LoginRow | None:
    row = (await conn.execute(select(logins).where(logins.c.login == login))).first()
    return None if row is None else LoginRow(row.login, row.cust_nr, row.password_hash)


async def list_logins(conn: AsyncConnection) -> list[LoginRow]:
    rows = await conn.execute(select(logins).order_by(logins.c.cust_nr, logins.c.login))
    return [LoginRow(r.login, r.cust_nr, r.password_hash) for r in rows]


async def count_logins(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).select_from(logins)) or 0)


async def load_account_settings(conn: AsyncConnection, cust_nr: str) -> AccountSettings:
    """The account's settings, typed (secrets still sealed)."""
    text = await conn.scalar(select(accounts.c.settings).where(accounts.c.cust_nr == cust_nr))
    return account_from_json(text)


async def update_account_settings(
    conn: AsyncConnection, cust_nr: str, changes: AccountChanges
) -> AccountSettings:
    """Apply `changes` to the stored settings; returns the result."""
    query = select(accounts.c.settings).where(accounts.c.cust_nr == cust_nr)
    if conn.dialect.name == "postgresql":
        # read-modify-write: a concurrent writer (e.g. `faxgate secrets reseal`) waits
        query = query.with_for_update()
    text = await conn.scalar(query)
    current = {} if text is None else dict(json.loads(text))
    for key, value in account_changes_json(changes).items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    stored = json.dumps(current, sort_keys=True)
    await conn.execute(
        accounts.update().where(accounts.c.cust_nr == cust_nr).values(settings=stored)
    )
    return account_from_json(stored)


async def account_exists(conn: AsyncConnection, cust_nr: str) -> bool:
    found = await conn.scalar(select(accounts.c.cust_nr).where(accounts.c.cust_nr == cust_nr))
    return found is not None


async def retention_overrides(conn: AsyncConnection) -> dict[str, float]:
    """Accounts whose settings give their own retention in days."""
    overrides = {}
    for row in await conn.execute(select(accounts.c.cust_nr, accounts.c.settings)):
        days = json.loads(row.settings).get("retentionDays")
        if days is not None:
            overrides[row.cust_nr] = float(days)
    return overrides
