"""Load a retailer's invoice-line export into ``raw.invoice_lines`` of a DuckDB file.

Text exports (CSV, TSV, gzipped or not) are counted before anything is loaded, by a strict
reader that shares none of DuckDB's sniffing: the gzip stream is verified to its end, the
text is decoded with the declared ENCODING, and records are split with one explicit dialect
(the header's delimiter, ``"`` quotes escaped by doubling, no comment character); a line
without a quote is split with plain string operations, which give exactly what the csv module
would at a quarter of its cost (``_write_plain_records``), every other one by the csv module. Every
record becomes one raw row: a readable one with its values, an unreadable one (wrong column
count, broken quoting, undecodable bytes) with a reason and its line number, which staging
quarantines. ``raw.load_manifest`` keeps the file's record count, so the reconciliation
starts from the file, not from what a reader returned. Parquet files are counted from their
metadata; Excel ``.xlsx`` workbooks (every sheet, in order) are counted from their sheets' XML by
the standard library's streaming parser and read by DuckDB's reader, past any blank row.

Every load has a ``load_id``; each raw line keeps it with the file name and load time. A full
load replaces the raw data; ``--append`` adds the file to what the database already holds
(its row numbers continue after the last loaded line), and refuses a file whose content was
loaded before.

Mapping is textual only (renames, constants, reordering date parts): nothing is cast here,
so a bad value reaches staging unchanged and is quarantined there with a reason.

    smartcart-load --raw export.csv --format online_retail --database wh.duckdb

Every failure is a ``LoadError`` whose message is one line naming the problem and the fix.

Besides ``load``, the steps another engine's loader reuses (smartcart/spark_warehouse.py) are
public: ``check_raw_path``, ``text_suffix``, ``normalise_text`` (the strict count and the
normalised copy) and ``select_list`` (the contract columns as SQL, in a ``Dialect``).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import gzip
import hashlib
import io
import itertools
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
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
# fine: both engines parse 2010-12-1 8:26). A malformed date stays malformed, for the quarantine.
# Each rewrite is SQL in a ``Dialect`` (DuckDB's or Spark's), so a format is defined once.
_SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})"
# Excel stores datetimes as day numbers since 1899-12-30 (read_xlsx gives them as text).
_DAY_NUMBER = r"\s*\d+(\.\d+)?\s*"


def month_first_to_iso(dialect: Dialect, column: str) -> str:
    return dialect.regexp_replace(column, _SLASH_DATE, "{3}-{1}-{2}")


def day_first_to_iso(dialect: Dialect, column: str) -> str:
    return dialect.regexp_replace(column, _SLASH_DATE, "{3}-{2}-{1}")


def excel_serial_to_iso(dialect: Dialect, column: str) -> str:
    """An Excel day number becomes ISO text to the second; anything else is left to
    ``month_first_to_iso``."""
    seconds = f"cast(round(cast({column} as double) * 86400) as bigint)"
    return (
        f"case when {dialect.full_match(column, _DAY_NUMBER)} then"
        f" {dialect.excel_day_seconds_to_iso.replace('{}', seconds)}"
        f" else {month_first_to_iso(dialect, column)} end"
    )


@dataclass(frozen=True)
class Mapping:
    """How one contract column is filled from an export.

    ``sources`` are accepted header names (first present wins); ``rewrite`` turns the quoted
    source column into SQL of a ``Dialect`` (``None``: taken as it is); ``constant`` fills the
    column when the export has no such field.
    """

    sources: tuple[str, ...] = ()
    required: bool = False
    rewrite: Callable[[Dialect, str], str] | None = None
    constant: str | None = None


def _smartcart_format() -> dict[str, Mapping]:
    required = {"invoice_id", "invoice_date", "product_id", "quantity", "unit_price"}
    return {column: Mapping(sources=(column,), required=column in required) for column in CONTRACT_COLUMNS}


FORMATS: dict[str, dict[str, Mapping]] = {
    "smartcart": _smartcart_format(),
    # UCI Online Retail (InvoiceNo/UnitPrice/CustomerID) and Online Retail II
    # (Invoice/Price/Customer ID): one online store, no payment, discount or cost.
    "online_retail": {
        "invoice_id": Mapping(("InvoiceNo", "Invoice"), required=True),
        "invoice_date": Mapping(("InvoiceDate",), required=True, rewrite=excel_serial_to_iso),
        "customer_id": Mapping(("CustomerID", "Customer ID")),
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
        "invoice_date": Mapping(("invoice_date",), required=True, rewrite=day_first_to_iso),
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


def load_wheel_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load a DuckDB extension from its ``duckdb-ext-<name>`` wheel (never downloaded)."""
    import duckdb_ext

    directory = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    con.execute(f"set extension_directory = {quote_literal(str(directory))}")
    con.execute(f"load {name}")


# Reasons a record of a text export cannot be read; staging quarantines the record with it
# (codes and texts: seed rejection_reasons).
WRONG_COLUMN_COUNT = "wrong_column_count"
BROKEN_QUOTING = "broken_quoting"
UNDECODABLE_TEXT = "undecodable_text"
UNREADABLE_REASONS = (WRONG_COLUMN_COUNT, BROKEN_QUOTING, UNDECODABLE_TEXT)

# File name endings read as delimited text, with their delimiter (None: the header's).
TEXT_TYPES = {".csv": None, ".txt": None, ".tsv": "\t"}
# The delimiters a header is tried with, most likely first.
DELIMITERS = (",", ";", "\t", "|")
# A quoted field may hold a few line breaks; a record spanning more lines than this is a quote
# opened by mistake that swallowed the lines after it.
MAX_RECORD_LINES = 20
# Columns the loader adds in front of the export's own in its normalised copy.
RECORD_COLUMNS = ("source_row_number", "source_line_number", "unreadable_reason", "unreadable_detail")


@dataclass
class FileCount:
    """What a strict read of the file found: ``records`` = loaded + ``unreadable``."""

    records: int = 0
    unreadable: int = 0
    blank_lines: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    header: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)


def text_suffix(path: Path) -> str | None:
    """The text-export suffix of ``path`` (``.csv``, ``.tsv`` or ``.txt``, gzipped or not; a key
    of TEXT_TYPES), or None for any other file (Parquet, Excel)."""
    name = path.name.lower().removesuffix(".gz")
    return next((suffix for suffix in TEXT_TYPES if name.endswith(suffix)), None)


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _encoding_for(binary, encoding: str) -> str:
    """The codec to decode with: a UTF-16 or UTF-8 byte-order mark decides over the utf-8
    default; any other declared encoding is used as given."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as error:
        raise LoadError(
            f"unknown ENCODING {encoding!r}; use a Python codec name such as utf-8, latin-1, cp1252 or utf-16"
        ) from error
    if codec != "utf-8":
        return encoding
    start = binary.peek(4)[:4]
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _header_dialect(path: Path, line: str, encoding: str) -> tuple[str, list[str]]:
    """The delimiter (declared by the file type, else the header's most frequent candidate)
    and the header's column names; a header that cannot be one fails in one line."""
    if "\x00" in line:
        raise LoadError(
            f"cannot read {path}: its first line holds NUL bytes, so it is a binary file or "
            "UTF-16 text without a byte-order mark (then set ENCODING=utf-16)"
        )
    if "\ufffd" in line:
        raise LoadError(
            f"cannot read {path}: its header is not valid {encoding} text; set ENCODING= to "
            "the export's encoding (e.g. ENCODING=latin-1, cp1252 or utf-16)"
        )
    delimiter = TEXT_TYPES[text_suffix(path)] or max(DELIMITERS, key=line.count)
    header = next(csv.reader([line], delimiter=delimiter, strict=True), [])
    names = [name.strip() or f"column{i}" for i, name in enumerate(header)]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LoadError(f"cannot read {path}: its header repeats column(s) {', '.join(repeated)}")
    return delimiter, names


# Text is read in blocks of this many characters and split into lines (_Lines).
BLOCK_CHARS = 1 << 20


class _Lines:
    """The physical lines of a text stream, each with its ending (``\\n``, ``\\r\\n`` or ``\\r``;
    never another Unicode break), read in blocks; ``number`` counts the lines taken so far.
    The csv reader takes lines one at a time (iteration); ``take_plain`` takes at once the run
    of lines ahead that csv parsing would split exactly as ``str.split`` does."""

    def __init__(self, text: io.TextIOBase):
        self._text = text
        self._carry = ""  # the start of a line the last block cut
        self._block: list[str] = []
        self._next = 0
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._next == len(self._block) and not self._fill():
            raise StopIteration
        self._next += 1
        self.number += 1
        return self._block[self._next - 1]

    def _fill(self) -> bool:
        """Read the next block of whole lines; False at the end of the text."""
        lines: list[str] = []
        while not lines:
            chunk = self._text.read(BLOCK_CHARS)
            if not chunk:
                lines, self._carry = [self._carry] if self._carry else [], ""
                break
            chunk = self._carry + chunk
            # After the last line break, but never between the \r and \n of one.
            cut = max(chunk.rfind("\n"), chunk.rfind("\r", 0, len(chunk) - 1)) + 1
            self._carry = chunk[cut:]
            lines = io.StringIO(chunk[:cut], newline="").readlines()
        self._block, self._next = lines, 0
        return bool(lines)

    def take_plain(self) -> list[str]:
        """Take the lines ahead up to the first that holds a quote, a NUL, an undecodable
        character or more characters than the csv module's field limit (the csv reader reads
        that one: it may span lines, or be unreadable); empty at that line or the end."""
        if self._next == len(self._block) and not self._fill():
            return []
        block, start, limit = self._block, self._next, csv.field_size_limit()
        end = start
        for line in itertools.islice(block, start, None):
            if '"' in line or "\x00" in line or "\ufffd" in line or len(line) > limit:
                break
            end += 1
        self._next = end
        self.number += end - start
        return block[start:end]


def _wrong_column_count(fields: int, width: int, text: str) -> str:
    return f"{fields} fields where the header has {width}: {text[:200]}"


def _write_records(path: Path, encoding: str, count: FileCount, out: io.TextIOBase) -> None:
    """Write every record of a delimited text file to ``out`` as a normalised row
    (RECORD_COLUMNS, then the header's columns), after a header; unreadable records are
    written with their reason and no values. Fills ``count``.

    Lines without a quote are split by the delimiter and written as they are (with ``,``
    between fields), which is what the csv reader and writer would make of them at a fraction
    of the cost; every other record goes through the csv reader."""
    with _open_binary(path) as binary:
        count.encoding = _encoding_for(binary, encoding)
        # Undecodable bytes become U+FFFD, so the record they are in can be quarantined.
        # newline="": records end at \n, \r\n or \r only, never at other Unicode breaks.
        lines = _Lines(io.TextIOWrapper(binary, encoding=count.encoding, errors="replace", newline=""))
        first = next(lines, "")
        count.delimiter, count.header = _header_dialect(path, first.rstrip("\r\n"), count.encoding)
        delimiter, width = count.delimiter, len(count.header)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*RECORD_COLUMNS, *count.header])
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        empty = [""] * width
        while True:
            plain = lines.take_plain()
            if plain:
                _write_plain_records(plain, lines.number - len(plain), count, writer, out)
                continue
            first_line = lines.number + 1
            reason = detail = None
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "unexpected end of data" in str(error):
                    raise LoadError(
                        f"cannot read {path}: the quote opened on line {first_line} is never "
                        "closed, so the rest of the file cannot be split into records; fix the quoting"
                    ) from error
                reason, detail, fields = BROKEN_QUOTING, f"line {first_line}: {error}", empty
            last_line = lines.number
            if not fields:
                count.blank_lines += 1
                continue
            if last_line - first_line >= MAX_RECORD_LINES:
                raise LoadError(
                    f"cannot read {path}: the record starting on line {first_line} runs to line "
                    f"{last_line}, so a quote opened there swallows the lines after it; fix the quoting"
                )
            if reason is None and len(fields) != width:
                reason = WRONG_COLUMN_COUNT
                detail = _wrong_column_count(len(fields), width, delimiter.join(fields))
                fields = empty
            elif reason is None and "\ufffd" in "".join(fields):
                reason = UNDECODABLE_TEXT
                detail = (
                    f"bytes that are not {count.encoding} text; set ENCODING= to the export's "
                    "encoding (e.g. latin-1, cp1252 or utf-16)"
                )
            count.records += 1
            count.unreadable += reason is not None
            writer.writerow([str(count.records), str(first_line), reason or "", detail or "", *fields])


def _write_plain_records(plain: list[str], line: int, count: FileCount, writer, out: io.TextIOBase) -> None:
    """``_write_records`` for lines without a quote (``_Lines.take_plain``), the first of
    which follows line number ``line``: a blank line is no record; a line is one record."""
    delimiter, width = count.delimiter, len(count.header)
    rows = []
    for text in plain:
        line += 1
        body = text.rstrip("\r\n")
        if not body:
            count.blank_lines += 1
            continue
        count.records += 1
        fields = body.count(delimiter) + 1
        if fields != width:
            count.unreadable += 1
            detail = _wrong_column_count(fields, width, body)
            out.write("".join(rows))
            rows = []
            writer.writerow([str(count.records), str(line), WRONG_COLUMN_COUNT, detail, *[""] * width])
        elif delimiter == ",":
            rows.append(f"{count.records},{line},,,{body}\n")
        elif "," in body:
            out.write("".join(rows))
            rows = []
            writer.writerow([str(count.records), str(line), "", "", *body.split(delimiter)])
        else:
            rows.append(f"{count.records},{line},,,{body.replace(delimiter, ',')}\n")
    out.write("".join(rows))


def normalise_text(path: Path, encoding: str, normalised: Path) -> FileCount:
    """Write every record of ``path`` to ``normalised`` (UTF-8, one plain dialect) and return
    the count; a damaged gzip stream or an uncountable file fails in one line."""
    count = FileCount()
    try:
        with normalised.open("w", encoding="utf-8", newline="") as out:
            _write_records(path, encoding, count, out)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise LoadError(
            f"cannot read {path}: the gzip stream is damaged after {count.records:,} records "
            f"({error}); nothing was loaded - compress or download the export again"
        ) from error
    return count


# Names in a workbook's XML (Office Open XML, SpreadsheetML).
SHEET_XML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _count_workbook(path: Path) -> FileCount:
    """A workbook's records, counted from the XML of its sheets by the standard library's
    streaming parser, not by the reader that loads them: every row of every sheet, in workbook
    order, after its header row (the first with a value); a row without a value is a blank
    line. openpyxl would do the same about six times slower."""
    count = FileCount()
    try:
        with zipfile.ZipFile(path) as workbook:
            book = ElementTree.fromstring(workbook.read("xl/workbook.xml"))
            relationships = ElementTree.fromstring(workbook.read("xl/_rels/workbook.xml.rels"))
            targets = {rel.get("Id"): rel.get("Target") for rel in relationships.iter(PACKAGE_RELATIONSHIP)}
            for sheet in book.iter(f"{SHEET_XML}sheet"):
                count.sheets.append(sheet.get("name"))
                target = targets[sheet.get(RELATIONSHIP_ID)]
                with workbook.open(target.lstrip("/") if target.startswith("/") else f"xl/{target}") as xml:
                    _count_sheet_rows(xml, count)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
        raise LoadError(f"cannot read {path}: not a valid .xlsx workbook ({error})") from error
    return count


def _count_sheet_rows(xml: BinaryIO, count: FileCount) -> None:
    """Add a sheet's records and blank lines to ``count``; rows a sheet leaves out of its XML
    (numbers ``r`` skips) are blank lines too."""
    header_seen = False
    rows = None
    last_number = 0
    for event, element in ElementTree.iterparse(xml, events=("start", "end")):
        if event == "start":
            if element.tag == f"{SHEET_XML}sheetData":
                rows = element
            continue
        if element.tag != f"{SHEET_XML}row":
            continue
        has_value = any(
            cell.find(f"{SHEET_XML}v") is not None or cell.find(f"{SHEET_XML}is") is not None
            for cell in element
        )
        rows.clear()  # the rows read so far: memory stays flat
        number = int(element.get("r", last_number + 1))
        if header_seen:
            count.blank_lines += number - last_number - 1
        last_number = number
        if has_value and header_seen:
            count.records += 1
        elif has_value:
            header_seen = True
        else:
            count.blank_lines += 1


def _reader_sqls(con: duckdb.DuckDBPyConnection, path: Path, normalised: Path, count: FileCount) -> list[str]:
    """DuckDB table expressions reading the export with every column as text, one per part
    (a workbook has one per sheet), in file order. A text export is read from its normalised
    copy with the one dialect it was written in, no sniffing."""
    name = path.name.lower()
    location = quote_literal(str(path))
    if count.header:
        columns = ", ".join(
            f"{quote_literal(column)}: 'varchar'" for column in (*RECORD_COLUMNS, *count.header)
        )
        return [
            f"read_csv({quote_literal(str(normalised))}, header = true, auto_detect = false,"
            f" delim = ',', quote = '\"', escape = '\"', strict_mode = true,"
            f" columns = {{{columns}}})"
        ]
    if name.endswith(".parquet"):
        return [f"(select columns(*)::varchar from read_parquet({location}))"]
    if name.endswith(".xlsx"):
        load_wheel_extension(con, "excel")
        # Every row to the sheet's end (DuckDB stops at the first empty row by default), but
        # the empty ones (no cell with a value).
        return [
            f"(select * from read_xlsx({location}, sheet = {quote_literal(sheet)}, header = true,"
            " all_varchar = true, stop_at_empty = false) where list_count([*columns(*)]) > 0)"
            for sheet in count.sheets
        ]
    raise LoadError(
        f"cannot read {path}: unsupported file type; give a .csv, .tsv (gzipped or not), "
        ".parquet or .xlsx file"
    )


# Identifiers a spreadsheet turned into numbers (12345.0) are the same as 12345, in every format.
ID_COLUMNS = ("invoice_id", "customer_id", "product_id", "store_id")
_WHOLE_NUMBER = r"^\s*([0-9]+)\.0+\s*$"


@dataclass(frozen=True)
class Dialect:
    """The SQL spelling the select list is written in: DuckDB's (the default) or Spark's
    (smartcart/spark_warehouse.py). ``regex_literal`` writes a regular expression as a string
    literal the engine passes through unchanged; ``backreference`` is group ``{}`` in a
    replacement; ``full_match`` tests a whole value; ``excel_day_seconds_to_iso`` turns whole
    seconds since 1899-12-30 into ``YYYY-MM-DD HH:MM:SS``."""

    quote_identifier: Callable[[str], str] = quote_identifier
    text_type: str = "varchar"
    regex_literal: Callable[[str], str] = quote_literal
    backreference: str = "\\{}"
    full_match: Callable[[str, str], str] = lambda column, pattern: (
        f"regexp_full_match({column}, {quote_literal(pattern)})"
    )
    excel_day_seconds_to_iso: str = "strftime(timestamp '1899-12-30' + to_seconds({}), '%Y-%m-%d %H:%M:%S')"

    def regexp_replace(self, column: str, pattern: str, replacement: str) -> str:
        """``column`` with ``pattern``'s first match replaced; ``{n}`` in ``replacement`` is group n."""
        groups = replacement.format(*(self.backreference.format(n) for n in range(10)))
        return f"regexp_replace({column}, {self.regex_literal(pattern)}, {quote_literal(groups)})"


def select_list(format_name: str, header: list[str], dialect: Dialect = Dialect()) -> list[str]:
    """The contract columns as SQL over an export with columns ``header``."""
    mappings = FORMATS[format_name]
    present = set(header)
    select = []
    missing = []
    for column in CONTRACT_COLUMNS:
        mapping = mappings.get(column, Mapping())
        source = next((s for s in mapping.sources if s in present), None)
        if source is not None:
            expression = dialect.quote_identifier(source)
            if mapping.rewrite is not None:
                expression = mapping.rewrite(dialect, expression)
            if column in ID_COLUMNS:
                expression = dialect.regexp_replace(expression, _WHOLE_NUMBER, "{1}")
            select.append(f"nullif(trim({expression}), '') as {column}")
        elif mapping.constant is not None:
            select.append(f"{quote_literal(mapping.constant)} as {column}")
        elif mapping.required:
            missing.append(" or ".join(mapping.sources))
        else:
            select.append(f"cast(null as {dialect.text_type}) as {column}")
    if missing:
        raise LoadError(
            f"the file lacks required column(s) {', '.join(missing)} for format "
            f"{format_name}; its header is {', '.join(header)} - check FORMAT"
        )
    return select


def check_raw_path(raw_path: Path) -> None:
    """Refuse, in one line, a RAW that is a folder, missing or empty."""
    if raw_path.is_dir():
        raise LoadError(f"RAW is a folder, not a file: {raw_path}; give the export file")
    if not raw_path.is_file():
        raise LoadError(f"raw file not found: {raw_path}; check the RAW path")
    if raw_path.stat().st_size == 0:
        raise LoadError(f"raw file is empty: {raw_path}; export it again")


def _record_columns(count: FileCount, offset: str) -> list[str]:
    """SQL for the loader's own columns (RECORD_COLUMNS) over the reader's rows; row numbers
    start after ``offset`` (SQL for the last row number already loaded)."""
    if count.header:
        return [
            f"{offset} + cast(source_row_number as bigint)",
            "cast(source_line_number as bigint)",
            "nullif(unreadable_reason, '')",
            "nullif(unreadable_detail, '')",
        ]
    # Parts (workbook sheets) are appended in order; row numbers continue across them.
    return [f"{offset} + row_number() over ()", "null", "null", "null"]


# Load columns every raw line carries, after the loader's RECORD_COLUMNS, with their types.
LOAD_COLUMNS = {"load_id": "bigint", "source_file": "varchar", "loaded_at": "timestamp with time zone"}
MANIFEST_COLUMNS = (
    "load_id bigint, raw_table varchar, source_file varchar, file_name varchar,"
    " file_sha256 varchar, file_format varchar, file_encoding varchar, file_delimiter varchar,"
    " file_record_count bigint, unreadable_record_count bigint, blank_line_count bigint,"
    " first_row_number bigint, loaded_at timestamp with time zone, load_seconds double"
)
# History carried from the previously published warehouse (smartcart/build_warehouse.py fills
# them; empty in a file loaded on its own): the columns of the history marts of the same
# names.
HISTORY_TABLES = {
    "load_history": (
        "load_id bigint, source_file varchar, file_name varchar, file_sha256 varchar,"
        " file_format varchar, loaded_at timestamp with time zone, as_of_date date,"
        " line_count bigint, accepted_line_count bigint, rejected_line_count bigint,"
        " rejected_by_reason varchar, load_seconds double"
    ),
    "build_history": (
        "build_id bigint, built_at timestamp with time zone, as_of_date date, build_mode varchar,"
        " last_load_id bigint, smartcart_version varchar, model_count bigint, seed_count bigint,"
        " data_test_count bigint, unit_test_count bigint, tests_passed bigint,"
        " tests_warned bigint, tests_failed bigint, build_seconds double,"
        " models_evaluated_as_of date, code_fingerprint varchar"
    ),
    "forecast_history": (
        "build_id bigint, as_of_date date, series_level varchar, series_id varchar,"
        " measure varchar, model_name varchar, forecast_date date, horizon_day bigint,"
        " horizon_bucket varchar, is_closed boolean, forecast decimal(18,4),"
        " lower_80 decimal(18,4), upper_80 decimal(18,4), lower_95 decimal(18,4),"
        " upper_95 decimal(18,4), naive_forecast decimal(18,4), backtest_mae decimal(18,4),"
        " backtest_wape decimal(18,4), backtest_mase decimal(18,4), backtest_bias decimal(18,4),"
        " backtest_coverage_80 decimal(18,4), backtest_coverage_95 decimal(18,4)"
    ),
    "segment_history": (
        "build_id bigint, as_of_date date, cluster_id integer, segment_name varchar,"
        " customer_count integer, share_of_customers double, mean_recency_days double,"
        " mean_frequency double, mean_monetary double, mean_avg_order_value double,"
        " mean_return_rate double, mean_tenure_days double"
    ),
    "prediction_history": (
        "build_id bigint, as_of_date date, customer_id varchar, churn_probability double,"
        " churn_risk_band varchar, churn_model_name varchar, churn_window_days integer,"
        " expected_orders_90d double, expected_revenue_90d decimal(18,4), value_model_name varchar"
    ),
}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as binary:
        for block in iter(lambda: binary.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _create_raw_tables(con, catalog: str, append: bool) -> None:
    """The raw tables: replaced by a full load, kept (and checked) by an append."""
    columns = ", ".join(f"{column} varchar" for column in CONTRACT_COLUMNS)
    con.execute(f"create schema if not exists {catalog}.raw")
    for name, history_columns in HISTORY_TABLES.items():
        con.execute(f"create table if not exists {catalog}.raw.{name} ({history_columns})")
    if append:
        loaded = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_catalog = ?"
                " and table_schema = 'raw' and table_name = 'load_manifest'",
                [catalog.strip('"').replace('""', '"')],
            ).fetchall()
        }
        if "load_id" not in loaded:
            raise LoadError(
                "cannot append: the published warehouse has no load history (it was built before "
                "append mode or never built); run a full `make build RAW=...` first"
            )
        return
    con.execute(
        f"create or replace table {catalog}.raw.invoice_lines (source_row_number bigint,"
        f" source_line_number bigint, unreadable_reason varchar, unreadable_detail varchar,"
        f" {', '.join(f'{name} {kind}' for name, kind in LOAD_COLUMNS.items())}, {columns})"
    )
    con.execute(f"create or replace table {catalog}.raw.load_manifest ({MANIFEST_COLUMNS})")


def _refuse_loaded_twice(con, catalog: str, raw_path: Path, sha256: str) -> None:
    earlier = con.execute(
        f"select load_id, source_file, loaded_at from {catalog}.raw.load_manifest where file_sha256 = ?",
        [sha256],
    ).fetchall()
    if earlier:
        load_id, source_file, loaded_at = earlier[0]
        raise LoadError(
            f"{raw_path.name} was already loaded as load {load_id} ({source_file}, "
            f"{loaded_at:%Y-%m-%d %H:%M}): same content; nothing was loaded"
        )


def _next_load_id(con, catalog: str) -> int:
    """One more than any load in this file or in the history carried into it."""
    return con.execute(
        f"select coalesce(greatest((select max(load_id) from {catalog}.raw.load_manifest),"
        f" (select max(load_id) from {catalog}.raw.load_history)), 0) + 1"
    ).fetchall()[0][0]


def _write_manifest(
    con,
    catalog: str,
    load_id: int,
    raw_path: Path,
    format_name: str,
    count: FileCount,
    sha256: str,
    first_row: int,
    started: float,
) -> None:
    con.execute(
        f"insert into {catalog}.raw.load_manifest select ?, 'invoice_lines', ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, loaded_at, ? from (select max(loaded_at) as loaded_at"
        f" from {catalog}.raw.invoice_lines where load_id = ?)",
        [
            load_id,
            str(raw_path),
            raw_path.name,
            sha256,
            format_name,
            count.encoding,
            count.delimiter,
            count.records,
            count.unreadable,
            count.blank_lines,
            first_row,
            round(time.monotonic() - started, 3),
            load_id,
        ],
    )


def load(
    database: Path, raw_path: Path, format_name: str, encoding: str = "utf-8", append: bool = False
) -> FileCount:
    """Replace ``raw.invoice_lines`` and ``raw.load_manifest`` in ``database`` with
    ``raw_path`` (``append``: add it as one more load); return the file's count (every record
    is a raw row, readable or not)."""
    started = time.monotonic()
    if format_name not in FORMATS:
        raise LoadError(f"unknown format {format_name!r}; use one of {', '.join(sorted(FORMATS))}")
    check_raw_path(raw_path)
    database.parent.mkdir(parents=True, exist_ok=True)
    normalised = database.with_name(database.name + ".records.csv")
    try:
        if text_suffix(raw_path):
            count = normalise_text(raw_path, encoding, normalised)
        elif raw_path.name.lower().endswith(".xlsx"):
            count = _count_workbook(raw_path)
        else:
            count = FileCount()
        return _load_into(database, raw_path, format_name, normalised, count, append, started)
    finally:
        normalised.unlink(missing_ok=True)


def _load_into(
    database: Path,
    raw_path: Path,
    format_name: str,
    normalised: Path,
    count: FileCount,
    append: bool,
    started: float,
) -> FileCount:
    sha256 = file_sha256(raw_path)
    with duckdb.connect(str(database)) as con:
        # Qualified by catalog: a file named raw.duckdb has a catalog called raw too.
        catalog = quote_identifier(con.sql("select current_database()").fetchall()[0][0])
        table = f"{catalog}.raw.invoice_lines"
        _create_raw_tables(con, catalog, append)
        _refuse_loaded_twice(con, catalog, raw_path, sha256)
        load_id = _next_load_id(con, catalog)
        (first_row,) = con.sql(f"select coalesce(max(source_row_number), 0) from {table}").fetchall()[0]
        offset = f"(select coalesce(max(source_row_number), 0) from {table})"
        load_values = (f"{load_id}", quote_literal(raw_path.name), "current_timestamp")
        for reader in _reader_sqls(con, raw_path, normalised, count):
            try:
                header = [row[0] for row in con.sql(f"describe select * from {reader}").fetchall()]
            except duckdb.Error as error:
                first_line = str(error).strip().splitlines()[0]
                raise LoadError(f"cannot read {raw_path}: {first_line}") from error
            select = ",\n    ".join(
                _record_columns(count, offset) + list(load_values) + select_list(format_name, header)
            )
            con.execute(f"insert into {table}\nselect\n    {select}\nfrom {reader}")
        rows = con.sql(f"select count(*) from {table} where load_id = {load_id}").fetchall()[0][0]
        if raw_path.name.lower().endswith(".parquet"):
            count.records = con.sql(
                f"select sum(num_rows) from parquet_file_metadata({quote_literal(str(raw_path))})"
            ).fetchall()[0][0]
        if rows != count.records:
            raise LoadError(
                f"cannot load {raw_path}: the file holds {count.records:,} records but "
                f"{rows:,} were read; nothing was published"
            )
        if rows == 0:
            raise LoadError(f"raw file has a header but no data rows: {raw_path}")
        _write_manifest(con, catalog, load_id, raw_path, format_name, count, sha256, first_row + 1, started)
    return count


def describe(count: FileCount, raw_path: Path) -> str:
    """One line on what was loaded: the file's records, and the unreadable ones among them."""
    unreadable = f" ({count.unreadable:,} unreadable, quarantined)" if count.unreadable else ""
    return f"{count.records:,} records{unreadable} from {raw_path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="export file to load")
    parser.add_argument("--format", default="smartcart", help=" | ".join(sorted(FORMATS)))
    parser.add_argument("--encoding", default="utf-8", help="text encoding of a .csv/.tsv export")
    parser.add_argument("--database", type=Path, required=True, help="DuckDB file to load into")
    parser.add_argument("--append", action="store_true", help="add the file as one more load")
    args = parser.parse_args(argv)
    try:
        count = load(args.database, args.raw, args.format, args.encoding, args.append)
    except LoadError as error:
        print(f"smartcart: {error}", file=sys.stderr)
        return 2
    print(f"loaded {describe(count, args.raw)} into raw.invoice_lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
