"""`python -m tests.eval [FILE ...] [--show] [--direct] [--language CODE]`: the figures for
each batch (all of tests/eval/holdout/ when no file is named), then for all of them
together. `--language es` reads a batch written in Spanish (tests/eval/holdout/es/) from
patients whose Telegram is set to Spanish.

--show lists each message that missed, with what it got: use it only on a batch whose
first reading is already written down (tests/eval/README.md). --direct reads the messages
with the reader alone instead of sending them to the running bot (seconds, not a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.assembly.app import readers
from bot.texts.content import load_content
from tests.eval.batches import load
from tests.eval.direct import direct_replies
from tests.eval.replies import Reply, replies
from tests.eval.scoring import figures, wrong

HOLDOUT = Path(__file__).with_name("holdout")


def report(title: str, answered: list[Reply], show: bool) -> None:
    print(f"\n== {title}: {len(answered)} messages")
    for figure in figures(answered):
        if figure.total:
            print("  " + figure.line())
    if show:
        for reply in answered:
            if wrong(reply):
                print(f"  - [{reply.case.group}{'/' + reply.case.why if reply.case.why else ''}"
                      f" -> {reply.kind}] {reply.case.text[:160]!r}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--show", action="store_true", help="list the misses")
    parser.add_argument("--direct", action="store_true", help="the reader alone, no bot")
    parser.add_argument("--language", default="",
                        help="patients whose Telegram is set to this language (es, de)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the bot's notes would drown the figures
    files = arguments.files or sorted(HOLDOUT.glob("*.yaml"))
    everything: list[Reply] = []
    reader = readers(load_content(clinic_name="Lotus & Pine Clinic",
                                  clinic_contact="+44 20 7946 0000", emergency_number="999"))
    for path in files:
        cases = load(path)
        answered = direct_replies(reader, cases) if arguments.direct \
            else await replies(cases, language=arguments.language)
        everything += answered
        report(path.name, answered, arguments.show)
    if len(files) > 1:
        report("all together", everything, show=False)


if __name__ == "__main__":
    asyncio.run(main())
