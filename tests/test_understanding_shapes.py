"""Who, when and what kind, read from the shape of a sentence (issue 26): news passed on, a
past day, a goodbye, speech that sounds wrong, a sign's words naming a thing, a job's
cases. Each case was written against a reading of a fresh batch or a red team's finding
(tests/eval/red_team/); the reader must keep its answer."""

from __future__ import annotations

import pytest

from bot.understanding.policy import Outcome
from bot.understanding.screen import Reader


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # A past day dates someone else's sign, unless it goes on "since".
        ("our goalkeeper collapsed in the match on Sunday", Outcome.NOTHING),
        ("his face dropped on Saturday, he's not been right since, slurring",
         Outcome.EMERGENCY),
        ("my wife can't breathe and I'll ring you on Monday", Outcome.EMERGENCY),
        # News passed on: an emergency going on now is asked about with one tap.
        ("my son just told me he's taken 30 paracetamol", Outcome.CONFIRM),
        ("mum phoned, she says she can't breathe", Outcome.CONFIRM),
        ("my sister apparently fainted at work last week, she's ok", Outcome.NOTHING),
        ("dad cant breathe properly after his covid jab on monday", Outcome.EMERGENCY),
        ("mums face dropped on one side on sunday and it still hasnt come right",
         Outcome.EMERGENCY),
        ("need to cancel my 3pm, mum just rang me, shes having chest pains", Outcome.CONFIRM),
        ("my daughter just texted me she took all her sertraline", Outcome.CONFIRM),
        ("had a TIA in the spring, think its happening again, face dropping",
         Outcome.EMERGENCY),  # a TIA is no aunt ("tia")
        # Descriptions of someone not responding; a blocked nose is no collapse.
        ("she's gone floppy and isn't really talking back to us", Outcome.EMERGENCY),
        ("i can't breathe through my nose with this hay fever", Outcome.NOTHING),
        ("my 6 week old is grunting and sucking in under her ribs", Outcome.EMERGENCY),
        # Saying goodbye: not being around beside a farewell, not a holiday.
        ("i wont be around next week, ive made my peace with it", Outcome.EMERGENCY),
        ("I won't be around next week, I'm in Spain, thanks for everything", Outcome.NOTHING),
        # Speech that sounds wrong; an arm that cannot be lifted.
        ("he woke up unable to lift his right arm", Outcome.CONFIRM),
        ("my wife says my talking sounds strange", Outcome.EMERGENCY),
        # A sign's words naming a thing: "the chest pain clinic" (but medicines run on:
        # "having a seizure meds are in the bag"); bringing an EpiPen is no reaction.
        ("running the suicide awareness training at work", Outcome.NOTHING),
        ("my son is having a seizure meds are in the blue bag", Outcome.CONFIRM),
        ("should I bring my epipen to the appointment?", Outcome.NOTHING),
        ("he is sitting holding his chest and sweating", Outcome.CONFIRM),
        # "fine now" later in the sentence ends someone else's sign, said of them.
        ("my mate collapsed at work, got flown out to perth, hes fine now", Outcome.NOTHING),
        ("dizzy and keep being sick since the session, the headache's ok now",
         Outcome.SAME_DAY),
        ("just had to use my epipen", Outcome.EMERGENCY),
        # A list of cases beside a role is the work, not the writer's body.
        ("paramedic here, a shift full of overdoses and chest pains, shoulders are toast",
         Outcome.NOTHING),
    ],
)
def test_the_shape_of_a_sentence_says_whose_and_when(reader: Reader, text: str,
                                                      outcome: Outcome) -> None:
    assert reader.read(text).outcome == outcome
