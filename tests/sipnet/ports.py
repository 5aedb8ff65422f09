"""Free loopback ports for the test servers, found without SO_REUSEADDR.

Kamailio and sipp bind with SO_REUSEADDR, so they would share a port another process holds;
a plain bind tells whether it is really free (a race remains until the server binds, which
the servers' own start checks catch)."""

from __future__ import annotations

import socket

_ATTEMPTS = 50


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on `host`."""
    for _ in range(_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port: int = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise OSError(f"no port free for both UDP and TCP on {host} in {_ATTEMPTS} tries")
