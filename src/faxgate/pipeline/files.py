"""Where a job's files live under the data directory, and removing them with the report.

The documents themselves are in the database; these files can all be made again:
  cache/<job_id>/            rasterised documents, shared by the job's recipients
  spool/<job_id>/<n>.tiff    the fax as sent to recipient n (served by the inspection API)
  received/<job_id>/<n>.tiff what the remote fax machine received
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

_AREAS = ("cache", "spool", "received")


def cache_dir(data_dir: Path, job_id: str) -> Path:
    return data_dir / "cache" / job_id


def spool_file(data_dir: Path, job_id: str, recipient: int) -> Path:
    return data_dir / "spool" / job_id / f"{recipient}.tiff"


def received_file(data_dir: Path, job_id: str, recipient: int) -> Path:
    return data_dir / "received" / job_id / f"{recipient}.tiff"


def remove_cache(data_dir: Path, job_id: str) -> None:
    shutil.rmtree(cache_dir(data_dir, job_id), ignore_errors=True)


def remove_job_files(data_dir: Path, job_ids: Iterable[str]) -> None:
    for job_id in job_ids:
        for area in _AREAS:
            shutil.rmtree(data_dir / area / job_id, ignore_errors=True)
