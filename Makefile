# Welcome Buddy — the two quick-start commands are `make run` and `make test`.
# Every target is idempotent: the virtualenv is created once, and packages are (re)installed
# only when the lock files changed since the last install (stamp files inside .venv).
# Installs are reproducible: every package is pinned with its hashes in requirements.lock
# (the app) and requirements-test.lock (app + test tools); `make lock` regenerates both from
# pyproject.toml.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
APP_STAMP  := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
LOCK       := requirements.lock
TEST_LOCK  := requirements-test.lock
HOST ?= 127.0.0.1
PORT ?= 8000
# Test workers: one more than the machine has cores (3 on the 2-core CI machine). A worker
# often waits (for Chromium, its test server, PostgreSQL, a command it started), and the extra
# one keeps the cores busy: there, the whole suite took 14 min with 2 workers, 9-12 with 3, 10
# with 4. Each worker gets its own SQLite file and its own throwaway PostgreSQL database.
# worksteal: a worker that runs out takes queued tests from another, so the minute-long
# browser sweeps and schemathesis runs do not leave one worker finishing alone.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
PYTEST_ARGS ?= -n $(WORKERS) --dist worksteal

.PHONY: help run serve test test-fast lint lock db demo-data install clean

help:
	@echo "make run        set up .venv, migrate ./buddy.db, load the demo city once, serve on http://$(HOST):$(PORT)"
	@echo "make test       install the test extras and run the whole suite (SQLite + PostgreSQL + browser)"
	@echo "make test-fast  the suite on SQLite only, without browser tests"
	@echo "make lint       ruff and mypy"
	@echo "make lock       re-pin every dependency (with hashes) from pyproject.toml"
	@echo "make db         apply the migrations to the configured database"
	@echo "make clean      remove the virtualenv and the local SQLite database"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found $(PYTHON)); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(TEST_STAMP): pyproject.toml $(TEST_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@ $(APP_STAMP)

# uv resolves (fast, universal markers); pip installs from the result, checking every hash.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv>=0.5'
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
		--quiet -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --generate-hashes \
		--python-version 3.11 --quiet -o $(TEST_LOCK)

install: $(APP_STAMP)

run: $(APP_STAMP)
	$(BIN)/buddy run --host $(HOST) --port $(PORT)

serve: $(APP_STAMP)
	$(BIN)/buddy serve --host $(HOST) --port $(PORT) --reload

db: $(APP_STAMP)
	$(BIN)/buddy db upgrade

demo-data: db
	$(BIN)/buddy demo-data

test: $(TEST_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(TEST_STAMP)
	TEST_BACKENDS=sqlite $(BIN)/pytest $(PYTEST_ARGS) -m 'not browser'

lint: $(TEST_STAMP)
	$(BIN)/ruff check app tests matching
	$(BIN)/mypy app

clean:
	rm -rf $(VENV) buddy.db buddy.db-shm buddy.db-wal
