"""Rules of Fax-In that need no I/O."""

from __future__ import annotations

import re

# A topic is a path segment of the polling API (/faxin/rest/v1/topics/{topic}).
TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")


def topic_fault(name: str) -> str | None:
    """Why `name` cannot be a topic, or None."""
    if not TOPIC_NAME.fullmatch(name):
        return "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
    return None
