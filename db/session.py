"""The engine, and the one place a transaction begins and ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.private_files import private_folder, sqlite_path


def prepare_sqlite_path(database_url: str) -> None:
    """Create the folder an SQLite file lives in (0700), so a fresh clone just runs."""
    path = sqlite_path(database_url)
    if path is not None:
        private_folder(path.parent)


def create_engine(database_url: str) -> AsyncEngine:
    prepare_sqlite_path(database_url)
    # hide_parameters: a failing statement's error (and so a log line) must not carry the
    # patient's words it was storing.
    # pool_pre_ping checks a server connection before use; a file needs no such check.
    sqlite = make_url(database_url).get_backend_name() == "sqlite"
    # SQLite has one writer at a time. Its own wait for the lock (busy_timeout) sleeps in
    # growing steps, up to 100 ms, so writers side by side mostly sleep; one connection
    # per process makes them queue in order instead. Other processes (an import, a test)
    # still meet busy_timeout.
    sizes = {"pool_size": 1, "max_overflow": 0} if sqlite else {}
    engine = create_async_engine(database_url, pool_pre_ping=not sqlite,
                                 hide_parameters=True, **sizes)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the bot read while an import writes; foreign keys make deletes cascade;
    # busy_timeout waits for another writer instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # The driver's own BEGIN is off; `_begin_immediate` says it instead.
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    """Take the write lock when a transaction begins. Updates from different chats run at
    once (bot/assembly/concurrency.py): a transaction that read first and then wrote could find
    another had written in between, and SQLite fails that at once ("database is locked")
    instead of waiting. Taking the lock up front makes it wait its turn (busy_timeout)."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine; hands out one session per unit of work."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """One round trip: raises if the database does not answer."""
        async with self.transaction() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
