"""Fax images under the data directory, encrypted when FAXGATE_ENCRYPT_FILES is on.

A sealed file holds ``enc:v1:`` and a Fernet token of the TIFF; readers accept both sealed
and plain files, so switching the setting either way needs no conversion. The carriers and
converters need a plain file: the call gets a plain copy in the job's cache directory that is
removed when the call ends.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from faxgate.sealing.box import BYTES_PREFIX, SecretBox


def is_sealed(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(BYTES_PREFIX)) == BYTES_PREFIX


def seal_in_place(path: Path, box: SecretBox) -> None:
    """Replace the file by its sealed form (atomically; a sealed file is left as it is)."""
    data = path.read_bytes()
    if data.startswith(BYTES_PREFIX):
        return
    write_atomically(path, box.seal_bytes(data))


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_plain(path: Path, box: SecretBox) -> bytes:
    return box.unseal_bytes(path.read_bytes())


def plain_copy(path: Path, box: SecretBox, scratch: Path) -> Path | None:
    """A plain copy of a sealed file in `scratch` (the caller removes it); None when the
    file is plain already."""
    if not path.exists() or not is_sealed(path):
        return None
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / f"plain-{uuid.uuid4().hex}{path.suffix}"
    write_atomically(copy, read_plain(path, box))
    return copy
