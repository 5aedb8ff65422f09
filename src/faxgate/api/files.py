"""Answering a download with what the spool gave: a plain local file streamed as it is, or
bytes held in memory (a sealed file, the database spool)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.responses import FileResponse, Response


def file_response(
    content: Path | bytes, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    if isinstance(content, bytes):
        return Response(content, media_type=media_type, headers=headers)
    return FileResponse(content, media_type=media_type, headers=headers)
