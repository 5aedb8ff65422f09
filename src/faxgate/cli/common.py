"""Options shared by the commands, and running a coroutine against the database.

Every `faxgate` call imports the whole cli package, so its module level stays cheap: the
database, web server and renderer are imported inside the commands that use them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from faxgate.config import Settings

if TYPE_CHECKING:
    from faxgate.sealing.box import SecretBox
    from faxgate.store.db import Database

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def store_options(func: F) -> F:
    func = click.option(
        "--db", "db_url", envvar="FAXGATE_DB_URL", help="Database URL (default: SQLite)."
    )(func)
    func = click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="FAXGATE_DATA_DIR",
        help="Data directory (default ./data).",
    )(func)
    return func


class SettingError(click.ClickException):
    """A FAXGATE_* setting that cannot be used: one line naming it, exit code 2."""

    exit_code = 2


def settings_from(data_dir: Path | None, db_url: str | None, **more: Any) -> Settings:
    try:
        return Settings.from_env().with_overrides(data_dir=data_dir, db_url=db_url, **more)
    except ValueError as exc:  # the message names the setting (config.py)
        raise SettingError(str(exc)) from None


def with_database(
    settings: Settings, work: Callable[[Database], Awaitable[T]], *, tell: bool = True
) -> T:
    """Run `work` on the settings' database. With `tell` (the admin commands), say on stderr
    which database was used, and loudly when an SQLite database was created for the call: an
    admin command run from another directory would otherwise fill a new, empty database
    that the running service never reads."""
    created = settings.sqlite_path is not None and not settings.sqlite_path.exists()
    result = _run_on_database(settings, work)
    if tell:
        path = settings.sqlite_path
        shown = f"SQLite {path.resolve()}" if path else _shown_url(settings.database_url)
        if created:
            click.secho(
                f"warning: no database was at {shown}: created a new, empty one. "
                "If a service is running elsewhere, give its data directory with --data-dir "
                "or FAXGATE_DATA_DIR.",
                err=True,
                fg="yellow",
            )
        else:
            click.echo(f"database: {shown}", err=True)
    return result


def _shown_url(url: str) -> str:
    from faxgate.store.db import shown_url  # noqa: PLC0415 - SQLAlchemy, see top

    return shown_url(url)


def _run_on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    import asyncio  # noqa: PLC0415 - a tenth of a second, see top

    from faxgate.datadir import make_private  # noqa: PLC0415 - structlog, see top
    from faxgate.store.db import (  # noqa: PLC0415 - SQLAlchemy, see top
        OPEN_FAULTS,
        migrate,
        open_database,
    )

    async def run() -> T:
        make_private(settings.data_dir, settings.sqlite_path)
        db = open_database(settings.database_url)
        try:
            try:
                await migrate(db)
            except OPEN_FAULTS as exc:
                raise DatabaseUnreachable(settings.database_url, exc) from None
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


class DatabaseUnreachable(click.ClickException):
    """The database cannot be opened: one line with its URL (password hidden) and why."""

    def __init__(self, url: str, exc: BaseException) -> None:
        shown = _shown_url(url)
        cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(f"cannot use the database {shown}: {reason}")


def run_service(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a long-lived service on uvloop when it is installed (uvicorn[standard] brings it):
    uvicorn picks uvloop only when it owns the loop, and here we own it."""
    import asyncio  # noqa: PLC0415 - a tenth of a second, see top

    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())


def secret_box_for(settings: Settings) -> SecretBox:
    """The box of the secret key, made at first use (the notice goes to stderr);
    SecretKeyError when the key cannot be read."""
    from faxgate.sealing.keys import (  # noqa: PLC0415 - cryptography, see top
        CREATED_NOTICE,
        ensure_key_file,
        secret_box,
    )

    created = ensure_key_file(settings)
    if created is not None:
        click.echo(f"{created}: {CREATED_NOTICE}", err=True)
    return secret_box(settings)
