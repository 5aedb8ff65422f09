"""Fax image files, encrypted when FAXGATE_ENCRYPT_FILES is on.

A sealed file holds ``enc:v1:`` and a Fernet token of the TIFF; readers accept both sealed
and plain files, so switching the setting either way needs no conversion. The carriers and
converters need a plain file: the pipeline gives them a plain copy in the job's scratch
directory that is removed when the call ends.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from faxgate.sealing.box import BYTES_PREFIX


def is_sealed(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(BYTES_PREFIX)) == BYTES_PREFIX


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` under a temporary name (mode 0600, synced) and rename it into place."""
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
