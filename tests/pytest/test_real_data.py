"""Real retailer exports from ../shared/data build, balance and pass every dbt test (the Online
Retail II head through the models of its lines, by plain dbt after ``make load``'s loader)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import (
    ONLINE_RETAIL,
    ONLINE_RETAIL_II,
    REPO_ROOT,
    background_fixture,
    build_env,
    query,
    run_build,
    shared_file,
)

from smartcart.build_warehouse import build_path_for, dbt_profile_environment
from smartcart.load_raw import load

NUMBERS = ("quantity", "unit_price", "line_amount", "discount_amount", "unit_cost")
# The models every line reaches, with all their parents (dbt's graph operator).
LINE_MODELS = ("+fct_sales_lines", "+quarantined_invoice_lines")


def test_online_retail_reconciles_to_the_cent_with_the_file(online_retail: Path):
    # The raw side is computed from the CSV itself, independently of the loader and models.
    expected = duckdb.sql(
        f"""
        select count(*), round(sum(coalesce(try_cast(Quantity as decimal(18, 4))
            * try_cast(UnitPrice as decimal(18, 4)), 0)), 2)
        from read_csv('{shared_file(ONLINE_RETAIL)}', all_varchar = true)
        """
    ).fetchall()[0]
    balance = query(
        online_retail,
        "select sum(line_count), round(sum(gross_amount), 2) from marts.load_reconciliation",
    )[0]
    assert balance == expected
    assert expected[0] == 320_705


def test_online_retail_classifies_its_quirks(online_retail: Path):
    line_types = dict(
        query(online_retail, "select line_type, count(*) from marts.fct_sales_lines group by 1")
    )
    assert line_types["cancellation"] > 1000
    assert line_types["adjustment"] > 0
    assert line_types["charge"] > 1000
    # No cost in this data: margin is unknown, never zero.
    assert query(online_retail, "select count(margin_amount) from marts.fct_sales_lines") == [(0,)]
    stores = query(online_retail, "select store_id, channel from marts.dim_stores")
    assert stores == [("ONLINE", "online")]
    # Float customer ids (17850.0) become 17850.
    assert query(online_retail, "select count(*) from marts.dim_customers where customer_id like '%.%'") == [
        (0,)
    ]
    rejected = dict(
        query(
            online_retail,
            "select outcome, line_count from marts.load_reconciliation where outcome != 'accepted'",
        )
    )
    assert rejected["rejected: duplicate_line"] > 1000
    assert rejected["rejected: nonpositive_price"] > 500


def test_online_retail_ii_csv_and_two_sheet_workbook_load_the_same(tmp_path: Path):
    # Compared at the loader: the models are a function of raw.invoice_lines alone, so equal
    # raw tables give equal warehouses (the CSV's own build is checked below). A workbook's
    # numbers arrive as float text (9.949999999999999 for 9.95); staging casts them to
    # decimal(18, 4), so they are compared as staging reads them. A workbook has no file line
    # numbers (source_line_number is null), so that column is left out.
    fixture = shared_file(ONLINE_RETAIL_II)
    with fixture.open(newline="") as handle:
        rows = list(csv.reader(handle))
    workbook = openpyxl.Workbook()
    sheets = [workbook.active, workbook.create_sheet("Year 2010-2011")]
    sheets[0].title = "Year 2009-2010"
    for sheet in sheets:
        sheet.append(rows[0])
    for number, row in enumerate(rows[1:]):
        # Typed cells as in the real workbook: a datetime, numbers, a float customer id.
        row[3], row[5] = int(row[3]), float(row[5])
        row[4] = dt.datetime.fromisoformat(row[4])
        row[6] = float(row[6]) if row[6] else None
        sheets[0 if number < len(rows) // 2 else 1].append(row)
    workbook_path = tmp_path / "online_retail_II.xlsx"
    workbook.save(workbook_path)

    tables = []
    for raw in (fixture, workbook_path):
        database = tmp_path / f"{raw.suffix[1:]}.duckdb"
        assert load(database, raw, "online_retail").records == len(rows) - 1
        with duckdb.connect(str(database), read_only=True) as con:
            tables.append(
                con.sql(f"""
                select * exclude (source_line_number, source_file, loaded_at)
                    replace ({", ".join(f"try_cast({c} as decimal(18, 4)) as {c}" for c in NUMBERS)})
                from raw.invoice_lines order by source_row_number
            """).fetchall()
            )
    assert tables[0] == tables[1]


@background_fixture(seconds=30)
def online_retail_ii(directory: Path) -> Path:
    """The Online Retail II head loaded as ``make load`` does, then the models of its lines
    built by plain dbt (``dbt build --select +fct_sales_lines +quarantined_invoice_lines``) with
    every test that reads those models only: the build file, all of them passed."""
    raw = shared_file(ONLINE_RETAIL_II)
    database = build_path_for(directory / "smartcart.duckdb")
    env = {**build_env(directory), **dbt_profile_environment(database)}
    subprocess.run(
        [sys.executable, "-m", "smartcart.load_raw", "--raw", raw, "--format", "online_retail"]
        + ["--database", database],
        env=env,
        check=True,
        capture_output=True,
    )
    dbt = [
        Path(sys.executable).with_name("dbt"),
        "build",
        "--select",
        *LINE_MODELS,
        "--indirect-selection",
        "cautious",
    ]
    result = subprocess.run(
        [*dbt, "--project-dir", REPO_ROOT, "--profiles-dir", REPO_ROOT],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"dbt build failed:\n{result.stdout[-3000:]}")
    return database


def test_online_retail_ii_accepts_every_line_it_does_not_quarantine(online_retail_ii: Path):
    (raw_lines,) = query(online_retail_ii, "select count(*) from raw.invoice_lines")[0]
    assert raw_lines == len(shared_file(ONLINE_RETAIL_II).read_text().splitlines()) - 1
    lines = (
        "select invoice_line_id, invoice_id, invoiced_at, customer_id, net_amount from marts.fct_sales_lines"
    )
    (quarantined,) = query(online_retail_ii, "select count(*) from marts.quarantined_invoice_lines")[0]
    assert len(query(online_retail_ii, lines)) == raw_lines - quarantined > 0


def test_mall_export_builds_with_regions_and_derived_unit_prices(mall: Path):
    warehouse = mall
    assert query(warehouse, "select count(*), count(region) from marts.dim_stores") == [(10, 10)]
    # price is the line total: unit price × quantity gives it back exactly.
    first = query(
        warehouse,
        "select quantity, unit_price, gross_amount from marts.fct_sales_lines where invoice_line_id = 1",
    )
    assert first == [(5, Decimal("300.0800"), Decimal("1500.4000"))]
    assert query(warehouse, "select max(customer_order_number) from marts.fct_orders") == [(1,)]
    assert query(warehouse, "select count(distinct payment_method) from marts.fct_sales_lines") == [(3,)]


@pytest.mark.parametrize(
    "content, format_name, expected",
    [
        (b"", "smartcart", "raw file is empty"),
        (b"invoice_id,invoice_date,product_id,quantity,unit_price\n", "smartcart", "no data rows"),
        (b"InvoiceNo,StockCode,Quantity\n1,A,2\n", "online_retail", "lacks required column(s) InvoiceDate"),
        (b"\x00\x01\x02\xff\xfe binary \x00 junk", "smartcart", "cannot read"),
    ],
)
def test_bad_files_fail_in_one_line(tmp_path: Path, content: bytes, format_name: str, expected: str):
    warehouse = tmp_path / "smartcart.duckdb"
    warehouse.write_bytes(b"previously published")
    raw = tmp_path / "export.csv"
    raw.write_bytes(content)
    result = run_build("--raw", raw, "--format", format_name, "--warehouse", warehouse)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr
    assert warehouse.read_bytes() == b"previously published"


def test_a_file_that_is_not_a_workbook_fails_in_one_line(tmp_path: Path):
    raw = tmp_path / "export.xlsx"
    raw.write_text("not a zip")
    result = run_build("--raw", raw, "--format", "online_retail", "--warehouse", tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "not a valid .xlsx workbook" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
