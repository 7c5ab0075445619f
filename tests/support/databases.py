"""The databases tests run on: an SQLite file, and a PostgreSQL database of their own when
a server is given in TEST_POSTGRES_URL (a SQLAlchemy URL of its maintenance database,
e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres). Without it the PostgreSQL
runs are skipped, and the summary says how to turn them on.

Each test gets a database already migrated and empty. On SQLite it is a copy of a file
each test process migrates once. On PostgreSQL, where `CREATE DATABASE` costs half a
second to over a second on a busy machine (it copies and syncs a whole catalogue), each
test process keeps a few databases made from its migrated template and, after a test,
empties the one it used (every row deleted, every id sequence back to 1: about 10 ms) for
the next; one a test left in any other state (another schema revision, other tables, a
failed reset) is dropped instead. The bot still runs its migrations at start, and finds
nothing to do; tests/test_migrations.py migrates empty databases.

Every PostgreSQL database a test process makes is named after the process
(`clinic_test_<pid>_...`) and dropped when the process's tests end, also after a failure,
a timeout or Ctrl-C (conftest.py's `pytest_sessionfinish`). One left by a process that was
killed outright is dropped when a test run starts or ends (`drop_orphans`), once its
process is gone.
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
from sqlalchemy.pool import NullPool

from db.migrate import upgrade_database_async
from tests.support.processes import kill_leftovers

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
_postgres_spare: list[str] = []  # emptied after their last test, ready for the next

# Empties a test database for the next test: every table but Alembic's, and the sequences.
# Foreign keys are not checked meanwhile (session_replication_role), so order is no matter.
_EMPTY = """
DO $$
DECLARE name text;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  FOR name IN SELECT quote_ident(tablename) FROM pg_tables
              WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE 'DELETE FROM ' || name;
  END LOOP;
  FOR name IN SELECT quote_ident(sequencename) FROM pg_sequences
              WHERE schemaname = 'public' LOOP
    PERFORM setval(name, 1, false);
  END LOOP;
END $$
"""
_SHAPE = """
SELECT (SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables
        WHERE schemaname = 'public'),
       (SELECT string_agg(version_num, ',') FROM alembic_version)
"""
_template_shape: tuple[str, str] | None = None


def _owned_name() -> str:
    return f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def fresh_postgres_database(server: str) -> AsyncIterator[str]:
    """An empty, migrated database of this process on the server, for one test; emptied
    for the next afterwards (or dropped, if the test changed its shape)."""
    global _postgres_template, _template_shape
    if _postgres_spare:
        name = _postgres_spare.pop()
    else:
        admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            if _postgres_template is None:
                template = _owned_name()
                async with admin.connect() as connection:
                    await connection.execute(text(f'CREATE DATABASE "{template}"'))
                await upgrade_database_async(_url(server, template))
                _template_shape = await _shape(_url(server, template))
                _postgres_template = template
            name = _owned_name()
            async with admin.connect() as connection:
                await connection.execute(
                    text(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template}"'))
        finally:
            await admin.dispose()
    try:
        yield _url(server, name)
    finally:
        # A bot process the test started must not write into the next test's database.
        kill_leftovers()
        if await _emptied(server, name):
            _postgres_spare.append(name)
        else:
            await _drop(server, [name])


async def _emptied(server: str, name: str) -> bool:
    """Whether the database could be emptied and is as the template was."""
    try:
        admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with admin.connect() as connection:  # whatever the test left connected
                await connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        finally:
            await admin.dispose()
        database = create_async_engine(_url(server, name), poolclass=NullPool)
        try:
            async with database.begin() as connection:
                await connection.execute(text(_EMPTY))
        finally:
            await database.dispose()
        return await _shape(_url(server, name)) == _template_shape
    except Exception:  # any doubt: the database is dropped, not reused
        return False


async def _shape(url: str) -> tuple[str, str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables, revision = (await connection.execute(text(_SHAPE))).one()
            return str(tables), str(revision)
    finally:
        await engine.dispose()


def drop_templates() -> None:
    """At a test process's end: its template and spare databases go (the SQLite template
    is a temporary file)."""
    global _postgres_template, _sqlite_template
    server = postgres_server()
    if _postgres_template is not None and server is not None:
        asyncio.run(_drop(server, [*_postgres_spare, _postgres_template]))
    _postgres_template = None
    _postgres_spare.clear()
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
