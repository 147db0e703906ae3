# Tasks for a development checkout (python3 -m venv .venv && .venv/bin/pip install -e ".[dev]").
# `make test` is the README's test command; PostgreSQL tests run too with TEST_DATABASE_URL set.
BIN ?= .venv/bin
PYTHON ?= $(BIN)/python

.PHONY: test test-fast lint bench

test:  ## the whole suite
	$(PYTHON) -m pytest -q

test-fast:  ## without the slow tests (a 30 MB file, killed ingests, `mttq run` in its own process…)
	$(PYTHON) -m pytest -q -m "not slow"

lint:  ## what .ci/run checks besides the tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench:  ## answering on the real question sets' documents (a few minutes): accuracy per half, latency, memory
	$(PYTHON) bench/answer.py --corpus real
