"""Nothing a test starts outlives it: a test run (a child pytest here) starts the real bot
process and a PostgreSQL database, then fails, times out or is interrupted with Ctrl-C;
afterwards no process of its is running and no database of its is left.

The child test below is what the child run executes; in the ordinary suite it skips.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.stand_in import TelegramStub, until_polling
from tests.support.bots import bot_environment, start_bot
from tests.support.databases import PREFIX, postgres_server
from tests.support.processes import python_module, spawn

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=25)

ROOT = Path(__file__).resolve().parents[1]
CHILD = "CLINIC_TEST_CHILD"  # how the child run ends: fail, hang or wait (for Ctrl-C)
PIDS = "CLINIC_TEST_PIDS"  # where it writes its own and its bot's process id


async def test_child_starts_the_bot_then_ends_badly(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    how = os.environ.get(CHILD)
    if how is None:
        pytest.skip("run by test_nothing_is_left_after_a_test_run_that_ends_badly")
    process = await start_bot(bot_environment(telegram, database_url), tmp_path)
    await until_polling(telegram, within=60)
    _write(Path(os.environ[PIDS]), f"{os.getpid()} {process.pid}")
    if how == "fail":
        raise AssertionError("this child test fails on purpose")
    await asyncio.sleep(3600)  # "hang": until the timeout; "wait": until Ctrl-C


@pytest.mark.parametrize("how", ["fail", "hang", "wait"])
async def test_nothing_is_left_after_a_test_run_that_ends_badly(
    tmp_path: Path, how: str
) -> None:
    pids = tmp_path / "pids"
    backend = "postgresql" if postgres_server() else "sqlite"
    env = {**os.environ, CHILD: how, PIDS: str(pids)}
    child = await spawn(python_module(
        "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "--timeout", "15",
        f"tests/{Path(__file__).name}::test_child_starts_the_bot_then_ends_badly[{backend}]"),
        env=env, cwd=ROOT)
    if how == "wait":
        for _ in range(600):
            if pids.exists() and pids.read_text():
                break
            await asyncio.sleep(0.1)
        child.send_signal(signal.SIGINT)  # Ctrl-C
    out, _ = await asyncio.wait_for(child.communicate(), 120)

    assert child.returncode != 0, out.decode()[-2000:]
    assert pids.exists(), out.decode()[-2000:]  # the bot did start
    runner, bot = (int(pid) for pid in pids.read_text().split())
    assert await _gone(bot), f"the bot process {bot} outlived its test ({how})"
    if backend == "postgresql":
        assert await _databases_of(runner) == [], f"databases outlived the test ({how})"


async def _gone(pid: int, within: float = 10.0) -> bool:
    for _ in range(int(within * 10)):
        if not _running(pid):
            return True
        await asyncio.sleep(0.1)
    return False


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (dead, only not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1]
    except FileNotFoundError:
        return False
    return not state.startswith("Z")


def _write(path: Path, text: str) -> None:
    path.write_text(text)


async def _databases_of(pid: int) -> list[str]:
    server = postgres_server()
    assert server is not None
    admin = create_async_engine(server)
    try:
        async with admin.connect() as connection:
            return list(await connection.scalars(text(
                "SELECT datname FROM pg_database WHERE datname LIKE :mine"),
                {"mine": f"{PREFIX}{pid}_%"}))
    finally:
        await admin.dispose()

