"""Migrations: on SQLite and PostgreSQL the migrated schema is exactly `tables.metadata`, and
migrate() can run again (and concurrently) without harm."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import Connection

from faxgate.store import tables
from faxgate.store.db import Database, migrate, open_database
from tests.conftest import _admin, _database

pytestmark = pytest.mark.anyio
MIGRATIONS = Path(tables.__file__).parent / "migrations"


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, anyio_backend: str
) -> AsyncIterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"m_{uuid.uuid4().hex[:12]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    yield _database(server, name)
    await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty(empty_url: str) -> AsyncIterator[Database]:
    database = open_database(empty_url)
    yield database
    await database.dispose()


def _empty_string_defaults(
    _context: MigrationContext,
    _inspected_column: Any,
    _metadata_column: Any,
    inspected_default: str | None,
    _metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic's SQLite comparison strips the quotes of '…' only when something is inside them,
    so `DEFAULT ''` would be reported against server_default="". Same value: no difference.
    None lets Alembic compare every other default itself."""
    if rendered_metadata_default == "" and inspected_default in {"''", "('')"}:
        return False
    return None


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": _empty_string_defaults},
    )
    return list(compare_metadata(context, tables.metadata))


async def _schema_differences(db: Database) -> list[Any]:
    async with db.reader.connect() as conn:
        return await conn.run_sync(_differences)


async def _revision(db: Database) -> str | None:
    async with db.reader.connect() as conn:
        version: str | None = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        return version


def _head() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_has_no_differences_from_the_metadata(empty: Database) -> None:
    await migrate(empty)
    differences = await _schema_differences(empty)
    assert differences == [], f"schema and tables.metadata differ: {differences}"


async def test_migration_creates_every_table_and_records_the_head(empty: Database) -> None:
    await migrate(empty)
    async with empty.reader.connect() as conn:
        names = await conn.run_sync(_table_names)
    assert names == set(tables.metadata.tables) | {"alembic_version"}
    assert await _revision(empty) == _head()


async def test_the_comparison_sees_a_difference(empty: Database) -> None:
    # the empty list above means something: a column the metadata lacks is reported
    await migrate(empty)
    async with empty.writer.begin() as conn:
        await conn.execute(text("ALTER TABLE accounts ADD COLUMN stray INTEGER"))
    differences = await _schema_differences(empty)
    assert any("stray" in str(d) for d in differences), differences


async def test_migrate_twice_is_harmless_and_keeps_data(empty: Database) -> None:
    await migrate(empty)
    async with empty.writer.begin() as conn:
        await conn.execute(insert(tables.accounts).values(cust_nr="99999TE", created_at=1.0))
    await migrate(empty)
    assert await _schema_differences(empty) == []
    assert await _revision(empty) == _head()
    async with empty.reader.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(tables.accounts)) == 1
        rows = await conn.scalar(text("SELECT count(*) FROM alembic_version"))
    assert rows == 1


async def test_migrate_in_two_processes_at_once(empty_url: str) -> None:
    first, second = open_database(empty_url), open_database(empty_url)
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(migrate, first)
            group.start_soon(migrate, second)
        assert await _schema_differences(first) == []
        assert await _revision(second) == _head()
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_shared_test_database_is_migrated_to_head(db: Database) -> None:
    # the `db` fixture is what every other test runs on
    assert await _schema_differences(db) == []
    assert await _revision(db) == _head()


async def test_many_processes_start_on_a_new_sqlite_file_at_once(tmp_path: Path) -> None:
    """Each first connection switches the new file to WAL: SQLite refuses some of them
    "locked" at once (waiting could deadlock), and every start must still succeed."""
    for round_no in range(5):
        url = f"sqlite+aiosqlite:///{tmp_path / f'new-{round_no}.db'}"
        databases = [open_database(url) for _ in range(8)]
        try:
            async with anyio.create_task_group() as group:
                for database in databases:
                    group.start_soon(migrate, database)
            assert await _revision(databases[-1]) == _head()
        finally:
            for database in databases:
                await database.dispose()
