"""What a red team found: messages written by someone who read the reader's context rules,
aimed at the ways a rule could silence a real sign (tests/eval/red_team/). Each must keep
its answer; the few the reader still gets wrong are listed, and fail the suite once they
are fixed, so the list stays true."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.mark import ParameterSet

from bot.understanding.policy import Outcome
from bot.understanding.screen import Reader

RED_TEAM = Path(__file__).parent / "eval" / "red_team"
ACCEPTED = {
    "E": {Outcome.EMERGENCY, Outcome.CONFIRM},
    "S": {Outcome.EMERGENCY, Outcome.CONFIRM, Outcome.SAME_DAY},
    "N": {Outcome.NOTHING, Outcome.RISKS, Outcome.HISTORY},
}
# Still wrong, listed in still_missed.tsv: signs split over a list's lines or spread
# "within minutes", someone else's emergency beside a question about risk ("is this
# dangerous? my son is coughing up blood"), and everyday messages alarmed once the rules
# that quieted them were undone for silencing real signs.
STILL_MISSED = {
    line.split("\t", 2)[2].replace("\\n", "\n")
    for line in (RED_TEAM / "still_missed.tsv").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
}


def cases() -> list[ParameterSet]:
    found = []
    for path in sorted(RED_TEAM.glob("*.txt")):  # still_missed.tsv is not a set
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("\t", 1)
            text = text.replace("\\n", "\n")
            marks = [pytest.mark.xfail(strict=True, reason="still missed")] \
                if text in STILL_MISSED else []
            found.append(pytest.param(label, text, marks=marks, id=text[:60]))
    return found


@pytest.mark.parametrize(("label", "text"), cases())
def test_what_the_red_team_found_stays_fixed(reader: Reader, label: str, text: str) -> None:
    assert reader.read(text).outcome in ACCEPTED[label]


def test_the_red_team_file_is_read() -> None:
    assert len(cases()) >= 100
