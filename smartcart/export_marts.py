"""Export every public mart of the published warehouse as Parquet, for tools that cannot open a
DuckDB file: one ``<mart>.parquet`` per mart plus ``manifest.json`` (as-of date, row counts,
columns), in a folder beside the warehouse (default ``warehouse/smartcart_parquet``).

The export is written into a temporary folder next to the target and swapped in only when
complete, so a reader sees the previous export or the new one, never a half-written one.

    smartcart-export [--warehouse PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import duckdb

from smartcart.load_raw import quote_literal
from smartcart.public_marts import DEFAULT_WAREHOUSE, MartError, as_of_date, open_marts


def default_out(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}_parquet")


def write_export(con: duckdb.DuckDBPyConnection, marts, warehouse: Path, folder: Path) -> dict:
    """Write every mart and the manifest into ``folder`` (which must not exist)."""
    folder.mkdir(parents=True)
    entries = []
    for mart in marts:
        path = folder / f"{mart.name}.parquet"
        con.execute(f"copy ({mart.select_sql()}) to {quote_literal(str(path))} (format parquet)")
        (rows,) = con.execute(f"select count(*) from {mart.relation}").fetchone()
        entries.append(
            {
                "name": mart.name,
                "file": path.name,
                "row_count": rows,
                "description": mart.description,
                "columns": mart.column_names,
            }
        )
    manifest = {
        "warehouse": str(warehouse),
        "as_of_date": as_of_date(con),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "marts": entries,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def export(warehouse: Path, out: Path) -> dict:
    """Export into ``out`` atomically; return the manifest."""
    con, marts = open_marts(warehouse)
    staging = out.with_name(f".{out.name}.exporting")
    previous = out.with_name(f".{out.name}.previous")
    for leftover in (staging, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        with con:
            manifest = write_export(con, marts, warehouse, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # Two renames on one filesystem: the complete new folder replaces the old one.
    if out.exists():
        os.replace(out, previous)
    os.replace(staging, out)
    shutil.rmtree(previous, ignore_errors=True)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the public marts as Parquet.")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--out", type=Path, default=None, help="folder (default: beside the warehouse)")
    args = parser.parse_args(argv)
    out = args.out or default_out(args.warehouse)
    try:
        manifest = export(args.warehouse, out)
    except (MartError, duckdb.Error, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"smartcart: export failed: {message}; previous export unchanged: {out}", file=sys.stderr)
        return 1
    rows = sum(entry["row_count"] for entry in manifest["marts"])
    print(f"smartcart: exported {len(manifest['marts'])} marts ({rows:,} rows) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
