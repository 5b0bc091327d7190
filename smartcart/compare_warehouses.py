"""Compare the tables of one schema in two warehouse files by an order-independent checksum.

For every table: the row count and ``bit_xor`` / ``sum`` of a row hash over the columns in name
order, so two files agree when they hold the same rows in any order. Floating-point columns are
rounded to ``--digits`` decimals first (parallel sums may differ in the last bits); the columns
that record the run rather than the data (``RUN_COLUMNS``: when a load or build ran, how long it
took) are left out of the hash but not of the column list. Use it to show that a refactoring
changed no mart:

    smartcart-compare-warehouses before.duckdb after.duckdb [--schema marts] [--digits 6]

Either side may be a Spark warehouse folder (``warehouse/spark``): its tables' Parquet files are
compared, so a Spark build can be checked against a DuckDB build of the same export.

Prints one line per table that differs (or exists on one side only), then a summary; exit 1 if
any table differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# Per table, the columns two builds of one export never agree on: the clock and the stopwatch of
# the load and of the build. build_history's test counts count the tests the engine ran: one data
# test more on DuckDB (assert_sql_scorer_matches_scikit_learn, DuckDB-only like the SQL scorer it
# tests) and three unit tests more (the incremental branches of int_invoice_lines_validated,
# fct_sales_lines and fct_orders, which Spark builds as tables).
RUN_COLUMNS = {
    "load_history": {"loaded_at", "load_seconds"},
    "build_history": {"built_at", "build_seconds", "data_test_count", "unit_test_count", "tests_passed"},
}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _connect(warehouse: Path, schema: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a warehouse file, or, for a Spark warehouse folder
    (``make build TARGET=spark``), an in-memory database holding the Parquet files of the
    folder's ``schema`` tables as tables of that schema."""
    if not warehouse.is_dir():
        return duckdb.connect(str(warehouse), read_only=True)
    con = duckdb.connect()
    con.execute(f"create schema {_quote(schema)}")
    for table in sorted((warehouse / "tables" / f"{schema}.db").iterdir()):
        files = str(table / "*.parquet").replace("'", "''")
        con.execute(
            f"create table {_quote(schema)}.{_quote(table.name)} as select * from read_parquet('{files}')"
        )
    return con


def checksums(warehouse: Path, schema: str, digits: int) -> dict[str, tuple]:
    """Table name -> (column names, row count, xor of row hashes, sum of row hashes)."""
    with _connect(warehouse, schema) as con:
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in con.execute(
            """
            select table_name, column_name, data_type
            from information_schema.columns
            where table_schema = ? and table_name in (
                select table_name from information_schema.tables
                where table_schema = ? and table_type = 'BASE TABLE'
            )
            order by table_name, column_name
            """,
            [schema, schema],
        ).fetchall():
            columns.setdefault(table, []).append((column, data_type))
        result = {}
        for table, typed_columns in columns.items():
            values = ", ".join(
                f"round({_quote(name)}, {digits})" if data_type in FLOAT_TYPES else _quote(name)
                for name, data_type in typed_columns
                if name not in RUN_COLUMNS.get(table, set())
            )
            row_count, xor_hash, sum_hash = con.execute(
                f"""
                select count(*), bit_xor(row_hash), sum(cast(row_hash as hugeint))
                from (select hash({values}) as row_hash from {_quote(schema)}.{_quote(table)})
                """
            ).fetchone()
            names = tuple(name for name, _ in typed_columns)
            result[table] = (names, row_count, xor_hash, sum_hash)
        return result


def compare(before: Path, after: Path, schema: str = "marts", digits: int = 6) -> list[str]:
    """One line per table that is not identical in both files."""
    old, new = checksums(before, schema, digits), checksums(after, schema, digits)
    differences = []
    for table in sorted(old.keys() | new.keys()):
        if table not in new:
            differences.append(f"{schema}.{table}: only in {before}")
        elif table not in old:
            differences.append(f"{schema}.{table}: only in {after}")
        elif old[table][0] != new[table][0]:
            gone = sorted(set(old[table][0]) - set(new[table][0]))
            added = sorted(set(new[table][0]) - set(old[table][0]))
            differences.append(f"{schema}.{table}: columns differ (removed {gone}, added {added})")
        elif old[table][1:] != new[table][1:]:
            differences.append(
                f"{schema}.{table}: rows differ ({old[table][1]} rows before, {new[table][1]} after)"
            )
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--digits", type=int, default=6, help="decimals kept of float columns")
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not (path.is_file() or (path / "tables").is_dir()):
            parser.error(f"no warehouse file or Spark warehouse folder at {path}")
    differences = compare(args.before, args.after, args.schema, args.digits)
    for line in differences:
        print(line)
    tables = len(checksums(args.before, args.schema, args.digits))
    print(f"compare_warehouses: {len(differences)} of {tables} {args.schema} table(s) differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
