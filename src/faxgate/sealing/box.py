"""Sealing secrets with Fernet (AES-128-CBC + HMAC-SHA256), several keys for rotation.

A sealed value is the text ``enc:v1:<Fernet token>``. Values without the marker were stored
before encryption existed and are returned as they are, so old rows keep working. The first
key seals; every key unseals (MultiFernet). A token that no key opens raises SecretKeyError
(Fernet authenticates, so a wrong key is an error, never garbage).

Error tree::

    SecretKeyError      no key, a malformed key, or a value no configured key opens
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc:v1:"
BYTES_PREFIX = PREFIX.encode()


class SecretKeyError(Exception):
    """The secret key setting, the key file or a stored secret does not fit."""


def _fernets(keys: Sequence[bytes]) -> list[Fernet]:
    if not keys:
        raise SecretKeyError("no secret key configured")
    return [Fernet(key) for key in keys]


class SecretBox:
    def __init__(
        self, keys: Sequence[bytes], reload: Callable[[], list[bytes]] | None = None
    ) -> None:
        self._use(keys)
        # A key file rotated while we run: read it again once before calling a token foreign.
        self._reload = reload

    def _use(self, keys: Sequence[bytes]) -> None:
        self._keys = list(keys)
        self._fernets = _fernets(self._keys)
        self._multi = MultiFernet(self._fernets)

    def __repr__(self) -> str:
        return f"SecretBox({len(self._keys)} key(s))"

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(PREFIX)

    def seal(self, text: str) -> str:
        # Always encrypted, even text that looks sealed: a client sending a stolen token as
        # its own push password must get the token pushed back, never what it decrypts to.
        return PREFIX + self._multi.encrypt(text.encode()).decode("ascii")

    def unseal(self, value: str) -> str:
        if not self.is_sealed(value):
            return value  # stored in plain text before encryption existed
        return self._open(value[len(PREFIX) :].encode("ascii")).decode()

    def reseal(self, value: str) -> str:
        """The value sealed with the first key: plain text is sealed, tokens of other keys
        are re-encrypted, tokens of the first key are returned unchanged."""
        if not self.is_sealed(value):
            return self.seal(value)
        token = value[len(PREFIX) :].encode("ascii")
        try:
            self._fernets[0].decrypt(token)
            return value
        except InvalidToken:
            pass
        self._open(token)  # raises a clear error for a foreign token
        return PREFIX + self._multi.rotate(token).decode("ascii")

    def seal_bytes(self, data: bytes) -> bytes:
        return BYTES_PREFIX + self._multi.encrypt(data)

    def unseal_bytes(self, data: bytes) -> bytes:
        if not data.startswith(BYTES_PREFIX):
            return data
        return self._open(data[len(BYTES_PREFIX) :])

    def _open(self, token: bytes) -> bytes:
        try:
            return self._multi.decrypt(token)
        except InvalidToken:
            if self._reload is not None and self._reload_keys():
                return self._open(token)
        raise SecretKeyError(
            "a stored secret cannot be decrypted with the configured secret key(s) "
            "(FAXGATE_SECRET_KEY or the key file): the key was changed or lost, "
            "or processes sharing this database use different keys"
        )

    def _reload_keys(self) -> bool:
        assert self._reload is not None
        keys = self._reload()
        if keys == self._keys:
            return False
        self._use(keys)
        return True
