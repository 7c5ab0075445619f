"""Running it for a real clinic: the ids the set-up needs (/whoami, the greeting in a
group staff add the bot to), warnings when the staff cannot be reached, --version,
backups while the bot writes and their restore, and the deployment files."""

from __future__ import annotations

import asyncio
import configparser
import logging
import shutil
import sqlite3
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.stand_in import Chat, TelegramStub, User
from db.backup import back_up
from db.models import utcnow
from db.patients import TelegramProfile, register_patient
from db.session import Database
from tests.support.bots import STAFF_ID, Clinic, SettingsFactory, bot_environment, running_bot
from tests.support.databases import fresh_sqlite_database
from tests.support.processes import python_module
from tests.support.processes import run as run_process

ROOT = Path(__file__).parent.parent


async def test_whoami_gives_anyone_their_id_and_in_a_group_the_groups(clinic: Clinic) -> None:
    ann = clinic.patient("Ann")
    group = {"id": -100777, "type": "supergroup", "title": "Front desk"}
    desk = Chat(clinic.telegram, User(4321, "Dee"), group)

    private = await ann.ask("/whoami")
    in_group = await desk.ask("/whoami")

    assert f"Your Telegram user id is {ann.user.id}" in private.plain
    assert "STAFF_USER_IDS" in private.plain and "chat id" not in private.plain
    assert "Your Telegram user id is 4321" in in_group.plain
    assert "STAFF_CHAT_ID=-100777" in in_group.plain


async def test_a_group_staff_add_the_bot_to_is_told_how_to_be_the_staff_chat(
    clinic: Clinic
) -> None:
    group = {"id": -100888, "type": "supergroup", "title": "Front desk"}
    clinic.telegram.add_chat(group)
    bot = {"id": clinic.telegram.bot_id, "is_bot": True, "first_name": "Clinic"}

    async def added_by(user_id: int) -> None:
        await clinic.telegram.push_update({"my_chat_member": {
            "chat": group, "from": {"id": user_id, "is_bot": False, "first_name": "X"},
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "member", "user": bot}}})

    await added_by(555)  # not staff: nothing
    await added_by(STAFF_ID)
    greeting = await Chat(clinic.telegram, User(STAFF_ID, "Sam"), group).next_message()

    assert "STAFF_CHAT_ID=-100888" in greeting.plain
    assert len(clinic.telegram.messages_to(-100888)) == 1


async def test_start_up_warns_when_staff_cannot_be_reached(
    telegram: TelegramStub, make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_bot(make_settings(staff_user_ids="", staff_chat_id=None)):
        pass
    async with running_bot(make_settings(staff_chat_id=-100999)):  # a group it is not in
        pass

    warned = [record.getMessage() for record in caplog.records
              if record.levelno == logging.WARNING and record.name.endswith("staff_setup")]
    assert any(line.startswith("STAFF_USER_IDS is empty") for line in warned)
    assert any(line.startswith("STAFF_CHAT_ID is not set") for line in warned)
    assert any("STAFF_CHAT_ID=-100999) cannot be reached" in line for line in warned)


async def test_check_reports_a_staff_chat_it_cannot_reach(
    telegram: TelegramStub, tmp_path: Path, database_url: str
) -> None:
    env = bot_environment(telegram, database_url) | {"STAFF_CHAT_ID": "-100999"}
    done = await asyncio.to_thread(run_process, python_module("bot", "check"), env=env,
                                   cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Staff: The staff chat (STAFF_CHAT_ID=-100999) cannot be reached" in done.stdout


def test_the_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])

    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("clinic-bot 0.")


async def test_a_backup_while_the_bot_writes_holds_every_committed_row_and_restores(
    tmp_path: Path
) -> None:
    url = await fresh_sqlite_database(tmp_path / "data" / "clinic.db")
    database = Database(url)
    committed = 0
    writing = True
    some_written = asyncio.Event()

    async def write() -> None:
        nonlocal committed
        while writing:
            async with database.transaction() as session:
                await register_patient(session, TelegramProfile(
                    10_000 + committed, 10_000 + committed, f"P{committed}", None, None,
                    "en"), utcnow())
            committed += 1
            if committed == 20:
                some_written.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(write())
    # Rows in first, however slow the machine (a failing writer ends the wait too).
    await asyncio.wait([writer, asyncio.create_task(some_written.wait())], timeout=30,
                       return_when=asyncio.FIRST_COMPLETED)
    before = committed
    made = await asyncio.to_thread(back_up, url, tmp_path / "backups", 3, utcnow())
    writing = False
    await writer
    await database.dispose()
    restored = tmp_path / "restored.db"
    shutil.copyfile(made.path, restored)
    with sqlite3.connect(restored) as copy:
        rows = copy.execute("SELECT count(*) FROM patients").fetchone()[0]
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
    reopened = Database(f"sqlite+aiosqlite:///{restored}")
    await reopened.ping()
    await reopened.dispose()

    assert before > 0 and before <= rows <= committed
    assert integrity == "ok"


async def test_backups_beyond_the_kept_number_are_removed(tmp_path: Path) -> None:
    url = await fresh_sqlite_database(tmp_path / "data" / "clinic.db")
    start = utcnow()
    made = [back_up(url, tmp_path / "backups", 2, start + timedelta(days=day))
            for day in range(4)]

    assert sorted(path.name for path in (tmp_path / "backups").iterdir()) == [
        made[2].path.name, made[3].path.name]
    assert made[3].removed == [made[1].path]


def test_the_systemd_unit_restarts_the_bot_and_verifies() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "clinic-bot.service")

    assert unit["Service"]["ExecStart"].endswith("-m bot run")
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # its only complaint may be the paths this machine lacks
        done = subprocess.run([analyze, "verify", str(ROOT / "deploy" / "clinic-bot.service")],
                              capture_output=True, text=True, check=False)
        complaints = [line for line in (done.stdout + done.stderr).splitlines()
                      if line.strip() and "is not executable" not in line
                      and "No such file" not in line]
        assert complaints == []


def test_the_compose_file_runs_polling_with_sqlite_or_webhook_with_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()
    services = compose["services"]

    polling = services["bot-polling"]
    assert polling["profiles"] == ["polling"]
    assert polling["environment"]["BOT_MODE"] == "polling"
    assert polling["environment"]["DATABASE_URL"].startswith("sqlite+aiosqlite:////app/data/")
    assert "clinic-data:/app/data" in polling["volumes"]
    bot = services["bot"]
    assert bot["profiles"] == services["db"]["profiles"] == ["webhook"]
    assert bot["environment"]["BOT_MODE"] == "webhook"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")
    # No default password: compose refuses to start without one ("change-me" was it).
    for value in (services["db"]["environment"]["POSTGRES_PASSWORD"],
                  bot["environment"]["DATABASE_URL"]):
        assert "${POSTGRES_PASSWORD:?" in value and "change-me" not in value
    for package in ("bot", "handlers", "content", "db"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "USER clinicbot" in dockerfile and 'CMD ["python", "-m", "bot", "run"]' in dockerfile
    assert 'CMD ["python", "-m", "bot", "check"]' in dockerfile  # the HEALTHCHECK
    assert "chown clinicbot /app/data /app/backups" in dockerfile  # writable by its user


def test_the_backup_timer_runs_the_backup_nightly() -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(ROOT / "deploy" / "clinic-bot-backup.service")
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(ROOT / "deploy" / "clinic-bot-backup.timer")

    assert service["Service"]["ExecStart"].endswith("-m bot backup /opt/clinic-bot/backups")
    assert service["Service"]["Type"] == "oneshot" and service["Service"]["UMask"] == "0077"
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:
        units = [str(ROOT / "deploy" / name)
                 for name in ("clinic-bot-backup.service", "clinic-bot-backup.timer")]
        done = subprocess.run([analyze, "verify", *units], capture_output=True, text=True,
                              check=False)
        complaints = [line for line in (done.stdout + done.stderr).splitlines()
                      if line.strip() and "is not executable" not in line
                      and "No such file" not in line]
        assert complaints == []


def test_the_server_install_has_no_test_tools() -> None:
    """docs/deployment.md installs with `make install`: the bot, not pytest or ruff."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ninstall:\n", 1)[1].split("\n\n", 1)[0]

    assert "pip install --quiet ." in recipe and "[dev]" not in recipe
    assert "make install" in (ROOT / "docs" / "deployment.md").read_text()


async def test_a_postgresql_backup_is_a_dump_pg_restore_reads(
    tmp_path: Path, postgres_url: str
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore) are not installed")
    database = Database(postgres_url)
    async with database.transaction() as session:
        await register_patient(session, TelegramProfile(4242, 4242, "Ann", None, None, "en"),
                               utcnow())
    await database.dispose()

    made = await asyncio.to_thread(back_up, postgres_url, tmp_path / "backups", 3, utcnow())
    listed = await asyncio.to_thread(subprocess.run, ["pg_restore", "--list", str(made.path)],
                                     capture_output=True, text=True, check=True)
    listing = listed.stdout

    assert made.path.suffix == ".dump"
    assert "TABLE DATA public patients" in listing


@pytest.mark.parametrize(("command", "says"), [
    ([], "The clinic's Telegram bot"),
    (["check"], "that Telegram accepts the token"),
    (["backup"], "where the copies go"),
])
def test_help_says_what_each_command_does(
    command: list[str], says: str, capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])

    assert says in " ".join(capsys.readouterr().out.split())  # as wrapped to the terminal
