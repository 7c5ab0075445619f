"""What the bot does with a message, once it has been read: one pure function from the
readings of its signs (`context.py`) and a few facts about the whole message to one
outcome. Every rule is a line here, so a clinic's question "why did it say that?" has one
place to be answered.

The outcomes, most urgent first:
- EMERGENCY: "call {emergency_number} now" (and, for thoughts of suicide, the crisis
  line), staff alerted;
- CONFIRM: half sure of an emergency: one tap asks "is this happening now?", staff
  alerted either way;
- SAME_DAY: "contact the clinic today", staff alerted;
- LOOK: "I've passed this to the team; if it is urgent, call ...", staff asked to look:
  for what the bot cannot read with confidence (the patient's own body now, another
  language, a photo or voice note);
- HISTORY: worth telling the practitioner at the next visit, no alert;
- RISKS: the risks topic (a question about risk, in general or for the patient);
- NOTHING: the FAQ answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from bot.understanding.context import Amount, Reading, When
from bot.understanding.sentence_kinds import Kind
from bot.understanding.sign_parts import Tier
from bot.understanding.subjects import Who


class Outcome(IntEnum):
    NOTHING = 0
    RISKS = 1
    HISTORY = 2
    LOOK = 3
    SAME_DAY = 4
    CONFIRM = 5
    EMERGENCY = 6

    @property
    def alerts_staff(self) -> bool:
        return self >= Outcome.LOOK


@dataclass(frozen=True)
class Facts:
    """What the whole message shows, beside its signs."""

    readable: bool = True  # in a language the bot reads
    unusual_feeling_now: bool = False  # the patient's body or mind feels odd now
    own_body_now: bool = False  # ... or speaks of it at all (pain included)
    asks_if_safe_for_them: bool = False  # "is it safe for me, given X?"
    faq_answers: bool = False  # the FAQ found a topic
    about_a_booking: bool = False  # the writer's own booking: cancel, late, bring my son
    # The second opinion's (second_opinion.py), when it is confident of a warning sign
    # the rules did not find: EMERGENCY or SAME_DAY.
    second_opinion: Outcome | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    signs: tuple[str, ...] = ()  # the signs behind it, most urgent first, for staff
    crisis: bool = False  # thoughts of suicide or self-harm: the crisis line too
    why: str = ""  # for staff and logs, never the patient's words
    foreign: bool = False  # written in a language the bot cannot read
    language: str = ""  # ... which, when the guess is sure


def decide(readings: Sequence[Reading], facts: Facts) -> Decision:
    if not facts.readable:
        return Decision(Outcome.LOOK, why="written in a language the bot cannot read",
                        foreign=True)
    outcomes = [(for_sign(reading, facts), reading) for reading in readings]
    best = max((outcome for outcome, _ in outcomes), default=Outcome.NOTHING)
    if best >= Outcome.SAME_DAY:
        behind = sorted((pair for pair in outcomes if pair[0] >= Outcome.SAME_DAY),
                        key=lambda pair: -pair[0])
        names = tuple(dict.fromkeys(reading.mention.sign.name for _, reading in behind))
        crisis = any(reading.mention.sign.crisis for outcome, reading in behind
                     if outcome >= Outcome.CONFIRM)
        why = "; ".join(dict.fromkeys(_why(reading) for _, reading in behind))
        return Decision(best, names, crisis, why)
    if not readings and facts.second_opinion is not None and not facts.unusual_feeling_now:
        # No sign the rules know, and nothing they would pass to a person, but the model
        # trained on patients' messages reads one: the one-tap question for an
        # emergency, the same-day answer otherwise.
        outcome = Outcome.CONFIRM if facts.second_opinion == Outcome.EMERGENCY \
            else Outcome.SAME_DAY
        return Decision(outcome, why="a warning sign, in the second opinion's reading")
    if best < Outcome.HISTORY and facts.unusual_feeling_now:
        return Decision(Outcome.LOOK, why="how they feel now, not understood with confidence")
    if best == Outcome.NOTHING and facts.own_body_now and not facts.faq_answers:
        return Decision(Outcome.LOOK, why="about their body now, and the FAQ has no answer")
    if best <= Outcome.HISTORY and facts.asks_if_safe_for_them:
        return Decision(Outcome.RISKS, why="asks whether it is safe for them")
    return Decision(best)


def for_sign(reading: Reading, facts: Facts) -> Outcome:
    """What one sign in its context calls for."""
    sign = reading.mention.sign
    if sign.crisis and reading.who == Who.PATIENT and reading.when == When.NOW and (
            reading.kind not in {Kind.JOB, Kind.TREATING} or reading.own):
        # "it would be better if I wasn't here": a supposition, an amount, a hedge or a
        # laugh never softens thoughts of suicide, nor a job around "I want to end my life".
        return Outcome.EMERGENCY
    if reading.kind in {Kind.FIGURE, Kind.TREATING}:
        return Outcome.NOTHING
    if reading.kind == Kind.JOB and not (
            reading.after_a_session and reading.now and reading.who != Who.PATIENT):
        # The work's cases ("three chest pains on the ward"), but not someone in the
        # writer's care who had a session here and has a sign now ("one of my residents
        # had acupuncture with you, now can't breathe"): read on as a report.
        return Outcome.NOTHING
    if reading.kind == Kind.LAUGHTER:
        # "chest pain lol": the writer's own emergency, laughed off, asked with one tap;
        # anything else laughed about is let be.
        own_emergency = sign.tier == Tier.EMERGENCY and reading.who == Who.PATIENT \
            and reading.when == When.NOW and not reading.passed
        return Outcome.CONFIRM if own_emergency else Outcome.NOTHING
    if reading.kind == Kind.RISK_QUESTION:
        # A question about an emergency sign the writer may have now: asked with one tap
        # ("is this happening now?"); about risk in general, the risks topic.
        if sign.tier == Tier.EMERGENCY and not reading.passed and reading.when == When.NOW \
                and ((reading.asked_of_own and reading.who == Who.PATIENT)
                     or reading.who == Who.WITH_THEM):
            return Outcome.CONFIRM  # also "what do I do if my husband has collapsed and
            #                         isn't breathing": someone with them now
        return Outcome.RISKS
    if reading.when == When.HISTORY:
        if reading.who != Who.PATIENT:
            return Outcome.NOTHING
        return Outcome.RISKS if facts.asks_if_safe_for_them else Outcome.HISTORY
    if sign.already_in_care and reading.who not in {Who.PATIENT, Who.WITH_THEM} \
            and not reading.after_a_session:
        # "we sent him to the ER and he's ok": someone not with the writer is already in
        # the emergency services' hands; the writer's news, not a call for help.
        return Outcome.NOTHING
    if reading.who == Who.HEARD and sign.tier == Tier.EMERGENCY and not reading.passed \
            and reading.kind == Kind.REPORT:
        # "my son just texted, he's taken 30 paracetamol": an emergency told of now is one
        # wherever the person is (the writer can call for them), asked with one tap, even
        # beside a booking ("need to cancel, mum just rang, she can't breathe").
        return Outcome.CONFIRM
    if reading.who in {Who.ELSEWHERE, Who.HEARD, Who.IN_CARE} or (
            sign.others_only and reading.who == Who.PATIENT):
        return Outcome.NOTHING
    if facts.asks_if_safe_for_them and not reading.now and reading.who == Who.PATIENT:
        # "I have epilepsy, my seizures are controlled: is it safe for me?" describes
        # what is asked about; an emergency sign in such a question is asked about.
        if sign.tier < Tier.EMERGENCY or reading.a_condition:
            return Outcome.RISKS
        return Outcome.CONFIRM
    tier = sign.tier
    if reading.amount == Amount.HEAVY and sign.heavy is not None:
        tier = max(tier, sign.heavy)
    if reading.amount == Amount.SLIGHT and sign.slight_is_nothing:
        return Outcome.NOTHING
    if reading.passed:
        if tier < Tier.EMERGENCY:
            return Outcome.NOTHING
        # An emergency that passed still needs a person today; stroke signs that went
        # away (a warning stroke) still need one now.
        tier = sign.passed or Tier.SAME_DAY
    emergency = tier == Tier.EMERGENCY
    if reading.who != Who.PATIENT and not reading.after_a_session:
        # Someone else's: an emergency in front of the patient is one; anything less is
        # not the clinic's to triage, but someone with them now ("mum is with me, she
        # went grey and nearly fainted") is passed to the team to look at, unless the
        # writer only tells why they cancel or are late.
        if not emergency:
            return Outcome.LOOK if reading.who == Who.WITH_THEM and not reading.passed \
                and not facts.about_a_booking else Outcome.NOTHING
        return Outcome.EMERGENCY if reading.who == Who.WITH_THEM else Outcome.CONFIRM
    if emergency and reading.hedged and not sign.crisis:
        return Outcome.CONFIRM
    return Outcome.EMERGENCY if emergency else Outcome.SAME_DAY


def _why(reading: Reading) -> str:
    parts = [reading.mention.sign.name]
    if reading.who != Who.PATIENT:
        parts.append(reading.who.value)
    if reading.amount != Amount.USUAL:
        parts.append(reading.amount.value)
    if reading.passed:
        parts.append("passed")
    return ", ".join(parts)
