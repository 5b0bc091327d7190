"""The loader maps each export format onto the raw contract as text, without casting."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from smartcart import load_raw
from smartcart.load_raw import CONTRACT_COLUMNS, LOAD_COLUMNS, RECORD_COLUMNS, load


def _load(tmp_path: Path, name: str, content: str, format_name: str) -> list[dict]:
    raw = tmp_path / name
    raw.write_text(content)
    database = tmp_path / "loaded.duckdb"
    load(database, raw, format_name)
    with duckdb.connect(str(database), read_only=True) as con:
        relation = con.sql(
            "select *, try_cast(invoice_date as timestamp) as parsed_at"
            " from raw.invoice_lines order by source_row_number"
        )
        return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def test_uci_original_layout_dates_and_float_customer_ids(tmp_path: Path):
    rows = _load(
        tmp_path,
        "uci.csv",
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A, WHITE HANGING HEART ,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
        'C536379,D,"Discount, manual",-1,12/1/2010 9:41,27.50,,United Kingdom\n',
        "online_retail",
    )
    assert [row["invoice_date"] for row in rows] == ["2010-12-1 8:26", "2010-12-1 9:41"]
    assert str(rows[0]["parsed_at"]) == "2010-12-01 08:26:00"
    assert rows[0]["customer_id"] == "17850"
    assert rows[1]["customer_id"] is None
    assert rows[0]["product_name"] == "WHITE HANGING HEART"
    assert rows[1]["product_name"] == "Discount, manual"
    assert (rows[0]["store_id"], rows[0]["channel"], rows[0]["unit_cost"]) == ("ONLINE", "online", None)
    assert [row["source_row_number"] for row in rows] == [1, 2]


def test_online_retail_ii_column_names(tmp_path: Path):
    rows = _load(
        tmp_path,
        "uci2.csv",
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "489434,85048,LIGHTS,12,2009-12-01 07:45:00,6.95,13085,United Kingdom\n",
        "online_retail",
    )
    assert (rows[0]["invoice_id"], rows[0]["unit_price"], rows[0]["customer_id"]) == (
        "489434",
        "6.95",
        "13085",
    )


def test_excel_serial_dates_become_iso_and_bad_dates_stay_bad(tmp_path: Path):
    rows = _load(
        tmp_path,
        "serial.csv",
        "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n"
        "1,A,1,40148.32291666666,1\n"
        "2,A,1,31/31/2010 8:00,1\n",
        "online_retail",
    )
    assert rows[0]["invoice_date"] == "2009-12-01 07:45:00"
    # Reordered into ISO but still invalid: staging will quarantine it as unparseable_date.
    assert rows[1]["invoice_date"] == "2010-31-31 8:00"
    assert rows[1]["parsed_at"] is None


def test_mall_export_day_first_dates_and_line_totals(tmp_path: Path):
    rows = _load(
        tmp_path,
        "malls.csv",
        "invoice_no,customer_id,gender,age,category,quantity,price,payment_method,invoice_date,shopping_mall\n"
        "I138884,C241288,Female,28,Clothing,5,1500.4,Credit Card,5/8/2022,Kanyon\n",
        "customer_shopping",
    )
    row = rows[0]
    assert str(row["parsed_at"]) == "2022-08-05 00:00:00"
    assert (row["product_id"], row["category"], row["line_amount"], row["unit_price"]) == (
        "Clothing",
        "Clothing",
        "1500.4",
        None,
    )
    assert (row["store_id"], row["customer_gender"], row["customer_age"]) == ("Kanyon", "Female", "28")


def test_parquet_is_read_as_text_in_contract_order(tmp_path: Path):
    source = tmp_path / "export.parquet"
    duckdb.sql(
        "select '7' as invoice_id, timestamp '2024-03-01 10:00:00' as invoice_date, 'P1' as product_id,"
        " 3 as quantity, 2.5 as unit_price"
    ).write_parquet(str(source))
    database = tmp_path / "loaded.duckdb"
    assert load(database, source, "smartcart").records == 1
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.sql("describe raw.invoice_lines").fetchall()
        row = con.sql("select quantity, unit_price, invoice_date from raw.invoice_lines").fetchall()
    assert [name for name, *_ in columns] == [*RECORD_COLUMNS, *LOAD_COLUMNS, *CONTRACT_COLUMNS]
    assert {kind for _, kind, *_ in columns[-len(CONTRACT_COLUMNS) :]} == {"VARCHAR"}
    assert row == [("3", "2.5", "2024-03-01 10:00:00")]


def test_missing_required_column_names_the_fix(tmp_path: Path):
    with pytest.raises(Exception, match=r"lacks required column\(s\) unit_price for format smartcart"):
        _load(
            tmp_path, "x.csv", "invoice_id,invoice_date,product_id,quantity\n1,2024-01-01,P,1\n", "smartcart"
        )


def test_a_database_file_named_raw_loads(tmp_path: Path):
    # DuckDB names the catalog after the file: raw.duckdb has a catalog "raw" beside schema raw.
    raw = tmp_path / "export.csv"
    raw.write_text("invoice_id,invoice_date,product_id,quantity,unit_price\n1,2024-01-01,P,1,2\n")
    assert load(tmp_path / "raw.duckdb", raw, "smartcart").records == 1


@pytest.mark.parametrize("block_chars", [7, 1 << 20])
def test_normalised_copy_plain_lines_and_csv_records_alike(tmp_path: Path, monkeypatch, block_chars: int):
    """Plain lines (split by the delimiter) and lines the csv reader parses (quotes, lines
    spanning records) give the same normalised rows and line numbers, also where a block of
    text ends inside a record or between the \\r and \\n of one line end."""
    monkeypatch.setattr(load_raw, "BLOCK_CHARS", block_chars)
    raw = tmp_path / "export.csv"
    raw.write_bytes(b'a;b\r\n1;x\r\n2;"y;\nz"\r\n\r\n3;p,q\r4\n5;"r""s"\n6;t')
    count = load_raw.normalise_text(raw, "utf-8", tmp_path / "normalised.csv")
    assert (count.records, count.unreadable, count.blank_lines) == (6, 1, 1)
    assert (tmp_path / "normalised.csv").read_text() == (
        "source_row_number,source_line_number,unreadable_reason,unreadable_detail,a,b\n"
        "1,2,,,1,x\n"
        '2,3,,,2,"y;\nz"\n'
        '3,6,,,3,"p,q"\n'
        "4,7,wrong_column_count,1 fields where the header has 2: 4,,\n"
        '5,8,,,5,"r""s"\n'
        "6,9,,,6,t\n"
    )
