"""This process's scratch space for a job, under ``<data_dir>/cache/<job_id>/``: the render
cache shared by the job's recipients and the plain copies a render or a call works on.

Nothing in it is shared with other processes or hosts, and all of it can be made again, so
it may be removed whenever the job is done or gone.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path


def cache_dir(data_dir: Path, job_id: str) -> Path:
    return data_dir / "cache" / job_id


def scratch_file(data_dir: Path, job_id: str, name: str) -> Path:
    """A new, unused file name in the job's scratch directory (which the writer makes)."""
    return cache_dir(data_dir, job_id) / f"{name}-{uuid.uuid4().hex}.tiff"


def remove_scratch(data_dir: Path, job_ids: Iterable[str]) -> None:
    for job_id in job_ids:
        shutil.rmtree(cache_dir(data_dir, job_id), ignore_errors=True)


def scratch_jobs(data_dir: Path, limit: int) -> list[str]:
    """The jobs that have scratch on this host (at most `limit` of them)."""
    try:
        with os.scandir(data_dir / "cache") as entries:
            return [entry.name for entry in itertools.islice(entries, limit) if entry.is_dir()]
    except FileNotFoundError:
        return []
