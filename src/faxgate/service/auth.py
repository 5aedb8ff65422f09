"""Logins: argon2 password hashes, and a short-lived cache of verified credentials.

argon2 is slow on purpose (tens of milliseconds); verifying it on every request would cap
intake at a few dozen requests a second. A successful verification is remembered for a
minute under a keyed digest of the credentials, never the password itself, together with
the stored hash it was checked against: the caller compares that with the stored row every
few seconds, so a password changed by another process stops working soon, and a change made
in this process (forget_login) stops it at once.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import weakref
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from faxgate.store.accounts import LoginRow

_hasher = PasswordHasher()
_CACHE_SECS = 60.0
_CACHE_ENTRIES = 10_000


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash with the parameters of real ones, of a password nobody knows: an unknown login
    is checked against it, so it takes as long as a known login with a wrong password."""
    return hash_password(secrets.token_urlsafe(24))


def check_password(row: LoginRow | None, password: str) -> bool:
    """Whether `password` is the login's; the same argon2 work when there is no such login."""
    matches = verify_password(row.password_hash if row else dummy_hash(), password)
    return matches and row is not None


@dataclass(frozen=True)
class Identity:
    login: str
    cust_nr: str


@dataclass
class Remembered:
    identity: Identity
    password_hash: str  # the stored hash the password was verified against
    expires: float
    checked: float  # when the stored row last still had that hash


_caches: weakref.WeakSet[CredentialCache] = weakref.WeakSet()


def forget_login(login: str) -> None:
    """The login's password changed in this process: no cache of the process keeps it."""
    for cache in list(_caches):
        cache.forget(login)


class CredentialCache:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._verified: dict[bytes, Remembered] = {}
        _caches.add(self)

    def digest(self, login: str, password: str) -> bytes:
        return hmac.new(self._key, f"{login}\0{password}".encode(), hashlib.sha256).digest()

    def lookup(self, digest: bytes, now: float) -> Remembered | None:
        entry = self._verified.get(digest)
        if entry is None or entry.expires < now:
            return None
        return entry

    def remember(self, digest: bytes, row: LoginRow, now: float) -> Identity:
        identity = Identity(row.login, row.cust_nr)
        if len(self._verified) >= _CACHE_ENTRIES:
            self._verified.clear()
        self._verified[digest] = Remembered(identity, row.password_hash, now + _CACHE_SECS, now)
        return identity

    def drop(self, digest: bytes) -> None:
        self._verified.pop(digest, None)

    def forget(self, login: str) -> None:
        for digest in [d for d, e in self._verified.items() if e.identity.login == login]:
            del self._verified[digest]
