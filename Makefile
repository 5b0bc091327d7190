# SmartCart: two commands.
#   make build   build warehouse/smartcart.duckdb from the bundled sample (or RAW=... FORMAT=...)
#   make test    every test: dbt parse, lint, conventions, pytest (which runs the dbt builds)
#   make export  every public mart of the warehouse as Parquet, beside it (docs/bi.md)
#   make publish-postgres PG_URL=postgresql://...   mirror the public marts into PostgreSQL
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

PG_URL ?=

.PHONY: build test lint docs clean export publish-postgres

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
	# The semantic layer's definitions (MetricFlow), on the semantic manifest dbt parse wrote.
	SMARTCART_DB_PATH=:memory: $(BIN)/mf validate-configs --skip-dw
	# The dbt templater opens a connection: lint against an empty in-memory database.
	SMARTCART_DB_PATH=:memory: $(BIN)/sqlfluff lint models tests/marts analyses

test: lint
	$(BIN)/python -m pytest tests/pytest

# Both read the public marts listed in dbt's manifest from the published WAREHOUSE.
export: $(VENV)/.installed
	$(BIN)/dbt parse --quiet
	$(BIN)/python scripts/export_marts.py --warehouse "$(WAREHOUSE)"

publish-postgres: $(VENV)/.installed
	@test -n "$(PG_URL)" || { echo "smartcart: set PG_URL=postgresql://user@host:port/database" >&2; exit 2; }
	$(BIN)/dbt parse --quiet
	$(BIN)/python scripts/publish_postgres.py --warehouse "$(WAREHOUSE)" --pg-url "$(PG_URL)"

# The build generates the docs catalog of the published file; this serves it.
docs: $(VENV)/.installed
	$(BIN)/dbt docs serve --port 8080

clean:
	rm -rf target logs dbt_packages
