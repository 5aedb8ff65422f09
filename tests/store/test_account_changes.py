"""A change to an account's settings: KEEP leaves a setting, None removes it, a value sets it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from faxgate.domain.job import AccountChanges, PushFormat, StatusPush
from faxgate.domain.report_options import PushAuth
from faxgate.store.accounts import load_account_settings, update_account_settings
from faxgate.store.db import Database
from faxgate.store.tables import accounts

pytestmark = pytest.mark.anyio


async def test_keep_leaves_none_removes_a_value_sets(db: Database) -> None:
    async with db.writer.begin() as conn:
        await conn.execute(accounts.insert().values(cust_nr="C1", created_at=0.0))
    push = StatusPush("https://push.example/", PushAuth.HTTP_BASIC, "u", "sealed")
    async with db.writer.begin() as conn:
        first = await update_account_settings(
            conn,
            "C1",
            AccountChanges(
                block_list=("0049301",),
                default_push=push,
                push_format=PushFormat.JSON,
                push_secret="s",
                retention_days=7,
            ),
        )
        second = await update_account_settings(
            conn, "C1", AccountChanges(push_secret=None, retention_days=None, block_list=None)
        )
        stored = await conn.scalar(select(accounts.c.settings).where(accounts.c.cust_nr == "C1"))
    async with db.reader.connect() as conn:
        loaded = await load_account_settings(conn, "C1")

    assert first.block_list == ("0049301",) and first.push_secrets == ("s",)
    assert first.retention_days == 7 and first.default_push == push
    assert second == loaded
    assert loaded.push_secrets == () and loaded.retention_days is None and loaded.block_list == ()
    assert loaded.default_push == push and loaded.push_format is PushFormat.JSON  # kept
    assert set(json.loads(stored or "")) == {"defaultPush", "pushFormat"}  # removed, not nulled
