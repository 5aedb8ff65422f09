"""The two block lists a recipient is checked against before it is dialled:
the service's do-not-fax file (BLACKLIST, when the job asks for the check) and the
account's own list (PBLACKLIST, always)."""

from __future__ import annotations

from pathlib import Path

from faxgate.domain.blocklist import blocked_by, parse_entries
from faxgate.domain.statuses import FaxStatus


class DenyListFile:
    """The do-not-fax file, re-read when it changes on disk."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: float | None = None
        self._entries: tuple[str, ...] = ()

    def entries(self) -> tuple[str, ...]:
        if self.path is None:
            return ()
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            return ()
        if stamp != self._stamp:
            self._entries = parse_entries(self.path.read_text(encoding="utf-8").splitlines())
            self._stamp = stamp
        return self._entries


def check(
    number: str, account_entries: tuple[str, ...], deny_entries: tuple[str, ...], use_deny: bool
) -> tuple[FaxStatus, str] | None:
    own = blocked_by(number, account_entries)
    if own is not None:
        return FaxStatus.PBLACKLIST, f"not dialled: {own} is on the account's own block list"
    if use_deny:
        denied = blocked_by(number, deny_entries)
        if denied is not None:
            return FaxStatus.BLACKLIST, f"not dialled: {denied} is on the do-not-fax list"
    return None
