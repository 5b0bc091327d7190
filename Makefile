# SmartCart: two commands.
#   make build   build warehouse/smartcart.duckdb from the bundled sample (or RAW=... FORMAT=...)
#   make test    every test: dbt parse, lint, conventions, pytest (which runs the dbt builds)
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

.PHONY: build test lint report docs clean

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

test: lint
	$(BIN)/python -m pytest tests/pytest

# Executes notebooks/*.ipynb against the published warehouse (read-only) into reports/.
report: $(VENV)/.installed
	$(BIN)/python scripts/build_report.py --warehouse "$(WAREHOUSE)"

# Every build publishes the static docs site of its warehouse (dbt docs generate --static, one
# self-contained page) as docs/<name>.html beside it; this serves it on localhost.
DOCS_PAGE = $(dir $(WAREHOUSE))docs/$(basename $(notdir $(WAREHOUSE))).html
DOCS_PORT ?= 8080
docs:
	@test -f "$(DOCS_PAGE)" || { echo "smartcart: no docs page at $(DOCS_PAGE): run make build first" >&2; exit 1; }
	@echo "smartcart: docs at http://127.0.0.1:$(DOCS_PORT)/$(notdir $(DOCS_PAGE)) (or open $(DOCS_PAGE) itself); Ctrl-C stops"
	$(PYTHON) -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory "$(dir $(DOCS_PAGE))"

clean:
	rm -rf target logs dbt_packages
