"""The content files' parts, read and checked: the FAQ's topics and what it leaves to
staff (faq.yaml), the texts, buttons and command menu (messages.yaml), the locale, and
the safe texts in languages the bot cannot read (other_languages.yaml). Each problem found
is added to a list, so one start-up names them all."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel import Locale

from bot.texts.keys import COMMON_FIELDS, PATIENT_COMMANDS, STAFF_COMMANDS, TextSpec
from bot.texts.patterns import Patterns, babel_locale, parse
from bot.texts.telegram_html import html_problem
from bot.understanding.reading_file import string_list
from bot.understanding.topics import LeftToStaff, Topic

FAQ_FILE = "faq.yaml"
MESSAGES_FILE = "messages.yaml"
OTHER_LANGUAGES_FILE = "other_languages.yaml"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
# The language the bot reads (its warning signs and grammar words, content/*.yaml) and the
# one its content/ folder always has.
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
@dataclass(frozen=True)
class OtherLanguage:
    """A language the bot cannot read: its name for staff, and the patient's safe text."""

    name: str
    text: str


def parse_locale(data: dict[str, Any] | None, language: str, problems: list[str]
                  ) -> Locale | None:
    """How the language writes dates and numbers: `locale: es_ES` (default: the
    language's own, Babel's "es")."""
    raw = (data or {}).get("locale", language)
    locale = babel_locale(str(raw))
    if locale is None or locale.language != language:
        problems.append(f"{MESSAGES_FILE}: locale: '{raw}' is not a locale of this language "
                        f"(write it like {language}_{language.upper()})")
        return None
    return locale


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


def read_yaml(path: Path, problems: list[str]) -> dict[str, Any] | None:
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


def check_template(
    where: str, template: str, spec: TextSpec, problems: list[str], *, is_html: bool
) -> None:
    parsed = parse(template)
    if parsed.problem:
        problems.append(f"{where}: {parsed.problem}")
        return
    used = parsed.variables
    allowed = spec.fields | COMMON_FIELDS
    for name in sorted(used - allowed):
        offered = ", ".join(f"{{ ${n} }}" for n in sorted(allowed))
        problems.append(f"{where}: unknown placeholder {{ ${name} }} (this text can use "
                        f"{offered})")
    for name in sorted(spec.required - used):
        problems.append(f"{where}: must show the placeholder {{ ${name} }}")
    if is_html:
        sample = Patterns(Locale("en"), {"t": template}).fill("t", dict.fromkeys(used, "x"))
        problem = html_problem(sample)
        if problem:
            problems.append(f"{where}: {problem}")
        if len(template) > MAX_TEMPLATE:
            problems.append(f"{where}: too long for one message ({len(template)} characters)")


def parse_topics(data: dict[str, Any], problems: list[str]) -> tuple[Topic, ...]:
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
            check_template(f"{where}: answer", fields["answer"], TextSpec(), problems,
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


def parse_left_to_staff(data: dict[str, Any], problems: list[str]
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


def parse_texts(
    data: dict[str, Any] | None,
    section: str,
    specs: Mapping[Any, TextSpec],
    problems: list[str],
    *,
    is_html: bool,
) -> dict[str, str]:
    raw = named_section(data, MESSAGES_FILE, section, problems)
    if raw is None:
        return {}
    texts: dict[str, str] = {}
    for key, spec in specs.items():
        value = raw.get(str(key))
        where = f"{MESSAGES_FILE}: {section}.{key}"
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: missing")
            continue
        check_template(where, value, spec, problems, is_html=is_html)
        texts[str(key)] = value
    for key in sorted(set(map(str, raw)) - {str(k) for k in specs}):
        problems.append(f"{MESSAGES_FILE}: {section}.{key}: not a text the bot uses (a typo?)")
    return texts


def named_section(data: dict[str, Any] | None, file: str, name: str, problems: list[str]
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


def parse_commands(data: dict[str, Any] | None, problems: list[str]) -> dict[str, dict[str, str]]:
    raw = named_section(data, MESSAGES_FILE, "commands", problems)
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


def parse_other_languages(data: dict[str, Any] | None, problems: list[str]
                           ) -> dict[str, OtherLanguage]:
    raw = named_section(data, OTHER_LANGUAGES_FILE, "languages", problems)
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
            check_template(where, text, _OTHER_LANGUAGE_SPEC, problems, is_html=True)
            found[str(code)] = OtherLanguage(name.strip(), text)
    return found
