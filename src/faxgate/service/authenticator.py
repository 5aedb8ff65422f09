"""Checking a login's password, with every guard in one place.

In order: the failure throttle (no argon2 for a throttled address or login), the cache of
recently verified credentials (re-read against the stored hash every few seconds), then one
argon2 check in a bounded pool of slots that requests with the same credentials share, made
against a dummy hash when the login does not exist so that it costs the same.
"""

from __future__ import annotations

import math
import os
import time

import anyio
import anyio.to_thread

from faxgate.config import Settings
from faxgate.domain.login_throttle import LoginThrottle
from faxgate.service.auth import CredentialCache, Identity, Remembered, check_password, dummy_hash
from faxgate.service.errors import AuthenticationFailed, TooManyFailures
from faxgate.service.hash_slots import HashSlots
from faxgate.store.accounts import get_login
from faxgate.store.db import Database

_TRIES = 3  # a shared check whose request went away is made again, by the next in line


class _Flight:
    """One password check, awaited by every request that came with the same credentials."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.identity: Identity | None = None
        self.error: Exception | None = None


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self.cache = CredentialCache()
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
        identity = await self._identify(db, login, password, host)
        if cust_nr is not None and identity.cust_nr != cust_nr:
            raise AuthenticationFailed(
                f"login {identity.login!r} does not belong to customer {cust_nr!r}"
            )
        return identity

    async def _identify(self, db: Database, login: str, password: str, host: str) -> Identity:
        wait = self.throttle.wait(login, host, time.monotonic())
        if wait > 0:
            raise TooManyFailures(math.ceil(wait))
        digest = self.cache.digest(login, password)
        remembered = self.cache.lookup(digest, time.monotonic())
        if remembered is not None and await self._still_current(db, digest, remembered):
            self.throttle.known(login, host, time.monotonic())
            return remembered.identity
        for _ in range(_TRIES):
            flight = self._flights.get(digest)
            if flight is None:
                return await self._lead(db, digest, login, password, host)
            await flight.done.wait()
            if flight.identity is not None:
                self.throttle.known(login, host, time.monotonic())
                return flight.identity
            if flight.error is not None:
                raise flight.error
        raise AuthenticationFailed("bad login or password")

    async def _lead(
        self, db: Database, digest: bytes, login: str, password: str, host: str
    ) -> Identity:
        flight = self._flights[digest] = _Flight()
        try:
            flight.identity = await self._check(db, digest, login, password, host)
            return flight.identity
        except Exception as exc:
            flight.error = exc
            raise
        finally:
            del self._flights[digest]
            flight.done.set()

    async def _check(
        self, db: Database, digest: bytes, login: str, password: str, host: str
    ) -> Identity:
        self.throttle.attempt(login, host, time.monotonic())
        try:
            async with db.reader.connect() as conn:
                row = await get_login(conn, login)
            matches = await self.slots.run(check_password, row, password)
        except Exception:
            self.throttle.withdraw(login, host, time.monotonic())  # busy or no database
            raise
        if not matches or row is None:
            raise AuthenticationFailed("bad login or password")
        self.throttle.succeeded(login, host, time.monotonic())
        return self.cache.remember(digest, row, time.monotonic())

    async def _still_current(self, db: Database, digest: bytes, remembered: Remembered) -> bool:
        """Whether the stored login still has the hash the password was verified against."""
        now = time.monotonic()
        if now - remembered.checked < self._recheck_secs:
            return True
        async with db.reader.connect() as conn:
            row = await get_login(conn, remembered.identity.login)
        if row is None or (row.password_hash, row.cust_nr) != (
            remembered.password_hash,
            remembered.identity.cust_nr,
        ):
            self.cache.drop(digest)
            return False
        remembered.checked = now
        return True
