"""The databases tests run on: an SQLite file, and a PostgreSQL database of their own when
a server is given in TEST_POSTGRES_URL (a SQLAlchemy URL of its maintenance database,
e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres). Without it the PostgreSQL
runs are skipped, and the summary says how to turn them on.

Each test gets a fresh database already migrated: a copy of a template each test process
migrates once (an SQLite file copied; on PostgreSQL `CREATE DATABASE ... TEMPLATE`), which
is a tenth of the cost of migrating every time. The bot still runs its migrations at
start, and finds nothing to do; tests/test_migrations.py migrates empty databases.

Every PostgreSQL database a test process makes is named after the process
(`clinic_test_<pid>_...`) and dropped after the test, also when it fails. One left by a
process that was killed (a timeout, Ctrl-C) is dropped when a test run starts or ends
(`drop_orphans`, from conftest.py), once its process is gone.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.migrate import upgrade_database_async

POSTGRES_ENV = "TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]
SKIP_REASON = (f"PostgreSQL tests are off: set {POSTGRES_ENV}=postgresql+asyncpg://"
               "USER@HOST:PORT/postgres to run every database test on PostgreSQL too")
PREFIX = "clinic_test_"
_OWNED = re.compile(rf"^{PREFIX}(\d+)_[0-9a-f]+$")


def postgres_server() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for one test, on each backend in turn."""
    if request.param == "sqlite":
        yield await fresh_sqlite_database(tmp_path / "data" / "clinic.db")
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


_sqlite_template: Path | None = None


async def fresh_sqlite_database(path: Path) -> str:
    """A copy of this process's migrated SQLite file at `path`; its URL."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="clinic-template-"))
        template = folder / "clinic.db"
        await upgrade_database_async(f"sqlite+aiosqlite:///{template}")
        _sqlite_template = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


_postgres_template: str | None = None


def _owned_name() -> str:
    return f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def fresh_postgres_database(server: str) -> AsyncIterator[str]:
    """A new database on the server, a copy of this process's migrated template, dropped
    afterwards (with any connection a killed bot left open)."""
    global _postgres_template
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        if _postgres_template is None:
            template = _owned_name()
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{template}"'))
            await upgrade_database_async(_url(server, template))
            _postgres_template = template
        name = _owned_name()
        async with admin.connect() as connection:
            await connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template}"'))
        try:
            yield _url(server, name)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def drop_templates() -> None:
    """At a test process's end: its template databases go (the SQLite one is a temp file)."""
    global _postgres_template, _sqlite_template
    server = postgres_server()
    if _postgres_template is not None and server is not None:
        asyncio.run(_drop(server, [_postgres_template]))
    _postgres_template = None
    if _sqlite_template is not None:
        shutil.rmtree(_sqlite_template.parent, ignore_errors=True)
        _sqlite_template = None


def drop_orphans(*, own: bool = False) -> list[str]:
    """Drop the test databases whose process is gone (killed mid-test, interrupted), and
    with `own` this process's own (its tests are over); the names dropped."""
    server = postgres_server()
    if server is None:
        return []
    return asyncio.run(_drop_orphans(server, own))


async def _drop_orphans(server: str, own: bool) -> list[str]:
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            names = list(await connection.scalars(text(
                "SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": f"{PREFIX}%"}))
    finally:
        await admin.dispose()
    orphans = []
    for name in names:
        owner = _OWNED.match(name)
        pid = int(owner.group(1)) if owner else None
        if pid is not None and (not _alive(pid) or (own and pid == os.getpid())):
            orphans.append(name)
    await _drop(server, orphans)
    return orphans


async def _drop(server: str, names: list[str]) -> None:
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            for name in names:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)
