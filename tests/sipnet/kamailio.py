"""A real Kamailio on loopback as the SIP trunk of a test.

It is registrar (contacts in memory) and proxy with digest auth: REGISTER is challenged
with 401, every initial request with 407. An INVITE to sip:{number}@{domain} goes to
- a fixed host:port when `routes` names the number (the request URI keeps the number),
- else the registered contact of the user `aliases` maps the number to (the request URI
  becomes the contact, To keeps the number), or of the user of that name,
- else it is answered 480.
Dialogs are record-routed, so ACK, re-INVITE and BYE pass the proxy too. The domain is
a name of its own (default trunk.test), known to Kamailio without DNS.

    with kamailio(users={"gw": "pw"}, aliases={"4930123": "gw"}) as trunk:
        ... trunk.port ...
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.sipnet.ports import free_port
from tests.sipnet.programs import die_with_parent, require
from tests.sipnet.templates import render

HOST = "127.0.0.1"
# A name, not an address: Kamailio takes its domain, on every port, as itself, so with
# 127.0.0.1 it would take the contacts of the user agents on loopback for its own.
DOMAIN = "trunk.test"
CONFIG = Path(__file__).with_name("kamailio.cfg")
_START_ATTEMPTS = 4  # fresh ports when another process turned out to hold the one chosen
_LOG_TAIL = 200  # lines of the log shown when a test inside fails


class KamailioError(RuntimeError):
    pass


@dataclass(frozen=True)
class Trunk:
    host: str
    port: int
    domain: str
    log_path: Path

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def log(self) -> str:
        """Kamailio's log so far (one line per request received); inside the block only."""
        return self.log_path.read_text(errors="replace")


@contextmanager
def kamailio(
    *,
    users: Mapping[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
    routes: Mapping[str, tuple[str, int]] | None = None,
    domain: str = DOMAIN,
    start_timeout: float = 15.0,
) -> Iterator[Trunk]:
    """Run Kamailio until the block ends: `users` digest user -> password, `aliases`
    number -> user, `routes` number -> (host, port); `domain` a name that needs no DNS.
    Its log is printed if the block fails."""
    if _is_address(domain):
        raise ValueError(
            f"domain {domain!r}: give a name such as {DOMAIN}; Kamailio takes its domain on"
            " every port as itself, which would include the contacts on that address"
        )
    binary = require("kamailio", "kamailio")
    tables = {
        "users": dict(users or {}),
        "aliases": dict(aliases or {}),
        "routes": {number: f"{host}:{port}" for number, (host, port) in (routes or {}).items()},
    }
    with tempfile.TemporaryDirectory(prefix="kamailio-") as tmp:
        workdir = Path(tmp)
        _write_tables(workdir / "tables", tables)
        process, trunk = _start(binary, workdir, domain, start_timeout)
        try:
            yield trunk
        except BaseException:
            _show_log(trunk)
            raise
        finally:
            _stop(process)


def _start(
    binary: str, workdir: Path, domain: str, timeout: float
) -> tuple[subprocess.Popen[bytes], Trunk]:
    failures: list[str] = []
    for attempt in range(_START_ATTEMPTS):
        port = free_port(HOST)
        token = secrets.token_hex(8)
        config = workdir / "kamailio.cfg"
        config.write_text(
            render(
                CONFIG,
                {
                    "PORT": port,
                    "DOMAIN": domain,
                    "TABLES": workdir / "tables",
                    "TOKEN": token,
                },
            )
        )
        rundir = workdir / f"run{attempt}"
        rundir.mkdir()
        trunk = Trunk(HOST, port, domain, workdir / f"kamailio{attempt}.log")
        with trunk.log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, "-DD", "-E", "-f", str(config), "-Y", str(rundir), "-m", "32"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its children go with it on stop
                preexec_fn=die_with_parent,  # noqa: PLW1509 - started from the test's thread
            )
        fault = _await_answer(process, trunk, token, timeout)
        if fault is None:
            return process, trunk
        _stop(process)
        failures.append(f"port {port}: {fault}")
        if process.returncode not in (None, 0, -signal.SIGTERM) and "bind" not in trunk.log():
            break  # a fault of its own (configuration), not a port taken meanwhile
    last_log = trunk.log()[-4000:]
    raise KamailioError(f"Kamailio did not start: {'; '.join(failures)}\n{last_log}")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _await_answer(
    process: subprocess.Popen[bytes], trunk: Trunk, token: str, timeout: float
) -> str | None:
    """None once this instance answers an OPTIONS ping with its own token; else the fault.
    Another server on the same port (SO_REUSEADDR) would answer without it."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        sock.settimeout(0.2)
        local_port = sock.getsockname()[1]
        sequence = 0
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"exited with status {process.returncode}"
            sequence += 1
            sock.sendto(_options(trunk, local_port, sequence), trunk.address)
            try:
                answer = sock.recv(65535).decode(errors="replace")
            except (TimeoutError, ConnectionRefusedError):
                continue
            if not answer.startswith("SIP/2.0 200"):
                continue
            if f"X-Instance: {token}" in answer:
                return None
            return "another server answers on this port"
    return f"no answer to OPTIONS within {timeout:g} s"


def _options(trunk: Trunk, local_port: int, sequence: int) -> bytes:
    return (
        f"OPTIONS sip:{trunk.host}:{trunk.port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {HOST}:{local_port};branch=z9hG4bK-ping{sequence}-{local_port}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:ping@{HOST}>;tag=ping{local_port}\r\n"
        f"To: <sip:{trunk.host}:{trunk.port}>\r\n"
        f"Call-ID: ping-{local_port}@{HOST}\r\n"
        f"CSeq: {sequence} OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def _write_tables(directory: Path, tables: Mapping[str, Mapping[str, str]]) -> None:
    """db_text files in the layout of htable's database tables (Kamailio loads them at start)."""
    directory.mkdir()
    header = "key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\n"
    for name, rows in tables.items():
        lines = [f"{_escape(key)}:0:0:{_escape(value)}:0\n" for key, value in rows.items()]
        (directory / name).write_text(header + "".join(lines))


def _escape(value: str) -> str:
    if not value or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        raise ValueError(f"not usable in a Kamailio table: {value!r}")
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # children that outlived the main process
        os.killpg(process.pid, signal.SIGKILL)


def _show_log(trunk: Trunk) -> None:
    lines = trunk.log().splitlines()[-_LOG_TAIL:]
    print(f"--- Kamailio log ({trunk.log_path.name}, last {len(lines)} lines) ---", file=sys.stderr)
    print("\n".join(lines), file=sys.stderr)
