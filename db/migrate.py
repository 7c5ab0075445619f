"""Bringing a database's schema up to date with Alembic, from code or `python -m bot migrate`."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config

from db.session import prepare_sqlite_path


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "db:migrations")
    # Passed as an attribute, not an ini option, so a "%" in a password needs no escaping.
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str) -> None:
    """Apply every migration not yet applied. Blocking: call it outside the event loop."""
    prepare_sqlite_path(database_url)
    command.upgrade(alembic_config(database_url), "head")


async def upgrade_database_async(database_url: str) -> None:
    """The same, from async code: Alembic runs its own event loop, so give it a thread."""
    await asyncio.to_thread(upgrade_database, database_url)
