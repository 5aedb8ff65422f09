"""Structured logs on stderr, one format for every record: faxgate's own (structlog) and the
standard library's (uvicorn, asyncio, the SIP stack), as JSON lines, or readable lines for a
person at a terminal. Nothing logs bodies or passwords."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import orjson
import structlog

# Their INFO lines repeat what our own request and notification lines say better ("HTTP
# Request: POST …" per push), or are noise (one line per migration step).
QUIET = ("httpx", "httpcore", "alembic")

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _drop_colour_copy(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    event.pop("color_message", None)  # uvicorn's second, ANSI-coloured copy of the message
    return event


def configure(level: str = "INFO", fmt: str = "auto") -> None:
    """`fmt` auto: console lines when stderr is a terminal, else JSON lines."""
    console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if console
        else structlog.processors.JSONRenderer()
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=renderer,
            foreign_pre_chain=[
                *_SHARED,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                _drop_colour_copy,
                structlog.processors.format_exc_info,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []  # through the root handler, not their own
        logging.getLogger(name).propagate = True
    if console:
        structlog.configure(
            processors=[*_SHARED, structlog.processors.format_exc_info, renderer],
            wrapper_class=structlog.make_filtering_bound_logger(root.level),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
            cache_logger_on_first_use=True,
        )
        return
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.processors.format_exc_info,
            # orjson and a bytes logger: a log line costs ~10 µs instead of ~26, and every
            # request writes two.
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(root.level),
        logger_factory=structlog.BytesLoggerFactory(sys.stderr.buffer),
        cache_logger_on_first_use=True,
    )
