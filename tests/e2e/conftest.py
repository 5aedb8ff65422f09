"""Real `faxgate serve` processes for the end-to-end tests.

`faxgate_factory` starts servers as an operator would: a free loopback port, a temporary data
directory, an optional database URL (SQLite by default, or a fresh PostgreSQL database), a
login made with `faxgate accounts add` before the first start. A server can be killed with
SIGKILL and started again on the same data. When a test fails, the stderr of every server it
started is attached to the failure report.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import pytest

from tests.e2e.sdk import sdk_python  # noqa: F401 (fixture: the SDK venv, built once)

FAXGATE = str(Path(sys.executable).with_name("faxgate"))
CUST_NR = "99999TE"
LOGIN = "alice"
PASSWORD = "e2e>?>secret?"  # its urlsafe and standard base64 differ (spec §2.1)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
FAST_ENV = {
    "FAXGATE_CARRIER": "simulator",
    "FAXGATE_RETRY_BACKOFF_SECS": "0.1",
    "FAXGATE_POLL_INTERVAL_SECS": "0.05",
    "FAXGATE_RENDER_PROCESSES": "1",
}
SERVERS = pytest.StashKey[list["FaxgateServer"]]()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any FAXGATE_* of the developer, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAXGATE_")}
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real `faxgate` console script; never raises on a non-zero exit."""
    return subprocess.run(
        [FAXGATE, *args],
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def store_args(data_dir: Path, db_url: str | None) -> list[str]:
    return ["--data-dir", str(data_dir), *(["--db", db_url] if db_url else [])]


@dataclass
class FaxgateServer:
    """One data directory (and database) served by successive `faxgate serve` processes."""

    data_dir: Path
    db_url: str | None
    env: dict[str, str]
    cust_nr: str = CUST_NR
    login: str = LOGIN
    password: str = PASSWORD
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)
    _log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.login, self.password)

    def fax_url(self, path: str = "") -> str:
        return f"{self.url}/rest/v1/{self.cust_nr}/fax{path}"

    def client(self, timeout: float = 30) -> httpx.Client:
        return httpx.Client(auth=self.auth, timeout=timeout)

    def start(self, wait: bool = True) -> None:
        """Start `faxgate serve` on a new free port; wait until /faxgate/v1/health is ok."""
        assert self.process is None, "already running"
        self.port = free_port()
        log = self.data_dir.parent / f"serve-{self.data_dir.name}-{len(self.logs) + 1}.log"
        self.logs.append(log)
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [
                FAXGATE,
                *("serve", "--host", "127.0.0.1", "--port", str(self.port)),
                *store_args(self.data_dir, self.db_url),
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_healthy()

    def wait_healthy(self, within: float = START_TIMEOUT) -> None:
        assert self.process is not None
        deadline = time.monotonic() + within
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"faxgate serve exited with {self.process.returncode}:\n{self.stderr()}"
                )
            try:
                response = httpx.get(f"{self.url}/faxgate/v1/health", timeout=2)
                if response.status_code == 200 and response.json().get("status") == "ok":
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"faxgate serve not healthy in {within}s:\n{self.stderr()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, leases stay held in the database."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)
        self._closed()

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL when it does not exit in time; the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        code = self.process.returncode
        self._closed()
        return code

    def _closed(self) -> None:
        self.process = None
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def stderr(self, run: int | None = None) -> str:
        """The stderr of every start (or of start number `run`, 1-based)."""
        chosen = self.logs if run is None else [self.logs[run - 1]]
        parts = []
        for n, path in enumerate(chosen, 1):
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- faxgate serve start {n if run is None else run} ---\n{text}")
        return "\n".join(parts)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`faxgate ARGS` as a client of this server (FAXGATE_URL, FAXGATE_LOGIN, …)."""
        env = clean_env(
            FAXGATE_URL=self.url,
            FAXGATE_CUST_NR=self.cust_nr,
            FAXGATE_LOGIN=self.login,
            FAXGATE_PASSWORD=self.password,
        )
        return run_cli(*args, env=env, timeout=timeout)

    def store_args(self) -> list[str]:
        return store_args(self.data_dir, self.db_url)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for server in item.stash.get(SERVERS, []):
            tail = server.stderr()[-20000:]
            report.sections.append((f"faxgate serve {server.data_dir.name} ({report.when})", tail))
    return report


# --- databases ---------------------------------------------------------------------------


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _pg_admin(server: str, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(_plain(server))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None: SQLite in the data directory (the default); else a fresh, empty PostgreSQL DB."""
    if request.param == "sqlite":
        yield None
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    _pg_admin(server, f'CREATE DATABASE "{name}"')
    yield server.rsplit("/", 1)[0] + "/" + name
    _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- servers -----------------------------------------------------------------------------

ServerFactory = Callable[..., FaxgateServer]


@pytest.fixture
def faxgate_factory(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str | None
) -> Iterator[ServerFactory]:
    """`faxgate_factory(start=True, add_account=True, **FAXGATE_env)` → a FaxgateServer.

    Every server of the test shares `db_url`; each has its own data directory. All are
    stopped (SIGTERM, then SIGKILL) at the end of the test.
    """
    servers: list[FaxgateServer] = []
    request.node.stash[SERVERS] = servers

    def make(start: bool = True, add_account: bool = True, **env: str) -> FaxgateServer:
        data_dir = tmp_path / f"data{len(servers) + 1}"
        server = FaxgateServer(data_dir, db_url, clean_env(**{**FAST_ENV, **env}))
        servers.append(server)
        if add_account:
            done = run_cli(
                "accounts",
                "add",
                "--cust-nr",
                server.cust_nr,
                "--login",
                server.login,
                "--password",
                server.password,
                *server.store_args(),
                env=server.env,
            )
            assert done.returncode == 0, f"accounts add failed:\n{done.stdout}{done.stderr}"
        if start:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(faxgate_factory: ServerFactory) -> FaxgateServer:
    """A running server with one login, simulator carrier, fast retries."""
    return faxgate_factory()
