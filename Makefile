# Two commands take a fresh clone to a running bot and to a tested one:
#   make run    creates .venv, installs, migrates the database and starts the bot
#   make test   creates .venv, installs, runs the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint migrate check bench clean

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# A first run starts from the documented example; the bot then says what to fill in.
.env:
	cp .env.example .env
	@echo "Created .env from .env.example: put your bot token from @BotFather in it."

run: $(VENV)/.installed .env
	$(PY) -m bot run

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

migrate: $(VENV)/.installed
	$(PY) -m bot migrate

check: $(VENV)/.installed
	$(PY) -m bot check

# The broadcast benchmark (about 13 minutes: N = 1,000 and 10,000, both rate limiters).
bench: $(VENV)/.installed
	$(PY) -m bench.broadcast

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
