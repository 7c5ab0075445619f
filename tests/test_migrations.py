"""Alembic builds the schema the models describe, from empty, and re-running is harmless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from db.migrate import upgrade_database_async
from db.models import Base


def schema_differences(sync_url: str) -> list[object]:
    engine = create_engine(sync_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    return list(differences)


async def test_migrations_from_empty_match_the_models(tmp_path: Path) -> None:
    database = tmp_path / "clinic.db"

    await upgrade_database_async(f"sqlite+aiosqlite:///{database}")
    await upgrade_database_async(f"sqlite+aiosqlite:///{database}")  # a second run: no-op

    assert schema_differences(f"sqlite:///{database}") == []
    tables = set(inspect(create_engine(f"sqlite:///{database}")).get_table_names())
    assert {"patients", "patient_questions", "alembic_version"} <= tables


def test_the_migrate_command_creates_the_database_folder_and_schema(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "clinic.db"

    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
        timeout=60, check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert schema_differences(f"sqlite:///{database}") == []
