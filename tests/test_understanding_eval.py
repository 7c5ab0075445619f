"""The reader held to what it has learnt: every message of tests/eval/tuning/ (the first
screen's evaluation set and every batch after its first reading) answered as its group
asks, within the margins below. A fresh batch's honest figure is its first reading
(`python -m tests.eval`, docs/design.md); this test only keeps a fix from undoing
another. A sample is also sent through the running bot, to prove the quick reading here
is what patients get."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.assembly.app import readers
from bot.texts.content import load_content
from tests.eval.batches import Case, load
from tests.eval.direct import direct_replies
from tests.eval.replies import replies
from tests.eval.scoring import figures

TUNING = Path(__file__).parent / "eval" / "tuning"
# On what it was tuned on, the reader does better than the targets for unseen messages.
AT_LEAST = {"warnings with a safety reply": 0.98, "warnings in the right tier": 0.97,
            "emergencies with at least the same-day reply or the one-tap question": 0.99,
            "answerable questions finding their topic": 0.95,
            "unanswerable questions going to staff": 0.90,
            "safety questions reaching the risks topic": 0.97,
            "other languages: passed to the team with the emergency line": 1.0}
# The tricky shares were lower before red teams showed that rules written to quiet them
# also silenced real signs; those rules were undone (docs/design.md). Batches 39-41 were
# read and moved here without tuning on them; the quieting rules tuned on 42-44 were
# mostly undone after a sixth red team (2.8% as an emergency, was 2.5%), and someone with
# the writer now with a same-day sign is passed to the team to look at (4.8% alarmed in
# all, was 4.5%). Batches 45-47 joined with most of their quieting rules undone after a
# seventh red team (4.9% alarmed, 2.9% as an emergency); 48-50 joined with no rule tuned
# on them after an eighth red team showed every one of them silenced real signs (5.5%
# alarmed, 3.1% as an emergency); 51-53 likewise after a ninth (5.9%, 3.4%); 54-56 joined
# as read, untuned (6.3%, 3.5%); 57-59 with 4 of their 14 alarmed quieted by rules about
# whose and when that an eleventh red team left standing (6.5%, 3.6%: 82 of 2,283); 60-62
# with 3 of their 11 quieted by rules a twelfth red team left standing (6.6%, 3.7%: 158
# and 89 of 2,385); 63-65 with 2 of their 17 (7.0%, 4.1%: 173 and 101 of 2,487), a
# thirteenth red team having undone the rest; 66-68 with 5 of their 17 quieted by rules
# that a fourteenth and a fifteenth red team narrowed (7.0%, 4.2%: 182 and 108 of 2,589);
# 69-71 joined as read, untuned but for medicine names and "a drowned rat" (7.4%, 4.3%: 198
# and 117 of 2,691); 72-74 with 2 of their 16 quieted ("suicide wings", "nearly gave me a
# stroke"), a red team having undone the rules for the others (7.4%, 4.4%: 208 and 122 of
# 2,793); 75-77 joined as read, their 9 alarmed untouched (7.5%, 4.4%: 217 and 128 of 2,895);
# 78-80 with 2 of their 12 quieted (a bruise going yellowy, a session that "killed it"), a red team
# having undone the rules for the others (7.5%, 4.5%: 226 and 135 of 2,997); 81-83 with 5 of their
# 9 quieted, a red team having narrowed the rest (7.4%, 4.4%: 228 and 137 of 3,099); 84-86 with 2
# of their 16 quieted, a red team having undone the rules for the others (7.5%, 4.5%: 241 and
# 145 of 3,201); 87-89 with 3 of their 15 quieted, a red team having narrowed the rest (7.7%, 4.6%:
# 253 and 153 of 3,303); 90-92 with 1 of their 9 quieted (7.7%, 4.6%: 261 and 156 of 3,405).
AT_MOST = {"tricky everyday messages alarmed": 0.077,
           "tricky everyday messages answered as an emergency": 0.047,
           # A thank-you in Romanian (batch 64) goes to a person: the bot cannot read it; so
           # does one in Fijian whose back "feels light" (batch 89).
           "ordinary everyday messages alarmed": 0.0015,
           "warnings answered with an FAQ topic": 0.01}


def tuning_cases() -> list[Case]:
    return [case for path in sorted(TUNING.glob("*.yaml")) for case in load(path)]


def test_the_tuning_set_is_still_read_right(record_property: Callable[[str, Any], None]
                                            ) -> None:
    reader = readers(load_content(clinic_name="Lotus", clinic_contact="020 7946 0000"))
    cases = tuning_cases()

    found = {figure.name: figure for figure in figures(direct_replies(reader, cases))}
    summary = "; ".join(found[name].line() for name in (*AT_LEAST, *AT_MOST))
    record_property("figures", f"understanding, tuning set ({len(cases)} messages): {summary}")

    assert len(cases) >= 1500
    for name, share in AT_LEAST.items():
        assert found[name].hits >= share * found[name].total, found[name].line()
    for name, share in AT_MOST.items():
        assert found[name].hits <= share * found[name].total, found[name].line()


async def test_the_running_bot_answers_as_the_quick_reading_says() -> None:
    """A sample of every group through the real application and the loopback Bot API:
    the first reply sorts the same as the reader's verdict."""
    cases = tuning_cases()
    sample = [case for group in sorted({case.group for case in cases})
              for case in random.Random(26).sample(
                  [each for each in cases if each.group == group], 6)]
    reader = readers(load_content(clinic_name="Lotus & Pine Clinic",
                                  clinic_contact="+44 20 7946 0000", emergency_number="999"))

    quick = {reply.case: reply.kind for reply in direct_replies(reader, sample)}
    through_the_bot = {reply.case: reply.kind for reply in await replies(sample)}

    assert through_the_bot == quick


@pytest.mark.parametrize("path", sorted(TUNING.glob("*.yaml")) + sorted(
    (TUNING.parent / "holdout").glob("*.yaml")), ids=lambda path: path.name)
def test_every_batch_reads(path: Path) -> None:
    cases = load(path)

    assert cases and all(case.text.strip() for case in cases)
