"""The evaluation without the bot: each message read by the reader alone and sorted as the
handlers would answer it (`handlers/safety.py`, `handlers/patients/questions.py`). Quick
enough for every test run; `tests/test_understanding.py` checks it agrees with the
black-box replies of the running bot."""

from __future__ import annotations

from collections.abc import Sequence

from bot.understanding.policy import Outcome
from bot.understanding.screen import Reader
from tests.eval.batches import Case
from tests.eval.replies import Reply

_KINDS = {Outcome.EMERGENCY: "emergency", Outcome.CONFIRM: "confirm",
          Outcome.SAME_DAY: "same_day", Outcome.LOOK: "look", Outcome.HISTORY: "history",
          Outcome.RISKS: "topic:risks"}


def kind_of(reader: Reader, text: str) -> str:
    """What the bot would answer `text` with, as `tests.eval.replies` sorts it."""
    verdict = reader.read(text)
    if verdict.decision.crisis:
        return "emergency"
    if verdict.outcome in _KINDS:
        return _KINDS[verdict.outcome]
    topic = verdict.faq.topic
    return f"topic:{topic.id}" if topic is not None else "staff"


def direct_replies(reader: Reader, cases: Sequence[Case]) -> list[Reply]:
    return [Reply(case, kind_of(reader, case.text), "") for case in cases]
