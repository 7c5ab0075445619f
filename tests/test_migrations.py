"""Alembic builds the schema the models describe, from empty, and re-running is harmless."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from db.migrate import upgrade_database_async
from db.models import Base
from db.session import Database
from tests.support.processes import python_module, spawn


async def schema_of(database_url: str) -> tuple[list[Any], set[str]]:
    """(how the schema differs from the models, its tables)."""

    def compare(connection: Connection) -> tuple[list[Any], set[str]]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return (list(compare_metadata(context, Base.metadata)),
                set(inspect(connection).get_table_names()))

    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await database.dispose()


async def test_migrations_from_empty_match_the_models(database_url: str) -> None:
    await upgrade_database_async(database_url)
    await upgrade_database_async(database_url)  # a second run: no-op

    differences, tables = await schema_of(database_url)
    assert differences == []
    assert {"patients", "patient_questions", "broadcast_recipients", "alembic_version"} <= tables


async def test_the_migrate_command_creates_the_database_folder_and_schema(tmp_path: Path
                                                                        ) -> None:
    database = tmp_path / "nested" / "clinic.db"
    url = f"sqlite+aiosqlite:///{database}"

    process = await spawn(python_module("bot", "migrate"), cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url})
    out, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 0, err.decode()
    assert "up to date" in out.decode()
    assert (await schema_of(url))[0] == []
