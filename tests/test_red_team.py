"""What a red team found: messages written by someone who read the reader's context rules,
aimed at the ways a rule could silence a real sign (tests/eval/red_team/). Each must keep
its answer; the few the reader still gets wrong are listed, and fail the suite once they
are fixed, so the list stays true."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.mark import ParameterSet

from bot.runtime.app import readers
from bot.texts.content import load_content
from bot.understanding.policy import Outcome
from bot.understanding.screen import Reader

RED_TEAM = Path(__file__).parent / "eval" / "red_team"
ACCEPTED = {
    "E": {Outcome.EMERGENCY, Outcome.CONFIRM},
    "S": {Outcome.EMERGENCY, Outcome.CONFIRM, Outcome.SAME_DAY},
    "N": {Outcome.NOTHING, Outcome.RISKS, Outcome.HISTORY},
}
# Still wrong: a sign split over a list's lines, one spreading "within minutes", "went
# down hard" read as having passed, a face question answered in the next sentence, a
# history list with years read as now, and everyday messages alarmed.
STILL_MISSED = {
    "does acupuncture cause your face to droop?? mine has gone droopy on the left",
    "Since the session:\n- the needle spot on my back\n- hot, red and weeping",
    "the swelling went within minutes from my lips to my tongue and throat",
    "the numbness went within an hour from my bum right down both legs",
    "my legs went within seconds of standing up and i went down hard",
    "had a collapsed lung 2015 and a clot 2019, is acupuncture ok?",
    # Everyday messages alarmed again once the rules that quieted them were undone (they
    # silenced real signs: "scared me with ... stories and now struggling to breathe").
    "the lads will have a stroke when they hear I've gone for acupuncture 😂",
    "my wife will have a heart attack when she hears how much I spent",
    "a kid in my class fainted in assembly today",
    "Girl in my class had a seizure in assembly, scary stuff. Anyway can I book for Tuesday",
    "didnt faint, didnt feel sick, nothing. was expecting way worse tbh",
    "could have been worse, the back is a bit sore but fine",
    "My umbrella collapsed in the wind on the way to you, sorry I was soaked!",
    "the buggy collapsed in the car park, can I bring my toddler to my session?",
    "my sister in Canada had a stroke in March, is acupuncture good for stroke recovery?",
    "pulse is really fat and pounding since the session",  # "fat" is a word, no typo
    "it hart when i breath in since the needles in my back",  # "hart" is a word too
    "chest hart so bad going down my arm",
    "Mum (she lives in Cork) collapsed last week, she's in hospital now, can I move my "
    "appointment to next month?",
    "Nearly had a stroke when I said yes to the price lol, worth it though",
    "Back in March I fainted at the dentist, is acupuncture still ok for me?",
    "Work at the meatworks, bloke collapsed on the line today, scary. Anyway can I book "
    "Thursday?",
    "my umbrella collapsed in the wind on the way to you, sorry I was late and soaked!",
    "Dad had a heart attack in march, he's doing well now, can acupuncture help his "
    "recovery?",
}


def cases() -> list[ParameterSet]:
    found = []
    for path in sorted(RED_TEAM.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("\t", 1)
            text = text.replace("\\n", "\n")
            marks = [pytest.mark.xfail(strict=True, reason="still missed")] \
                if text in STILL_MISSED else []
            found.append(pytest.param(label, text, marks=marks, id=text[:60]))
    return found


@pytest.fixture(scope="module")
def reader() -> Reader:
    return readers(load_content(clinic_name="Lotus", clinic_contact="020 7946 0000"))


@pytest.mark.parametrize(("label", "text"), cases())
def test_what_the_red_team_found_stays_fixed(reader: Reader, label: str, text: str) -> None:
    assert reader.read(text).outcome in ACCEPTED[label]


def test_the_red_team_file_is_read() -> None:
    assert len(cases()) >= 100
