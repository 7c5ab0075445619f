"""docs/deployment.md's "A server, step by step", followed from a clean folder as far as a
test can: a fresh clone of this repository, `make install` (the bot without the test
tools, in the clone's own environment), `.env` made from the example, private and filled
in, `check` passing, the service's own command (deploy/clinic-bot.service: its ExecStart
in its WorkingDirectory, under its UMask) running the bot until it polls and stopped as
systemd stops it, and the backup service's command writing a private backup.

`make install` is a fresh install from the package index (half a minute on an idle
machine, minutes beside the rest of the suite), so it runs only with
`TEST_MAKE_INSTALL=1`, as `.ci/run` does after the suite; without it the clone runs on
this interpreter. What a test cannot do here is root's part: apt, useradd, copying the
units (verified by test_operations.py) and systemctl."""

from __future__ import annotations

import asyncio
import configparser
import os
import shutil
import signal
import stat
import sys
from pathlib import Path

import pytest

from bot.stand_in import TOKEN, TelegramStub, until_polling
from tests.support.bots import STAFF_ID
from tests.support.processes import run, spawn

ROOT = Path(__file__).parent.parent
INSTALLED = "/opt/clinic-bot"
MAKE_INSTALL = "TEST_MAKE_INSTALL"
STEPS = ("git clone", "make install", "cp .env.example .env",
         "chmod 600 .env && chmod 700 /opt/clinic-bot", "python -m bot check",
         "systemctl enable --now clinic-bot clinic-bot-backup.timer")


def recipe() -> str:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    return text.split("## A server, step by step", 1)[1].split("```sh", 1)[1].split("```")[0]


def service_command(unit_file: str, folder: Path) -> tuple[list[str], Path, int]:
    """A unit's ExecStart, WorkingDirectory and UMask, for the clone in `folder`."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / unit_file)
    service = unit["Service"]
    command = [word.replace(INSTALLED, str(folder)) for word in service["ExecStart"].split()]
    assert command[0] == str(folder / ".venv" / "bin" / "python"), command
    assert service["WorkingDirectory"] == INSTALLED
    return command, folder, int(service["UMask"], 8)


def under_umask(command: list[str], umask: int) -> list[str]:
    return ["/bin/sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *command]


async def finished(command: list[str], env: dict[str, str], cwd: Path, *,
                   timeout: float = 120) -> tuple[int, str]:
    """Run to the end while the stand-in (on this event loop) answers it."""
    process = await spawn(command, env=env, cwd=cwd)
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


def this_interpreter_at(path: Path) -> str:
    """A `python` at `path` that runs this interpreter, with its packages."""
    path.parent.mkdir(parents=True)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    path.chmod(0o755)
    return str(path)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


@pytest.mark.slow(seconds=10)
@pytest.mark.timeout(600)
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None
                    or not (ROOT / ".git").exists(),
                    reason="needs git, make and a git checkout to clone")
async def test_the_server_recipe_runs_from_a_clean_folder(telegram: TelegramStub,
                                                          tmp_path: Path) -> None:
    steps = recipe()
    for step in STEPS:
        assert step in steps, step
    folder = tmp_path / "clinic-bot"
    # The installer's environment: where python3 is, pip's cache and any proxy; the bot's
    # commands get nothing but PATH, so they read only the clone's .env.
    installer = {name: value for name, value in os.environ.items()
                 if name in ("PATH", "HOME") or name.startswith("PIP_")
                 or name.lower().endswith("_proxy")}
    env = {"PATH": "/usr/bin:/bin"}
    git = shutil.which("git") or "git"
    cloned = run([git, "clone", "--quiet", str(ROOT), str(folder)], env=env, cwd=tmp_path)
    assert cloned.returncode == 0, cloned.stderr
    if os.environ.get(MAKE_INSTALL) == "1":
        installed = await finished([shutil.which("make") or "make", "install"], installer,
                                   folder, timeout=500)
        assert installed[0] == 0, installed[1][-3000:]
        python = str(folder / ".venv" / "bin" / "python")
        test_tools = await finished([python, "-c", "import pytest"], env, folder)
        assert test_tools[0] != 0 and "No module named 'pytest'" in test_tools[1]
    else:  # this interpreter in the clone's environment's place
        python = this_interpreter_at(folder / ".venv" / "bin" / "python")

    # cp .env.example .env; chmod 600 .env && chmod 700 the folder; the editor's part.
    example = (folder / ".env.example").read_text(encoding="utf-8")
    settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url,
                "CLINIC_NAME": "Lotus & Pine Clinic", "CLINIC_CONTACT": "+44 20 7946 0000",
                "STAFF_USER_IDS": str(STAFF_ID)}
    lines = [next((f"{name}={value}" for name, value in settings.items()
                   if line.startswith(f"{name}=")), line) for line in example.splitlines()]
    assert sum(line.split("=", 1)[0] in settings for line in lines) == len(settings)
    (folder / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(folder / ".env", 0o600)
    os.chmod(folder, 0o700)

    code, said = await finished([python, "-m", "bot", "check"], env, folder)
    assert code == 0, said
    assert TOKEN.split(":")[1] not in said

    command, directory, umask = service_command("clinic-bot.service", folder)
    since = len(telegram.calls)
    bot = await spawn(under_umask(command, umask), env=env, cwd=directory)
    try:
        await until_polling(telegram, since=since, within=60)
    finally:
        bot.send_signal(signal.SIGTERM)  # KillSignal; TimeoutStopSec=30
        _, logged = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, logged.decode()[-2000:]
    database = folder / "data" / "clinic.db"
    assert private(database) and private(database.parent)

    command, directory, umask = service_command("clinic-bot-backup.service", folder)
    code, said = await finished(under_umask(command, umask), env, directory)
    assert code == 0, said
    [backup] = (folder / "backups").iterdir()
    assert private(backup) and private(backup.parent)
