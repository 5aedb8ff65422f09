"""How the guarded backend picks among the addresses a name resolves to."""

from __future__ import annotations

import pytest

from faxgate.net.backend import _allowed
from faxgate.net.guard import NetworkPolicy, OutboundRefused


def test_refused_addresses_of_a_name_are_skipped_not_connected_to() -> None:
    addresses = ["127.0.0.1", "93.184.216.34", "::1", "2606:4700::1111"]
    assert _allowed(NetworkPolicy(), "mixed.example", addresses) == [
        "93.184.216.34",
        "2606:4700::1111",
    ]


def test_a_name_with_only_refused_addresses_is_refused_with_the_address_named() -> None:
    with pytest.raises(OutboundRefused, match=r"internal\.example: address 10\.0\.0\.5 is private"):
        _allowed(NetworkPolicy(), "internal.example", ["10.0.0.5", "10.0.0.6"])


def test_an_ip_literal_is_reported_without_repeating_it() -> None:
    with pytest.raises(OutboundRefused, match=r"^address 169\.254\.169\.254 is link-local"):
        _allowed(NetworkPolicy(), "169.254.169.254", ["169.254.169.254"])
