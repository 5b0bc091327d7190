"""The public marts: what BI tools, ``make export`` and ``make publish-postgres`` read.

A public mart is a model with ``access: public`` in schema ``marts`` of the dbt manifest
(``target/manifest.json``, written by ``dbt parse``), with its description and its columns in
contract order. ``open_marts`` opens the published warehouse read-only and checks that every
public mart is in it; every problem is a ``MartError`` with a one-line message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from smartcart.load_raw import quote_identifier, quote_literal

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = PROJECT_DIR / "target" / "manifest.json"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "smartcart.duckdb"
MARTS_SCHEMA = "marts"
# open_marts attaches the warehouse, read-only, under this name to an in-memory database, so a
# script can attach a second database (PostgreSQL) beside it.
CATALOG = "warehouse"


class MartError(Exception):
    """The warehouse or a mart is missing or unreadable; the message is one line."""


@dataclass(frozen=True)
class Mart:
    """A public mart: its name, description and ordered (column, description) pairs."""

    name: str
    description: str
    columns: tuple[tuple[str, str], ...]

    @property
    def relation(self) -> str:
        return f'{CATALOG}.{MARTS_SCHEMA}."{self.name}"'

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def select_sql(self) -> str:
        """Every column, in contract order."""
        columns = ", ".join(quote_identifier(name) for name in self.column_names)
        return f"select {columns} from {self.relation}"


def public_marts(manifest: Path = DEFAULT_MANIFEST) -> list[Mart]:
    """The public marts of the manifest, by name."""
    if not manifest.is_file():
        raise MartError(f"no dbt manifest at {manifest}: run `dbt parse` (make does) first")
    nodes = json.loads(manifest.read_text())["nodes"].values()
    marts = [
        Mart(
            name=node["name"],
            description=" ".join(node["description"].split()),
            columns=tuple(
                (name, " ".join(column["description"].split())) for name, column in node["columns"].items()
            ),
        )
        for node in nodes
        if node["resource_type"] == "model"
        and node.get("access") == "public"
        and node["schema"] == MARTS_SCHEMA
    ]
    return sorted(marts, key=lambda mart: mart.name)


def open_marts(
    warehouse: Path, manifest: Path = DEFAULT_MANIFEST
) -> tuple[duckdb.DuckDBPyConnection, list[Mart]]:
    """An in-memory DuckDB connection with ``warehouse`` attached read-only as CATALOG, and its
    public marts, each checked present with every column of its contract."""
    marts = public_marts(manifest)
    if not warehouse.is_file():
        raise MartError(f"no warehouse at {warehouse}: run `make build` first")
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(str(warehouse))} as {CATALOG} (read_only)")
    except duckdb.Error as error:
        con.close()
        raise MartError(f"cannot open {warehouse}: {str(error).splitlines()[0]}") from error
    published = {
        (table, column)
        for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = ? and schema_name = ?",
            [CATALOG, MARTS_SCHEMA],
        ).fetchall()
    }
    tables = {table for table, _ in published}
    problems = []
    for mart in marts:
        if mart.name not in tables:
            problems.append(f"mart {mart.name}")
            continue
        problems += [
            f"column {mart.name}.{column}"
            for column in mart.column_names
            if (mart.name, column) not in published
        ]
    if problems:
        con.close()
        shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise MartError(f"{warehouse} lacks {shown} of dbt's manifest: rebuild it with `make build`")
    return con, marts


def as_of_date(con: duckdb.DuckDBPyConnection) -> str:
    """The build's as-of date (the last day of dim_dates before the forecast horizon)."""
    (day,) = con.execute(
        f"select max(date_day) from {CATALOG}.{MARTS_SCHEMA}.dim_dates where not is_after_as_of_date"
    ).fetchone()
    return day.isoformat()


def rows_checksum(rows: Iterable[tuple]) -> str:
    """An order-independent checksum of rows: the sum of each row's SHA-256 modulo 2**128.

    Values are compared by their Python value (Decimal, date, float, ...) so the same mart read
    through DuckDB, Parquet or ODBC gives the same checksum when, and only when, it holds the
    same rows (duplicates included).
    """
    total = 0
    for row in rows:
        digest = hashlib.sha256(repr(tuple(row)).encode()).digest()
        total = (total + int.from_bytes(digest[:16], "big")) % (1 << 128)
    return f"{total:032x}"
