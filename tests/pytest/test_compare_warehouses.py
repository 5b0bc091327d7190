"""smartcart-compare-warehouses on two small hand-made warehouse files, through its CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

COMPARE = [sys.executable, "-m", "smartcart.compare_warehouses"]


def _warehouse(path: Path, *statements: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for statement in statements:
            con.execute(statement)
    return path


def _compare(before: Path, after: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*COMPARE, str(before), str(after)], capture_output=True, text=True)


@pytest.fixture
def before(tmp_path: Path) -> Path:
    return _warehouse(
        tmp_path / "before.duckdb",
        "create table marts.kpis (day date, revenue decimal(18, 4), rate double)",
        "insert into marts.kpis values ('2024-01-01', 10.5, 0.1), ('2024-01-02', 3, 1 / 3)",
    )


def test_same_rows_in_another_order_and_column_order_agree(before: Path, tmp_path: Path):
    after = _warehouse(
        tmp_path / "after.duckdb",
        "create table marts.kpis (rate double, day date, revenue decimal(18, 4))",
        "insert into marts.kpis values (0.3333333333334, '2024-01-02', 3), (0.1, '2024-01-01', 10.5)",
    )
    result = _compare(before, after)
    assert result.returncode == 0, result.stdout
    assert "0 of 1 marts table(s) differ" in result.stdout


def test_a_changed_value_a_missing_table_and_a_new_column_are_reported(before: Path, tmp_path: Path):
    changed = _warehouse(
        tmp_path / "changed.duckdb",
        "create table marts.kpis (day date, revenue decimal(18, 4), rate double)",
        "insert into marts.kpis values ('2024-01-01', 10.5, 0.1), ('2024-01-02', 3.0001, 1 / 3)",
        "create table marts.extra (id integer)",
    )
    result = _compare(before, changed)
    assert result.returncode == 1
    assert "marts.kpis: rows differ (2 rows before, 2 after)" in result.stdout
    assert "marts.extra: only in" in result.stdout

    widened = _warehouse(
        tmp_path / "widened.duckdb",
        "create table marts.kpis (day date, revenue decimal(18, 4), rate double, note text)",
        "insert into marts.kpis values ('2024-01-01', 10.5, 0.1, 'a'), ('2024-01-02', 3, 1 / 3, 'b')",
    )
    result = _compare(before, widened)
    assert result.returncode == 1
    assert "columns differ (removed [], added ['note'])" in result.stdout


def test_the_run_columns_of_the_history_marts_are_not_compared(tmp_path: Path):
    def history(name: str, loaded_at: str, load_seconds: float, line_count: int) -> Path:
        return _warehouse(
            tmp_path / name,
            "create table marts.load_history (load_id bigint, loaded_at timestamp, load_seconds double,"
            " line_count bigint)",
            f"insert into marts.load_history values (1, '{loaded_at}', {load_seconds}, {line_count})",
        )

    first = history("first.duckdb", "2024-01-01 10:00:00", 1.5, 100)
    assert _compare(first, history("later.duckdb", "2024-01-02 11:00:00", 9.25, 100)).returncode == 0
    assert _compare(first, history("other.duckdb", "2024-01-01 10:00:00", 1.5, 101)).returncode == 1


def test_duplicated_rows_do_not_cancel_out(before: Path, tmp_path: Path):
    # xor alone cannot see a row added twice; the row count and the hash sum can.
    doubled = _warehouse(
        tmp_path / "doubled.duckdb",
        "create table marts.kpis (day date, revenue decimal(18, 4), rate double)",
        "insert into marts.kpis values ('2024-01-01', 10.5, 0.1), ('2024-01-02', 3, 1 / 3)",
        "insert into marts.kpis values ('2024-01-01', 10.5, 0.1), ('2024-01-01', 10.5, 0.1)",
    )
    assert _compare(before, doubled).returncode == 1
