"""Command line: `python -m bot run | migrate | check | import-appointments FILE.csv |
demo`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.assembly.polling_guard import AnotherPoller
from bot.assembly.startup import database_problem, telegram_problem
from bot.core.logs import configure_logging
from bot.core.redaction import redact
from bot.core.settings import Settings, redact_url
from bot.core.settings_loading import (
    SettingsError,
    load_clinic_settings,
    load_database_settings,
    load_settings,
)
from bot.texts.content import ContentError
from bot.texts.translations import Contents, contents_for
from db.migrate import upgrade_database
from db.private_files import keep_files_private, readable_by_others, sqlite_path

logger = logging.getLogger("bot")

# How often start-up retries reaching the Bot API before giving up with a message.
BOOTSTRAP_RETRIES = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="The clinic's Telegram bot. Settings come from the environment and "
                    ".env (docs/configuration.md); `run` is what a service runs.")
    parser.add_argument("--version", action="version", version=f"clinic-bot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    running = commands.add_parser(
        "run", help="start the bot: long polling, or a webhook server with --webhook")
    running.add_argument("--webhook", action="store_true",
                         help="serve Telegram's webhook (the same as BOT_MODE=webhook)")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    commands.add_parser(
        "check", help="check the settings and content files, then exit",
        description="Check the settings and content files, that the database answers, "
                    "that Telegram accepts the token and that the staff chat and staff "
                    "can be reached, and warn about files other users can read; exit "
                    "code 0 when the bot can run, 2 when it cannot. Sends nothing.")
    importing = commands.add_parser(
        "import-appointments", help="add or update appointments from a CSV file; exit code "
        "0 if every row went in, 1 if some rows were refused, 2 if the file was unusable")
    importing.add_argument("--dry-run", action="store_true",
                           help="read the file and say what would change, changing nothing")
    importing.add_argument("file", type=Path)
    backup = commands.add_parser(
        "backup", help="a consistent copy of the database while the bot runs, named by "
        "date; keeps the newest BACKUP_KEEP",
        description="Make a consistent copy of the database while the bot runs: SQLite's "
                    "online backup, or pg_dump for PostgreSQL. Named by date "
                    "(clinic-YYYY-MM-DD-HHMMSS), private to this user (0600), and only "
                    "the newest BACKUP_KEEP are kept. Restoring: docs/deployment.md.")
    backup.add_argument("folder", type=Path, nargs="?", default=Path("backups"),
                        help="where the copies go (default: ./backups)")
    demo = commands.add_parser(
        "demo", help="the whole bot in a browser, with no token: patients and staff side by "
        "side, and a clock to skip ahead")
    demo.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8765")),
                      help="the page's port on 127.0.0.1 (default 8765, or DEMO_PORT)")
    demo.add_argument("--empty", action="store_true", help="no demo patients or bookings")
    demo.add_argument("--keep", action="store_true", help="keep the demo's database file")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.add_argument("--content", type=Path, default=os.environ.get("CONTENT_DIR") or None,
                      help="a folder with your own copy of content/ (or CONTENT_DIR)")
    arguments = parser.parse_args(argv)
    keep_files_private()  # the database, its journal, backups: 0600 whatever the umask

    if arguments.command == "demo":
        return _demo(arguments)
    if arguments.command == "backup":
        return _backup(arguments.folder)

    if arguments.command == "import-appointments":
        return _import(arguments.file, arguments.dry_run)

    if arguments.command == "migrate":
        try:
            url = load_database_settings().database_url
        except SettingsError as error:
            return _cannot("Cannot migrate the database.", str(error))
        configure_logging("WARNING", [])
        try:
            upgrade_database(url)
        except Exception as error:
            return _failed("Cannot migrate the database.", error, url, "")
        print("The database schema is up to date.")
        return 0

    try:
        webhook = arguments.command == "run" and arguments.webhook
        settings, content = _load(bot_mode="webhook") if webhook else _load()
    except (SettingsError, ContentError) as error:
        return _cannot("Cannot start the bot.", str(error))
    if arguments.command == "check":
        return _check(settings, content)
    return _run(settings, content)


def _backup(folder: Path) -> int:
    from db.backup import BackupError, back_up
    from db.models import utcnow

    try:
        settings = load_database_settings()
        made = back_up(settings.database_url, folder, settings.backup_keep, utcnow())
    except SettingsError as error:
        return _cannot("No backup was made.", str(error))
    except (BackupError, OSError) as error:
        return _cannot("No backup was made.", str(error))
    print(f"Backed up to {made.path}" + (
        f"; removed {len(made.removed)} older" if made.removed else ""))
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("clinic-bot")
    except PackageNotFoundError:  # run from a copy that was never installed
        return "(not installed)"


def _demo(arguments: argparse.Namespace) -> int:
    from bot.demo.server import run_demo  # the stand-in and the page: only for the demo

    configure_logging("WARNING", [])
    try:
        asyncio.run(run_demo(arguments.port, empty=arguments.empty, keep=arguments.keep,
                             open_browser=not arguments.no_browser,
                             content_dir=arguments.content))
    except ContentError as error:
        return _cannot("Cannot start the demo.", str(error))
    except OSError as error:
        return _cannot("Cannot start the demo.", f"{error.strerror or error} (port "
                       f"{arguments.port}: is another demo running? Try --port)")
    return 0


def _cannot(headline: str, reason: str, secrets: list[str] | None = None) -> int:
    """The operator's answer: what could not be done, and why, in a line or two."""
    print(f"{headline}\n{redact(reason, secrets or [])}", file=sys.stderr)
    return 2


def _failed(headline: str, error: BaseException, database_url: str, api_url: str,
            secrets: list[str] | None = None) -> int:
    """An error an operator can fix is one line (the traceback at DEBUG only); anything
    else is a bug, and keeps its traceback."""
    reason = (telegram_problem(error, api_url) if api_url else None) or \
        database_problem(error, database_url)
    if reason is None:
        raise error
    logger.debug("Details", exc_info=error)
    return _cannot(headline, reason, secrets)


def _secrets(settings: Settings) -> list[str]:
    """What must never be written out: the token, the webhook secret, passwords."""
    from sqlalchemy.engine import make_url

    found = [settings.telegram_bot_token.get_secret_value(),
             make_url(settings.database_url).password or ""]
    if settings.webhook_secret is not None:
        found.append(settings.webhook_secret.get_secret_value())
    return [secret for secret in found if secret]


def _check(settings: Settings, contents: Contents) -> int:
    """Settings and content, then the database and the Bot API, each reported (what the
    Bot API or a proxy in front of it answered is redacted like a log line)."""
    secrets = _secrets(settings)

    def say(line: str) -> None:
        print(redact(line, secrets))

    say(f"Settings and content are fine ({len(contents.default.topics)} FAQ topics, in "
        f"{', '.join(contents.name(language) for language in contents.offered)}).")
    database, telegram, staff = asyncio.run(_reach(settings))
    say(f"Database: {database or 'reachable (' + redact_url(settings.database_url) + ')'}")
    say(f"Bot API: {telegram or 'reachable, token accepted'}")
    if not telegram:
        say("Staff: " + (" ".join(staff) if staff else
                         f"{len(settings.staff_user_ids)} staff ids; the staff chat can "
                         "be posted in"))
    for warning in _readable_files(settings):
        say(warning)
    return 2 if database or telegram else 0


def _readable_files(settings: Settings) -> list[str]:
    """Warnings for the secrets and patient data other users of this machine can read."""
    found = []
    database = sqlite_path(settings.database_url)
    folder = database.parent if database else None
    if folder is not None and folder.resolve() == Path.cwd().resolve():
        folder = None  # the bot's own folder: the file's mode is what keeps it private
    for path, what in ((Path(".env"), "holds the bot token"),
                       (database, "holds patients' data"), (folder, "holds the database")):
        if path is None:
            continue
        mode = readable_by_others(path)
        if mode is not None:
            wanted = "700" if path.is_dir() else "600"
            found.append(f"Warning: {path} {what} and other users on this machine can "
                         f"open it (mode {mode}). Run: chmod {wanted} {path}")
    return found


async def _reach(settings: Settings) -> tuple[str | None, str | None, list[str]]:
    """Whether the database answers and the Bot API knows the token: the problem with
    each, or None; and what keeps staff from hearing from the bot."""
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.assembly.staff_setup import staff_setup_problems
    from db.session import Database

    database_error: str | None = None
    database = None
    try:
        database = Database(settings.database_url)
        await database.ping()
    except Exception as error:
        database_error = database_problem(error, settings.database_url) or \
            f"not usable ({type(error).__name__})"
    finally:
        if database is not None:
            await database.dispose()
    telegram_error: str | None = None
    staff: list[str] = []
    try:
        bot = Bot(settings.telegram_bot_token.get_secret_value(),
                  base_url=settings.bot_api_url, base_file_url=settings.bot_file_url)
        async with bot:
            await bot.get_me()
            staff = await staff_setup_problems(bot, settings)
    except TelegramError as error:
        telegram_error = telegram_problem(error, settings.telegram_api_base_url) or \
            f"not usable ({type(error).__name__})"
    return database_error, telegram_error, staff


def _import(path: Path, dry_run: bool) -> int:
    from bot.appointments.importer import ImportFileError, import_file

    try:
        settings = load_clinic_settings()
    except SettingsError as error:
        return _cannot("Nothing was imported.", str(error))
    try:
        upgrade_database(settings.database_url)
        report = asyncio.run(import_file(path, settings, dry_run=dry_run))
    except ImportFileError as error:
        return _cannot("Nothing was imported.", str(error))
    except Exception as error:
        return _failed("Nothing was imported.", error, settings.database_url, "")
    print(report.summary())
    return 1 if report.problems else 0


def _load(**overrides: object) -> tuple[Settings, Contents]:
    settings = load_settings(**overrides)
    configure_logging(settings.log_level, _secrets(settings))
    return settings, contents_for(settings)


def _run(settings: Settings, contents: Contents) -> int:
    # The application (PTB's ext, every handler) only when the bot runs: `migrate`,
    # `check` and the import start faster without it.
    from bot.assembly.app import ALLOWED_UPDATES, build_application

    try:
        application = build_application(settings, contents)  # makes an SQLite file's folder
        if settings.bot_mode == "webhook":
            from bot.assembly.webhook import serve  # aiohttp's server: only in webhook mode

            asyncio.run(serve(application, settings))
        else:
            application.run_polling(
                timeout=settings.polling_timeout,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                allowed_updates=ALLOWED_UPDATES,
            )
    except AnotherPoller as error:
        return _cannot("Cannot start the bot.", str(error))
    except Exception as error:
        return _failed("Cannot start the bot.", error, settings.database_url,
                       settings.telegram_api_base_url, _secrets(settings))
    return 0


def guarded_main(argv: list[str] | None = None) -> int:
    """`main`, with a last line of defence: an error nobody foresaw is printed with its
    traceback (it is a bug to report), the secrets in the environment blanked."""
    try:
        return main(argv)
    except Exception:
        import traceback

        secrets = [os.environ.get(name, "") for name in (
            "TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "DATABASE_URL")]
        print(redact(traceback.format_exc(), secrets), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(guarded_main())
