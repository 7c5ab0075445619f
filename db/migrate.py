"""Bringing a database's schema up to date with Alembic, from code or `python -m bot migrate`.

A database already at the newest revision is recognised without loading Alembic (about a
fifth of a second of a start): the newest revision is read from the migration files.
"""

from __future__ import annotations

import asyncio
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from db.session import Database, prepare_sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r'^revision: str = "(\w+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision: [^=]+= "(\w+)"', re.MULTILINE)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "db:migrations")
    # Passed as an attribute, not an ini option, so a "%" in a password needs no escaping.
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str) -> None:
    """Apply every migration not yet applied. Blocking: call it outside the event loop."""
    from alembic import command

    prepare_sqlite_path(database_url)
    command.upgrade(alembic_config(database_url), "head")


async def upgrade_database_async(database_url: str) -> None:
    """The same, from async code: Alembic runs its own event loop, so give it a thread."""
    if await current_revision(database_url) == head_revision():
        return
    await asyncio.to_thread(upgrade_database, database_url)


@functools.cache
def head_revision() -> str:
    """The newest migration: the one no other migration builds on."""
    revisions, built_on = set(), set()
    for script in VERSIONS.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
        if down := _DOWN.search(source):
            built_on.add(down.group(1))
    [head] = revisions - built_on
    return head


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for a new or unreadable one (Alembic then
    does the work, and reports any problem)."""
    prepare_sqlite_path(database_url)
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            found = await session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # no table yet, no database, no server: Alembic says what is wrong
        return None
    finally:
        await database.dispose()
    return str(found) if found else None
