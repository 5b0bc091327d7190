# SmartCart: two commands.
#   make build   build warehouse/smartcart.duckdb from the bundled sample (or RAW=... FORMAT=...
#                ENCODING=... AS_OF=... WAREHOUSE=...); MODE=append adds RAW to the published data
#   make daily   append every new export of INBOX=dir/ once, in name order (MODE=append per file)
#   make build TARGET=spark  the same project on Apache Spark, into spark/ beside WAREHOUSE
#   make test-slow  the tests beyond the CI budget: Spark vs DuckDB, month-by-month appends
#   make test    every test: ruff, dbt parse, conventions, MetricFlow, sqlfluff, pytest (which runs the dbt builds)
#   make test-fast  the pytest tests that need no full warehouse build (the edit loop)
#   make report  the HTML report of the warehouse's notebooks (reports/smartcart_report.html)
#   make docs    serve the docs site the last build published beside the warehouse
#   make load    only load RAW into the default build file, to run plain dbt commands on it
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
ENCODING ?= utf-8
PG_URL ?=
MODE ?= full
INBOX ?=
# TARGET=spark builds the same project on Apache Spark, into the folder spark/ beside WAREHOUSE
# (README, "Running on Apache Spark").
TARGET ?= dev

# User values reach the commands through the environment, taken literally ($(value)): neither
# make nor the shell evaluates them, so `$`, quotes, backticks and $(...) in a file name are
# just characters. unexport keeps make from expanding the originals into the environment.
export SMARTCART_RAW := $(value RAW)
export SMARTCART_FORMAT := $(value FORMAT)
export SMARTCART_AS_OF := $(value AS_OF)
export SMARTCART_WAREHOUSE := $(value WAREHOUSE)
export SMARTCART_ENCODING := $(value ENCODING)
export SMARTCART_PG_URL := $(value PG_URL)
export SMARTCART_MODE := $(value MODE)
export SMARTCART_INBOX := $(value INBOX)
export SMARTCART_TARGET := $(value TARGET)
unexport RAW FORMAT AS_OF WAREHOUSE ENCODING PG_URL MODE INBOX TARGET

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: build daily load test test-fast test-slow lint lint-code report docs export publish-postgres clean

# The virtualenv is brought up to date whenever the pinned lock (requirements.txt, generated from
# pyproject.toml; its header says how) or pyproject.toml changes: the lock, the build backend
# pyproject.toml pins ([build-system] requires), then the project itself, editable (its commands
# work on this folder), with no dependency resolution and no build isolation: nothing but pins.
# pip compiles every module at install (85 CPU s of the install, measured; --no-compile halves
# it), because with PYTHONDONTWRITEBYTECODE set, as on this machine and in CI, Python never
# writes a compiled module, and every dbt process and worker would compile its imports again.
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
BUILD_REQUIRES = $(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"])'
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt $$($(BUILD_REQUIRES))
	$(PIP) --no-deps --no-build-isolation --check-build-dependencies --editable .
	touch $@

# Spark's packages (requirements-spark.txt: requirements.txt plus dbt-spark and pyspark), added to
# the same virtualenv the first time a Spark build or test needs them.
$(VENV)/.spark-installed: requirements-spark.txt $(VENV)/.installed
	$(PIP) -r requirements-spark.txt
	touch $@

build: $(VENV)/.installed $(if $(filter spark,$(value TARGET)),$(VENV)/.spark-installed)
	$(BIN)/smartcart-build --raw "$$SMARTCART_RAW" --format "$$SMARTCART_FORMAT" \
		--encoding "$$SMARTCART_ENCODING" --warehouse "$$SMARTCART_WAREHOUSE" --as-of "$$SMARTCART_AS_OF" \
		--mode "$$SMARTCART_MODE" --target "$$SMARTCART_TARGET"

# Append every new export of INBOX (once, in name order) to the published warehouse.
daily: $(VENV)/.installed
	$(BIN)/smartcart-daily --inbox "$$SMARTCART_INBOX" --format "$$SMARTCART_FORMAT" \
		--encoding "$$SMARTCART_ENCODING" --warehouse "$$SMARTCART_WAREHOUSE"

# The build file plain dbt commands use (profiles.yml); `make build` replaces it.
load: $(VENV)/.installed
	$(BIN)/smartcart-load --raw "$$SMARTCART_RAW" --format "$$SMARTCART_FORMAT" \
		--encoding "$$SMARTCART_ENCODING" --database warehouse/.smartcart.duckdb.building

# The fast checks, and the dbt parse whose target/manifest.json the tests read.
lint-code: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/dbt parse --warn-error --quiet
	$(BIN)/smartcart-check-conventions target/manifest.json

# Then the semantic layer's definitions (MetricFlow, on the semantic manifest dbt parse wrote)
# and the SQL style (sqlfluff's dbt templater opens a connection: an empty in-memory database;
# its own dbt target folder, so it never rewrites the manifest the tests read).
LINT_MODELS = SMARTCART_DB_PATH=:memory: $(BIN)/mf validate-configs --skip-dw && \
	SMARTCART_DB_PATH=:memory: DBT_TARGET_PATH=target/sqlfluff $(BIN)/sqlfluff lint models tests/marts analyses

lint: lint-code
	$(LINT_MODELS)

# lint, then pytest with lint's slow minute (MetricFlow, sqlfluff: two cores) beside it, in the
# core the suite leaves idle at its start and end; its output goes to target/lint-models.log
# and is shown if it fails; either failing fails make test. The session's warehouse builds run
# in the background, SMARTCART_TEST_BUILD_JOBS (3) at a time (tests/pytest/conftest.py); the
# 15 slowest tests are listed at the end.
test: lint-code
	@($(LINT_MODELS)) > target/lint-models.log 2>&1 & models=$$!; \
	$(BIN)/python -m pytest tests/pytest -m "not slow" --durations=15; tests=$$?; \
	if wait $$models; then echo "smartcart: MetricFlow and sqlfluff passed (target/lint-models.log)"; \
	else cat target/lint-models.log; echo "smartcart: MetricFlow or sqlfluff failed (above)"; tests=1; fi; \
	exit $$tests

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest tests/pytest -m "not build and not slow"

# The tests beyond the CI budget (marker slow): the bundled sample built on Spark and compared
# with the DuckDB build mart by mart, and the real Online Retail file appended month by month.
test-slow: $(VENV)/.spark-installed
	$(BIN)/python -m pytest tests/pytest -m slow --durations=15

# Executes notebooks/*.ipynb against the published warehouse (read-only) into reports/.
report: $(VENV)/.installed
	$(BIN)/smartcart-report --warehouse "$$SMARTCART_WAREHOUSE"

# Every build publishes the static docs site of its warehouse (dbt docs generate --static, one
# self-contained page) as docs/<name>.html beside it; this serves it on localhost.
DOCS_PAGE = $(dir $(value WAREHOUSE))docs/$(basename $(notdir $(value WAREHOUSE))).html
DOCS_PORT ?= 8080
docs:
	@test -f "$(DOCS_PAGE)" || { echo "smartcart: no docs page at $(DOCS_PAGE): run make build first" >&2; exit 1; }
	@echo "smartcart: docs at http://127.0.0.1:$(DOCS_PORT)/$(notdir $(DOCS_PAGE)) (or open $(DOCS_PAGE) itself); Ctrl-C stops"
	$(PYTHON) -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory "$(dir $(DOCS_PAGE))"

# Both read the public marts listed in dbt's manifest from the published WAREHOUSE.
export: $(VENV)/.installed
	$(BIN)/dbt parse --quiet
	$(BIN)/smartcart-export --warehouse "$$SMARTCART_WAREHOUSE"

publish-postgres: $(VENV)/.installed
	@test -n "$$SMARTCART_PG_URL" || { echo "smartcart: set PG_URL=postgresql://user@host:port/database" >&2; exit 2; }
	$(BIN)/dbt parse --quiet
	$(BIN)/smartcart-publish-postgres --warehouse "$$SMARTCART_WAREHOUSE" --pg-url "$$SMARTCART_PG_URL"

clean:
	rm -rf target logs dbt_packages
