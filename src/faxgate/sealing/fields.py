"""Which values of the stored JSON documents are secrets, and applying a function to them.

Job options are store/job_json.py's form; account settings are `faxgate configure`'s; a push
target is the outbox row built from both at completion (pipeline/notifications.py), and also
the form of a Fax-In topic's push target (`faxgate inbound push`) and of its outbox rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Path = tuple[str, ...]

# job options in both stored forms (store/job_json.py): v2, and the camelCase rows before it
JOB_OPTIONS: tuple[Path, ...] = (
    ("reporting", "push", "credentials"),
    ("statusReportOptions", "httpStatusPush", "credentials"),
)
ACCOUNT_SETTINGS: tuple[Path, ...] = (("pushSecret",), ("defaultPush", "credentials"))
PUSH_TARGET: tuple[Path, ...] = (("credentials",), ("secret",))
# outbox snapshots queued before the v2 form held the job options with their credentials
# (store/outbox_json.py no longer writes them); reseal still covers those rows
SNAPSHOT: tuple[Path, ...] = tuple(("options", *path) for path in JOB_OPTIONS)


def map_secrets(
    document: dict[str, Any], paths: tuple[Path, ...], change: Callable[[str], str]
) -> dict[str, Any]:
    """A copy of `document` with `change` applied to every non-empty secret string (or list
    of strings, e.g. two push secrets during a rotation); the rest is shared, not copied."""
    result = dict(document)
    for path in paths:
        _apply(result, path, change)
    return result


def _apply(node: dict[str, Any], path: Path, change: Callable[[str], str]) -> None:
    head, rest = path[0], path[1:]
    value = node.get(head)
    if rest:
        if isinstance(value, dict):
            node[head] = dict(value)
            _apply(node[head], rest, change)
        return
    if isinstance(value, str) and value:
        node[head] = change(value)
    elif isinstance(value, list):
        node[head] = [change(v) if isinstance(v, str) and v else v for v in value]
