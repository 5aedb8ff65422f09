"""What the SIP user agent reports when a request fails."""

from __future__ import annotations

from dataclasses import dataclass


class SipError(Exception):
    """A SIP exchange failed, e.g. registration refused (the message names code and reason)."""


@dataclass(frozen=True)
class CallFailed:
    """A final non-2xx answer to our INVITE, or no answer."""

    code: int  # 408 when nothing answered at all (Timer B); 487 after our CANCEL
    reason: str  # reason phrase as received, or ours ("ring timeout: CANCEL sent")
    cancelled: bool = False  # we sent CANCEL (ring time over)
    provisional: tuple[int, ...] = ()  # the 1xx codes seen, in order
