"""The inbound numbers of this installation and their Fax-In topics (`faxgate inbound`).

A number belongs to one account and one of its topics; a topic has its own polling password,
hashed like login passwords, and optionally an inbound push target (spec §10) whose password
is stored sealed, like the account's push credentials.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import anyio.to_thread

from faxgate.domain.faxin import topic_fault
from faxgate.domain.notification import CREDENTIAL_MAX, PushTarget, push_url_fault
from faxgate.domain.numbers import InvalidNumber, normalise
from faxgate.domain.redact import without_password
from faxgate.domain.report_options import PushAuth
from faxgate.sealing.box import SecretBox
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


@dataclass(frozen=True)
class ListedNumber:
    """An inbound number as `faxgate inbound list` shows it."""

    number: str
    cust_nr: str
    topic: str
    push_url: str | None  # the topic's push URL without a password in it, if it has one


async def list_with_push(db: Database, cust_nr: str | None = None) -> list[ListedNumber]:
    """Every inbound number with its topic's push URL."""
    async with db.reader.connect() as conn:
        numbers = await inbound.list_numbers(conn, cust_nr)
        urls = await inbound.topic_push_urls(conn, cust_nr)
    return [
        ListedNumber(
            n.number,
            n.cust_nr,
            n.topic,
            without_password(url) if (url := urls.get((n.cust_nr, n.topic))) else None,
        )
        for n in numbers
    ]


PUSH_AUTHS = (PushAuth.NONE, PushAuth.HTTP_BASIC)  # what an inbound push may use


async def set_push(
    db: Database,
    box: SecretBox,
    cust_nr: str,
    topic: str,
    target: PushTarget | None,
) -> PushTarget | None:
    """Give the topic an inbound push target, or none (`target` None); the password is
    stored sealed. Returns the target as stored (sealed)."""
    if target is not None:
        target = _sealed(_checked(target), box)
    async with db.writer.begin() as conn:
        if not await accounts.account_exists(conn, cust_nr):
            raise NotFound(f"no account {cust_nr!r}")
        if not await inbound.set_topic_push(conn, cust_nr, topic, target):
            raise NotFound(f"customer {cust_nr} has no topic {topic!r}")
    return target


def _checked(target: PushTarget) -> PushTarget:
    if fault := push_url_fault(target.url):
        raise InvalidRequest("url", fault)
    if target.auth_method not in PUSH_AUTHS:
        raise InvalidRequest("auth-method", "must be NONE or BASIC")
    if target.auth_method is PushAuth.NONE:
        if target.principal or target.credentials:
            raise InvalidRequest("user", "a user and password need the auth method BASIC")
        return target
    if not target.principal:
        raise InvalidRequest("user", "BASIC needs a user")
    if ":" in target.principal:
        raise InvalidRequest("user", "must not contain ':' (HTTP Basic)")
    for field, value in (("user", target.principal), ("password", target.credentials or "")):
        if len(value) > CREDENTIAL_MAX:
            raise InvalidRequest(field, f"at most {CREDENTIAL_MAX} characters")
    return target


def _sealed(target: PushTarget, box: SecretBox) -> PushTarget:
    if not target.credentials:
        return target
    return replace(target, credentials=box.seal(target.credentials))
