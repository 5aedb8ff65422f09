"""Logins: argon2 password hashes, and a short-lived cache of verified credentials.

argon2 is slow on purpose (tens of milliseconds); verifying it on every request would cap
intake at a few dozen requests a second. A successful verification is remembered for a
minute under a keyed digest of the credentials, never the password itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from faxgate.store.accounts import LoginRow

_hasher = PasswordHasher()
_CACHE_SECS = 60.0


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Identity:
    login: str
    cust_nr: str


class CredentialCache:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._verified: dict[bytes, tuple[Identity, float]] = {}

    def _digest(self, login: str, password: str) -> bytes:
        return hmac.new(self._key, f"{login}\0{password}".encode(), hashlib.sha256).digest()

    def lookup(self, login: str, password: str) -> Identity | None:
        entry = self._verified.get(self._digest(login, password))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def verify(self, row: LoginRow, password: str) -> Identity | None:
        if not verify_password(row.password_hash, password):
            return None
        identity = Identity(row.login, row.cust_nr)
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[self._digest(row.login, password)] = (
            identity,
            time.monotonic() + _CACHE_SECS,
        )
        return identity
