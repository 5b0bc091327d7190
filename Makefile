# SmartCart: two commands.
#   make build   build warehouse/smartcart.duckdb from the bundled sample (or RAW=... FORMAT=...)
#   make test    every test: dbt parse, lint, conventions, pytest (which runs the dbt builds)
#   make test-fast  the pytest tests that need no full warehouse build (the edit loop)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

RAW ?= data/sample/invoice_lines.csv.gz
FORMAT ?= smartcart
AS_OF ?=
WAREHOUSE ?= warehouse/smartcart.duckdb

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: build test test-fast lint docs clean

# The virtualenv is rebuilt whenever the pinned requirements change.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

build: $(VENV)/.installed
	$(BIN)/python scripts/build_warehouse.py --raw "$(RAW)" --format "$(FORMAT)" \
		--warehouse "$(WAREHOUSE)" $(if $(AS_OF),--as-of "$(AS_OF)")

lint: $(VENV)/.installed
	$(BIN)/dbt parse --warn-error --quiet
	$(BIN)/python scripts/check_conventions.py target/manifest.json
	# The dbt templater opens a connection: lint against an empty in-memory database.
	SMARTCART_DB_PATH=:memory: $(BIN)/sqlfluff lint models tests/marts analyses

# The session's warehouse builds run in the background, SMARTCART_TEST_BUILD_JOBS (2) at a
# time (tests/pytest/conftest.py); the 15 slowest tests are listed at the end.
test: lint
	$(BIN)/python -m pytest tests/pytest --durations=15

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest tests/pytest -m "not build"

# The build generates the docs catalog of the published file; this serves it.
docs: $(VENV)/.installed
	$(BIN)/dbt docs serve --port 8080

clean:
	rm -rf target logs dbt_packages
