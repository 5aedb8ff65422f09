"""Fax-In polling credentials (spec §2.1): HTTP Basic `custNr:password`, where the password is
a topic's polling password. Checked with the guards of the logins (service/authenticator.py):
the failure throttle, a cache of verified credentials, bounded argon2 slots, and one argon2
check against a dummy hash when the topic does not exist, so that an unknown topic, a topic of
another customer and a wrong password cost the same and answer the same.
"""

from __future__ import annotations

from faxgate.domain.faxin import topic_fault
from faxgate.service.auth import Identity
from faxgate.service.authenticator import Authenticator
from faxgate.service.errors import AuthenticationFailed
from faxgate.store import faxin
from faxgate.store.accounts import LoginRow
from faxgate.store.db import Database


def credential_name(cust_nr: str, topic: str | None) -> str:
    """How a topic's credential is named in the throttle and the cache (topics have no '/')."""
    return f"{cust_nr}/{topic or ''}"


async def authenticate_topic(
    logins: Authenticator, db: Database, cust_nr: str, topic: str | None, password: str, host: str
) -> Identity:
    """The topic's identity when `password` is its password; None as `topic` fails the same
    way, after the same work (a file whose topic the caller may not know of)."""
    name = credential_name(cust_nr, topic)

    async def load() -> LoginRow | None:
        if topic is None or topic_fault(topic):
            return None
        async with db.reader.connect() as conn:
            hashed = await faxin.topic_password_hash(conn, cust_nr, topic)
        return None if hashed is None else LoginRow(name, cust_nr, hashed)

    try:
        return await logins.verify(logins.topic_cache, name, password, host, load)
    except AuthenticationFailed:
        raise AuthenticationFailed("bad customer number, topic or password") from None
