"""Reading evaluation batches: each message with the group it belongs to and what a right
answer is.

A batch file (tests/eval/holdout/ or tests/eval/tuning/) has the shape written in
tests/eval/README.md: warnings in two tiers, messages about the patient's own body that
are neither, tricky and ordinary everyday messages, questions (answerable, with their
topic; unanswerable; "is it safe for me, given X"), and messages in other languages. The
evaluation set the screen was first tuned on (`legacy.yaml`) has an older shape:
emergency, same_day, buried and everyday.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Ordinary news around a buried sign, so the message runs past 2,000 characters.
PADDING = ("Thank you again for Tuesday. The drive home was easy and the children were "
           "happy to see me. We cooked dinner together and watched a film afterwards. ") * 8

GROUPS = ("emergency", "same_day", "unclear_own_body", "tricky", "ordinary", "answerable",
          "unanswerable", "safety_question", "other_language")


@dataclass(frozen=True)
class Case:
    """One message, its group, and the detail its group needs: the topics that answer an
    answerable question, the reason a tricky message is tricky, a message's language."""

    group: str
    text: str
    topics: tuple[str, ...] = ()
    why: str = ""
    language: str = ""


def load(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "warnings" not in data:
        return _legacy(data)
    cases = [Case("emergency", text) for text in data["warnings"]["emergency"]]
    cases += [Case("same_day", text) for text in data["warnings"]["same_day"]]
    cases += [Case("unclear_own_body", text) for text in data.get("unclear_own_body", [])]
    cases += [Case("tricky", item["text"], why=item.get("why", ""))
              for item in data["everyday"]["tricky"]]
    cases += [Case("ordinary", text) for text in data["everyday"]["ordinary"]]
    questions = data.get("questions", {})
    cases += [Case("answerable", item["text"], topics=_topics(item["topic"]))
              for item in questions.get("answerable", [])]
    cases += [Case("unanswerable", text) for text in questions.get("unanswerable", [])]
    cases += [Case("safety_question", text) for text in questions.get("safety", [])]
    cases += [Case("other_language", item["text"], language=item.get("language", ""),
                   why=item.get("kind", ""))
              for item in data.get("other_language", [])]
    return [case for case in cases if str(case.text).strip()]


def _topics(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (str(value),)


def _legacy(data: dict[str, Any]) -> list[Case]:
    cases = [Case("emergency", str(text)) for text in data["emergency"]]
    cases += [Case("same_day", str(text)) for text in data["same_day"]]
    for name in ("emergency", "same_day"):
        cases += [Case(name, f"{PADDING}\n{text}. {PADDING}") for text in data["buried"][name]]
    cases += [Case("tricky", str(text), why="legacy") for text in data["everyday"]]
    return cases
