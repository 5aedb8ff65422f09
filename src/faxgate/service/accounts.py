"""Accounts and logins, for the CLI and for the demo account of a first start."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import anyio.to_thread

from faxgate.service.auth import forget_login, hash_password
from faxgate.store import accounts as store
from faxgate.store.db import Database

DEMO_CUST_NR = "99999TE"
DEMO_LOGIN = "demo"


@dataclass(frozen=True)
class Login:
    cust_nr: str
    login: str


@dataclass(frozen=True)
class DemoAccount:
    cust_nr: str
    login: str
    password: str


async def add_login(db: Database, cust_nr: str, login: str, password: str) -> None:
    if not cust_nr.strip() or not login.strip() or not password:
        raise ValueError("custNr, login and password must not be empty")
    password_hash = await anyio.to_thread.run_sync(hash_password, password)
    async with db.writer.begin() as conn:
        await store.ensure_account(conn, cust_nr, time.time())
        await store.upsert_login(conn, cust_nr, login, password_hash, time.time())
    forget_login(login)  # other processes notice within FAXGATE_LOGIN_RECHECK_SECS


async def list_logins(db: Database) -> list[Login]:
    async with db.reader.connect() as conn:
        rows = await store.list_logins(conn)
    return [Login(row.cust_nr, row.login) for row in rows]


async def create_demo_if_empty(db: Database) -> DemoAccount | None:
    async with db.reader.connect() as conn:
        if await store.count_logins(conn):
            return None
    demo = DemoAccount(DEMO_CUST_NR, DEMO_LOGIN, secrets.token_urlsafe(12))
    await add_login(db, demo.cust_nr, demo.login, demo.password)
    return demo
