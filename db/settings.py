"""Where the database is: the one setting the migrations, the import and the bot share
(read from the environment or `.env`), with the URL given the driver the bot uses."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/clinic.db"


class DatabaseSettings(BaseSettings):
    """Just where the database is: enough for `python -m bot migrate`, which needs no token."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        # Read once at start-up; nothing changes a setting while the bot runs.
        frozen=True,
    )

    database_url: str = DEFAULT_DATABASE_URL
    # How many backups `python -m bot backup` keeps in its folder (the newest).
    backup_keep: int = Field(default=14, ge=1)

    @field_validator("database_url")
    @classmethod
    def _with_async_driver(cls, value: str) -> str:
        return with_async_driver(value)


# What a database URL may name, and the async driver the bot uses for each.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "sqlite+aiosqlite": "sqlite+aiosqlite",
                 "postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg",
                 "postgresql+asyncpg": "postgresql+asyncpg"}


def with_async_driver(url: str) -> str:
    """The URL with the driver the bot needs: `postgresql://` (as hosting providers and
    libpq write it) becomes `postgresql+asyncpg://`, `sqlite://` `sqlite+aiosqlite://`;
    another driver is refused in a sentence (never echoing the URL: it may hold a
    password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("is not a database URL; write sqlite+aiosqlite:///data/clinic.db "
                         "or postgresql+asyncpg://USER:PASSWORD@HOST:5432/DATABASE") from None
    driver = ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(f"names the driver {parsed.drivername!r}; the bot works with "
                         "sqlite+aiosqlite:// or postgresql+asyncpg://")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)
