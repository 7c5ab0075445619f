"""Reading the settings, and telling the operator in one readable message what is wrong
with them (a missing name, an unusable token, a bad duration) instead of pydantic's."""

from __future__ import annotations

from pydantic import ValidationError

from bot.core.settings import MISSING_HELP, ClinicSettings, Settings
from db.settings import DatabaseSettings

TOKEN_HELP = (
    "TELEGRAM_BOT_TOKEN is {problem}.\n"
    "Get a token from @BotFather in Telegram (send it /newbot), then put it in the .env file\n"
    "next to where you run the bot, as:  TELEGRAM_BOT_TOKEN=123456789:AA...\n"
    "(.env.example lists every setting; copy it to .env to start.)"
)


class SettingsError(Exception):
    """Configuration that cannot start the bot, with a message meant for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_settings_error(error)) from None


def load_clinic_settings() -> ClinicSettings:
    """The settings a command without Telegram (the CSV import) needs."""
    try:
        return ClinicSettings()
    except ValidationError as error:
        raise SettingsError(describe_settings_error(error)) from None


def load_database_settings() -> DatabaseSettings:
    """The settings `migrate` needs."""
    try:
        return DatabaseSettings()
    except ValidationError as error:
        raise SettingsError(describe_settings_error(error)) from None


def describe_settings_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        if not problem["loc"]:  # a rule across settings, which names them itself
            lines.append(problem["msg"].removeprefix("Value error, "))
            continue
        name = str(problem["loc"][0]).upper()
        if problem["type"] == "missing" and name in MISSING_HELP:
            lines.append(f"{name} is missing: {MISSING_HELP[name]}.")
        elif name == "TELEGRAM_BOT_TOKEN":
            reason = "missing" if problem["type"] == "missing" else "not usable"
            detail = problem["msg"].removeprefix("Value error, ")
            lines.append(TOKEN_HELP.format(problem=f"{reason} ({detail})"))
        else:
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
    return "\n".join(lines)
