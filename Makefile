# Two commands take a fresh clone to a running bot and to a tested one:
#   make run    creates .venv, installs, migrates the database and starts the bot
#   make test   creates .venv, installs, runs the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run demo test test-under-load lint migrate check eval bench bench-understanding bench-languages bench-latency bench-throughput bench-scheduler bench-broadcast bench-flood bench-chaos bench-import clean

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# A server's install (docs/deployment.md): the bot and what it runs on, no test tools.
install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet .

# A first run starts from the documented example; the bot then says what to fill in.
.env:
	cp .env.example .env
	@echo "Created .env from .env.example: put your bot token from @BotFather in it."

run: $(VENV)/.installed .env
	$(PY) -m bot run

# The whole bot in a browser, no token: the real bot against the stand-in, on a clock the
# page moves (bot/demo/). Ctrl-C stops it.
demo: $(VENV)/.installed
	$(PY) -m bot demo

test: $(VENV)/.installed
	$(PY) -m pytest

# The suite while a CPU hog keeps one core busy (tests/under_load.py); run before submitting.
test-under-load: $(VENV)/.installed
	$(PY) -m tests.under_load

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

migrate: $(VENV)/.installed
	$(PY) -m bot migrate

check: $(VENV)/.installed
	$(PY) -m bot check

# How the bot reads messages it has never seen: every batch in tests/eval/holdout/, sent
# black-box to the running bot (tests/eval/README.md).
eval: $(VENV)/.installed
	$(PY) -m tests.eval

# Benchmarks (README "Benchmarks"): each prints its figures.
bench: bench-understanding bench-languages bench-latency bench-throughput bench-scheduler bench-broadcast bench-flood bench-chaos bench-import

# Seconds: reading 2,000 messages of 500 characters (the safety net's reader), p50/p99.
bench-understanding: $(VENV)/.installed
	$(PY) -m bench.understanding

# About 3 minutes: 25 questions a second from 50 patients, the clinic's bot beside a bare
# PTB echo bot, three rounds: reply time, CPU per update, idle memory, start-up.
bench-latency: $(VENV)/.installed
	$(PY) -m bench.latency

# About 2 minutes: the bot with English only and with every shipped language, three
# rounds: idle memory, and the reply time of patients who read Spanish.
bench-languages: $(VENV)/.installed
	$(PY) -m bench.languages

# About 1 minute: 2,000 questions, the clinic's bot against a bare PTB echo bot.
bench-throughput: $(VENV)/.installed
	$(PY) -m bench.throughput

# About 8 minutes: 100,000 appointments, as built and as one APScheduler job per message.
bench-scheduler: $(VENV)/.installed
	$(PY) -m bench.scheduler

# About 13 minutes: N = 1,000 and 10,000, both rate limiters.
bench-broadcast: $(VENV)/.installed
	$(PY) -m bench.broadcast

# About a minute: one chat sends 200 messages at once while 20 others ask, by polling
# and by webhook; then 16 patients report warning signs in the same second.
bench-flood: $(VENV)/.installed
	$(PY) -m bench.flood
	$(PY) -m bench.flood --webhook
	$(PY) -m bench.flood --alerts

# About 4 minutes (8 with PostgreSQL): ten kill -9s at a busy moment; in doubt per kill.
bench-chaos: $(VENV)/.installed
	$(PY) -m bench.chaos $(if $(TEST_POSTGRES_URL),--postgres $(TEST_POSTGRES_URL))
	$(PY) -m bench.chaos --webhook

# About 4 minutes: 1,000, 10,000 and 100,000 rows (each twice), then 100,000 beside the
# running bot while patients ask; with TEST_POSTGRES_URL set, on PostgreSQL too.
bench-import: $(VENV)/.installed
	$(PY) -m bench.importing --race 100000 --upload 100000 --upload-plain 199999 $(if $(TEST_POSTGRES_URL),--postgres $(TEST_POSTGRES_URL))

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
