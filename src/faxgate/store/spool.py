"""The spool: the fax images of a job, as sent to each recipient and as each remote received
them, and the faxes Fax-In received, stored where every process of the deployment finds them.

Two backends implement `Spool` (chosen by FAXGATE_SPOOL, see `store/spools.py`): the data
directory (the default; one host, or hosts that share the directory) and the database (any
number of hosts with nothing shared but the database). Both take and give plain bytes (TIFF;
PDF for a received fax's PDF) and keep them sealed at rest when FAXGATE_ENCRYPT_FILES is on.
The renderer and the carriers work on local files: the pipeline puts their result into the
spool and fetches a local copy when it needs one (`put_file`, `fetch_file`).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import anyio.to_thread

from faxgate.store.sealed_files import write_atomically


class ImageKind(enum.StrEnum):
    SENT = "sent"  # the fax as rendered for the recipient, sent again on every redial
    RECEIVED = "received"  # what the remote fax machine received (when the carrier keeps it)
    # Fax-In: a received fax (`job_id` is its FI… ID, `recipient` 0) as received, and its PDF
    FAXIN_TIFF = "faxin-tiff"
    FAXIN_PDF = "faxin-pdf"

    @property
    def is_faxin(self) -> bool:
        return self in (ImageKind.FAXIN_TIFF, ImageKind.FAXIN_PDF)


@dataclass(frozen=True)
class ImageKey:
    job_id: str  # or a received fax's ID, for the FAXIN kinds
    kind: ImageKind
    recipient: int  # the recipient's index in the job, from 0


class Spool(Protocol):
    async def put(self, key: ImageKey, data: bytes) -> None:
        """Store (or replace) the plain image, sealed at rest when files are encrypted."""
        ...

    async def get(self, key: ImageKey) -> bytes | None:
        """The plain image; None when there is none."""
        ...

    async def plain_file(self, key: ImageKey) -> Path | None:
        """A plain file of the image on this host that may be served as it is, if there is
        one (the data directory's unsealed files); None otherwise: use `get`."""
        ...

    async def delete(self, key: ImageKey) -> None: ...

    async def delete_jobs(self, job_ids: Collection[str]) -> None:
        """Remove every image of these jobs and this host's scratch of them (after the jobs'
        rows are deleted: a render or call still under way then stores nothing)."""
        ...


async def servable(spool: Spool, key: ImageKey) -> Path | bytes | None:
    """The image to answer a download with: a plain local file to serve as it is, else its
    bytes; None when the spool has none."""
    return await spool.plain_file(key) or await spool.get(key)


async def put_file(spool: Spool, key: ImageKey, path: Path) -> None:
    """Put the plain file `path` into the spool (the file stays)."""
    await spool.put(key, await anyio.to_thread.run_sync(path.read_bytes))


async def fetch_file(spool: Spool, key: ImageKey, path: Path) -> bool:
    """Write a plain copy of the image to `path`; False when the spool has none."""
    data = await spool.get(key)
    if data is None:
        return False
    await anyio.to_thread.run_sync(write_atomically, path, data)
    return True
