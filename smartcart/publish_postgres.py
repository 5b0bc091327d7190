"""Mirror every public mart of the published warehouse into PostgreSQL, for shared BI servers.

Through DuckDB's postgres extension (loaded from the duckdb-ext-postgres wheel, never
downloaded): the marts, in contract column order, with their table and column comments, land in
a new schema ``<schema>__loading``; one PostgreSQL transaction then renames the live schema away,
renames the new one into place and drops the old one. A dashboard sees the previous mirror or
the new one, never a half-copied one; a publish that fails leaves the previous mirror untouched.

    smartcart-publish-postgres --pg-url postgresql://user@host:5432/db
                               [--warehouse PATH] [--schema marts]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from smartcart.load_raw import load_wheel_extension, quote_identifier, quote_literal
from smartcart.public_marts import DEFAULT_WAREHOUSE, MartError, open_marts

PG = "pg"  # the attached PostgreSQL database
SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


class PublishError(Exception):
    """The mirror was not published; the message is one line."""


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise PublishError(f"PG_URL is not a valid URL ({error})") from error
    if parts.scheme not in {"postgresql", "postgres"} or not parts.hostname:
        raise PublishError("PG_URL must look like postgresql://user[:password]@host[:port]/database")


def _execute(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run ``sql`` in PostgreSQL itself: the extension sends it as one query, inside one
    transaction, so several statements succeed or fail together."""
    con.execute(f"call postgres_execute('{PG}', {quote_literal(sql)})")


def _comments(table: str, mart) -> str:
    """COMMENT statements for the (quoted, schema-qualified) ``table`` holding ``mart``."""
    statements = [f"comment on table {table} is {quote_literal(mart.description)}"]
    statements += [
        f"comment on column {table}.{quote_identifier(column)} is {quote_literal(description)}"
        for column, description in mart.columns
    ]
    return ";\n".join(statements)


def publish(warehouse: Path, url: str, schema: str) -> int:
    """Mirror the public marts into ``schema``; return the number of marts."""
    check_url(url)
    if not SCHEMA_NAME.match(schema):
        raise PublishError(f"schema {schema!r} must be lowercase letters, digits and _")
    con, marts = open_marts(warehouse)
    live, loading, previous = (
        quote_identifier(name) for name in (schema, f"{schema}__loading", f"{schema}__previous")
    )
    with con:
        load_wheel_extension(con, "postgres")
        try:
            con.execute(f"attach {quote_literal(url)} as {PG} (type postgres)")
        except duckdb.Error as error:
            raise PublishError(
                f"cannot connect to PostgreSQL at {_safe_url(url)}: {str(error).splitlines()[0]}"
            ) from error
        _execute(con, f"drop schema if exists {loading} cascade; create schema {loading}")
        try:
            for mart in marts:
                table = f"{loading}.{quote_identifier(mart.name)}"
                con.execute(f"create table {PG}.{table} as {mart.select_sql()}")
                _execute(con, _comments(table, mart))
            # The swap, in one transaction: readers see the old schema or the new one.
            _execute(
                con,
                f"drop schema if exists {previous} cascade; "
                "do $$ begin if exists (select from pg_namespace where nspname = "
                f"{quote_literal(schema)}) then alter schema {live} rename to {previous}; "
                f"end if; end $$; alter schema {loading} rename to {live}; "
                f"drop schema if exists {previous} cascade",
            )
        except duckdb.Error as error:
            _execute(con, f"drop schema if exists {loading} cascade")
            raise PublishError(f"copy into PostgreSQL failed: {str(error).splitlines()[0]}") from error
    return len(marts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mirror the public marts into PostgreSQL.")
    parser.add_argument("--pg-url", required=True, help="postgresql://user[:password]@host[:port]/db")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--schema", default="marts", help="PostgreSQL schema of the mirror")
    args = parser.parse_args(argv)
    try:
        count = publish(args.warehouse, args.pg_url, args.schema)
    except (PublishError, MartError) as error:
        print(f"smartcart: publish to PostgreSQL failed: {error}; mirror unchanged", file=sys.stderr)
        return 1
    print(f"smartcart: mirrored {count} marts into {_safe_url(args.pg_url)} schema {args.schema}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
