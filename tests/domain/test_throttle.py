"""Throttle tables: the limit, the drain, the memory bound, and what counts as one address."""

from __future__ import annotations

from faxgate.domain.login_throttle import LoginThrottle, address_key
from faxgate.domain.throttle import LeakyBuckets, RecentKeys


def test_a_key_waits_once_its_limit_is_used_and_drains_back() -> None:
    buckets = LeakyBuckets(limit=3, window_secs=30.0, max_entries=10)
    for _ in range(3):
        assert buckets.wait("a", 0.0) == 0.0
        buckets.add("a", 0.0)
    assert buckets.wait("a", 0.0) == 10.0  # one attempt drains every 30/3 s
    assert buckets.wait("b", 0.0) == 0.0
    assert buckets.wait("a", 10.0) == 0.0
    buckets.take_back("a", 10.0)
    assert buckets.level("a", 10.0) == 1.0


def test_made_up_keys_cannot_grow_a_table_past_its_bound() -> None:
    buckets = LeakyBuckets(limit=2, window_secs=60.0, max_entries=100)
    recent = RecentKeys(keep_secs=60.0, max_entries=100)
    for n in range(10_000):
        buckets.add(f"key-{n}", float(n) / 1000)
        recent.add(f"key-{n}", float(n) / 1000)
    assert len(buckets) == 100
    assert len(recent) == 100
    assert recent.seen("key-9999", 10.0)
    assert not recent.seen("key-0", 10.0)  # the least recently seen went first


def test_drained_entries_leave_the_table() -> None:
    buckets = LeakyBuckets(limit=2, window_secs=1.0, max_entries=100)
    buckets.add("old", 0.0)
    buckets.add("new", 5.0)
    assert len(buckets) == 1


def test_an_ipv6_client_counts_by_its_64_prefix() -> None:
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1") == "192.0.2.1"
    assert address_key("not an address") == "not an address"


def test_a_login_under_attack_spares_the_addresses_it_succeeded_from() -> None:
    throttle = LoginThrottle(
        per_address=10, per_login=2, window_secs=60.0, known_address_secs=3600.0, max_entries=100
    )
    throttle.attempt("alice", "203.0.113.1", 0.0)
    throttle.succeeded("alice", "203.0.113.1", 0.0)
    for n in range(2):
        throttle.attempt("alice", f"192.0.2.{n}", 1.0)
    assert throttle.wait("alice", "192.0.2.50", 1.0) > 0
    assert throttle.wait("alice", "203.0.113.1", 1.0) == 0.0
    assert throttle.wait("bob", "192.0.2.50", 1.0) == 0.0
    assert throttle.wait("alice", "203.0.113.1", 4000.0) == 0.0  # drained by then anyway
