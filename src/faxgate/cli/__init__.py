"""The `faxgate` command: thin wrappers over the same services the HTTP API uses."""

from __future__ import annotations

from faxgate.cli.main import main

__all__ = ["main"]
