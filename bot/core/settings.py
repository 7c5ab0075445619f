"""Settings read from the environment and `.env`, validated once at start-up (read, with
their errors told to the operator, by `settings_loading`)."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode

from db.settings import DatabaseSettings

# A real token looks like "123456789:AAF...": digits, a colon, then 30-odd URL-safe characters.
_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
# What Telegram accepts as a webhook secret_token.
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Words the .env.example placeholder uses, which a random real token will not contain.
_PLACEHOLDER_HINTS = ("replace", "botfather", "example", "placeholder", "changeme")

# The clinic name and contact in .env.example. Patients are told to use the contact when
# something is wrong, so the bot will not run while either is still the example
# (tests/test_config.py checks these match the file).
EXAMPLE_CLINIC_NAME = "Lotus Wellness Clinic"
EXAMPLE_CLINIC_CONTACT = "call 020 7946 0000 or email hello@lotus.example"
_EMERGENCY_NUMBER = re.compile(r"^\+?[0-9][0-9 ]{1,14}$")
# What the operator reads when a setting the bot cannot run without is missing.
MISSING_HELP = {
    "CLINIC_NAME": "your clinic's name, as patients know it",
    "CLINIC_CONTACT": "how patients reach a person (a phone number, an email); patients "
                      "are told to use it when something is wrong",
}


def _duration(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


# A duration setting, written like 24h, 90m or 30s.
Duration = Annotated[timedelta, BeforeValidator(_duration)]


def redact_url(url: str) -> str:
    """A URL fit to print: any password replaced."""
    return _URL_PASSWORD.sub(r"\1***@", url)


_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", re.IGNORECASE)


class ClinicSettings(DatabaseSettings):
    """The clinic and its timings: what the CSV import needs, which needs no token."""

    clinic_name: str = "Our Clinic"
    clinic_timezone: str = "UTC"
    clinic_contact: str = "the clinic's front desk"
    # The country for phone numbers written without +country code (ISO, e.g. GB); empty
    # means every number must start with + (or 00).
    phone_region: str = ""
    # Durations, written like 24h, 90m or 30s.
    pre_session_lead: Duration = timedelta(hours=24)
    reminder_lead: Duration = timedelta(hours=2)
    checkin_delay: Duration = timedelta(hours=24)
    followup_delay: Duration = timedelta(hours=48)
    change_notice_delay: Duration = timedelta(minutes=3)
    # A check-in score this high (0-10) alerts the staff chat at once.
    escalation_threshold: int = Field(default=7, ge=1, le=10)
    # Up to this score (0-10), soreness is the common, passing kind: reassurance only.
    checkin_mild_max: int = Field(default=3, ge=0, le=9)
    # Clinic time, like 21:00-08:00, when no guide or check-in is sent; empty for none.
    quiet_hours: Annotated[tuple[time, time] | None, NoDecode] = None
    # How dates written like 03/12/2026 are read in an import: "day" (3 December) or
    # "month" (12 March) first; empty refuses those that could be either.
    date_order: Literal["", "day", "month"] = ""
    # The clinic's own copy of the content files; empty: the ones shipped with the bot.
    content_dir: Path | None = None

    @field_validator("clinic_timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/London") from None
        return value

    @field_validator("date_order", mode="before")
    @classmethod
    def _date_order(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        words = value.strip().lower().replace("-", " ").replace("_", " ")
        return {"dmy": "day", "day first": "day", "mdy": "month",
                "month first": "month"}.get(words, words)

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region and region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a two-letter country code such as GB or US")
        return region

    @field_validator("weekly_digest", mode="before", check_fields=False)
    @classmethod
    def _weekly_moment(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        day, _, at = value.strip().lower().partition(" ")
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        try:
            return days.index(day[:3]), time.fromisoformat(at.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a day and clinic time like mon 08:30"
                             ) from None

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _time_range(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        start, dash, end = value.partition("-")
        try:
            if not dash:
                raise ValueError
            window = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        except ValueError:
            raise ValueError(f"{value!r} is not a range of clinic times like 21:00-08:00"
                             ) from None
        if window[0] == window[1]:
            raise ValueError("the start and end of the quiet hours are the same")
        return window

    @model_validator(mode="after")
    def _mild_below_alert(self) -> ClinicSettings:
        if self.checkin_mild_max >= self.escalation_threshold:
            raise ValueError(
                f"CHECKIN_MILD_MAX: {self.checkin_mild_max} must be below "
                f"ESCALATION_THRESHOLD ({self.escalation_threshold})")
        return self

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)


class Settings(ClinicSettings):
    """Everything the operator configures; see .env.example for each setting's meaning."""

    telegram_bot_token: SecretStr
    # Patients are told this name and contact: the bot needs the clinic's real ones.
    clinic_name: str
    clinic_contact: str
    # The number a patient with an emergency sign is told to call (999, 911, 112); empty:
    # "your local emergency number".
    emergency_number: str = ""
    # Where someone with thoughts of suicide or self-harm can talk now ("Samaritans on
    # 116 123, free, any time"); empty: "a local crisis line".
    crisis_line: str = Field(default="", max_length=200)
    # What to do about a same-day sign when the clinic is closed ("call NHS 111", "call
    # your doctor's after-hours line"); empty: a wording that names no country's service.
    out_of_hours_line: str = Field(default="", max_length=200)
    # The languages patients can read the bot in (en,es,de), each a folder content/<code>/;
    # the first is for a patient whose Telegram is set to none of them. STAFF_LANGUAGE: what
    # the staff read, one of them (empty: the first).
    languages: Annotated[tuple[str, ...], NoDecode] = ("en",)
    staff_language: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    staff_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    staff_chat_id: int | None = None
    log_level: str = "INFO"
    # How long getUpdates waits on the server before answering empty (long polling).
    polling_timeout: int = Field(default=30, ge=0, le=50)
    # How long a send waits for Telegram's answer. Past it, the message is taken as sent
    # and not sent again (bot/sending/delivery.py), so this errs long.
    telegram_read_timeout: float = Field(default=10.0, gt=0, le=120)
    # The HTTP client for the Bot API: aiohttp (bot/sending/aiohttp_request.py), or PTB's
    # own httpx as the fallback.
    telegram_transport: Literal["httpx", "aiohttp"] = "aiohttp"
    # Sends that may leave at once when nothing was sent lately (a token bucket refilled at
    # Telegram's 30 a second, never breaking its 30 within a second); only replies spend it.
    rate_limit_burst: int = Field(default=10, ge=1, le=30)
    # Messages to one patient at once before the one-a-second pace (Telegram tolerates a
    # short burst in a private chat).
    rate_limit_chat_burst: int = Field(default=3, ge=1, le=10)
    # Updates handled at once (different chats; one chat's stay in order,
    # bot/assembly/concurrency.py).
    concurrent_updates: int = Field(default=16, ge=1, le=256)
    # Updates one chat may have waiting; past it the oldest typed messages are passed over
    # and the patient is told once (bot/assembly/concurrency.py).
    chat_backlog: int = Field(default=8, ge=1, le=1000)
    # The weekly picture for the staff chat: a day and clinic time like "mon 08:30";
    # empty for none.
    weekly_digest: Annotated[tuple[int, time] | None, NoDecode] = None
    scheduler_horizon: Duration = timedelta(hours=6)
    scheduler_topup_interval: Duration = timedelta(minutes=1)
    # How updates arrive: "polling" (getUpdates) or "webhook" (Telegram calls us).
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None  # the public https address Telegram calls
    webhook_listen: str = "0.0.0.0"  # the address the webhook server listens on
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "/telegram"
    webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _webhook_is_complete(self) -> Settings:
        if self.bot_mode == "webhook":
            missing = [name.upper() for name in ("webhook_url", "webhook_secret")
                       if getattr(self, name) is None]
            if missing:
                raise ValueError(f"BOT_MODE=webhook needs {' and '.join(missing)}")
        return self

    @field_validator("clinic_name", "clinic_contact")
    @classmethod
    def _not_the_example(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        example = {"clinic_name": EXAMPLE_CLINIC_NAME,
                   "clinic_contact": EXAMPLE_CLINIC_CONTACT}[str(info.field_name)]
        if not value:
            raise ValueError("empty: " + MISSING_HELP[str(info.field_name).upper()])
        if value.casefold() == example.casefold():
            raise ValueError("still the example from .env.example; put in your clinic's own "
                             "(patients are told to use it when something is wrong)")
        return value

    def content_fields(self) -> dict[str, str]:
        """What every text may show from the settings (`load_content`'s keywords)."""
        return {"clinic_name": self.clinic_name, "clinic_contact": self.clinic_contact,
                "emergency_number": self.emergency_number, "crisis_line": self.crisis_line,
                "out_of_hours_line": self.out_of_hours_line}

    @field_validator("emergency_number")
    @classmethod
    def _phone_like(cls, value: str) -> str:
        value = value.strip()
        if value and not _EMERGENCY_NUMBER.match(value):
            raise ValueError(f"{value!r} is not a phone number such as 999, 911 or 112")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _SECRET_SHAPE.match(value.get_secret_value()):
            raise ValueError("must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url_is_http(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not value.startswith(("https://", "http://")):
                raise ValueError("must be the public https:// address Telegram calls")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _path_is_absolute(cls, value: str) -> str:
        return "/" + value.strip().strip("/")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_is_real(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("empty")
        lowered = token.lower()
        if any(hint in lowered for hint in _PLACEHOLDER_HINTS) or not _TOKEN_SHAPE.match(token):
            raise ValueError("still a placeholder, or not shaped like a bot token")
        return SecretStr(token)

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return frozenset(int(part) for part in parts)
            except ValueError:
                raise ValueError("must be Telegram user ids separated by commas") from None
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            if not value or not all(isinstance(code, str) and _LANGUAGE.match(code)
                                    for code in value):
                raise ValueError("must be language codes separated by commas, like en,es,de")
            return tuple(dict.fromkeys(value))
        return value

    @field_validator("staff_language", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _staff_read_one_of_them(self) -> Settings:
        if self.staff_language and self.staff_language not in self.languages:
            raise ValueError(f"STAFF_LANGUAGE ({self.staff_language}) must be one of LANGUAGES "
                             f"({','.join(self.languages)})")
        return self

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _blank_chat_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def bot_api_url(self) -> str:
        """The Bot API root the bot calls as `{base}/bot<token>/<method>`."""
        return f"{self.telegram_api_base_url}/bot"

    @property
    def bot_file_url(self) -> str:
        return f"{self.telegram_api_base_url}/file/bot"

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.staff_user_ids


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """'24h', '90m', '30s', '2d' as a timedelta."""
    match = _DURATION.match(text.lower())
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 24h, 90m or 30s")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
