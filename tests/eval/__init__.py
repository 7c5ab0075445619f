"""Measuring how well the bot understands patients, black-box: every message of a batch
goes to the running bot (in this process, against the loopback Bot API) from a patient of
its own, and the first reply is sorted into what the patient got (the emergency answer,
the same-day answer, a topic, "passed to the team", ...). `python -m tests.eval` prints the
figures; `tests/eval/README.md` says how batches are written, read once and then tuned on.
"""
