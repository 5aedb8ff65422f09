"""The inbound numbers of this installation and their Fax-In topics (`faxgate inbound`).

A number belongs to one account and one of its topics; a topic has its own polling password,
hashed like login passwords.
"""

from __future__ import annotations

import time

import anyio.to_thread

from faxgate.domain.faxin import topic_fault
from faxgate.domain.numbers import InvalidNumber, normalise
from faxgate.service.auth import hash_password
from faxgate.service.errors import InvalidRequest, NotFound
from faxgate.store import accounts, inbound
from faxgate.store.db import Database
from faxgate.store.inbound import InboundNumber


def _normalised(number: str) -> str:
    try:
        return normalise(number)
    except InvalidNumber as exc:
        raise InvalidRequest("number", str(exc)) from None


async def add_number(
    db: Database, cust_nr: str, number: str, topic: str, password: str | None
) -> InboundNumber:
    """Give `number` to the account's `topic` (created with `password`, or given it as its new
    password). A number of the same account moves to the topic; another account's is refused."""
    entry = InboundNumber(_normalised(number), cust_nr, topic)
    if fault := topic_fault(topic):
        raise InvalidRequest("topic", fault)
    if password is not None and not password:
        raise InvalidRequest("password", "must not be empty")
    password_hash = (
        None if password is None else await anyio.to_thread.run_sync(hash_password, password)
    )
    now = time.time()
    async with db.writer.begin() as conn:
        if not await accounts.account_exists(conn, cust_nr):
            raise NotFound(f"no account {cust_nr!r}")
        owner = await inbound.owner_of(conn, entry.number)
        if owner is not None and owner.cust_nr != cust_nr:
            raise InvalidRequest(
                "number", f"{entry.number} is already an inbound number of customer {owner.cust_nr}"
            )
        if password_hash is not None:
            await inbound.put_topic(conn, cust_nr, topic, password_hash, now)
        elif not await inbound.topic_exists(conn, cust_nr, topic):
            raise InvalidRequest("password", f"the new topic {topic!r} needs a polling password")
        await inbound.put_number(conn, entry, now)
    return entry


async def list_numbers(db: Database, cust_nr: str | None = None) -> list[InboundNumber]:
    async with db.reader.connect() as conn:
        return await inbound.list_numbers(conn, cust_nr)


async def remove_number(db: Database, number: str) -> str:
    """Remove the number (its topic stays); returns it normalised."""
    normalised = _normalised(number)
    async with db.writer.begin() as conn:
        if not await inbound.remove_number(conn, normalised):
            raise NotFound(f"{normalised} is not an inbound number")
    return normalised
