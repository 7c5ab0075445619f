"""The clinic's languages: each one's texts (content/<language>/), which a patient reads,
and which the staff read.

A patient reads the language they chose with /language; until they choose, the one their
Telegram is set to, when the clinic offers it; otherwise the clinic's first (LANGUAGES).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.core.settings import Settings
from bot.texts.content import (
    Content,
    common_fields,
    content_error,
    packaged_content_dir,
    read_language,
)
from bot.texts.content_files import CLINIC_LANGUAGE
from bot.texts.patterns import babel_locale


class Contents:
    """Each offered language's texts; `reading` is the clinic's own language (English),
    whose files the bot reads patients' messages with, loaded whether offered or not."""

    def __init__(self, by_language: Mapping[str, Content], offered: Sequence[str],
                 staff_language: str) -> None:
        self._by_language = dict(by_language)
        self.offered = tuple(offered)
        self.default = self._by_language[self.offered[0]]
        self.staff = self._by_language[staff_language]
        self.reading = self._by_language[CLINIC_LANGUAGE]

    @property
    def read_too(self) -> tuple[Content, ...]:
        """The offered languages besides the clinic's own, whose messages are read with
        their word lists (bot/understanding/lexicon.py) where they have one."""
        return tuple(self._by_language[language] for language in self.offered
                     if language != CLINIC_LANGUAGE)

    @property
    def several(self) -> bool:
        """Whether patients can choose (and whose language must be looked up)."""
        return len(self.offered) > 1

    def of(self, language: str | None) -> Content:
        """The texts in `language` if the clinic offers it, else in its first language."""
        if language in self.offered:
            return self._by_language[language]
        return self.default

    def for_patient(self, chosen: str | None, telegram: str | None) -> Content:
        """The texts a patient reads (`language_of`): for what the bot sends unasked."""
        return self.of(language_of(chosen, telegram, self))

    def offers(self, language: str | None) -> bool:
        return language in self.offered

    def name(self, language: str) -> str:
        """"Español": a language's name in its own words, for its button."""
        locale = babel_locale(language)
        name = locale.get_display_name(locale) if locale is not None else None
        return (name or language)[:1].upper() + (name or language)[1:]


def language_of(chosen: str | None, telegram: str | None, contents: Contents) -> str:
    """What a patient reads: their choice, else their Telegram's language (its base: "es"
    of "es-419", "zh" of "zh-hant"), else the clinic's first."""
    if contents.offers(chosen):
        return str(chosen)
    base = base_language(telegram)
    return base if contents.offers(base) else contents.offered[0]


def base_language(code: str | None) -> str:
    """"es" of "es-419" or "ES_es"; "" of nothing."""
    return (code or "").replace("_", "-").partition("-")[0].strip().lower()


def load_contents(directory: Path | None = None, *, languages: Sequence[str] = (CLINIC_LANGUAGE,),
                  staff_language: str = "", clinic_name: str, clinic_contact: str,
                  emergency_number: str = "", crisis_line: str = "",
                  out_of_hours_line: str = "") -> Contents:
    """Read and check every offered language (and the clinic's own); raise ContentError
    naming each file, key and language with a problem. Every language must have the
    same FAQ topics, so a topic found in one can be answered in any."""
    directory = directory or packaged_content_dir()
    offered = list(dict.fromkeys(languages)) or [CLINIC_LANGUAGE]
    staff_language = staff_language or offered[0]
    common = common_fields(clinic_name, clinic_contact, emergency_number, crisis_line,
                           out_of_hours_line)
    problems: list[str] = []
    loaded: dict[str, Content] = {}
    for language in dict.fromkeys([CLINIC_LANGUAGE, *offered, staff_language]):
        content = read_language(directory, language, common, problems)
        if content is not None:
            loaded[language] = content
    reading = loaded.get(CLINIC_LANGUAGE)
    for language, content in loaded.items():
        if reading is None or content is reading:
            continue
        ours = {topic.id for topic in content.topics}
        for topic in reading.topics:
            if topic.id not in ours:
                problems.append(f"{language}/faq.yaml: topic '{topic.id}' is missing "
                                f"({CLINIC_LANGUAGE}/faq.yaml has it)")
        for topic_id in sorted(ours - {topic.id for topic in reading.topics}):
            problems.append(f"{language}/faq.yaml: topic '{topic_id}' is not in "
                            f"{CLINIC_LANGUAGE}/faq.yaml (every language has the same topics)")
    if problems:
        raise content_error(directory, problems)
    return Contents(loaded, offered, staff_language)


def shipped_languages(directory: Path | None = None) -> tuple[str, ...]:
    """The languages a content folder has texts for (each a folder with messages.yaml),
    the clinic's own first."""
    directory = directory or packaged_content_dir()
    found = sorted(folder.name for folder in directory.iterdir()
                   if (folder / "messages.yaml").is_file())
    return tuple(dict.fromkeys([CLINIC_LANGUAGE, *found]))


def contents_for(settings: Settings) -> Contents:
    """The texts the settings ask for: CONTENT_DIR (or the shipped ones), LANGUAGES,
    STAFF_LANGUAGE, and what the texts show of the clinic."""
    return load_contents(settings.content_dir, languages=settings.languages,
                         staff_language=settings.staff_language, **settings.content_fields())
