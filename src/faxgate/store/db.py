"""The database: engine set-up for SQLite and PostgreSQL, and migrations at start.

SQLite runs in WAL mode with synchronous=FULL (a 201 means the job is on disk), foreign keys
on, and write transactions opened with BEGIN IMMEDIATE so writers queue on the lock instead
of failing half-way. Readers use plain deferred transactions and never block writers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

# The driver's faults and connection type under names of the store, so the layers above tell
# them apart without importing SQLAlchemy.
DatabaseError = DBAPIError  # whatever the database or its driver reports
UNREACHABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)  # try again later
SyncConnection: TypeAlias = Connection  # what a batch runs on in the blocking writer
# what the pipeline hands from one store call to the next inside one transaction
Transaction: TypeAlias = AsyncConnection

# What opening a database raises when it cannot be used (refused, unknown host, bad login)
OPEN_FAULTS: tuple[type[Exception], ...] = (OSError, DBAPIError)


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


_MIGRATIONS = Path(__file__).parent / "migrations"
_WAL_SWITCH_TRIES = 200  # 10 s


@dataclass(frozen=True)
class Database:
    reader: AsyncEngine
    writer: AsyncEngine  # same pool; on SQLite its transactions take the write lock at BEGIN
    snapshot: AsyncEngine  # same pool; its transactions read one consistent snapshot
    # SQLite only: a plain (blocking) engine for code that runs in a thread of its own, where
    # aiosqlite would cost a thread hand-off per statement. Transactions begin IMMEDIATE.
    blocking_writer: Engine | None = None

    @property
    def dialect(self) -> str:
        """sqlite or postgresql"""
        return self.reader.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    async def dispose(self) -> None:
        await self.reader.dispose()
        if self.blocking_writer is not None:
            self.blocking_writer.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor)
        for pragma in (
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _switch_to_wal(cursor: Any) -> None:
    """Processes opening a new database file at once (serve and worker started together)
    can both hold a shared lock while each wants the exclusive one the switch to WAL needs:
    SQLite answers one of them "locked" at once, as waiting could deadlock, so it retries."""
    for _ in range(_WAL_SWITCH_TRIES - 1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # sqlite3's or the async adapter's OperationalError
            if "locked" not in str(exc):
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA journal_mode=WAL")


def open_database(url: str) -> Database:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine.sync_engine)
        blocking = create_engine(
            url.replace("+aiosqlite", "", 1),
            connect_args={"timeout": 30, "check_same_thread": False},
            execution_options={"sqlite_immediate": True},
        )
        _configure_sqlite(blocking)
        # A deferred BEGIN already reads one snapshot in WAL mode.
        return Database(engine, engine.execution_options(sqlite_immediate=True), engine, blocking)
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    # No pre-ping: it costs three round trips per checkout; a dead connection fails the
    # request (clients retry) and the pool replaces it.
    engine = create_async_engine(url, pool_size=20, max_overflow=20)
    # READ COMMITTED gives each statement its own snapshot: a report read as jobs, then
    # recipients, could straddle a worker's commit.
    return Database(engine, engine, engine.execution_options(isolation_level="REPEATABLE READ"))


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - a start-up cost only migrate() should pay

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    from alembic import command  # noqa: PLC0415 - see _alembic_config

    command.upgrade(_alembic_config(connection), "head")


async def migrate(db: Database) -> None:
    """Bring the schema to the newest revision (idempotent; safe with several processes)."""
    async with db.writer.begin() as conn:
        if not db.is_sqlite:
            # Two processes starting at once must not both create the tables.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        await conn.run_sync(_upgrade)


async def ping(db: Database) -> None:
    """One round trip to the database; raises what the driver raises when it cannot answer."""
    async with db.reader.connect() as conn:
        await conn.execute(text("SELECT 1"))
