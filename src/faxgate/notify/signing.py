"""HMAC-SHA256 signature of a push, beyond Retarus (who sign nothing).

Header ``X-Faxgate-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
HMAC-SHA256(secret, f"{t}." + body). The timestamp is inside the MAC so a captured push cannot
be replayed later; a receiver rejects signatures older than a tolerance. Several ``v1=`` entries
may appear (e.g. while an account's secret is being rotated); one matching is enough.
``X-Faxgate-Delivery`` carries an id that is the same on every retry of one delivery, so a
receiver can drop duplicates. docs/notifications.md has a standalone copy of ``verify``.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Faxgate-Signature"
DELIVERY_HEADER = "X-Faxgate-Delivery"
DEFAULT_TOLERANCE_SECS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: str | list[str], timestamp: int, body: bytes) -> str:
    keys = [secrets] if isinstance(secrets, str) else secrets
    return ",".join([f"t={timestamp}", *(f"v1={signature(k, timestamp, body)}" for k in keys)])


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: float,
    tolerance_secs: float = DEFAULT_TOLERANCE_SECS,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most tolerance_secs old."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance_secs:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
