"""Command line: `python -m bot run | migrate | check | import-appointments FILE.csv`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import (
    DatabaseSettings,
    Settings,
    SettingsError,
    load_clinic_settings,
    load_settings,
)
from bot.content import Content, ContentError, load_content
from bot.logs import configure_logging
from bot.polling_guard import AnotherPoller
from db.migrate import upgrade_database

logger = logging.getLogger("bot")

# How often start-up retries reaching the Bot API before giving up with a message.
BOOTSTRAP_RETRIES = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    running = commands.add_parser(
        "run", help="start the bot: long polling, or a webhook server with --webhook")
    running.add_argument("--webhook", action="store_true",
                         help="serve Telegram's webhook (the same as BOT_MODE=webhook)")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    commands.add_parser("check", help="check the settings and content files, then exit")
    importing = commands.add_parser(
        "import-appointments", help="add or update appointments from a CSV file; exit code "
        "0 if every row went in, 1 if some rows were refused, 2 if the file was unusable")
    importing.add_argument("file", type=Path)
    arguments = parser.parse_args(argv)

    if arguments.command == "import-appointments":
        return _import(arguments.file)

    if arguments.command == "migrate":
        url = DatabaseSettings().database_url
        upgrade_database(url)
        print("The database schema is up to date.")
        return 0

    try:
        webhook = arguments.command == "run" and arguments.webhook
        settings, content = _load(bot_mode="webhook") if webhook else _load()
    except (SettingsError, ContentError) as error:
        print(f"Cannot start the bot.\n{error}", file=sys.stderr)
        return 2
    if arguments.command == "check":
        print(f"Settings and content are fine ({len(content.topics)} FAQ topics).")
        return 0
    return _run(settings, content)


def _import(path: Path) -> int:
    from bot.importer import ImportFileError, import_file

    try:
        settings = load_clinic_settings()
        upgrade_database(settings.database_url)
        report = asyncio.run(import_file(path, settings))
    except (SettingsError, ImportFileError) as error:
        print(f"Nothing was imported.\n{error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.problems else 0


def _load(**overrides: object) -> tuple[Settings, Content]:
    settings = load_settings(**overrides)
    configure_logging(settings.log_level, [settings.telegram_bot_token.get_secret_value()])
    content = load_content(
        settings.content_dir,
        clinic_name=settings.clinic_name,
        clinic_contact=settings.clinic_contact,
        emergency_number=settings.emergency_number,
    )
    return settings, content


def _run(settings: Settings, content: Content) -> int:
    application = build_application(settings, content)
    try:
        if settings.bot_mode == "webhook":
            from bot.webhook import serve  # aiohttp's server: only in webhook mode

            asyncio.run(serve(application, settings))
        else:
            application.run_polling(
                timeout=settings.polling_timeout,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                allowed_updates=ALLOWED_UPDATES,
            )
    except AnotherPoller as error:
        print(f"Cannot start the bot.\n{error}", file=sys.stderr)
        return 2
    except InvalidToken:
        print("Cannot start the bot.\nTelegram refused TELEGRAM_BOT_TOKEN. Copy the token "
              "from @BotFather again into .env.", file=sys.stderr)
        return 2
    except NetworkError as error:
        print(f"Cannot start the bot.\nCould not reach the Bot API at "
              f"{settings.telegram_api_base_url} ({error}).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
