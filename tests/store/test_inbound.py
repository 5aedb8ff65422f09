"""Inbound numbers on SQLite and PostgreSQL: one owner per number, removed with its topic's
account, and the rows a second account cannot take over."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from faxgate.service import inbound
from faxgate.service.accounts import add_login
from faxgate.service.errors import InvalidRequest
from faxgate.store.db import Database
from faxgate.store.inbound import InboundNumber
from faxgate.store.tables import accounts

pytestmark = pytest.mark.anyio


async def test_a_number_has_one_owner_and_goes_with_its_account(db: Database) -> None:
    await add_login(db, "11111AA", "alice", "s")
    await add_login(db, "22222BB", "bob", "s")
    await inbound.add_number(db, "11111AA", "+49 30 1234567", "sales", "pw")
    with pytest.raises(InvalidRequest, match="customer 11111AA") as refused:
        await inbound.add_number(db, "22222BB", "004930-1234567", "sales", "pw")
    assert refused.value.field == "number"
    await inbound.add_number(db, "22222BB", "+1 212 555 0100", "sales", "other")

    assert await inbound.list_numbers(db) == [
        InboundNumber("0049301234567", "11111AA", "sales"),
        InboundNumber("0012125550100", "22222BB", "sales"),
    ]
    async with db.writer.begin() as conn:
        await conn.execute(delete(accounts).where(accounts.c.cust_nr == "11111AA"))
    assert await inbound.list_numbers(db) == [InboundNumber("0012125550100", "22222BB", "sales")]
