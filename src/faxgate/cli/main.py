"""faxgate serve | worker | accounts | numbers | send | reports | render.

The web server, the runtime and the database are imported inside the commands that use them
(see faxgate.cli.common).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from faxgate.cli.admin import (
    block_command,
    configure_command,
    push_group,
    templates_group,
    unblock_command,
)
from faxgate.cli.client import jobs, reports_group, send
from faxgate.cli.common import run_service, settings_from, store_options, with_database
from faxgate.cli.inbound import inbound_group
from faxgate.cli.receive import receive_command
from faxgate.cli.secrets import secrets_group
from faxgate.domain.ids import dc_code
from faxgate.domain.number_plan import PLAN

if TYPE_CHECKING:
    from faxgate.config import Settings
    from faxgate.service.accounts import DemoAccount
    from faxgate.store.db import Database


@click.group()
@click.version_option(package_name="faxgate")
def main() -> None:
    """faxgate: a self-hostable fax service speaking the Retarus Fax4A REST API v1.

    \b
    The API clients (send, jobs, reports) read FAXGATE_URL (default http://127.0.0.1:8080),
    FAXGATE_CUST_NR, FAXGATE_LOGIN and FAXGATE_PASSWORD. The service and admin commands
    read FAXGATE_DATA_DIR (default ./data) and FAXGATE_DB_URL (default SQLite in it), and
    the other FAXGATE_* settings (README, "Configuration").
    Shell completion (bash): eval "$(_FAXGATE_COMPLETE=bash_source faxgate)"
    """


def _check_port(host: str, port: int) -> None:
    """A port in use is one line, before a worker starts on the database (uvicorn would
    only find out after start-up)."""
    import socket  # noqa: PLC0415

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


async def _nothing(db: Database) -> None:
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _print_demo(demo: DemoAccount, host: str, port: int, api: str = "/rest/v1") -> None:
    url = f"http://{host}:{port}{api.removesuffix('/rest/v1')}"
    click.echo(
        f"\nCreated a demo account (first start, empty database):\n"
        f"  custNr {demo.cust_nr}   login {demo.login}   password {demo.password}\n\n"
        f"Send a fax to the test number +99900:\n"
        f"  curl -s -u {demo.login}:{demo.password} -H 'Content-Type: application/json' \\\n"
        f"    {url}/rest/v1/{demo.cust_nr}/fax \\\n"
        f'    -d \'{{"recipients":[{{"number":"+99900"}}],'
        f'"documents":[{{"name":"hello.txt","data":"SGVsbG8sIGZheCE="}}]}}\'\n'
        f"Read the reports:\n"
        f"  curl -s -u {demo.login}:{demo.password} {url}/rest/v1/{demo.cust_nr}/fax/reports\n",
        err=True,
    )


def _proxy_options(trusted: tuple[str, ...]) -> dict[str, Any]:
    """X-Forwarded-For/-Proto count only from FAXGATE_TRUSTED_PROXIES (uvicorn would trust
    127.0.0.1 by default: anyone on the host could then pose as any address)."""
    for entry in trusted:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise click.UsageError(
                f"FAXGATE_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": list(trusted) or None}


def _check_sandbox(settings: Settings) -> None:
    """A converter sandbox the settings require but this host cannot give is a one-line
    error before anything starts (not a traceback out of the first render)."""
    from faxgate.render.sandbox import SandboxUnavailable, sandbox_for  # noqa: PLC0415

    try:
        sandbox_for(settings.sandbox)
    except (SandboxUnavailable, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


def _check_spool(settings: Settings) -> None:
    from faxgate.store.spools import spool_kind  # noqa: PLC0415 - SQLAlchemy, see top

    try:
        spool_kind(settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _check_topology(dc: str | None, region: str | None, shared_reports: bool) -> None:
    from faxgate.api.datacenters import region_dcs  # noqa: PLC0415 - Starlette, see top

    if region and dc:
        raise click.UsageError("--dc and --region exclude each other")
    if shared_reports and not region:
        raise click.UsageError("--shared-reports goes with --region")
    try:
        if region:
            region_dcs(region)
        if dc:
            dc_code(dc)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--dc", default=None, help="Data-center identity carried in job IDs (e.g. de1).")
@click.option(
    "--region",
    default=None,
    help="Emulate a region in one process: HA URL /rest/v1, DC URLs /<region>1/rest/v1 and "
    "/<region>2/rest/v1 (e.g. --region de).",
)
@click.option(
    "--shared-reports", is_flag=True, help="With --region: every URL sees every job of the login."
)
@click.option("--no-workers", is_flag=True, help="Serve the API only; run `faxgate worker` apart.")
@store_options
def serve(
    host: str,
    port: int,
    dc: str | None,
    region: str | None,
    shared_reports: bool,
    no_workers: bool,
    data_dir: Path | None,
    db_url: str | None,
) -> None:
    """Run the HTTP API, with the fax workers in the same process by default."""
    import uvicorn  # noqa: PLC0415 - heavy, see top

    from faxgate import logs  # noqa: PLC0415 - heavy, see top
    from faxgate.api.http_server import server_config  # noqa: PLC0415 - heavy, see top
    from faxgate.carriers.base import CarrierUnavailable  # noqa: PLC0415 - heavy
    from faxgate.carriers.registry import routes  # noqa: PLC0415 - heavy
    from faxgate.runtime import build_app, open_runtime  # noqa: PLC0415 - heavy, see top
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - heavy, see top
    from faxgate.service import accounts  # noqa: PLC0415 - heavy, see top

    _check_topology(dc, region, shared_reports)
    settings = settings_from(
        data_dir, db_url, dc=dc, region=region, shared_reports=shared_reports or None
    )
    logs.configure(settings.log_level, settings.log_format)
    proxy = _proxy_options(settings.trusted_proxies)
    _check_port(host, port)
    _check_spool(settings)
    if settings.workers_in_serve and not no_workers:
        _check_sandbox(settings)
    demo = with_database(  # also proves the database usable before anything starts
        settings, accounts.create_demo_if_empty if _is_loopback(host) else _nothing, tell=False
    )

    async def run() -> None:
        runtime = await open_runtime(settings)
        region, shared = settings.region, settings.shared_reports  # flags or FAXGATE_*
        where = (
            f"region {region}: HA /rest/v1, DCs /{region}1/rest/v1 and /{region}2/rest/v1"
            f"{' (shared reports)' if shared else ''}"
            if region
            else f"dc {settings.dc}"
        )
        click.echo(
            f"faxgate on http://{host}:{port} ({where}, carrier {runtime.carrier.name}, "
            f"database {runtime.db.dialect})",
            err=True,
        )
        click.echo("\n".join(routes(runtime.carrier, settings)), err=True)
        if demo:
            # With strict regions a DC's reports are read at its own URL, not the HA URL (421)
            strict = region and not shared
            _print_demo(demo, host, port, f"/{region}1/rest/v1" if strict else "/rest/v1")
        with_workers = settings.workers_in_serve and not no_workers
        if with_workers:
            try:
                await runtime.open_line()
            except BaseException:
                await runtime.stop()
                raise
        app = build_app(runtime, with_workers=with_workers)
        await uvicorn.Server(server_config(app, host, port, settings, **proxy)).serve()

    try:
        run_service(run)
    except (SecretKeyError, CarrierUnavailable) as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@store_options
def worker(data_dir: Path | None, db_url: str | None) -> None:
    """Run fax workers only (several may share one PostgreSQL database)."""
    import asyncio  # noqa: PLC0415 - a tenth of a second, see top

    from faxgate import logs  # noqa: PLC0415 - heavy, see top
    from faxgate.carriers.base import CarrierUnavailable  # noqa: PLC0415 - heavy
    from faxgate.carriers.registry import routes  # noqa: PLC0415 - heavy
    from faxgate.runtime import open_runtime  # noqa: PLC0415 - heavy, see top
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    logs.configure(settings.log_level, settings.log_format)
    _check_spool(settings)
    _check_sandbox(settings)
    with_database(settings, _nothing, tell=False)  # an unusable database is one line, here

    async def run() -> None:
        runtime = await open_runtime(settings)
        click.echo(f"faxgate worker (carrier {runtime.carrier.name})", err=True)
        click.echo("\n".join(routes(runtime.carrier, settings)), err=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await runtime.open_line()
            await runtime.start_workers()
            await stop.wait()
        finally:
            await runtime.stop()

    with contextlib.suppress(KeyboardInterrupt):
        try:
            run_service(run)
        except (SecretKeyError, CarrierUnavailable) as exc:
            raise click.ClickException(str(exc)) from None


@main.group("accounts")
def accounts_group() -> None:
    """Customer numbers and their logins."""


@accounts_group.command("add")
@click.option("--cust-nr", required=True, help="Customer number, e.g. 99999TE.")
@click.option("--login", required=True, help="Login ID (the Basic-auth user).")
@click.option("--password", required=True, help="Password (stored as an argon2 hash).")
@store_options
def accounts_add(
    cust_nr: str, login: str, password: str, data_dir: Path | None, db_url: str | None
) -> None:
    """Create a login (and its account if new); an existing login gets the new password."""
    from faxgate.service import accounts  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    try:
        with_database(settings, lambda db: accounts.add_login(db, cust_nr, login, password))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"login {login} of customer {cust_nr} is ready")


@accounts_group.command("list")
@store_options
def accounts_list(data_dir: Path | None, db_url: str | None) -> None:
    """Every login with its customer number."""
    from faxgate.service import accounts  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    for row in with_database(settings, accounts.list_logins):
        click.echo(f"{row.cust_nr}\t{row.login}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def numbers(as_json: bool) -> None:
    """The test number plan: +999 numbers and what they do."""
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"number": e.number, "status": e.status.value, "description": e.description}
                    for e in PLAN
                ],
                indent=2,
            )
        )
        return
    click.echo("Every other number reaches a fax machine that answers OK.\n")
    for entry in PLAN:
        click.echo(f"{entry.number:<10} {entry.status.value:<17} {entry.description}")


class _ImportedWhenRun(click.Command):
    """Stands in for a command whose module is costly to import. The group's help lists it from
    `help_text`, a copy of the real command's help (tests/cli/test_startup.py checks it); the
    real command is imported to parse the arguments, so it runs and shows its own help."""

    def __init__(self, name: str, help_text: str, load: Callable[[], click.Command]) -> None:
        super().__init__(name, help=help_text)
        self._load = load

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        return self._load().make_context(info_name, args, parent, **extra)


def _render_command() -> click.Command:
    # Any faxgate.render module loads the package, which loads the whole rendering pipeline.
    from faxgate.render.command import render_command  # noqa: PLC0415 - see above

    return render_command


accounts_group.add_command(block_command)
accounts_group.add_command(unblock_command)
accounts_group.add_command(configure_command)
main.add_command(push_group)
main.add_command(inbound_group)
main.add_command(receive_command)
main.add_command(secrets_group)
main.add_command(templates_group)
main.add_command(send)
main.add_command(reports_group)
main.add_command(jobs)
main.add_command(
    _ImportedWhenRun(
        "render",
        "Render FILES (and/or a cover page) into one fax TIFF, as the service would send it.",
        _render_command,
    )
)
