"""The databases tests run on: an SQLite file, and a PostgreSQL database of their own when
a server is given in TEST_POSTGRES_URL (a SQLAlchemy URL of its maintenance database,
e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres). Without it the PostgreSQL
runs are skipped, and the summary says how to turn them on."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_ENV = "TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]
SKIP_REASON = (f"PostgreSQL tests are off: set {POSTGRES_ENV}=postgresql+asyncpg://"
               "USER@HOST:PORT/postgres to run every database test on PostgreSQL too")


def postgres_server() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for one test, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/data/clinic.db"
        return
    server = postgres_server()
    if server is None:
        pytest.skip(SKIP_REASON)
    async with fresh_postgres_database(server) as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for what only PostgreSQL can do (several processes)."""
    server = postgres_server()
    if server is None:
        pytest.skip(SKIP_REASON)
    async with fresh_postgres_database(server) as url:
        yield url


@asynccontextmanager
async def fresh_postgres_database(server: str) -> AsyncIterator[str]:
    """A new database on the server, dropped afterwards (with any connection a killed bot
    left open)."""
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    name = f"clinic_test_{uuid.uuid4().hex[:16]}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
