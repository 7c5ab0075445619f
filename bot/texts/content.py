"""Loading and checking the clinic's content files, and filling in their placeholders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cached_property
from importlib import resources
from pathlib import Path

from babel import Locale

from bot.texts import dates
from bot.texts.content_files import (
    CLINIC_LANGUAGE,
    FAQ_FILE,
    MAX_BUTTON,
    MESSAGES_FILE,
    OTHER_LANGUAGES_FILE,
    OtherLanguage,
    parse_commands,
    parse_left_to_staff,
    parse_locale,
    parse_other_languages,
    parse_texts,
    parse_topics,
    read_yaml,
)
from bot.texts.keys import BUTTON_SPECS, TEXT_SPECS, Button, Text, TextSpec
from bot.texts.patterns import Patterns, babel_locale
from bot.texts.telegram_html import escape
from bot.understanding.lexicon import LEXICON_FILE, Lexicon, parse_lexicon
from bot.understanding.reading_file import READING_FILE, parse_reading
from bot.understanding.sign_parts import Sign
from bot.understanding.topics import LeftToStaff, Topic
from bot.understanding.vocabulary import Vocabulary
from bot.understanding.warning_signs_file import RED_FLAGS_FILE, parse_red_flags

# What { $emergency_number } and the like read when their setting is empty: a text of
# each language ("your local emergency number").
_UNSET = {"emergency_number": Text.LOCAL_EMERGENCY_NUMBER,
          "crisis_line": Text.LOCAL_CRISIS_LINE, "when_clinic_closed": Text.LOCAL_OUT_OF_HOURS}


class ContentError(Exception):
    """The content files cannot be used; the message names each file and problem."""


class Html(str):
    """Markup the code built itself; placed into a text as it is, not escaped."""

    __slots__ = ()


def packaged_content_dir() -> Path:
    return Path(str(resources.files("content")))


class Content:
    """One language's checked texts, ready to fill in, and how it writes dates. Build with
    `load_content`."""

    def __init__(
        self,
        language: str,
        locale: Locale,
        topics: tuple[Topic, ...],
        texts: Mapping[str, str],
        buttons: Mapping[str, str],
        commands: Mapping[str, Mapping[str, str]],
        common: Mapping[str, str],
        warning_signs: tuple[Sign, ...] = (),
        vocabulary: Vocabulary | None = None,
        left_to_staff: tuple[LeftToStaff, ...] = (),
        other_languages: Mapping[str, OtherLanguage] | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.language = language
        self.locale = locale
        self.topics = topics
        self.left_to_staff = left_to_staff
        self.warning_signs = warning_signs
        self.vocabulary = vocabulary or Vocabulary()
        self._by_id = {topic.id: topic for topic in topics}
        self._texts = texts
        self._buttons = buttons
        self.commands = commands
        self.other_languages = other_languages or {}
        # How the bot reads this language, when it is not the clinic's own (whose reading
        # is `warning_signs` and `vocabulary`): content/<language>/warning_signs.yaml.
        self.lexicon = lexicon
        self._templates = {
            **{f"text:{key}": value for key, value in texts.items()},
            **{f"button:{key}": value for key, value in buttons.items()},
            **{f"topic:{topic.id}": topic.answer for topic in topics},
            **{f"other:{code}": other.text for code, other in self.other_languages.items()}}
        self._settings = dict(common)
        self.emergency_number_set = bool(common.get("emergency_number"))

    @cached_property
    def _patterns(self) -> Patterns:
        """The templates, ready to fill: built at first use, so a language no patient has
        read yet costs no memory (its texts were checked at start-up all the same)."""
        return Patterns(self.locale, self._templates)

    @cached_property
    def _plain_common(self) -> dict[str, str]:
        """What every text may show of the settings, an empty one in this language's words."""
        return {name: value or self._patterns.fill(f"text:{_UNSET[name]}", {})
                if name in _UNSET else value for name, value in self._settings.items()}

    @cached_property
    def _common(self) -> dict[str, str]:
        return {name: escape(value) for name, value in self._plain_common.items()}

    def text(self, key: Text, **fields: object) -> str:
        """The text `key` with its placeholders filled; values are escaped for HTML."""
        _check_fields(key, TEXT_SPECS[key], fields)
        values = {name: _html_value(value) for name, value in fields.items()}
        return self._patterns.fill(f"text:{key}", {**self._common, **values}).strip()

    def button(self, key: Button, **fields: object) -> str:
        """A button label; buttons are plain text, so nothing is escaped."""
        _check_fields(key, BUTTON_SPECS[key], fields)
        label = self._patterns.fill(f"button:{key}", {**self._plain_common, **fields}).strip()
        return label[:MAX_BUTTON]

    def in_other_language(self, code: str) -> str | None:
        """The fixed safe text for a patient writing in language `code`, if there is one."""
        if code not in self.other_languages or not self.emergency_number_set:
            return None  # without EMERGENCY_NUMBER, it would say the English words
        return self._patterns.fill(f"other:{code}", self._common).strip()

    def topic(self, topic_id: str) -> Topic | None:
        return self._by_id.get(topic_id)

    def answer(self, topic: Topic) -> str:
        return self._patterns.fill(f"topic:{topic.id}", self._common).strip()

    def when(self, *moments: datetime) -> str:
        """"Tuesday 24 November at 10:00", or "... at 10:00 and 14:30" for one day's
        sessions: local times, written the way this language writes them."""
        return self.text(Text.DATE_TIME, day=dates.day(moments[0], self.locale),
                         time=dates.times(moments, self.locale))

    def day(self, moment: datetime | date) -> str:
        """"Tuesday 24 November"."""
        return dates.day(moment, self.locale)

    def day_and_time(self, moment: datetime) -> str:
        """"Tue 24 Nov, 10:00", short enough for a button."""
        return dates.short(moment, self.locale)

    def time(self, moment: datetime) -> str:
        return dates.times((moment,), self.locale)

    def and_list(self, items: list[str]) -> str:
        """"Dr Chen and Dr Lee", in this language."""
        return dates.and_list(items, self.locale)

    def own_words(self) -> list[str]:
        """Every text the clinic wrote: its words are real words, never typos."""
        return [*self._texts.values(), *self._buttons.values(),
                *(text for topic in self.topics
                  for text in (topic.title, topic.answer, *topic.questions, *topic.keywords))]


def _html_value(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # a number stays one: the words can follow its plural
    return str(value) if isinstance(value, Html) else escape(value)


def _check_fields(key: str, spec: TextSpec, fields: Mapping[str, object]) -> None:
    if set(fields) != spec.fields:
        raise TypeError(f"text {key!r} takes fields {sorted(spec.fields)}, got {sorted(fields)}")


def load_content(
    directory: Path | None = None, *, language: str = CLINIC_LANGUAGE, clinic_name: str,
    clinic_contact: str, emergency_number: str = "", crisis_line: str = "",
    out_of_hours_line: str = "",
) -> Content:
    """Read and check one language's content (content/<language>/, and the reading files
    of content/ for the clinic's own language); raise ContentError listing all problems.
    The settings the texts show: empty `emergency_number` reads "your local emergency
    number", and the others have like wordings (`Settings.content_fields`)."""
    directory = directory or packaged_content_dir()
    problems: list[str] = []
    common = common_fields(clinic_name, clinic_contact, emergency_number, crisis_line,
                           out_of_hours_line)
    content = read_language(directory, language, common, problems)
    if problems or content is None:
        raise content_error(directory, problems)
    return content


def content_error(directory: Path, problems: list[str]) -> ContentError:
    return ContentError(f"The content in {directory} has problems:\n"
                        + "\n".join(f"- {problem}" for problem in problems))


def common_fields(clinic_name: str, clinic_contact: str, emergency_number: str = "",
                  crisis_line: str = "", out_of_hours_line: str = "") -> dict[str, str]:
    return {"clinic_name": clinic_name, "clinic_contact": clinic_contact,
            "emergency_number": emergency_number, "crisis_line": crisis_line,
            "when_clinic_closed": out_of_hours_line}


def read_language(directory: Path, language: str, common: Mapping[str, str],
                  problems: list[str]) -> Content | None:
    """The texts of content/<language>/, adding to `problems` each one found, named by
    its file, key and language ("es/messages.yaml (Spanish): texts.welcome: missing")."""
    found: list[str] = []
    folder = directory / language
    if not folder.is_dir():
        problems.append(f"{language}/: there is no folder of texts for {_name(language)} "
                        f"(copy {CLINIC_LANGUAGE}/ and translate it)")
        return None
    faq = read_yaml(folder / FAQ_FILE, found)
    messages = read_yaml(folder / MESSAGES_FILE, found)
    topics = parse_topics(faq, found) if faq is not None else ()
    left_to_staff = parse_left_to_staff(faq, found) if faq is not None else ()
    texts = parse_texts(messages, "texts", TEXT_SPECS, found, is_html=True)
    buttons = parse_texts(messages, "buttons", BUTTON_SPECS, found, is_html=False)
    commands = parse_commands(messages, found)
    locale = parse_locale(messages, language, found)
    lexicon = None
    if language != CLINIC_LANGUAGE and (folder / LEXICON_FILE).exists():
        lexicon = parse_lexicon(read_yaml(folder / LEXICON_FILE, found), LEXICON_FILE, found)
    problems.extend(f"{language}/{problem.replace(': ', f' ({_name(language)}): ', 1)}"
                    for problem in found)
    signs: tuple[Sign, ...] = ()
    vocabulary = None
    other_languages: dict[str, OtherLanguage] = {}
    if language == CLINIC_LANGUAGE:
        # What the bot reads patients' messages with, and its safe texts in the languages
        # it cannot read (optional: a content folder from before it existed still starts).
        vocabulary = parse_reading(read_yaml(directory / READING_FILE, problems), problems)
        signs = parse_red_flags(read_yaml(directory / RED_FLAGS_FILE, problems), problems,
                                frozenset(vocabulary.concepts))
        if (directory / OTHER_LANGUAGES_FILE).exists():
            other_languages = parse_other_languages(
                read_yaml(directory / OTHER_LANGUAGES_FILE, problems), problems)
    if found or locale is None:
        return None
    return Content(language, locale, topics, texts, buttons, commands, common, signs,
                   vocabulary, left_to_staff, other_languages, lexicon)


def _name(language: str) -> str:
    """"Spanish": the language's name in English, for whoever reads the start-up error."""
    locale = babel_locale(language)
    return (locale.get_display_name("en") if locale is not None else None) or language


