"""Accounts (customer numbers) and their logins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

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
