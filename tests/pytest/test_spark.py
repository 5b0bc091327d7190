"""The bundled sample built on Apache Spark (dbt-spark session mode) gives every mart the DuckDB
build gives (load_reconciliation and the quarantine included): the same tables, columns, row counts and order-independent checksums
(smartcart-compare-warehouses; floating-point columns rounded to 6 decimals, the only
tolerance; the history marts' run columns, when and how long a load or build ran, left out). The Spark build itself ran every model, Python model, data test and unit test.
Spark's loader gives DuckDB's raw lines for every export format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import query

from smartcart import spark_warehouse
from smartcart.compare_warehouses import checksums, compare
from smartcart.load_raw import CONTRACT_COLUMNS, load

# The Spark build takes 6-7 minutes on 2 cores (README), and every test here starts Spark:
# make test-slow, not make test.
pytestmark = pytest.mark.slow


def test_every_mart_matches_the_duckdb_build(sample_warehouse: Path, spark_sample: Path):
    assert compare(sample_warehouse, spark_sample, "marts", 6) == []
    (marts,) = query(
        sample_warehouse,
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'",
    )[0]
    assert len(checksums(spark_sample, "marts", 6)) == marts


# Every export format's rewrites (dates, whole-number ids, constants), in each format's layouts.
EXPORTS = {
    "online_retail": (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A, WHITE HANGING HEART ,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
        'C536379,D,"Discount, manual",-1,12/13/2010 19:41,27.50,,United Kingdom\n'
        "536366,22633,HAND WARMER,6,40148.32291666666,1.85,17850,United Kingdom\n"
        "536367,22633,HAND WARMER,6,31/31/2010 8:00,1.85,,France\n"
        "536368,22633,HAND WARMER,6, 45000 ,1.85,,France\n"
    ),
    "online_retail_ii": (
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "489434,85048,LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
    ),
    "customer_shopping": (
        "invoice_no,customer_id,gender,age,category,quantity,price,payment_method,invoice_date,shopping_mall\n"
        "I138884,C241288,Female,28,Clothing,5,1500.4,Credit Card,5/8/2022,Kanyon\n"
        "I317333,C111565,Male,21,Shoes,3,1800.51,Debit Card,12/12/2021,Forum Istanbul\n"
    ),
}


@pytest.fixture(scope="module")
def spark_session(tmp_path_factory: pytest.TempPathFactory):
    """A Spark session of the spark target's settings, its metastore in a temporary folder."""
    spark_dir = tmp_path_factory.mktemp("spark")
    previous = os.environ.get("SMARTCART_SPARK_DIR")
    os.environ["SMARTCART_SPARK_DIR"] = str(spark_dir)
    spark = spark_warehouse.start_session()
    yield spark, spark_dir
    spark.stop()
    if previous is None:
        del os.environ["SMARTCART_SPARK_DIR"]
    else:
        os.environ["SMARTCART_SPARK_DIR"] = previous


@pytest.mark.parametrize("export", EXPORTS)
def test_every_format_loads_the_same_raw_lines_on_spark(spark_session, tmp_path: Path, export: str):
    """Spark's loader gives the raw lines DuckDB's loader gives, for every format (one
    definition of each in load_raw.FORMATS), and Spark parses the rewritten dates as DuckDB does."""
    spark, spark_dir = spark_session
    format_name = "online_retail" if export == "online_retail_ii" else export
    raw = tmp_path / f"{export}.csv"
    raw.write_text(EXPORTS[export])
    columns = ", ".join(CONTRACT_COLUMNS)
    select = f"select source_row_number, {columns}, cast(try_cast(invoice_date as timestamp) as string)"
    load(tmp_path / "loaded.duckdb", raw, format_name)
    duckdb_rows = query(
        tmp_path / "loaded.duckdb",
        f"{select.replace('as string)', 'as varchar)')} from raw.invoice_lines order by source_row_number",
    )
    spark_warehouse.load(spark, spark_dir, raw, format_name, "utf-8")
    spark_rows = [
        tuple(row)
        for row in spark.sql(f"{select} from raw.invoice_lines order by source_row_number").collect()
    ]
    assert spark_rows == duckdb_rows
    assert len(spark_rows) == EXPORTS[export].count("\n") - 1
