"""A real two-DC deployment on loopback: `faxgate serve --dc de1` on SQLite, `--dc de2` on
PostgreSQL, and real nginx running the shipped deploy/nginx/faxgate-ha.conf as the HA URL.

`deployment` starts it all and stops every process at the end, also when the test fails;
then the logs of the faxgate processes and nginx's error log are attached to the report.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import (
    CUST_NR,
    FAST_ENV,
    FAXGATE,
    LOGIN,
    PASSWORD,
    clean_env,
    free_port,
    run_cli,
)
from tests.e2e.sdk import sdk_python  # noqa: F401 (fixture: the SDK venv, built once)

REPO = Path(__file__).resolve().parents[2]
HA_CONF = REPO / "deploy" / "nginx" / "faxgate-ha.conf"
PLACEHOLDER = re.compile(r"\$\{(FAXGATE_[A-Z0-9_]+)\}")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
LOGS = pytest.StashKey[list[Path]]()


def render(template: str, values: dict[str, str]) -> str:
    """envsubst limited to the ${FAXGATE_…} placeholders; every one must have a value."""
    missing = sorted(set(PLACEHOLDER.findall(template)) - set(values))
    assert not missing, f"no value for placeholders {missing}"
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def wait_until(
    ready: Callable[[], bool], what: str, within: float, log: Path | None = None
) -> None:
    """Poll `ready()` until it is true; fail with the log's tail after `within` seconds."""
    deadline = time.monotonic() + within
    while not ready():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-5000:] if log and log.exists() else ""
            raise AssertionError(f"{what} not ready in {within}s\n{tail}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


@dataclass
class DataCenter:
    """One `faxgate serve --dc NAME` process on its own database."""

    name: str  # de1, de2
    data_dir: Path
    db_url: str | None  # None: SQLite in data_dir
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)
    _log_file: IO[bytes] | None = None

    def __post_init__(self) -> None:
        self.log = self.data_dir.parent / f"serve-{self.name}.log"

    @property
    def code(self) -> str:
        """What `dc_of(job_id)` gives for this DC's jobs."""
        return self.name.upper()

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"

    def store_args(self) -> list[str]:
        return ["--data-dir", str(self.data_dir), *(["--db", self.db_url] if self.db_url else [])]

    def add_account(self) -> None:
        done = run_cli(
            *("accounts", "add", "--cust-nr", CUST_NR, "--login", LOGIN, "--password", PASSWORD),
            *self.store_args(),
            env=clean_env(**FAST_ENV),
        )
        assert done.returncode == 0, f"accounts add ({self.name}):\n{done.stdout}{done.stderr}"

    def launch(self) -> None:
        """Start `faxgate serve`; `wait_healthy` afterwards (DCs start side by side)."""
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                FAXGATE,
                *("serve", "--host", "127.0.0.1", "--port", str(self.port), "--dc", self.name),
                *self.store_args(),
            ],
            # nginx on loopback forwards the client's address, as docs/ha.md recommends.
            env=clean_env(**FAST_ENV, FAXGATE_TRUSTED_PROXIES="127.0.0.1"),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self) -> None:
        wait_until(self.healthy, f"faxgate serve --dc {self.name}", START_TIMEOUT, self.log)

    def healthy(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, f"faxgate exited:\n{self.log.read_text()[-5000:]}"
        try:
            answer = httpx.get(f"http://{self.addr}/faxgate/v1/health", timeout=2)
        except httpx.TransportError:
            return False
        return answer.status_code == 200 and answer.json().get("dc") == self.name

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """SIGTERM (SIGKILL after a while): the DC is down, its port refuses connections."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@dataclass
class Nginx:
    """Real nginx on the rendered HA configuration; all its files under `root`."""

    binary: str
    root: Path
    values: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def error_log(self) -> Path:
        return self.root / "error.log"

    def write_config(self) -> Path:
        """The shipped file rendered with our ports, included from a throwaway nginx.conf."""
        include = self.root / "faxgate-ha.conf"
        include.write_text(render(HA_CONF.read_text(), self.values))
        temp = {
            name: self.root / "temp" / name
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        }
        for path in temp.values():
            path.mkdir(parents=True, exist_ok=True)
        main = self.root / "nginx.conf"
        main.write_text(
            # As root, nginx's workers would run as `nobody`, who cannot enter pytest's
            # temporary directories; keep them root (loopback only, test only).
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"error_log {self.error_log} info;\n"
            + "worker_processes 1;\n"
            + "events { worker_connections 256; }\n"
            + "http {\n"
            + f"    access_log {self.root / 'access.log'};\n"
            + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
            + f"    include {include};\n"
            + "}\n"
        )
        return main

    def command(self, main: Path, *extra: str) -> list[str]:
        return [
            self.binary,
            "-p",
            str(self.root),
            "-e",
            str(self.error_log),
            "-c",
            str(main),
            *extra,
        ]

    def start(self, ports: list[int]) -> None:
        main = self.write_config()
        checked = subprocess.run(
            self.command(main, "-t"), capture_output=True, text=True, timeout=60, check=False
        )
        assert checked.returncode == 0, f"nginx -t:\n{checked.stdout}{checked.stderr}"
        daemon_off = f"daemon off; pid {self.root / 'nginx.pid'};"
        self.process = subprocess.Popen(
            self.command(main, "-g", daemon_off),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def listening() -> bool:
            assert self.process is not None and self.process.poll() is None, "nginx exited"
            return all(port_open(port) for port in ports)

        wait_until(listening, "nginx", START_TIMEOUT, self.error_log)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)  # SIGTERM: fast shutdown of master and workers
            self.process = None


def port_open(port: int) -> bool:
    try:
        with httpx.Client(timeout=2) as client:
            client.get(f"http://127.0.0.1:{port}/")
    except httpx.TransportError:
        return False
    return True


@dataclass
class Deployment:
    """The HA URL and the two DC URLs, as a client sees them."""

    dcs: dict[str, DataCenter]  # by code: DE1, DE2
    nginx: Nginx
    ha_port: int
    dc_ports: dict[str, int]  # nginx's DC server per DC code

    @property
    def ha_url(self) -> str:
        return f"http://127.0.0.1:{self.ha_port}"

    def dc_url(self, code: str) -> str:
        return f"http://127.0.0.1:{self.dc_ports[code]}"

    def client(self) -> httpx.Client:
        return httpx.Client(auth=(LOGIN, PASSWORD), timeout=60)


def _pg_admin(server: str, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(server.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def nginx_binary() -> str:
    found = find_nginx()
    if found is None:
        if os.environ.get("CI"):  # scripts/setup --dev installs it: its absence is a failure
            pytest.fail("nginx is missing (scripts/setup --dev installs it)")
        pytest.skip("nginx not installed (apt-get install nginx)")
    return found


@pytest.fixture
def pg_database(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for DC2 (faxgate migrates it on first use)."""
    name = f"ha_{uuid.uuid4().hex[:12]}"
    _pg_admin(postgres_server, f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    _pg_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest, nginx_binary: str, pg_database: str, tmp_path: Path
) -> Iterator[Deployment]:
    """DE1 (SQLite) and DE2 (PostgreSQL), one login on both, nginx in front."""
    dcs = {
        "DE1": DataCenter("de1", tmp_path / "de1", None),
        "DE2": DataCenter("de2", tmp_path / "de2", pg_database),
    }
    ha_port, dc_ports = free_port(), {code: free_port() for code in dcs}
    dc_urls = {code: f"http://127.0.0.1:{port}" for code, port in dc_ports.items()}
    values = {
        "FAXGATE_HA_LISTEN": f"127.0.0.1:{ha_port}",
        "FAXGATE_HA_SERVER_NAME": "faxws-ha.test",
        **{f"FAXGATE_DC{n}_ADDR": dcs[f"DE{n}"].addr for n in (1, 2)},
        **{f"FAXGATE_DC{n}_LISTEN": f"127.0.0.1:{dc_ports[f'DE{n}']}" for n in (1, 2)},
        **{f"FAXGATE_DC{n}_SERVER_NAME": f"faxws.de{n}.test" for n in (1, 2)},
        **{f"FAXGATE_DC{n}_URL": dc_urls[f"DE{n}"] for n in (1, 2)},
    }
    (tmp_path / "nginx").mkdir()
    nginx = Nginx(nginx_binary, tmp_path / "nginx", values)
    request.node.stash[LOGS] = [dc.log for dc in dcs.values()] + [nginx.error_log]
    try:
        for dc in dcs.values():
            dc.data_dir.mkdir()
        # side by side: each start imports the service and migrates a database
        with ThreadPoolExecutor(len(dcs)) as pool:
            list(pool.map(DataCenter.add_account, dcs.values()))
        for dc in dcs.values():
            dc.launch()
        for dc in dcs.values():
            dc.wait_healthy()
        nginx.start([ha_port, *dc_ports.values()])
        yield Deployment(dcs, nginx, ha_port, dc_ports)
    finally:
        nginx.stop()
        for dc in dcs.values():
            dc.terminate()
        for dc in dcs.values():
            dc.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for log in item.stash.get(LOGS, []):
            text = log.read_text(errors="replace")[-10000:] if log.exists() else "(none)"
            report.sections.append((f"{log.name} ({report.when})", text))
    return report
