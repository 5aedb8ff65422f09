"""The address policy, without any network."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.config import Settings
from faxgate.net.guard import NetworkPolicy, OutboundRefused, check_scheme, embedded_ipv4

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("169.254.169.254", "link-local"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.10", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fd12:3456::1", "unique local"),
    ("fc00::1", "unique local"),
    ("fe80::1", "link-local"),
    ("fe80::1%2", "link-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:100.64.0.1", "CGNAT"),
    ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("::7f00:1", "reserved"),  # deprecated IPv4-compatible form
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.0",
    "172.32.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_non_public_addresses_are_refused_by_default(address: str, why: str) -> None:
    reason = NetworkPolicy().refusal(address)
    assert reason is not None
    assert why in reason
    assert "FAXGATE_ALLOW_NETWORKS" in reason
    with pytest.raises(OutboundRefused):
        NetworkPolicy().check(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert NetworkPolicy().refusal(address) is None


def test_allowed_networks_open_exactly_their_range() -> None:
    policy = NetworkPolicy.from_settings(Settings(allow_networks=("127.0.0.0/8", "fd00::/8")))
    assert policy.refusal("127.0.0.1") is None
    assert policy.refusal("::ffff:127.0.0.1") is None  # the mapped form of an allowed address
    assert policy.refusal("fd00::5") is None
    assert policy.refusal("10.0.0.1") is not None
    assert policy.refusal("::1") is not None  # IPv6 loopback is another network
    assert policy.refusal("fe80::1") is not None


def test_message_names_the_address_and_a_setting_that_allows_it() -> None:
    reason = NetworkPolicy().refusal("::ffff:10.9.8.7")
    assert reason is not None
    assert "10.9.8.7" in reason
    assert "10.9.8.7/32" in reason


def test_a_bad_network_in_the_settings_is_named() -> None:
    with pytest.raises(ValueError, match="not-a-net"):
        NetworkPolicy.from_settings(Settings(allow_networks=("not-a-net",)))


def test_host_bits_in_an_allowed_network_are_tolerated() -> None:
    policy = NetworkPolicy.from_settings(Settings(allow_networks=("192.168.1.7/24",)))
    assert policy.refusal("192.168.1.200") is None


@pytest.mark.parametrize("scheme", ["ftp", "file", "gopher", "data", ""])
def test_only_http_and_https_schemes(scheme: str) -> None:
    with pytest.raises(OutboundRefused, match="only http and https"):
        check_scheme(f"{scheme}://x", scheme)
    check_scheme("https://x", "HTTPS")
    check_scheme("http://x", "http")


@given(st.ip_addresses(v=4))
def test_a_mapped_ipv4_address_is_judged_like_the_address(address: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    assert embedded_ipv4(mapped) == address
    policy = NetworkPolicy()
    assert (policy.refusal(mapped) is None) == (policy.refusal(address) is None)


@given(st.ip_addresses(v=4))
def test_ipv4_refusal_agrees_with_the_standard_library_where_it_is_stable(
    address: ipaddress.IPv4Address,
) -> None:
    # Anything Python calls private, loopback or multicast must be refused here too.
    if address.is_private or address.is_loopback or address.is_multicast:
        assert NetworkPolicy().refusal(address) is not None
