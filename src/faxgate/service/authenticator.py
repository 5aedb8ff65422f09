"""Checking a login's password, with every guard in one place.

In order: the failure throttle (no argon2 for a throttled address or login), the cache of
recently verified credentials (re-read against the stored hash every few seconds), then one
argon2 check in a bounded pool of slots that requests with the same credentials share, made
against a dummy hash when the login does not exist so that it costs the same.

The same guards check the polling passwords of Fax-In topics (service/faxin_auth.py): `verify`
takes the credential's name and how to read its stored hash, and topics have a cache of their
own, so that a login that happens to be named like a topic never stands in for it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Awaitable, Callable

import anyio
import anyio.to_thread

from faxgate.config import Settings
from faxgate.domain.login_throttle import LoginThrottle
from faxgate.service.auth import CredentialCache, Identity, Remembered, check_password, dummy_hash
from faxgate.service.errors import AuthenticationFailed, TooManyFailures
from faxgate.service.hash_slots import HashSlots
from faxgate.store.accounts import LoginRow, get_login
from faxgate.store.db import Database

_TRIES = 3  # a shared check whose request went away is made again, by the next in line

# Reads the stored credential of one name (a login, or a topic as `custNr/topic`): its owner
# and password hash, or None when there is no such name.
LoadCredential = Callable[[], Awaitable[LoginRow | None]]


class _Flight:
    """One password check, awaited by every request that came with the same credentials."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.identity: Identity | None = None
        self.error: Exception | None = None


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self.cache = CredentialCache()
        self.topic_cache = CredentialCache()  # Fax-In topic passwords, apart from logins
        self.slots = HashSlots(
            settings.login_hash_concurrency or os.cpu_count() or 1,
            settings.login_hash_queue,
            settings.login_hash_wait_secs,
        )
        self.throttle = LoginThrottle(
            per_address=settings.login_failures_per_address,
            per_login=settings.login_failures_per_login,
            window_secs=settings.login_failure_window_secs,
            known_address_secs=settings.login_known_address_secs,
            max_entries=settings.login_throttle_max_entries,
        )
        self._recheck_secs = settings.login_recheck_secs
        self._flights: dict[bytes, _Flight] = {}

    async def prepare(self) -> None:
        """Make the dummy hash now, so that the first unknown login costs no extra hash."""
        await anyio.to_thread.run_sync(dummy_hash)

    async def authenticate(
        self, db: Database, login: str, password: str, host: str, cust_nr: str | None = None
    ) -> Identity:
        """The login's identity; with `cust_nr`, only when the login belongs to that customer."""

        async def load() -> LoginRow | None:
            async with db.reader.connect() as conn:
                return await get_login(conn, login)

        identity = await self.verify(self.cache, login, password, host, load)
        if cust_nr is not None and identity.cust_nr != cust_nr:
            raise AuthenticationFailed(
                f"login {identity.login!r} does not belong to customer {cust_nr!r}"
            )
        return identity

    async def verify(
        self, cache: CredentialCache, name: str, password: str, host: str, load: LoadCredential
    ) -> Identity:
        """The identity of the credential `name` when `password` is its password, checked
        with every guard; `cache` remembers it (one cache per kind of name)."""
        wait = self.throttle.wait(name, host, time.monotonic())
        if wait > 0:
            raise TooManyFailures(math.ceil(wait))
        digest = cache.digest(name, password)
        remembered = cache.lookup(digest, time.monotonic())
        if remembered is not None and await self._still_current(cache, digest, remembered, load):
            self.throttle.known(name, host, time.monotonic())
            return remembered.identity
        for _ in range(_TRIES):
            flight = self._flights.get(digest)
            if flight is None:
                return await self._lead(cache, digest, name, password, host, load)
            await flight.done.wait()
            if flight.identity is not None:
                self.throttle.known(name, host, time.monotonic())
                return flight.identity
            if flight.error is not None:
                raise flight.error
        raise AuthenticationFailed("bad login or password")

    async def _lead(
        self,
        cache: CredentialCache,
        digest: bytes,
        name: str,
        password: str,
        host: str,
        load: LoadCredential,
    ) -> Identity:
        flight = self._flights[digest] = _Flight()
        try:
            flight.identity = await self._check(cache, digest, name, password, host, load)
            return flight.identity
        except Exception as exc:
            flight.error = exc
            raise
        finally:
            del self._flights[digest]
            flight.done.set()

    async def _check(
        self,
        cache: CredentialCache,
        digest: bytes,
        name: str,
        password: str,
        host: str,
        load: LoadCredential,
    ) -> Identity:
        self.throttle.attempt(name, host, time.monotonic())
        try:
            row = await load()
            matches = await self.slots.run(check_password, row, password)
        except Exception:
            self.throttle.withdraw(name, host, time.monotonic())  # busy or no database
            raise
        if not matches or row is None:
            raise AuthenticationFailed("bad login or password")
        self.throttle.succeeded(name, host, time.monotonic())
        return cache.remember(digest, row, time.monotonic())

    async def _still_current(
        self,
        cache: CredentialCache,
        digest: bytes,
        remembered: Remembered,
        load: LoadCredential,
    ) -> bool:
        """Whether the stored credential still has the hash the password was verified against."""
        now = time.monotonic()
        if now - remembered.checked < self._recheck_secs:
            return True
        row = await load()
        if row is None or (row.password_hash, row.cust_nr) != (
            remembered.password_hash,
            remembered.identity.cust_nr,
        ):
            cache.drop(digest)
            return False
        remembered.checked = now
        return True
