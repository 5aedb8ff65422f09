"""Fax-In topics and the inbound numbers of this installation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.notification import PushTarget
from faxgate.store.outbox_json import push_target_from_json, target_to_json
from faxgate.store.tables import faxin_topics, inbound_numbers


@dataclass(frozen=True)
class InboundNumber:
    number: str  # normalised
    cust_nr: str
    topic: str


async def owner_of(conn: AsyncConnection, number: str) -> InboundNumber | None:
    row = (
        await conn.execute(select(inbound_numbers).where(inbound_numbers.c.number == number))
    ).first()
    return None if row is None else InboundNumber(row.number, row.cust_nr, row.topic)


async def topic_exists(conn: AsyncConnection, cust_nr: str, topic: str) -> bool:
    found = await conn.scalar(
        select(faxin_topics.c.name).where(
            faxin_topics.c.cust_nr == cust_nr, faxin_topics.c.name == topic
        )
    )
    return found is not None


async def put_topic(
    conn: AsyncConnection, cust_nr: str, topic: str, password_hash: str, now: float
) -> None:
    """Create the topic, or give it a new password."""
    changed = await conn.execute(
        update(faxin_topics)
        .where(faxin_topics.c.cust_nr == cust_nr, faxin_topics.c.name == topic)
        .values(password_hash=password_hash)
        .returning(faxin_topics.c.name)
    )
    if changed.first() is None:
        await conn.execute(
            faxin_topics.insert().values(
                cust_nr=cust_nr, name=topic, password_hash=password_hash, created_at=now
            )
        )


async def put_number(conn: AsyncConnection, entry: InboundNumber, now: float) -> None:
    """Add the number, or move it to another topic of the same account."""
    moved = await conn.execute(
        update(inbound_numbers)
        .where(inbound_numbers.c.number == entry.number)
        .values(cust_nr=entry.cust_nr, topic=entry.topic)
        .returning(inbound_numbers.c.number)
    )
    if moved.first() is None:
        await conn.execute(
            inbound_numbers.insert().values(
                number=entry.number, cust_nr=entry.cust_nr, topic=entry.topic, created_at=now
            )
        )


async def list_numbers(conn: AsyncConnection, cust_nr: str | None) -> list[InboundNumber]:
    query = select(inbound_numbers).order_by(
        inbound_numbers.c.cust_nr, inbound_numbers.c.topic, inbound_numbers.c.number
    )
    if cust_nr is not None:
        query = query.where(inbound_numbers.c.cust_nr == cust_nr)
    return [InboundNumber(r.number, r.cust_nr, r.topic) for r in await conn.execute(query)]


async def remove_number(conn: AsyncConnection, number: str) -> bool:
    result = await conn.execute(
        delete(inbound_numbers)
        .where(inbound_numbers.c.number == number)
        .returning(inbound_numbers.c.number)
    )
    return result.first() is not None


async def first_number_of(conn: AsyncConnection, cust_nr: str) -> str | None:
    """The account's first inbound number (by number), which its outgoing calls to this
    installation present as the calling number; None when it owns none."""
    number: str | None = await conn.scalar(
        select(inbound_numbers.c.number)
        .where(inbound_numbers.c.cust_nr == cust_nr)
        .order_by(inbound_numbers.c.number)
        .limit(1)
    )
    return number


# ---------------------------------------------------------------- a topic's inbound push


async def set_topic_push(
    conn: AsyncConnection, cust_nr: str, topic: str, target: PushTarget | None
) -> bool:
    """Give the topic a push target (its secrets as they are to be stored), or none; False
    when the account has no such topic."""
    result = await conn.execute(
        update(faxin_topics)
        .where(faxin_topics.c.cust_nr == cust_nr, faxin_topics.c.name == topic)
        .values(push_target=None if target is None else target_to_json(target))
        .returning(faxin_topics.c.name)
    )
    return result.first() is not None


async def topic_push(conn: AsyncConnection, cust_nr: str, topic: str) -> PushTarget | None:
    """The topic's push target, its secrets sealed as stored; None when it has none."""
    stored = await conn.scalar(
        select(faxin_topics.c.push_target).where(
            faxin_topics.c.cust_nr == cust_nr, faxin_topics.c.name == topic
        )
    )
    return None if stored is None else push_target_from_json(stored)


async def topic_push_urls(conn: AsyncConnection, cust_nr: str | None) -> dict[tuple[str, str], str]:
    """The push URL of every topic that has one, by (customer number, topic)."""
    query = select(faxin_topics.c.cust_nr, faxin_topics.c.name, faxin_topics.c.push_target).where(
        faxin_topics.c.push_target.is_not(None)
    )
    if cust_nr is not None:
        query = query.where(faxin_topics.c.cust_nr == cust_nr)
    return {
        (row.cust_nr, row.name): push_target_from_json(row.push_target).url
        for row in await conn.execute(query)
    }
