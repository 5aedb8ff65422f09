"""The RTP port range: even ports of the range, ports in use skipped, bad specs named."""

from __future__ import annotations

import socket

import pytest

from faxgate.carriers.sip.ports import PortPool, parse_range


def free_even_run(length: int) -> int:
    """The first port of `length` consecutive free ports, found by the kernel's choice."""
    for _ in range(50):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        base: int = probe.getsockname()[1] & ~1
        probe.close()
        if base + length <= 65535 and base >= 1024:
            return base
    raise AssertionError("no port found")


def test_even_ports_in_turn_skipping_one_in_use_and_closing_gives_it_back() -> None:
    base = free_even_run(6)
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        taken.bind(("127.0.0.1", base + 2))
    except OSError:
        pytest.skip("another test took the port just found")
    pool = PortPool(f"{base}-{base + 5}")
    try:
        first, second = pool.bind_udp("127.0.0.1"), pool.bind_udp("127.0.0.1")
        assert [first.getsockname()[1], second.getsockname()[1]] == [base, base + 4]
        assert not first.getblocking()
        with pytest.raises(OSError, match="no free UDP port"):
            pool.bind_udp("127.0.0.1")
        first.close()
        assert pool.bind_udp("127.0.0.1").getsockname()[1] == base
    finally:
        taken.close()


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("40000", "is not LOW-HIGH"),
        ("40000-", "'' is not a port number"),
        ("x-50000", "'x' is not a port number"),
        ("50000-40000", "LOW <= HIGH"),
        ("80-90", "1024 <= LOW"),
        ("40000-70000", "<= 65535"),
        ("40001-40001", "no even port"),
    ],
)
def test_bad_ranges_are_named(spec: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        PortPool(spec)


def test_an_odd_start_begins_at_the_next_even_port() -> None:
    assert parse_range(" 40001 - 49999 ") == (40002, 49999)
