"""The content files: the packaged ones are valid, broken ones stop start-up with a clear
message, and every text the code uses exists and fills its placeholders."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.stand_in.markup import parse_html, utf16_length
from bot.texts.content import ContentError, load_content, packaged_content_dir
from bot.texts.keys import (
    BUTTON_SPECS,
    COMMON_FIELDS,
    TEXT_SPECS,
    Button,
    Text,
    TextSpec,
)
from tests.support.factories import copy_content
from tests.support.processes import python_module, run

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_9345b86be2f6709c.txt"


def load(directory: Path | None = None) -> object:
    return load_content(directory, clinic_name="A & B <Clinic>", clinic_contact="+1 555 0100")


def test_packaged_content_is_valid_and_complete() -> None:
    content = load()
    assert [topic.id for topic in content.topics] == [  # type: ignore[attr-defined]
        "what", "how", "back", "session", "risks", "summary", "contact"]


def test_every_text_fills_its_placeholders_and_is_html_telegram_accepts() -> None:
    content = load_content(None, clinic_name="A & B <Clinic>", clinic_contact="x")
    for key, spec in TEXT_SPECS.items():
        sample = {name: "<v&l_ue>" for name in spec.fields}
        rendered = content.text(key, **sample)
        plain = parse_html(rendered)  # raises where Telegram would answer 400
        assert utf16_length(plain) <= 4096
        assert "{" not in plain, f"{key} left a placeholder unfilled"
        for name in spec.required - COMMON_FIELDS:  # the loader checks the common ones
            assert "<v&l_ue>" in plain, f"{key} does not show {name}"
    for button, spec in BUTTON_SPECS.items():
        assert content.button(button, **{name: "T" for name in spec.fields})
    for topic in content.topics:
        parse_html(content.answer(topic))


def _text_calls(tree: ast.AST) -> list[tuple[str, str, set[str], int]]:
    """Every `.text(Text.X, ...)` / `.button(Button.X, ...)` call: (kind, key, fields, line)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"text", "button"} and node.args):
            continue
        first = node.args[0]
        fields = {keyword.arg for keyword in node.keywords if keyword.arg}
        if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) \
                and first.value.id in {"Text", "Button"}:
            found.extend([(first.value.id, first.attr, fields, node.lineno)])
        elif isinstance(first, ast.IfExp):
            for branch in (first.body, first.orelse):
                if isinstance(branch, ast.Attribute) and isinstance(branch.value, ast.Name):
                    found.append((branch.value.id, branch.attr, fields, node.lineno))
    return found


def _named_texts(tree: ast.AST) -> set[str]:
    """Every `Text.X` named anywhere: texts chosen from a table are sent too."""
    return {f"Text.{node.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "Text"}


def test_every_text_the_code_uses_exists_and_gets_exactly_its_fields() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        tree = ast.parse(path.read_text())
        used |= _named_texts(tree)
        for kind, key, fields, line in _text_calls(tree):
            specs: dict[str, TextSpec] = {
                member.name: spec
                for member, spec in (TEXT_SPECS if kind == "Text" else BUTTON_SPECS).items()
            }
            assert key in specs, f"{path.name}:{line}: no text {kind}.{key}"
            spec = specs[key]
            assert fields == spec.fields, f"{path.name}:{line}: {key} takes {spec.fields}"
            used.add(f"{kind}.{key}")
    declared = {f"Text.{t.name}" for t in Text} | {f"Button.{b.name}" for b in Button}
    assert declared - used == set(), "texts declared but never sent"


def test_the_faq_says_the_seed_in_its_own_words() -> None:
    """No sentence of the article is pasted: no run of 8 words is shared with it."""
    if not SEED.exists():
        pytest.skip("the clinic's source article (../shared/seeds) is not beside this clone")
    seed_words = SEED.read_text(encoding="utf-8").lower().split()
    seed_runs = {" ".join(seed_words[i:i + 8]) for i in range(len(seed_words) - 7)}
    faq = yaml.safe_load((packaged_content_dir() / "en" / "faq.yaml").read_text(encoding="utf-8"))
    for topic in faq["topics"]:
        words = topic["answer"].lower().split()
        for i in range(len(words) - 7):
            assert " ".join(words[i:i + 8]) not in seed_runs, topic["id"]


Breakage = Callable[[dict[str, object], dict[str, object]], object]


def _topic(faq: dict[str, object], topic_id: str) -> dict[str, object]:
    topics: list[dict[str, object]] = faq["topics"]  # type: ignore[assignment]
    return next(t for t in topics if t["id"] == topic_id)


BREAKAGES: list[tuple[str, Breakage, str]] = [
    ("missing-answer", lambda f, m: _topic(f, "how").pop("answer"),
     "en/faq.yaml (English): topic 'how': missing 'answer'"),
    ("unknown-related", lambda f, m: _topic(f, "how").update(related=["nope"]),
     "topic 'how': 'related' names unknown topic 'nope'"),
    ("duplicate-id", lambda f, m: _topic(f, "how").update(id="what"),
     "the id 'what' is used twice"),
    ("no-risks-topic", lambda f, m: _topic(f, "risks").update(id="safety"),
     "needs a topic with id 'risks'"),
    ("missing-text", lambda f, m: m["texts"].pop("welcome"),  # type: ignore[attr-defined]
     "en/messages.yaml (English): texts.welcome: missing"),
    ("unknown-placeholder",
     lambda f, m: m["texts"].update(welcome="Hi { $patient_name }"),  # type: ignore[attr-defined]
     "texts.welcome: unknown placeholder { $patient_name }"),
    ("required-placeholder-missing",
     lambda f, m: m["texts"].update(staff_reply_to_patient="We replied."),  # type: ignore[attr-defined]
     "texts.staff_reply_to_patient: must show the placeholder { $reply }"),
    ("unclosed-tag", lambda f, m: m["texts"].update(help="<b>Help"),  # type: ignore[attr-defined]
     "texts.help: <b> is never closed"),
    ("bare-ampersand", lambda f, m: m["texts"].update(help="Tea & biscuits"),  # type: ignore[attr-defined]
     "texts.help: a bare &"),
    ("typo-key", lambda f, m: m["texts"].update(welcom="Hi"),  # type: ignore[attr-defined]
     "texts.welcom: not a text the bot uses"),
    ("answer-placeholder", lambda f, m: _topic(f, "how").update(answer="Ask { $doctor }"),
     "topic 'how': answer: unknown placeholder { $doctor }"),
    ("command-undescribed", lambda f, m: m["commands"]["patient"].pop("faq"),  # type: ignore[index]
     "commands.patient.faq: needs a description"),
    ("no-emergency-number",
     lambda f, m: m["texts"].update(safety_emergency="Please call for help now."),  # type: ignore[attr-defined]
     "texts.safety_emergency: must show the placeholder { $emergency_number }"),
    ("no-crisis-line",
     lambda f, m: m["texts"].update(safety_crisis="Please call { $emergency_number }."),  # type: ignore[attr-defined]
     "texts.safety_crisis: must show the placeholder { $crisis_line }"),
    ("left-to-staff-without-keywords",
     lambda f, m: f.update(left_to_staff=[{"name": "prices"}]),
     "faq.yaml (English): left_to_staff 1: needs a 'name' and a list of 'keywords'"),
    ("old-placeholder", lambda f, m: m["texts"].update(help="Call {clinic_contact}"),  # type: ignore[attr-defined]
     "texts.help: {clinic_contact} is not a placeholder: write { $clinic_contact }"),
    ("line-starting-with-bracket",
     lambda f, m: m["texts"].update(help="Help\n[note] this"),  # type: ignore[attr-defined]
     "a line may not begin with [, * or ."),
    ("unknown-function",
     lambda f, m: m["texts"].update(help="{ SHOUT($clinic_name) }"),  # type: ignore[attr-defined]
     "texts.help: calls SHOUT(), which does not exist"),
    ("bad-locale", lambda f, m: m.update(locale="de_DE"),
     "en/messages.yaml (English): locale: 'de_DE' is not a locale of this language"),
]


@pytest.mark.parametrize(("breakage", "expected"), [(b, e) for _, b, e in BREAKAGES],
                         ids=[name for name, _, _ in BREAKAGES])
def test_broken_content_is_refused_naming_file_and_problem(
    tmp_path: Path, breakage: Breakage, expected: str
) -> None:
    broken = copy_content(tmp_path)
    english = broken / "en"
    faq = yaml.safe_load((english / "faq.yaml").read_text())
    messages = yaml.safe_load((english / "messages.yaml").read_text())
    breakage(faq, messages)
    (english / "faq.yaml").write_text(yaml.safe_dump(faq, allow_unicode=True))
    (english / "messages.yaml").write_text(yaml.safe_dump(messages, allow_unicode=True))

    with pytest.raises(ContentError) as refused:
        load(broken)

    assert expected in str(refused.value)


def test_unreadable_yaml_and_missing_files_are_named(tmp_path: Path) -> None:
    broken = copy_content(tmp_path)
    (broken / "en" / "faq.yaml").write_text("topics: [unclosed\n")
    (broken / "en" / "messages.yaml").unlink()

    with pytest.raises(ContentError) as refused:
        load(broken)

    assert "en/faq.yaml (English): not valid YAML" in str(refused.value)
    assert "en/messages.yaml (English): the file is missing" in str(refused.value)


def test_start_up_stops_on_broken_content_without_a_traceback(tmp_path: Path) -> None:
    broken = copy_content(tmp_path)
    text = (broken / "en" / "messages.yaml").read_text().replace("{ $first_name }",
                                                                  "{ $firstname }")
    (broken / "en" / "messages.yaml").write_text(text)

    result = run(
        python_module("bot", "check"), cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "CONTENT_DIR": str(broken), "CLINIC_NAME": "Birch",
             "CLINIC_CONTACT": "030 1234 5678",
             "TELEGRAM_BOT_TOKEN": "123456789:AAStandInForTelegramLoopbackTests_0123456"},
    )

    assert result.returncode == 2
    assert "en/messages.yaml (English): texts.welcome: unknown placeholder { $firstname }" \
        in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


