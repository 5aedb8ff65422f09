"""The fixed choices of an account's settings, shared by the service and the CLI (which
must not import the service just to list them)."""

from __future__ import annotations

TEMPLATE_KINDS = ("cover", "overlay")
PUSH_FORMATS = ("XML", "JSON")
