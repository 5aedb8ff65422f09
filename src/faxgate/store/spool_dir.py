"""The data-directory spool (FAXGATE_SPOOL=data-dir, the default), in the layout data
directories have always had:

    spool/<job_id>/<n>.tiff     the fax as sent to recipient n
    received/<job_id>/<n>.tiff  what the remote fax machine received
    faxin/<fax_id>/fax.tiff     a fax Fax-In received, and fax.pdf made of it

Every process that serves or sends faxes must see the same directory: one host, or a
directory shared between hosts.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection
from pathlib import Path

import anyio.to_thread

from faxgate.sealing.box import BYTES_PREFIX, SecretBox
from faxgate.store.scratch import remove_scratch
from faxgate.store.sealed_files import is_sealed, write_atomically
from faxgate.store.spool import ImageKey, ImageKind

_AREAS = {
    ImageKind.SENT: "spool",
    ImageKind.RECEIVED: "received",
    ImageKind.FAXIN_TIFF: "faxin",
    ImageKind.FAXIN_PDF: "faxin",
}
_FAXIN_NAMES = {ImageKind.FAXIN_TIFF: "fax.tiff", ImageKind.FAXIN_PDF: "fax.pdf"}


def image_file(data_dir: Path, key: ImageKey) -> Path:
    name = _FAXIN_NAMES.get(key.kind) or f"{key.recipient}.tiff"
    return data_dir / _AREAS[key.kind] / key.job_id / name


class DataDirSpool:
    def __init__(self, data_dir: Path, box: Callable[[], SecretBox], encrypt: bool) -> None:
        self.data_dir = data_dir
        self._box = box
        self._encrypt = encrypt

    async def put(self, key: ImageKey, data: bytes) -> None:
        await anyio.to_thread.run_sync(self._put, image_file(self.data_dir, key), data)

    def _put(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, self._box().seal_bytes(data) if self._encrypt else data)

    async def get(self, key: ImageKey) -> bytes | None:
        return await anyio.to_thread.run_sync(self._get, image_file(self.data_dir, key))

    def _get(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return self._box().unseal_bytes(data) if data.startswith(BYTES_PREFIX) else data

    async def plain_file(self, key: ImageKey) -> Path | None:
        return await anyio.to_thread.run_sync(_plain, image_file(self.data_dir, key))

    async def delete(self, key: ImageKey) -> None:
        await anyio.to_thread.run_sync(image_file(self.data_dir, key).unlink, True)

    async def delete_jobs(self, job_ids: Collection[str]) -> None:
        if job_ids:
            await anyio.to_thread.run_sync(self._delete_jobs, job_ids)

    def _delete_jobs(self, job_ids: Collection[str]) -> None:
        for job_id in job_ids:
            for area in set(_AREAS.values()):
                shutil.rmtree(self.data_dir / area / job_id, ignore_errors=True)
        remove_scratch(self.data_dir, job_ids)


def _plain(path: Path) -> Path | None:
    try:
        return None if is_sealed(path) else path
    except FileNotFoundError:
        return None
