"""The PostgreSQL mirror, read back as a BI tool reads it: a real PostgreSQL server started here
on a loopback port, `smartcart-publish-postgres` (what `make publish-postgres` runs), and an
ODBC connection through unixODBC, Debian's psqlODBC driver and pyodbc."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT

from smartcart.public_marts import open_marts, rows_checksum

pyodbc = pytest.importorskip("pyodbc")
PUBLISH = [sys.executable, "-m", "smartcart.publish_postgres"]
ODBC_DRIVER = "PostgreSQL Unicode"  # Debian odbc-postgresql registers it in /etc/odbcinst.ini
# BoolsAsChar=0: booleans as SQL_BIT, not the driver's default char "1"/"0" (docs/bi.md).
PG_USER = "smartcart"


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found[-1]:
        pytest.skip(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as Debian's postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict]:
    """A throw-away PostgreSQL server on 127.0.0.1 (trust auth), stopped after the module."""
    if ODBC_DRIVER not in pyodbc.drivers():
        pytest.skip(f"ODBC driver {ODBC_DRIVER!r} not registered (apt-get install odbc-postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="smartcart-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    run = lambda *command: subprocess.run(_as_server_user([*command]), check=True, capture_output=True)  # noqa: E731
    # Thrown away after the module: nothing it writes needs to survive a crash, so no fsync.
    initdb = [_pg_bin("initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--locale=C"]
    run(*initdb, "--no-sync")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c synchronous_commit=off"
    options += " -c full_page_writes=off"
    run(_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
    try:
        yield {
            "url": f"postgresql://{PG_USER}@127.0.0.1:{port}/postgres",
            "odbc": f"DRIVER={{{ODBC_DRIVER}}};SERVER=127.0.0.1;PORT={port};DATABASE=postgres;UID={PG_USER};BoolsAsChar=0",
        }
    finally:
        run(_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def publish(warehouse: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PUBLISH, "--warehouse", str(warehouse), "--pg-url", url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def mirror_snapshot(odbc: str, schema: str = "marts") -> dict[str, dict]:
    """Per table of ``schema``: its columns (as the ODBC catalog lists them, the way a BI
    schema browser does), row count and checksum, read over ODBC."""
    snapshot = {}
    with pyodbc.connect(odbc, autocommit=True) as con:
        cursor = con.cursor()
        tables = [row.table_name for row in cursor.tables(schema=schema, tableType="TABLE")]
        for table in tables:
            columns = [row.column_name for row in con.cursor().columns(table=table, schema=schema)]
            rows = (
                con.cursor()
                .execute("select " + ", ".join(f'"{c}"' for c in columns) + f' from "{schema}"."{table}"')
                .fetchall()
            )
            snapshot[table] = {"columns": columns, "rows": len(rows), "checksum": rows_checksum(rows)}
    return snapshot


def mirror_fingerprint(odbc: str, schema: str = "marts") -> dict[str, tuple]:
    """Per table of ``schema``: its columns in order, its row count and an md5 of its rows as
    PostgreSQL writes them, sorted, all computed by the server. What the checks that a failed
    publish left the mirror unchanged compare: the round trip reads every row over ODBC itself."""
    with pyodbc.connect(odbc, autocommit=True) as con:
        cursor = con.cursor()
        tables = [row.table_name for row in cursor.tables(schema=schema, tableType="TABLE")]
        return {
            table: (
                tuple(row.column_name for row in con.cursor().columns(table=table, schema=schema)),
                *con.cursor()
                .execute(
                    "select count(*), md5(coalesce(string_agg(t::text, chr(10) order by t::text), '')) "
                    f'from "{schema}"."{table}" t'
                )
                .fetchone(),
            )
            for table in tables
        }


def mart_names(warehouse: Path) -> list[str]:
    """The public marts of ``warehouse``, in the order they are published (by name)."""
    con, marts = open_marts(warehouse)
    with con:
        return [mart.name for mart in marts]


def warehouse_snapshot(warehouse: Path) -> dict[str, dict]:
    con, marts = open_marts(warehouse)
    with con:
        return {
            mart.name: {
                "columns": mart.column_names,
                "rows": len(rows := con.execute(f"select * from {mart.relation}").fetchall()),
                "checksum": rows_checksum(rows),
            }
            for mart in marts
        }


@pytest.fixture(scope="module")
def published(sample_warehouse: Path, postgres: dict) -> dict:
    result = publish(sample_warehouse, postgres["url"])
    assert result.returncode == 0, result.stderr
    return postgres


def test_every_public_mart_round_trips_through_odbc(sample_warehouse: Path, published: dict):
    expected = warehouse_snapshot(sample_warehouse)
    assert len(expected) >= 20
    assert mirror_snapshot(published["odbc"]) == expected


def test_comments_reach_the_bi_tool(sample_warehouse: Path, published: dict):
    with pyodbc.connect(published["odbc"], autocommit=True) as con:
        described = (
            con.cursor()
            .execute(
                "select c.relname, obj_description(c.oid, 'pg_class'), "
                "count(*) filter (where col_description(c.oid, a.attnum) is null) "
                "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
                "where n.nspname = 'marts' and c.relkind = 'r' group by 1, 2"
            )
            .fetchall()
        )
    assert {name for name, _, _ in described} == set(mart_names(sample_warehouse))
    assert all(comment and not missing for _, comment, missing in described), described


def test_a_publish_failing_half_way_leaves_the_mirror_untouched(
    sample_warehouse: Path, published: dict, tmp_path: Path
):
    """A NUL character, which PostgreSQL text cannot hold, in the last mart to be copied: the
    earlier marts are already loaded when the copy fails."""
    before = mirror_fingerprint(published["odbc"])
    broken = tmp_path / "smartcart.duckdb"
    shutil.copyfile(sample_warehouse, broken)
    last = mart_names(sample_warehouse)[-1]
    with duckdb.connect(str(broken)) as writer:
        (text_column,) = writer.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            f"and table_name = '{last}' and data_type = 'VARCHAR' order by column_index limit 1"
        ).fetchone()
        writer.execute(f"update marts.\"{last}\" set \"{text_column}\" = 'bad' || chr(0) || 'value'")
    result = publish(broken, published["url"])
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "mirror unchanged" in result.stderr
    assert mirror_fingerprint(published["odbc"]) == before
    assert mirror_fingerprint(published["odbc"], "marts__loading") == {}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://localhost/db", "PG_URL must look like postgresql://"),
        ("postgresql://smartcart@127.0.0.1:1/postgres", "cannot connect to PostgreSQL at"),
    ],
)
def test_a_bad_pg_url_fails_in_one_line(sample_warehouse: Path, url: str, message: str):
    result = publish(sample_warehouse, url)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_a_missing_warehouse_or_mart_fails_in_one_line(
    sample_warehouse: Path, published: dict, tmp_path: Path
):
    before = mirror_fingerprint(published["odbc"])
    missing = publish(tmp_path / "absent.duckdb", published["url"])
    assert missing.returncode == 1 and "no warehouse at" in missing.stderr
    partial = tmp_path / "partial.duckdb"
    shutil.copyfile(sample_warehouse, partial)
    with duckdb.connect(str(partial)) as writer:
        writer.execute("drop table marts.store_performance")
    lacking = publish(partial, published["url"])
    assert lacking.returncode == 1 and "lacks mart store_performance" in lacking.stderr
    for result in (missing, lacking):
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert mirror_fingerprint(published["odbc"]) == before
