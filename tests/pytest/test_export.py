"""`make export` (smartcart-export): one Parquet file per public mart plus a manifest, equal
to the marts row for row, swapped in atomically; bad input fails in one line and changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT

from smartcart.public_marts import as_of_date, open_marts, rows_checksum

EXPORT = [sys.executable, "-m", "smartcart.export_marts"]


def export(warehouse: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*EXPORT, "--warehouse", str(warehouse), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def folder_state(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def exported(sample_warehouse: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "smartcart_parquet"
    result = export(sample_warehouse, out)
    assert result.returncode == 0, result.stderr
    return out


def test_every_public_mart_round_trips_through_parquet(sample_warehouse: Path, exported: Path):
    con, marts = open_marts(sample_warehouse)
    manifest = json.loads((exported / "manifest.json").read_text())
    assert {path.name for path in exported.iterdir()} == {"manifest.json"} | {
        f"{mart.name}.parquet" for mart in marts
    }
    with con:
        assert manifest["as_of_date"] == as_of_date(con)
        entries = {entry["name"]: entry for entry in manifest["marts"]}
        assert set(entries) == {mart.name for mart in marts}
        for mart in marts:
            parquet = f"read_parquet('{exported / entries[mart.name]['file']}')"
            read, stored = con.sql(f"select * from {parquet}"), con.sql(f"select * from {mart.relation}")
            assert (read.columns, read.types) == (mart.column_names, stored.types), mart.name
            # Row for row, duplicates counted, compared by DuckDB itself (nulls equal nulls).
            differences, rows = con.sql(
                f"""select
                    (select count(*) from (
                        (select * from {mart.relation} except all select * from {parquet})
                        union all
                        (select * from {parquet} except all select * from {mart.relation}))),
                    (select count(*) from {mart.relation})"""
            ).fetchone()
            assert (differences, entries[mart.name]["row_count"]) == (0, rows), mart.name


def test_the_checksum_sees_a_changed_value_but_not_the_row_order():
    rows = [(1, "a"), (2, "b"), (2, "b")]
    assert rows_checksum(rows) == rows_checksum(list(reversed(rows)))
    assert rows_checksum(rows) != rows_checksum([(1, "a"), (2, "b"), (2, "c")])
    assert rows_checksum(rows) != rows_checksum(rows[:2])


def test_a_failed_export_leaves_the_previous_one_untouched(
    sample_warehouse: Path, exported: Path, tmp_path: Path
):
    out = tmp_path / "smartcart_parquet"
    shutil.copytree(exported, out)
    before = folder_state(out)
    partial = tmp_path / "partial.duckdb"
    shutil.copyfile(sample_warehouse, partial)
    renamed = tmp_path / "renamed.duckdb"
    shutil.copyfile(sample_warehouse, renamed)
    with duckdb.connect(str(partial)) as writer:
        writer.execute("drop table marts.dim_stores")
    with duckdb.connect(str(renamed)) as writer:
        writer.execute("alter table marts.dim_stores rename column region to store_region")
    cases = {
        tmp_path / "absent.duckdb": "no warehouse at",
        partial: "lacks mart dim_stores of dbt's manifest",
        renamed: "lacks column dim_stores.region of dbt's manifest",
    }
    for warehouse, message in cases.items():
        result = export(warehouse, out)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert message in result.stderr
    assert folder_state(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "partial.duckdb",
        "renamed.duckdb",
        "smartcart_parquet",
    ]


def test_a_new_export_replaces_the_previous_one_whole(sample_warehouse: Path, exported: Path, tmp_path: Path):
    out = tmp_path / "smartcart_parquet"
    shutil.copytree(exported, out)
    (out / "stale_mart.parquet").write_bytes(b"left over")
    result = export(sample_warehouse, out)
    assert result.returncode == 0, result.stderr
    assert "stale_mart.parquet" not in {path.name for path in out.iterdir()}
    assert [path.name for path in tmp_path.iterdir()] == ["smartcart_parquet"]
