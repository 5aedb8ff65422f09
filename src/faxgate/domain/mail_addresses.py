"""Report-mail addresses as a job names them: one per the spec, a list separated by commas or
semicolons tolerated."""

from __future__ import annotations

import re

MAX_ADDRESS_CHARS = 254  # the longest forward path SMTP allows (RFC 5321), without <>


def split_addresses(text: str | None) -> list[str]:
    return [a.strip() for a in re.split(r"[,;]", text or "") if a.strip()]


def address_fault(text: str | None, limit: int) -> str | None:
    """Why `text` names too many or too long addresses, or None when it is fine."""
    addresses = split_addresses(text)
    if len(addresses) > limit:
        return f"names {len(addresses)} addresses: at most {limit} (FAXGATE_MAX_MAIL_ADDRESSES)"
    if any(len(a) > MAX_ADDRESS_CHARS for a in addresses):
        return f"an address is longer than {MAX_ADDRESS_CHARS} characters"
    return None
