# SmartCart: two commands.
#   make build   build warehouse/smartcart.duckdb from the bundled sample (or RAW=... FORMAT=...
#                ENCODING=... AS_OF=... WAREHOUSE=...); MODE=append adds RAW to the published data
#   make daily   append every new export of INBOX=dir/ once, in name order (MODE=append per file)
#   make load    only load RAW into the default build file, to run plain dbt commands on it
#   make test    every test: ruff, dbt parse, conventions, sqlfluff, pytest (which runs the dbt builds)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

RAW ?= data/sample/invoice_lines.csv.gz
FORMAT ?= smartcart
AS_OF ?=
WAREHOUSE ?= warehouse/smartcart.duckdb
ENCODING ?= utf-8
MODE ?= full
INBOX ?=

# User values reach the scripts through the environment, taken literally ($(value)): neither
# make nor the shell evaluates them, so `$`, quotes, backticks and $(...) in a file name are
# just characters. unexport keeps make from expanding the originals into the environment.
export SMARTCART_RAW := $(value RAW)
export SMARTCART_FORMAT := $(value FORMAT)
export SMARTCART_AS_OF := $(value AS_OF)
export SMARTCART_WAREHOUSE := $(value WAREHOUSE)
export SMARTCART_ENCODING := $(value ENCODING)
export SMARTCART_MODE := $(value MODE)
export SMARTCART_INBOX := $(value INBOX)
unexport RAW FORMAT AS_OF WAREHOUSE ENCODING MODE INBOX

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: build daily load test lint docs clean

# The virtualenv is rebuilt whenever the pinned lock changes (requirements.txt, generated from
# pyproject.toml; its header says how).
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

build: $(VENV)/.installed
	$(BIN)/python scripts/build_warehouse.py --raw "$$SMARTCART_RAW" --format "$$SMARTCART_FORMAT" \
		--encoding "$$SMARTCART_ENCODING" --warehouse "$$SMARTCART_WAREHOUSE" --as-of "$$SMARTCART_AS_OF" \
		--mode "$$SMARTCART_MODE"

# Append every new export of INBOX (once, in name order) to the published warehouse.
daily: $(VENV)/.installed
	$(BIN)/python scripts/daily.py --inbox "$$SMARTCART_INBOX" --format "$$SMARTCART_FORMAT" \
		--encoding "$$SMARTCART_ENCODING" --warehouse "$$SMARTCART_WAREHOUSE"

# The build file plain dbt commands use (profiles.yml); `make build` replaces it.
load: $(VENV)/.installed
	$(BIN)/python scripts/load_raw.py --raw "$$SMARTCART_RAW" --format "$$SMARTCART_FORMAT" \
		--encoding "$$SMARTCART_ENCODING" --database warehouse/.smartcart.duckdb.building

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/dbt parse --warn-error --quiet
	$(BIN)/python scripts/check_conventions.py target/manifest.json
	# The dbt templater opens a connection: lint against an empty in-memory database.
	SMARTCART_DB_PATH=:memory: $(BIN)/sqlfluff lint models tests/marts analyses

test: lint
	$(BIN)/python -m pytest tests/pytest

# The build generates the docs catalog of the published file; this serves it.
docs: $(VENV)/.installed
	$(BIN)/dbt docs serve --port 8080

clean:
	rm -rf target logs dbt_packages
