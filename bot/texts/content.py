"""Loading and checking the clinic's content files, and filling in their placeholders."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.texts.keys import (
    BUTTON_SPECS,
    COMMON_FIELDS,
    PATIENT_COMMANDS,
    STAFF_COMMANDS,
    TEXT_SPECS,
    Button,
    Text,
    TextSpec,
)
from bot.texts.telegram_html import escape, html_problem
from bot.understanding.reading_file import READING_FILE, parse_reading, string_list
from bot.understanding.sign_parts import Sign
from bot.understanding.topics import LeftToStaff, Topic
from bot.understanding.vocabulary import Vocabulary
from bot.understanding.warning_signs_file import RED_FLAGS_FILE, parse_red_flags

FAQ_FILE = "faq.yaml"
MESSAGES_FILE = "messages.yaml"
OTHER_LANGUAGES_FILE = "other_languages.yaml"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
CLINIC_LANGUAGE = "en"
# What a text in another language must show, and may: the way to help, and who to reach.
_OTHER_LANGUAGE_SPEC = TextSpec(required=frozenset({"emergency_number"}))
TOPIC_ID = re.compile(r"^[a-z0-9_]{1,20}$")
# /risks shows this topic, so it must exist.
RISKS_TOPIC = "risks"
MAX_MESSAGE = 4096
# Leave room for what placeholders add, so a filled text stays under Telegram's limit.
MAX_TEMPLATE = 3500
MAX_BUTTON = 64
# What {emergency_number} reads when EMERGENCY_NUMBER is not set, and the like.
LOCAL_EMERGENCY_NUMBER = "your local emergency number"
LOCAL_CRISIS_LINE = "a local crisis line, any time of day or night"
LOCAL_OUT_OF_HOURS = "call your doctor's out-of-hours service"



class ContentError(Exception):
    """The content files cannot be used; the message names each file and problem."""


@dataclass(frozen=True)
class OtherLanguage:
    """A language the bot cannot read: its name for staff, and the patient's safe text."""

    name: str
    text: str


class Html(str):
    """Markup the code built itself; placed into a text as it is, not escaped."""

    __slots__ = ()


def packaged_content_dir() -> Path:
    return Path(str(resources.files("content")))


class Content:
    """The checked texts, ready to fill in. Build with `load_content`."""

    def __init__(
        self,
        topics: tuple[Topic, ...],
        texts: Mapping[str, str],
        buttons: Mapping[str, str],
        commands: Mapping[str, Mapping[str, str]],
        common: Mapping[str, str],
        warning_signs: tuple[Sign, ...] = (),
        vocabulary: Vocabulary | None = None,
        left_to_staff: tuple[LeftToStaff, ...] = (),
        other_languages: Mapping[str, OtherLanguage] | None = None,
    ) -> None:
        self.topics = topics
        self.left_to_staff = left_to_staff
        self.warning_signs = warning_signs
        self.vocabulary = vocabulary or Vocabulary()
        self._by_id = {topic.id: topic for topic in topics}
        self._texts = texts
        self._buttons = buttons
        self.commands = commands
        self._common = {name: escape(value) for name, value in common.items()}
        self.other_languages = other_languages or {}

    def text(self, key: Text, **fields: object) -> str:
        """The text `key` with its placeholders filled; values are escaped for HTML."""
        _check_fields(key, TEXT_SPECS[key], fields)
        values = {name: _html_value(value) for name, value in fields.items()}
        return self._texts[key].format(**self._common, **values).strip()

    def button(self, key: Button, **fields: object) -> str:
        """A button label; buttons are plain text, so nothing is escaped."""
        _check_fields(key, BUTTON_SPECS[key], fields)
        plain_common = {name: _unescape(value) for name, value in self._common.items()}
        label = self._buttons[key].format(**plain_common, **fields).strip()
        return label[:MAX_BUTTON]

    def in_other_language(self, code: str) -> str | None:
        """The fixed safe text for a patient writing in language `code`, if there is one."""
        language = self.other_languages.get(code)
        if language is None or self._common["emergency_number"] == escape(
                LOCAL_EMERGENCY_NUMBER):
            return None  # without EMERGENCY_NUMBER, it would say the English words
        return language.text.format(**self._common).strip()

    def topic(self, topic_id: str) -> Topic | None:
        return self._by_id.get(topic_id)

    def answer(self, topic: Topic) -> str:
        return topic.answer.format(**self._common).strip()

    def own_words(self) -> list[str]:
        """Every text the clinic wrote: its words are real words, never typos."""
        return [*self._texts.values(), *self._buttons.values(),
                *(text for topic in self.topics
                  for text in (topic.title, topic.answer, *topic.questions, *topic.keywords))]


def _html_value(value: object) -> str:
    return str(value) if isinstance(value, Html) else escape(value)


def _unescape(value: str) -> str:
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _check_fields(key: str, spec: TextSpec, fields: Mapping[str, object]) -> None:
    if set(fields) != spec.fields:
        raise TypeError(f"text {key!r} takes fields {sorted(spec.fields)}, got {sorted(fields)}")


def load_content(
    directory: Path | None = None, *, clinic_name: str, clinic_contact: str,
    emergency_number: str = "", crisis_line: str = "", out_of_hours_line: str = "",
) -> Content:
    """Read and check every content file; raise ContentError listing all problems.
    The settings the texts show: empty `emergency_number` reads "your local emergency
    number", and the others have like wordings (`Settings.content_fields`)."""
    directory = directory or packaged_content_dir()
    problems: list[str] = []
    faq = _read_yaml(directory / FAQ_FILE, problems)
    messages = _read_yaml(directory / MESSAGES_FILE, problems)
    topics = _parse_topics(faq, problems) if faq is not None else ()
    left_to_staff = _parse_left_to_staff(faq, problems) if faq is not None else ()
    texts = _parse_texts(messages, "texts", TEXT_SPECS, problems, is_html=True)
    buttons = _parse_texts(messages, "buttons", BUTTON_SPECS, problems, is_html=False)
    commands = _parse_commands(messages, problems)
    vocabulary = parse_reading(_read_yaml(directory / READING_FILE, problems), problems)
    signs = parse_red_flags(_read_yaml(directory / RED_FLAGS_FILE, problems), problems,
                            frozenset(vocabulary.concepts))
    # Optional: a clinic's own content folder from before it existed still starts, and a
    # patient writing in another language gets the clinic's own text alone.
    other_languages = _parse_other_languages(
        _read_yaml(directory / OTHER_LANGUAGES_FILE, problems), problems) \
        if (directory / OTHER_LANGUAGES_FILE).exists() else {}
    if problems:
        raise ContentError(
            f"The content in {directory} has problems:\n" + "\n".join(f"- {p}" for p in problems)
        )
    common = {"clinic_name": clinic_name, "clinic_contact": clinic_contact,
              "emergency_number": emergency_number or LOCAL_EMERGENCY_NUMBER,
              "crisis_line": crisis_line or LOCAL_CRISIS_LINE,
              "when_clinic_closed": out_of_hours_line or LOCAL_OUT_OF_HOURS}
    return Content(topics, texts, buttons, commands, common, signs, vocabulary, left_to_staff,
                   other_languages)


class _ContentLoader(yaml.SafeLoader):
    """YAML as an editor expects: `no`, `on`, `yes` and `off` stay words (YAML 1.1 would
    read them as true and false, and "no redness" would lose its "no"). Only `true` and
    `false` are booleans."""


_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def _read_yaml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ContentLoader)
    except FileNotFoundError:
        problems.append(f"{path.name}: the file is missing")
        return None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(f"{path.name}: not valid YAML ({error})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name}: expected named sections at the top of the file")
        return None
    return data


def _placeholders(template: str) -> set[str] | str:
    """The field names a template uses, or a description of why it cannot be filled."""
    names: set[str] = set()
    try:
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                return f"{{{name}}} is not a plain placeholder (write a literal brace as {{{{)"
            names.add(name)
    except ValueError as error:
        return f"unbalanced braces ({error}; write a literal brace as {{{{ or }}}})"
    return names


def _check_template(
    where: str, template: str, spec: TextSpec, problems: list[str], *, is_html: bool
) -> None:
    used = _placeholders(template)
    if isinstance(used, str):
        problems.append(f"{where}: {used}")
        return
    allowed = spec.fields | COMMON_FIELDS
    for name in sorted(used - allowed):
        offered = ", ".join(f"{{{n}}}" for n in sorted(allowed))
        problems.append(f"{where}: unknown placeholder {{{name}}} (this text can use {offered})")
    for name in sorted(spec.required - used):
        problems.append(f"{where}: must show the placeholder {{{name}}}")
    if is_html:
        sample = template.format(**{name: "x" for name in used})
        problem = html_problem(sample)
        if problem:
            problems.append(f"{where}: {problem}")
        if len(template) > MAX_TEMPLATE:
            problems.append(f"{where}: too long for one message ({len(template)} characters)")


def _parse_topics(data: dict[str, Any], problems: list[str]) -> tuple[Topic, ...]:
    raw = data.get("topics")
    if not isinstance(raw, list) or not raw:
        problems.append(f"{FAQ_FILE}: needs a non-empty list called 'topics'")
        return ()
    topics: list[Topic] = []
    for number, item in enumerate(raw, start=1):
        where = f"{FAQ_FILE}: topic {number}"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected id, title, questions, keywords, related, answer")
            continue
        topic_id = str(item.get("id", ""))
        if not TOPIC_ID.match(topic_id):
            problems.append(f"{where}: 'id' must be 1-20 lowercase letters, digits or _")
        elif any(topic.id == topic_id for topic in topics):
            problems.append(f"{where}: the id '{topic_id}' is used twice")
        else:
            where = f"{FAQ_FILE}: topic '{topic_id}'"
        fields: dict[str, Any] = {}
        for name in ("title", "answer"):
            value = item.get(name)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}: missing '{name}'")
            fields[name] = value.strip() if isinstance(value, str) else ""
        for name in ("questions", "keywords", "related"):
            values = string_list(item.get(name, []))
            if values is None or (name == "questions" and not values):
                problems.append(f"{where}: '{name}' must be a list of words or sentences")
            fields[name] = values or ()
        if fields["answer"]:
            _check_template(f"{where}: answer", fields["answer"], TextSpec(), problems,
                            is_html=True)
        if len(fields["title"]) > MAX_BUTTON:
            problems.append(f"{where}: 'title' is too long for a button")
        topics.append(Topic(id=topic_id, **fields))
    known = {topic.id for topic in topics}
    if RISKS_TOPIC not in known:
        problems.append(f"{FAQ_FILE}: needs a topic with id '{RISKS_TOPIC}' (the /risks command "
                        "shows it)")
    for topic in topics:
        for ref in topic.related:
            if ref not in known or ref == topic.id:
                problems.append(f"{FAQ_FILE}: topic '{topic.id}': 'related' names unknown "
                                f"topic '{ref}'")
    return tuple(topics)


def _parse_left_to_staff(data: dict[str, Any], problems: list[str]
                         ) -> tuple[LeftToStaff, ...]:
    raw = data.get("left_to_staff", [])
    where = f"{FAQ_FILE}: left_to_staff"
    if not isinstance(raw, list):
        problems.append(f"{where}: expected a list of names with keywords")
        return ()
    found: list[LeftToStaff] = []
    for number, item in enumerate(raw, start=1):
        keywords = string_list(item.get("keywords")) if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip() or not keywords:
            problems.append(f"{where} {number}: needs a 'name' and a list of 'keywords'")
            continue
        found.append(LeftToStaff(name.strip(), keywords))
    return tuple(found)


def _parse_texts(
    data: dict[str, Any] | None,
    section: str,
    specs: Mapping[Any, TextSpec],
    problems: list[str],
    *,
    is_html: bool,
) -> dict[str, str]:
    raw = _section(data, MESSAGES_FILE, section, problems)
    if raw is None:
        return {}
    texts: dict[str, str] = {}
    for key, spec in specs.items():
        value = raw.get(str(key))
        where = f"{MESSAGES_FILE}: {section}.{key}"
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: missing")
            continue
        _check_template(where, value, spec, problems, is_html=is_html)
        texts[str(key)] = value
    for key in sorted(set(map(str, raw)) - {str(k) for k in specs}):
        problems.append(f"{MESSAGES_FILE}: {section}.{key}: not a text the bot uses (a typo?)")
    return texts


def _section(data: dict[str, Any] | None, file: str, name: str, problems: list[str]
             ) -> dict[Any, Any] | None:
    """The named section of a file already read (None when the file could not be), or
    None with the problem noted."""
    if data is None:
        return None
    raw = data.get(name)
    if not isinstance(raw, dict):
        problems.append(f"{file}: needs a section called '{name}'")
        return None
    return raw


def _parse_commands(data: dict[str, Any] | None, problems: list[str]) -> dict[str, dict[str, str]]:
    raw = _section(data, MESSAGES_FILE, "commands", problems)
    if raw is None:
        return {}
    commands: dict[str, dict[str, str]] = {}
    for group, names in (("patient", PATIENT_COMMANDS), ("staff", STAFF_COMMANDS)):
        described = raw.get(group)
        if not isinstance(described, dict):
            problems.append(f"{MESSAGES_FILE}: commands.{group}: missing")
            continue
        commands[group] = {}
        for name in names:
            text = described.get(name)
            if not isinstance(text, str) or not 1 <= len(text.strip()) <= 256:
                problems.append(f"{MESSAGES_FILE}: commands.{group}.{name}: needs a description "
                                "of 1 to 256 characters")
                continue
            commands[group][name] = text.strip()
        for name in sorted(set(map(str, described)) - set(names)):
            problems.append(f"{MESSAGES_FILE}: commands.{group}.{name}: the bot has no such "
                            "command")
    return commands


def _parse_other_languages(data: dict[str, Any] | None, problems: list[str]
                           ) -> dict[str, OtherLanguage]:
    raw = _section(data, OTHER_LANGUAGES_FILE, "languages", problems)
    if raw is None:
        return {}
    found: dict[str, OtherLanguage] = {}
    for code, item in raw.items():
        where = f"{OTHER_LANGUAGES_FILE}: languages.{code}"
        name = item.get("name") if isinstance(item, dict) else None
        text = item.get("text") if isinstance(item, dict) else None
        if not LANGUAGE_CODE.match(str(code)):
            problems.append(f"{where}: the key must be a language code such as 'es'")
        elif str(code) == CLINIC_LANGUAGE:
            problems.append(f"{where}: English is the language the bot reads, not another")
        elif not isinstance(name, str) or not name.strip() \
                or not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: needs a 'name' and a 'text'")
        else:
            _check_template(where, text, _OTHER_LANGUAGE_SPEC, problems, is_html=True)
            found[str(code)] = OtherLanguage(name.strip(), text)
    return found
