"""What the bot answers each message of a batch, black-box: the real application, started
in this process against the loopback Bot API on a fresh SQLite database, every message
from a new patient, the first reply sorted by the text it begins with."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.settings import Settings
from bot.stand_in import TOKEN, Chat, FloodLimits, TelegramStub, User
from bot.texts.content import Content
from bot.texts.keys import TEXT_SPECS, Text
from bot.texts.telegram_html import plain_text
from db.migrate import upgrade_database_async
from tests.eval.batches import Case
from tests.support.bots import STAFF_CHAT_ID, STAFF_ID, running_bot

# Far below the stand-in's 30 a second overall: the bot paces itself anyway.
AT_ONCE = 20
# What the beginning of a reply is compared on.
PREFIX = 48
_user_ids = itertools.count(7_000_000)
# The languages whose texts ship (content/<code>/): offered together when a batch is read
# in one of them.
SHIPPED = ("en", "es", "de")


@dataclass(frozen=True)
class Reply:
    case: Case
    kind: str  # "emergency", "same_day", "confirm", "look", "history", "staff",
    #             "topic:<id>", "unsupported", "text:<key>" or "none"
    text: str


def kind_of_text(key: Text) -> str:
    """What a reply beginning with text `key` means for the evaluation."""
    name = key.value
    for start, kind in (("safety_emergency", "emergency"), ("safety_same_day", "same_day"),
                        ("safety_confirm", "confirm"), ("safety_look", "look"),
                        ("safety_crisis", "emergency"), ("safety_history", "history"),
                        ("fallback", "staff"), ("unsupported", "unsupported")):
        if name.startswith(start):
            return kind
    return f"text:{name}"


def beginnings(content: Content) -> list[tuple[str, str]]:
    """The first words of every reply the bot can open with, and what each means."""
    known: list[tuple[str, str]] = []
    for key, spec in TEXT_SPECS.items():
        if not spec.fields:
            known.append((_start(content.text(key)), kind_of_text(key)))
    known += [(_start(content.answer(topic)), f"topic:{topic.id}") for topic in content.topics]
    # Another language's safe text comes before the clinic's "please look" answer.
    known += [(_start(content.in_other_language(code) or ""), "look")
              for code in content.other_languages]
    return sorted(known, key=lambda pair: -len(pair[0]))


def _start(markup: str) -> str:
    return " ".join(plain_text(markup).split())[:PREFIX]


def sort_reply(known: Sequence[tuple[str, str]], plain: str) -> str:
    start = " ".join(plain.split())[:PREFIX]
    return next((kind for beginning, kind in known if start.startswith(beginning)), "other")


async def replies(cases: Sequence[Case], settings: dict[str, Any] | None = None,
                  timeout: float = 30, language: str = "") -> list[Reply]:
    """The bot's first reply to each case, each from a patient of its own; with
    `language`, patients whose Telegram is set to it, with every shipped language offered."""
    telegram = TelegramStub(TOKEN, FloodLimits())
    await telegram.start()
    telegram.add_chat({"id": STAFF_CHAT_ID, "type": "supergroup", "title": "Clinic staff"})
    try:
        with tempfile.TemporaryDirectory(prefix="clinic-eval-") as folder:
            url = f"sqlite+aiosqlite:///{folder}/clinic.db"
            await upgrade_database_async(url)
            values: dict[str, Any] = {
                "telegram_bot_token": TOKEN, "telegram_api_base_url": telegram.base_url,
                "database_url": url, "clinic_name": "Lotus & Pine Clinic",
                "clinic_contact": "+44 20 7946 0000", "emergency_number": "999",
                "clinic_timezone": "Europe/London", "staff_user_ids": str(STAFF_ID),
                "staff_chat_id": str(STAFF_CHAT_ID), "polling_timeout": "1",
                "log_level": "ERROR"} | (settings or {})
            if language:
                values["languages"] = ",".join(dict.fromkeys(["en", language, *SHIPPED]))
            async with running_bot(Settings(_env_file=None, **values)) as application:
                contents = application.bot_data.services.contents
                known = sorted({*beginnings(contents.default),
                                *(beginnings(contents.of(language)) if language else [])},
                               key=lambda pair: -len(pair[0]))
                gate = asyncio.Semaphore(AT_ONCE)

                async def one(case: Case) -> Reply:
                    async with gate:
                        chat = Chat(telegram, User(next(_user_ids), "Pat",
                                                   language_code=language or "en"))
                        try:
                            message = await chat.ask(case.text, timeout)
                        except TimeoutError:
                            return Reply(case, "none", "")
                        return Reply(case, sort_reply(known, message.plain), message.plain)

                return list(await asyncio.gather(*(one(case) for case in cases)))
    finally:
        await telegram.stop()
