"""The policy on its own (bot/understanding/policy.py): one reading and the facts of the
message in, one outcome out, row by row of the table in docs/design.md."""

from __future__ import annotations

import pytest

from bot.understanding.context import Amount, Reading, When
from bot.understanding.policy import Facts, Outcome, decide
from bot.understanding.sentence_kinds import Kind
from bot.understanding.sign_parts import Sign, Tier
from bot.understanding.subjects import Who
from bot.understanding.warning_signs import Mention


def _reading(tier: Tier = Tier.EMERGENCY, *, who: Who = Who.PATIENT, when: When = When.NOW,
             kind: Kind = Kind.REPORT, amount: Amount = Amount.USUAL, hedged: bool = False,
             passed: bool = False, after_a_session: bool = False,
             heavy: Tier | None = None, slight_is_nothing: bool = False,
             already_in_care: bool = False) -> Reading:
    sign = Sign("a sign", tier, ("x",), heavy=heavy, slight_is_nothing=slight_is_nothing,
                already_in_care=already_in_care)
    return Reading(Mention(sign, 0, (0,)), who, when, kind, amount, hedged, passed,
                   after_a_session, now=True)


@pytest.mark.parametrize(
    ("reading", "facts", "outcome"),
    [
        (_reading(), Facts(), Outcome.EMERGENCY),
        (_reading(Tier.SAME_DAY), Facts(), Outcome.SAME_DAY),
        (_reading(hedged=True), Facts(), Outcome.CONFIRM),
        (_reading(passed=True), Facts(), Outcome.SAME_DAY),
        (_reading(Tier.SAME_DAY, passed=True), Facts(), Outcome.NOTHING),
        (_reading(who=Who.WITH_THEM), Facts(), Outcome.EMERGENCY),
        (_reading(who=Who.SOMEONE), Facts(), Outcome.CONFIRM),
        (_reading(who=Who.ELSEWHERE), Facts(), Outcome.NOTHING),
        # Someone with them now: passed to the team to look at, unless the writer only
        # says why they cancel, or it has passed.
        (_reading(Tier.SAME_DAY, who=Who.WITH_THEM), Facts(), Outcome.LOOK),
        (_reading(Tier.SAME_DAY, who=Who.WITH_THEM), Facts(about_a_booking=True),
         Outcome.NOTHING),
        (_reading(Tier.SAME_DAY, who=Who.WITH_THEM, passed=True), Facts(), Outcome.NOTHING),
        (_reading(Tier.SAME_DAY, who=Who.SOMEONE), Facts(), Outcome.NOTHING),
        (_reading(Tier.SAME_DAY, who=Who.WITH_THEM, after_a_session=True), Facts(),
         Outcome.SAME_DAY),
        (_reading(when=When.HISTORY), Facts(), Outcome.HISTORY),
        (_reading(when=When.HISTORY), Facts(asks_if_safe_for_them=True), Outcome.RISKS),
        (_reading(kind=Kind.RISK_QUESTION), Facts(), Outcome.RISKS),
        (_reading(kind=Kind.FIGURE), Facts(), Outcome.NOTHING),
        (_reading(kind=Kind.JOB), Facts(), Outcome.NOTHING),
        # ... but someone in a carer's care who had a session here, with a sign now, is not
        # one of the job's cases; the carer's own sign beside their job still is.
        (_reading(kind=Kind.JOB, who=Who.WITH_THEM, after_a_session=True), Facts(),
         Outcome.EMERGENCY),
        (_reading(kind=Kind.JOB, after_a_session=True), Facts(), Outcome.NOTHING),
        # Someone already with the emergency services is the writer's news, unless they
        # are with the writer or had a session here; the patient's own is still answered.
        (_reading(who=Who.SOMEONE, already_in_care=True), Facts(), Outcome.NOTHING),
        (_reading(who=Who.HEARD, already_in_care=True), Facts(), Outcome.NOTHING),
        (_reading(who=Who.SOMEONE, already_in_care=True, after_a_session=True), Facts(),
         Outcome.EMERGENCY),
        (_reading(who=Who.WITH_THEM, already_in_care=True), Facts(), Outcome.EMERGENCY),
        (_reading(already_in_care=True), Facts(), Outcome.EMERGENCY),
        (_reading(Tier.SAME_DAY, amount=Amount.HEAVY, heavy=Tier.EMERGENCY), Facts(),
         Outcome.EMERGENCY),
        (_reading(Tier.SAME_DAY, amount=Amount.SLIGHT, slight_is_nothing=True), Facts(),
         Outcome.NOTHING),
    ],
)
def test_the_policy(reading: Reading, facts: Facts, outcome: Outcome) -> None:
    assert decide([reading], facts).outcome == outcome


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        (Facts(second_opinion=Outcome.EMERGENCY), Outcome.CONFIRM),
        (Facts(second_opinion=Outcome.SAME_DAY), Outcome.SAME_DAY),
        (Facts(second_opinion=Outcome.SAME_DAY, unusual_feeling_now=True), Outcome.LOOK),
        (Facts(readable=False), Outcome.LOOK),
        (Facts(unusual_feeling_now=True), Outcome.LOOK),
        (Facts(own_body_now=True, faq_answers=False), Outcome.LOOK),
        (Facts(own_body_now=True, faq_answers=True), Outcome.NOTHING),
        (Facts(asks_if_safe_for_them=True), Outcome.RISKS),
        (Facts(), Outcome.NOTHING),
    ],
)
def test_the_policy_without_a_sign(facts: Facts, outcome: Outcome) -> None:
    assert decide([], facts).outcome == outcome


def test_the_second_opinion_never_overrules_the_rules() -> None:
    """It speaks only where the rules found no sign: a sign read as someone else's, or
    as history, stays so, and it never lowers a tier."""
    opinion = Facts(second_opinion=Outcome.EMERGENCY)
    assert decide([_reading(who=Who.ELSEWHERE)], opinion).outcome == Outcome.NOTHING
    assert decide([_reading(when=When.HISTORY)], opinion).outcome == Outcome.HISTORY
    assert decide([_reading()], Facts(second_opinion=Outcome.SAME_DAY)).outcome \
        == Outcome.EMERGENCY


