"""How long reading one message takes (bot/understanding/screen.py: the language check,
the warning signs in context, the policy, the FAQ and the second opinion), on messages of
about 500 characters made from the evaluation's own, and what the reader costs to build
and to hold.

    python -m bench.understanding [--messages 2000] [--rounds 3]

Target (issue 26): under 2 ms per message at p99. Each round reads every message once and
times it two ways: the wall clock, and the CPU time of this thread (what the reading
itself costs, whatever else the machine is doing); the median round is printed.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from bot.assembly.app import readers
from bot.texts.content import load_content
from tests.eval.batches import load

TUNING = Path(__file__).resolve().parents[1] / "tests" / "eval" / "tuning"
LENGTH = 500


def messages(count: int, texts: Sequence[str] = ()) -> list[str]:
    """Messages of about 500 characters: patients' own (`texts`, or the tuning set's),
    joined until long enough."""
    texts = texts or [case.text for path in sorted(TUNING.glob("batch_*.yaml"))
                      for case in load(path)]
    pick = random.Random(26)
    built = []
    for _ in range(count):
        message = pick.choice(texts)
        while len(message) < LENGTH:
            message = f"{message} {pick.choice(texts)}"
        built.append(message[:LENGTH])
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    content = load_content(clinic_name="Lotus", clinic_contact="020 7946 0000")
    tracemalloc.start()
    started = time.perf_counter()
    reader = readers(content)
    built = time.perf_counter() - started
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    texts = messages(arguments.messages)
    for text in texts[:200]:  # typo lookups and the word list, loaded at first use
        reader.read(text)
    rounds = []
    for _ in range(arguments.rounds):
        gc.disable()
        wall, cpu = [], []
        for text in texts:
            started, started_cpu = time.perf_counter(), time.thread_time()
            reader.read(text)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        gc.enable()
        rounds.append((_cut(wall), _cut(cpu)))
    rounds.sort(key=lambda pair: pair[0][2])
    (wall50, wall90, wall99), (cpu50, cpu90, cpu99) = rounds[len(rounds) // 2]
    print(f"reader: built in {built * 1000:.0f} ms, holding {held / 1e6:.1f} MB")
    print(f"{len(texts)} messages of {LENGTH} characters, median of {len(rounds)} rounds: "
          f"wall p50 {wall50:.2f} ms, p90 {wall90:.2f} ms, p99 {wall99:.2f} ms; "
          f"CPU p50 {cpu50:.2f} ms, p90 {cpu90:.2f} ms, p99 {cpu99:.2f} ms "
          f"(target: p99 under 2 ms)")


def _cut(took: list[float]) -> tuple[float, float, float]:
    cut = statistics.quantiles(took, n=100)
    return cut[49], cut[89], cut[98]


if __name__ == "__main__":
    main()
