"""The bundled sample built on Apache Spark (dbt-spark session mode) gives every mart the DuckDB
build gives (load_reconciliation and the quarantine included): the same tables, columns, row counts and order-independent checksums
(smartcart-compare-warehouses; floating-point columns rounded to 6 decimals, the only
tolerance; the history marts' run columns, when and how long a load or build ran, left out). The Spark build itself ran every model, Python model, data test and unit test."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import query

from smartcart.compare_warehouses import checksums, compare

# The Spark build takes 6-7 minutes on 2 cores (README): make test-slow, not make test.
pytestmark = pytest.mark.slow


def test_every_mart_matches_the_duckdb_build(sample_warehouse: Path, spark_sample: Path):
    assert compare(sample_warehouse, spark_sample, "marts", 6) == []
    (marts,) = query(
        sample_warehouse,
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'",
    )[0]
    assert len(checksums(spark_sample, "marts", 6)) == marts
