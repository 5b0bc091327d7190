"""Load a retailer's invoice-line export into ``raw.invoice_lines`` of a DuckDB file.

The file is read by DuckDB's own readers (CSV, gzipped CSV, Parquet, and every sheet of an
Excel ``.xlsx`` workbook, in order) with every column as text, then mapped onto the SmartCart raw contract (README, "Raw contract"). Mapping is
textual only (renames, constants, reordering date parts): nothing is cast here, so a bad
value reaches staging unchanged and is quarantined there with a reason, never lost.

    python scripts/load_raw.py --raw export.csv --format online_retail --database wh.duckdb

Every failure is a ``LoadError`` whose message is one line naming the problem and the fix.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import duckdb

# The raw contract, in column order. Every column is text; staging casts.
CONTRACT_COLUMNS = (
    "invoice_id",
    "invoice_date",
    "customer_id",
    "product_id",
    "product_name",
    "category",
    "quantity",
    "unit_price",
    "line_amount",
    "discount_amount",
    "unit_cost",
    "store_id",
    "store_name",
    "region",
    "channel",
    "payment_method",
    "country",
    "customer_gender",
    "customer_age",
    "customer_signup_date",
)

# Date parts written day/month/year or month/day/year become ISO text (unpadded parts are
# fine: DuckDB parses 2010-12-1 8:26). A malformed date stays malformed, for the quarantine.
_SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})"
MONTH_FIRST_TO_ISO = f"regexp_replace({{}}, '{_SLASH_DATE}', '\\3-\\1-\\2')"
# Excel stores datetimes as day numbers since 1899-12-30 (read_xlsx gives them as text);
# such a number becomes ISO text to the second, anything else is left to the other rewrites.
EXCEL_SERIAL_TO_ISO = (
    "case when regexp_full_match({}, '\\s*\\d+(\\.\\d+)?\\s*') then strftime(timestamp '1899-12-30'"
    " + to_seconds(cast(round(cast({} as double) * 86400) as bigint)), '%Y-%m-%d %H:%M:%S')"
    f" else {MONTH_FIRST_TO_ISO} end"
)
DAY_FIRST_TO_ISO = f"regexp_replace({{}}, '{_SLASH_DATE}', '\\3-\\2-\\1')"


@dataclass(frozen=True)
class Mapping:
    """How one contract column is filled from an export.

    ``sources`` are accepted header names (first present wins); ``template`` wraps the
    quoted source column (written as ``{}``); ``constant`` fills the column when the export has no such field.
    """

    sources: tuple[str, ...] = ()
    required: bool = False
    template: str = "{}"
    constant: str | None = None


def _smartcart_format() -> dict[str, Mapping]:
    required = {"invoice_id", "invoice_date", "product_id", "quantity", "unit_price"}
    return {
        column: Mapping(sources=(column,), required=column in required)
        for column in CONTRACT_COLUMNS
    }


FORMATS: dict[str, dict[str, Mapping]] = {
    "smartcart": _smartcart_format(),
    # UCI Online Retail (InvoiceNo/UnitPrice/CustomerID) and Online Retail II
    # (Invoice/Price/Customer ID): one online store, no payment, discount or cost.
    "online_retail": {
        "invoice_id": Mapping(("InvoiceNo", "Invoice"), required=True),
        "invoice_date": Mapping(("InvoiceDate",), required=True, template=EXCEL_SERIAL_TO_ISO),
        "customer_id": Mapping(
            ("CustomerID", "Customer ID"), template=r"regexp_replace({}, '\.0+$', '')"
        ),
        "product_id": Mapping(("StockCode",), required=True),
        "product_name": Mapping(("Description",)),
        "quantity": Mapping(("Quantity",), required=True),
        "unit_price": Mapping(("UnitPrice", "Price"), required=True),
        "country": Mapping(("Country",)),
        "store_id": Mapping(constant="ONLINE"),
        "store_name": Mapping(constant="Online store"),
        "channel": Mapping(constant="online"),
    },
    # Mall point-of-sale export: price is the line total, no product code (the category is
    # the product), day/month/year dates, malls are stores.
    "customer_shopping": {
        "invoice_id": Mapping(("invoice_no",), required=True),
        "invoice_date": Mapping(("invoice_date",), required=True, template=DAY_FIRST_TO_ISO),
        "customer_id": Mapping(("customer_id",)),
        "product_id": Mapping(("category",), required=True),
        "product_name": Mapping(("category",)),
        "category": Mapping(("category",)),
        "quantity": Mapping(("quantity",), required=True),
        "line_amount": Mapping(("price",), required=True),
        "store_id": Mapping(("shopping_mall",), required=True),
        "store_name": Mapping(("shopping_mall",)),
        "channel": Mapping(constant="store"),
        "payment_method": Mapping(("payment_method",)),
        "customer_gender": Mapping(("gender",)),
        "customer_age": Mapping(("age",)),
    },
}


class LoadError(Exception):
    """A problem with the input, stated in one line with its fix."""


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _xlsx_sheets(path: Path) -> list[str]:
    """Sheet names of an .xlsx workbook, in workbook order."""
    try:
        with zipfile.ZipFile(path) as workbook:
            root = ElementTree.fromstring(workbook.read("xl/workbook.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
        raise LoadError(f"cannot read {path}: not a valid .xlsx workbook ({error})") from error
    namespace = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return [sheet.get("name") for sheet in root.iter(f"{namespace}sheet")]


def load_wheel_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a DuckDB extension from its ``duckdb-ext-<name>`` wheel (never downloaded)."""
    import duckdb_ext

    directory = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    con.execute(f"set extension_directory = {quote_literal(str(directory))}")
    con.execute(f"load {name}")


def _reader_sqls(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """DuckDB table expressions reading ``path`` with every column as text, one per part
    (a workbook has one per sheet), in file order."""
    name = path.name.lower()
    location = quote_literal(str(path))
    if name.endswith((".csv", ".csv.gz", ".txt", ".txt.gz")):
        return [f"read_csv({location}, header = true, all_varchar = true)"]
    if name.endswith(".parquet"):
        return [f"(select columns(*)::varchar from read_parquet({location}))"]
    if name.endswith(".xlsx"):
        load_wheel_extension(con, "excel")
        return [
            f"read_xlsx({location}, sheet = {quote_literal(sheet)}, header = true, all_varchar = true)"
            for sheet in _xlsx_sheets(path)
        ]
    raise LoadError(
        f"cannot read {path}: unsupported file type; give a .csv, .csv.gz, .parquet or .xlsx file"
    )


def _select_list(format_name: str, header: list[str]) -> list[str]:
    """The contract columns as SQL over an export with columns ``header``."""
    mappings = FORMATS[format_name]
    present = set(header)
    select = []
    missing = []
    for column in CONTRACT_COLUMNS:
        mapping = mappings.get(column, Mapping())
        source = next((s for s in mapping.sources if s in present), None)
        if source is not None:
            expression = mapping.template.replace("{}", quote_identifier(source))
            select.append(f"nullif(trim({expression}), '') as {column}")
        elif mapping.constant is not None:
            select.append(f"{quote_literal(mapping.constant)} as {column}")
        elif mapping.required:
            missing.append(" or ".join(mapping.sources))
        else:
            select.append(f"cast(null as varchar) as {column}")
    if missing:
        raise LoadError(
            f"the file lacks required column(s) {', '.join(missing)} for format "
            f"{format_name}; its header is {', '.join(header)} - check FORMAT"
        )
    return select


def load(database: Path, raw_path: Path, format_name: str) -> int:
    """Replace ``raw.invoice_lines`` in ``database`` with ``raw_path``; return its row count."""
    if format_name not in FORMATS:
        raise LoadError(
            f"unknown format {format_name!r}; use one of {', '.join(sorted(FORMATS))}"
        )
    if not raw_path.is_file():
        raise LoadError(f"raw file not found: {raw_path}; check the RAW path")
    if raw_path.stat().st_size == 0:
        raise LoadError(f"raw file is empty: {raw_path}; export it again")
    columns = ", ".join(f"{column} varchar" for column in CONTRACT_COLUMNS)
    with duckdb.connect(str(database)) as con:
        # Qualified by catalog: a file named raw.duckdb has a catalog called raw too.
        catalog = quote_identifier(con.sql("select current_database()").fetchall()[0][0])
        table = f"{catalog}.raw.invoice_lines"
        con.execute(f"create schema if not exists {catalog}.raw")
        con.execute(f"create or replace table {table} (source_row_number bigint, {columns})")
        for reader in _reader_sqls(con, raw_path):
            try:
                header = [row[0] for row in con.sql(f"describe select * from {reader}").fetchall()]
            except duckdb.Error as error:
                first_line = str(error).strip().splitlines()[0]
                raise LoadError(f"cannot read {raw_path}: {first_line}") from error
            select = ",\n    ".join(_select_list(format_name, header))
            # Parts (workbook sheets) are appended in order; row numbers continue across them.
            con.execute(
                f"insert into {table}\nselect\n"
                f"    (select count(*) from {table}) + row_number() over (),\n"
                f"    {select}\nfrom {reader}"
            )
        rows = con.sql(f"select count(*) from {table}").fetchall()[0][0]
    if rows == 0:
        raise LoadError(f"raw file has a header but no data rows: {raw_path}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="export file to load")
    parser.add_argument("--format", default="smartcart", help=" | ".join(sorted(FORMATS)))
    parser.add_argument("--database", type=Path, required=True, help="DuckDB file to load into")
    args = parser.parse_args(argv)
    try:
        rows = load(args.database, args.raw, args.format)
    except LoadError as error:
        print(f"smartcart: {error}", file=sys.stderr)
        return 2
    print(f"loaded {rows:,} lines from {args.raw} into raw.invoice_lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
