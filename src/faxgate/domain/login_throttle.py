"""Who may try a password now: failure limits per client address and per login.

The address limit is the main defence: one address gets `per_address` failures in a window,
whatever logins it tries. The login limit is higher and spares the addresses the login has
recently succeeded from, so a spread-out guessing attack on a login does not lock its
customer out: the customer's own hosts keep working, only new addresses wait.
Every attempt counts as a failure until it succeeds (then it is taken back): concurrent
guesses cannot outrun the limit while their checks are still running.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress

from faxgate.domain.throttle import LeakyBuckets, RecentKeys


@functools.lru_cache(maxsize=4096)  # parsing an address costs more than the rest of a check
def address_key(host: str) -> str:
    """An IPv6 client counts by its /64 (one host usually holds the whole /64)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def login_key(login: str) -> str:
    """The login, or a digest of one longer than any real login (it may be as long as the
    header allows, and the tables hold many keys)."""
    if len(login) <= 64:
        return login
    return "#" + hashlib.blake2b(login.encode(), digest_size=16).hexdigest()


class LoginThrottle:
    def __init__(
        self,
        per_address: int,
        per_login: int,
        window_secs: float,
        known_address_secs: float,
        max_entries: int,
    ) -> None:
        self._addresses = LeakyBuckets(per_address, window_secs, max_entries)
        self._logins = LeakyBuckets(per_login, window_secs, max_entries)
        self._known = RecentKeys(known_address_secs, max_entries)

    def wait(self, login: str, host: str, now: float) -> float:
        """Seconds until this address may try this login; 0.0 when it may now."""
        address, user = address_key(host), login_key(login)
        wait = self._addresses.wait(address, now)
        if not self._known.seen((user, address), now):
            wait = max(wait, self._logins.wait(user, now))
        return wait

    def attempt(self, login: str, host: str, now: float) -> None:
        self._addresses.add(address_key(host), now)
        self._logins.add(login_key(login), now)

    def withdraw(self, login: str, host: str, now: float) -> None:
        """The attempt was never judged (the check could not run): it does not count."""
        self._addresses.take_back(address_key(host), now)
        self._logins.take_back(login_key(login), now)

    def succeeded(self, login: str, host: str, now: float) -> None:
        self.withdraw(login, host, now)
        self.known(login, host, now)

    def known(self, login: str, host: str, now: float) -> None:
        """The login works from this address (its password was right here just now)."""
        self._known.add((login_key(login), address_key(host)), now)
