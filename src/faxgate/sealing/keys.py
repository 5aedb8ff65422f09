"""Where the secret keys come from: FAXGATE_SECRET_KEY, else a key file made at first start.

Both hold one or more Fernet keys (32 url-safe base64 bytes each), comma- or line-separated,
the first sealing and all unsealing. The key file is created with mode 0600 under a temporary
name and hard-linked into place: link() fails when the name exists, so of two processes
starting at once one key wins and both read it.
"""

from __future__ import annotations

import functools
import os
import secrets
import stat
from pathlib import Path

import structlog
from cryptography.fernet import Fernet

from faxgate.config import Settings
from faxgate.sealing.box import SecretBox, SecretKeyError

log = structlog.get_logger("faxgate.secrets")
KEY_FILE_NAME = "secret.key"
_MAX_KEYS = 32  # a rotation keeps a few old keys, never hundreds


def key_file_path(settings: Settings) -> Path:
    return settings.secret_key_file or settings.data_dir / KEY_FILE_NAME


def new_key() -> bytes:
    return Fernet.generate_key()


def parse_keys(text: str, where: str) -> list[bytes]:
    """The keys of a setting or key file: comma- or line-separated, '#' starts a comment."""
    keys: list[bytes] = []
    for line in text.splitlines():
        for part in line.split("#", 1)[0].split(","):
            if not part.strip():
                continue
            if len(keys) == _MAX_KEYS:
                raise SecretKeyError(f"{where}: more than {_MAX_KEYS} keys")
            key = part.strip().encode("ascii", "replace")
            try:
                Fernet(key)
            except ValueError:
                raise SecretKeyError(
                    f"{where}: key {len(keys) + 1} is not a Fernet key (32 url-safe base64 "
                    "bytes); make one with `faxgate secrets generate-key`"
                ) from None
            keys.append(key)
    if not keys:
        raise SecretKeyError(f"{where}: holds no key")
    return keys


def read_key_file(path: Path) -> list[bytes]:
    try:
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"secret key file {path}: cannot be read: {exc}") from None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("secret key file readable by others", path=str(path), mode=oct(mode))
    return parse_keys(text, f"secret key file {path}")


def write_key_file(path: Path, keys: list[bytes], replace: bool) -> bool:
    """Write the keys, mode 0600, atomically. Without `replace` an existing file wins and
    False is returned."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _create(temporary, keys)
    try:
        if replace:
            os.replace(temporary, path)
        else:
            _link_or_create(temporary, path, keys)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)
    return True


def _link_or_create(temporary: Path, path: Path, keys: list[bytes]) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: exclusive create, still one winner
        _create(path, keys)


def _create(path: Path, keys: list[bytes]) -> None:
    """A new file (FileExistsError if there is one) of mode 0600 holding the keys, synced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b"".join(key + b"\n" for key in keys))
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


CREATED_NOTICE = (
    "created a new secret key file; back it up (without it the stored push credentials "
    "are lost), and give every process and host that shares this database the same key"
)


def ensure_key_file(settings: Settings) -> Path | None:
    """Make the key file when no key is configured and there is none; its path if made."""
    if settings.secret_key:
        return None
    path = key_file_path(settings)
    if path.exists() or not write_key_file(path, [new_key()], replace=False):
        return None
    return path


def load_keys(settings: Settings) -> list[bytes]:
    if settings.secret_key:
        return parse_keys(settings.secret_key, "FAXGATE_SECRET_KEY")
    ensure_key_file(settings)
    return read_key_file(key_file_path(settings))


def open_secret_box(settings: Settings) -> SecretBox:
    """The box of the configured keys, creating the key file at first start."""
    keys = load_keys(settings)
    if settings.secret_key:
        return SecretBox(keys)
    path = key_file_path(settings)
    return SecretBox(keys, reload=lambda: read_key_file(path))


@functools.lru_cache(maxsize=64)
def _cached(secret_key: str | None, key_file: Path) -> SecretBox:
    return open_secret_box(Settings(secret_key=secret_key, secret_key_file=key_file))


def secret_box(settings: Settings) -> SecretBox:
    """open_secret_box, once per key source in a process."""
    return _cached(settings.secret_key, key_file_path(settings).resolve())
