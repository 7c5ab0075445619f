"""Training the reader's second opinion (bot/understanding/second_opinion.py) on the
labelled messages of tests/eval/tuning/ and tests/eval/red_team/: a softmax regression
over words and pairs of words, by plain stochastic gradient descent with fixed seeds, so
the same messages give the same model on any machine.

    python -m tests.eval.train                    # write bot/data/second_opinion.json.gz
    python -m tests.eval.train --cross-validate   # each batch held out in turn

Warnings are labelled by their tier; every everyday message and question is "none";
messages about the patient's own body that are neither, and other languages, are left
out (the rules send those to a person anyway).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.assembly.app import readers
from bot.texts.content import load_content
from bot.understanding.second_opinion import CLASSES, SecondOpinion, features
from tests.eval.batches import Case, load

TUNING = Path(__file__).with_name("tuning")
RED_TEAM = Path(__file__).with_name("red_team")
MODEL = Path(__file__).resolve().parents[2] / "bot" / "data" / "second_opinion.json.gz"
# What the shipped model was trained from, and the model's own digest: the suite checks
# that the labelled messages, the training code and the model still agree without training
# again (tests/test_understanding.py), which takes a minute on a busy machine.
TRAINED_FROM = Path(__file__).with_name("second_opinion.trained_from")
EPOCHS = 40
LEARNING_RATE = 0.5
DECAY = 0.93
L2 = 1e-4
# Weights smaller than this are left out of the shipped file.
KEEP_FROM = 0.002
_LABELS = {"emergency": 2, "same_day": 1}
_LEFT_OUT = frozenset({"unclear_own_body", "other_language"})


def labelled(cases: Sequence[Case]) -> tuple[list[set[str]], list[int]]:
    reader = readers(load_content(clinic_name="C", clinic_contact="x"))
    chosen = [case for case in cases if case.group not in _LEFT_OUT]
    return ([features(reader.words_of(case.text)) for case in chosen],
            [_LABELS.get(case.group, 0) for case in chosen])


def train(examples: list[set[str]], labels: list[int]) -> SecondOpinion:
    vocabulary = {name: index for index, name in enumerate(
        sorted({name for example in examples for name in example}))}
    rows = [np.array(sorted(vocabulary[name] for name in example), dtype=np.int64)
            for example in examples]
    weights = np.zeros((len(vocabulary), len(CLASSES)))
    bias = np.zeros(len(CLASSES))
    wanted = np.eye(len(CLASSES))[labels]
    rate = LEARNING_RATE
    for epoch in range(EPOCHS):
        for index in np.random.RandomState(epoch).permutation(len(rows)):
            row = rows[index]
            scores = weights[row].sum(axis=0) + bias
            probabilities = np.exp(scores - scores.max())
            probabilities /= probabilities.sum()
            error = probabilities - wanted[index]
            weights[row] -= rate * (error + L2 * weights[row])
            bias -= rate * error * 0.1
        rate *= DECAY
    kept = {name: [round(float(value), 4) for value in weights[index]]
            for name, index in vocabulary.items()
            if np.abs(weights[index]).max() >= KEEP_FROM}
    return SecondOpinion(kept, [round(float(value), 4) for value in bias])


def batches() -> list[Path]:
    return sorted(TUNING.glob("*.yaml"))


def training_cases() -> list[Case]:
    """What the shipped model is trained on: the tuning set and the red teams."""
    return [case for path in batches() for case in load(path)] + red_teams()


def red_teams() -> list[Case]:
    """The red teams' labelled messages (tests/eval/red_team/): aimed at the rules'
    weak spots, so worth learning from too."""
    groups = {"E": "emergency", "S": "same_day", "N": "tricky"}
    found = []
    for path in sorted(RED_TEAM.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                label, text = line.split("\t", 1)
                found.append(Case(groups[label], text.replace("\\n", "\n")))
    return found


def cross_validate() -> None:
    """Each batch held out in turn (the first screen's set always trains): the model
    alone, on messages it never saw, at a few confidence levels."""
    held: list[tuple[str, int, tuple[float, float, float]]] = []
    reader = readers(load_content(clinic_name="C", clinic_contact="x"))
    for out in [path for path in batches() if path.name != "legacy.yaml"]:
        rest = [case for path in batches() if path != out for case in load(path)] \
            + red_teams()
        model = train(*labelled(rest))
        for case in load(out):
            if case.group in _LEFT_OUT:
                continue
            opinion = model.weigh(reader.words_of(case.text))
            held.append((case.group, _LABELS.get(case.group, 0),
                         (opinion.none, opinion.same_day, opinion.emergency)))
    for level in (0.6, 0.7, 0.8, 0.9):
        warnings = [p for _, label, p in held if label]
        tricky = [p for group, _, p in held if group == "tricky"]
        others = [p for group, label, p in held if not label and group != "tricky"]
        emergencies = [p for _, label, p in held if label == 2]
        print(f"confidence {level}: warnings heard {_share(warnings, level)}, emergencies "
              f"read as such {_share(emergencies, level, 2)}, tricky everyday alarmed "
              f"{_share(tricky, level)}, other messages alarmed {_share(others, level)}")


def _share(opinions: list[tuple[float, float, float]], level: float, column: int = 0
           ) -> str:
    hits = sum(1 for p in opinions
               if (p[column] if column else p[1] + p[2]) >= level)
    return f"{hits} of {len(opinions)} ({hits / len(opinions):.0%})"


def inputs_digest(examples: list[set[str]], labels: list[int]) -> str:
    """A digest of everything that decides the model: the labelled examples, in order, and
    the training code with its settings."""
    digest = hashlib.sha256(inspect.getsource(train).encode())
    digest.update(json.dumps([EPOCHS, LEARNING_RATE, DECAY, L2, KEEP_FROM]).encode())
    for example, label in zip(examples, labels, strict=True):
        digest.update(json.dumps([sorted(example), label]).encode())
    return digest.hexdigest()


def record(examples: list[set[str]], labels: list[int], model: bytes) -> str:
    """The two lines of TRAINED_FROM: the inputs' digest and the model's."""
    return (f"inputs {inputs_digest(examples, labels)}\n"
            f"model {hashlib.sha256(model).hexdigest()}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross-validate", action="store_true")
    arguments = parser.parse_args()
    if arguments.cross_validate:
        cross_validate()
        return
    cases = training_cases()
    examples, labels = labelled(cases)
    model = train(examples, labels)
    model.save(MODEL)
    TRAINED_FROM.write_text(record(examples, labels, model.to_bytes()), encoding="utf-8")
    print(f"{MODEL}: trained on {len(cases)} messages, {MODEL.stat().st_size} bytes")


if __name__ == "__main__":
    main()
