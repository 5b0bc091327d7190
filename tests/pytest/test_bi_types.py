"""BI-safe marts on the published sample warehouse: types every ODBC driver and BI tool maps
cleanly, a comment on every table and column, and the contract's column order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import query

from smartcart.public_marts import MARTS_SCHEMA, public_marts

# DuckDB type names BI tools read without a cast. Anything else (HUGEINT, UBIGINT and the other
# unsigned integers, LIST, STRUCT, MAP, UNION, INTERVAL, BLOB, UUID, TIMESTAMP WITH TIME ZONE,
# a DECIMAL wider than 18 digits as sum() returns) is refused.
BI_SAFE_TYPES = {"BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR"}
BOUNDED_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
MAX_DECIMAL_WIDTH = 18


def is_bi_safe(data_type: str) -> bool:
    """Whether a DuckDB column type is on the BI-safe list."""
    decimal = BOUNDED_DECIMAL.match(data_type)
    if decimal:
        return int(decimal.group(1)) <= MAX_DECIMAL_WIDTH
    return data_type in BI_SAFE_TYPES


@pytest.mark.parametrize(
    ("data_type", "safe"),
    [
        ("DECIMAL(18,4)", True),
        ("DECIMAL(38,4)", False),
        ("HUGEINT", False),
        ("UBIGINT", False),
        ("VARCHAR[]", False),
        ("STRUCT(a INTEGER)", False),
        ("MAP(VARCHAR, INTEGER)", False),
        ("UNION(a INTEGER, b VARCHAR)", False),
        ("INTERVAL", False),
        ("BIGINT", True),
        ("TIMESTAMP", True),
    ],
)
def test_the_type_rule_refuses_what_odbc_cannot_map(data_type: str, safe: bool):
    assert is_bi_safe(data_type) is safe


def test_every_mart_column_has_a_bi_safe_type(sample_warehouse: Path):
    columns = query(
        sample_warehouse,
        f"select table_name, column_name, data_type from duckdb_columns() "
        f"where schema_name = '{MARTS_SCHEMA}' order by table_name, column_index",
    )
    assert len({table for table, _, _ in columns}) >= len(public_marts())
    unsafe = [f"{t}.{c}: {d}" for t, c, d in columns if not is_bi_safe(d)]
    assert not unsafe, "types a BI tool cannot map:\n" + "\n".join(unsafe)


def test_every_mart_table_and_column_has_a_comment(sample_warehouse: Path):
    tables = query(
        sample_warehouse,
        f"select table_name from duckdb_tables() where schema_name = '{MARTS_SCHEMA}' "
        "and coalesce(trim(comment), '') = ''",
    )
    columns = query(
        sample_warehouse,
        f"select table_name || '.' || column_name from duckdb_columns() "
        f"where schema_name = '{MARTS_SCHEMA}' and coalesce(trim(comment), '') = ''",
    )
    assert not tables, f"tables without a comment: {tables}"
    assert not columns, f"columns without a comment: {columns}"


def test_public_marts_keep_the_contract_column_order(sample_warehouse: Path):
    for mart in public_marts():
        published = query(
            sample_warehouse,
            f"select column_name from duckdb_columns() where schema_name = '{MARTS_SCHEMA}' "
            f"and table_name = '{mart.name}' order by column_index",
        )
        assert [name for (name,) in published] == mart.column_names, mart.name
