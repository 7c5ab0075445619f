"""Patient data readable only by the user the bot runs as (issue 27): the SQLite database
and backups were written 0644 in 0755 folders. Now every command makes its files 0600 in
0700 folders whatever the umask it was started with, and `check` warns about a `.env` or
a database other users can open."""

from __future__ import annotations

import asyncio
import configparser
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.stand_in import TelegramStub
from tests.support.bots import bot_environment
from tests.support.processes import python_module, spawn

pytestmark = pytest.mark.slow(seconds=3)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Start the bot as a careless shell would: umask 022 (files 0644, folders 0755)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def bot(env: dict[str, str], cwd: Path, *command: str) -> tuple[int, str]:
    process = await spawn(python_module("bot", *command), env=env, cwd=cwd)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


@pytest.mark.usefixtures("open_umask")
async def test_the_database_and_its_backups_are_the_bots_alone_whatever_the_umask(
    telegram: TelegramStub, tmp_path: Path,
) -> None:
    env = bot_environment(telegram, "sqlite+aiosqlite:///./data/clinic.db")

    code, said = await bot(env, tmp_path, "migrate")
    assert code == 0, said
    code, said = await bot(env, tmp_path, "backup", "backups")
    assert code == 0, said

    data, backups = tmp_path / "data", tmp_path / "backups"
    assert mode(data) == 0o700 and mode(data / "clinic.db") == 0o600
    assert mode(backups) == 0o700
    copies = list(backups.glob("clinic-*.db"))
    assert len(copies) == 1 and mode(copies[0]) == 0o600


async def test_check_warns_about_a_readable_env_or_database(
    telegram: TelegramStub, tmp_path: Path,
) -> None:
    env = bot_environment(telegram, "sqlite+aiosqlite:///./data/clinic.db")
    assert (await bot(env, tmp_path, "migrate"))[0] == 0
    dotenv, database = tmp_path / ".env", tmp_path / "data" / "clinic.db"
    dotenv.write_text("CLINIC_NAME=Lotus\n")
    dotenv.chmod(0o644)
    database.chmod(0o644)

    code, said = await bot(env, tmp_path, "check")

    assert code == 0, said
    assert "Warning: .env holds the bot token and other users on this machine can open it " \
           "(mode 644). Run: chmod 600 .env" in said
    assert "Run: chmod 600 data/clinic.db" in said

    dotenv.chmod(0o600)
    database.chmod(0o600)
    code, said = await bot(env, tmp_path, "check")
    assert code == 0 and "Warning" not in said, said


def test_the_systemd_unit_keeps_new_files_private() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "clinic-bot.service")

    assert unit["Service"]["UMask"] == "0077"
