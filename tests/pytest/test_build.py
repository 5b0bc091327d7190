"""Write-audit-publish: what reaches the published warehouse, and what never does."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, build_command, build_env, query, run_build

from smartcart.load_raw import UNREADABLE_REASONS

SAMPLE = REPO_ROOT / "data" / "sample" / "invoice_lines.csv.gz"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def published(mall: Path, tmp_path: Path) -> Path:
    """A private copy of a published warehouse (the smallest real one, the mall), to try to
    break."""
    copy = tmp_path / "smartcart.duckdb"
    shutil.copy(mall, copy)
    return copy


def test_sample_build_is_published_and_complete(sample_warehouse: Path):
    assert not sample_warehouse.with_name(sample_warehouse.name + ".wal").exists()
    # No build file or DuckDB spill folder is left beside the published file.
    assert sorted(path.name for path in sample_warehouse.parent.glob(".*")) == []
    (lines,) = query(sample_warehouse, "select count(*) from marts.fct_sales_lines")[0]
    assert lines > 100_000
    schemas = {
        row[0]
        for row in query(
            sample_warehouse,
            "select distinct table_schema from information_schema.tables",
        )
    }
    assert schemas == {"raw", "staging", "intermediate", "marts"}


def test_sample_build_writes_the_docs_catalog_of_the_published_file(sample_warehouse: Path):
    # docs generate --no-compile, with the build's manifest: every model has its columns.
    catalog = json.loads((sample_warehouse.parent / "target" / "catalog.json").read_text())
    manifest = json.loads((sample_warehouse.parent / "target" / "manifest.json").read_text())
    models = {key for key, node in manifest["nodes"].items() if node["resource_type"] in {"model", "seed"}}
    assert set(catalog["nodes"]) == models
    assert catalog["nodes"]["model.smartcart.fct_sales_lines"]["columns"]


def test_every_quarantine_reason_is_exercised_by_the_sample(sample_warehouse: Path):
    # The loader's reasons for unreadable records are exercised by test_bad_inputs.py, lines
    # re-sent by a later load (already_loaded) by test_append.py.
    reasons = query(
        sample_warehouse,
        """
        select reasons.rejection_reason, count(quarantine.invoice_line_id)
        from raw.rejection_reasons as reasons
        left join marts.quarantined_invoice_lines as quarantine
            on reasons.rejection_reason = quarantine.rejection_reason
        group by reasons.rejection_reason
        """,
    )
    assert len(reasons) == 12
    assert sorted(reason for reason, count in reasons if count == 0) == sorted(
        [*UNREADABLE_REASONS, "already_loaded"]
    )


def test_reconciliation_balances_against_the_file(sample_warehouse: Path):
    # Independent of the loader and the models: count the sample file's lines.
    with gzip.open(SAMPLE, "rt") as sample:
        raw_lines = sum(1 for _ in sample) - 1
    rows = query(
        sample_warehouse,
        "select sum(line_count), max(raw_line_count) from marts.load_reconciliation",
    )
    assert rows == [(raw_lines, raw_lines)]


def test_every_column_is_documented_in_the_warehouse(sample_warehouse: Path):
    # persist_docs writes the YAML docs as DuckDB comments, which BI tools show.
    undocumented = query(
        sample_warehouse,
        """
        select schema_name || '.' || table_name || '.' || column_name
        from duckdb_columns()
        where schema_name in ('staging', 'intermediate', 'marts')
          and coalesce(comment, '') = ''
        """,
    )
    assert undocumented == []


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--raw", "no/such/file.csv"], "raw file not found: no/such/file.csv"),
        (["--format", "csv_of_some_kind"], "unknown format 'csv_of_some_kind'"),
        (["--as-of", "31/08/2011"], "AS_OF must be a date written YYYY-MM-DD"),
    ],
)
def test_bad_input_fails_in_one_line(published: Path, args, expected):
    before = _digest(published)
    result = run_build(*args, "--warehouse", published)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr
    assert _digest(published) == before


@pytest.mark.parametrize("phase", ["loading", "dbt build"])
def test_interrupted_build_keeps_the_published_warehouse(published: Path, phase: str):
    before = _digest(published)
    building = published.with_name(f".{published.name}.building")
    process = subprocess.Popen(
        build_command("--warehouse", published),
        cwd=REPO_ROOT,
        env=build_env(published.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if phase == "loading":
        while not building.exists() and process.poll() is None:
            time.sleep(0.05)
    else:
        # The loader's report comes first; dbt is running a few seconds later.
        while "loaded" not in process.stdout.readline():
            pass
        time.sleep(5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    if phase == "loading":  # stopped there, not after a whole dbt build (a swallowed Ctrl-C)
        assert "Running with dbt" not in stdout
    assert stderr.strip().splitlines() == [
        f"smartcart: build interrupted; published warehouse unchanged: {published}"
    ]
    assert _digest(published) == before
