"""The bad-input catalogue: damaged or unusual exports a real retailer produces, one small
generated file per case. Each case ends either in a one-line refusal naming its cause (with
the published warehouse unchanged) or in a load where every record of the file is accounted
for: loaded, or unreadable with a reason and its line number.

Loader cases run the loader alone (no dbt: fast); the build cases run the real CLI over a
stand-in published file or a tiny published warehouse; the expensive ones (killed builds,
builds refused by a failing test, plain dbt) run in the background from the session's start
(``background_fixture``) and their tests check what they left.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, background_fixture, build_command, build_env, query, run_build

from smartcart import build_warehouse
from smartcart.build_warehouse import build_path_for, leftover_processes
from smartcart.load_raw import LoadError, load

SAMPLE = REPO_ROOT / "data" / "sample" / "invoice_lines.csv.gz"
HEADER = "invoice_id,invoice_date,customer_id,product_id,quantity,unit_price"


def _lines(count: int, start: int = 0) -> list[str]:
    return [
        f"{100000 + i},2024-03-01 10:00:00,{500 + i % 7},P{i % 5},2,2.50" for i in range(start, start + count)
    ]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _loaded(tmp_path: Path, raw: Path, encoding: str = "utf-8", format_name: str = "smartcart"):
    database = tmp_path / "loaded.duckdb"
    count = load(database, raw, format_name, encoding)
    with duckdb.connect(str(database), read_only=True) as con:
        relation = con.sql("select * from raw.invoice_lines order by source_row_number")
        rows = [dict(zip(relation.columns, row)) for row in relation.fetchall()]
        (manifest_records,) = con.sql("select file_record_count from raw.load_manifest").fetchall()[0]
    # Every record of the file is a raw row; the manifest says how many the file holds.
    assert len(rows) == count.records == manifest_records
    assert count.unreadable == sum(row["unreadable_reason"] is not None for row in rows)
    return count, rows


def _refusal(tmp_path: Path, raw: Path, match: str, encoding: str = "utf-8") -> None:
    with pytest.raises(LoadError, match=match) as refused:
        load(tmp_path / "loaded.duckdb", raw, "smartcart", encoding)
    assert "\n" not in str(refused.value)


# --- Loader: the file is counted, not the reader ----------------------------------------


def test_gzip_cut_off_at_a_block_boundary_is_refused(tmp_path: Path):
    whole = gzip.compress(("\n".join([HEADER, *_lines(2000)]) + "\n").encode())
    raw = tmp_path / "cut.csv.gz"
    raw.write_bytes(whole[: len(whole) * 3 // 4])
    _refusal(tmp_path, raw, r"the gzip stream is damaged after [\d,]+ records")
    assert not (tmp_path / "loaded.duckdb.records.csv").exists()


def test_lines_starting_with_a_hash_are_records_not_comments(tmp_path: Path):
    body = _lines(18)
    body[5:5] = ["#N/A"]
    body.append("# exported by Till 3.2, 19 lines")
    count, rows = _loaded(tmp_path, _write(tmp_path / "hash.csv", "\n".join([HEADER, *body]) + "\n"))
    assert (count.records, count.unreadable) == (20, 2)
    bad = [(row["source_line_number"], row["unreadable_reason"]) for row in rows if row["unreadable_reason"]]
    assert bad == [(7, "wrong_column_count"), (21, "wrong_column_count")]
    assert "#N/A" in rows[5]["unreadable_detail"]


def test_wrong_column_count_and_broken_quoting_are_quarantined_with_their_line(tmp_path: Path):
    text = (
        "\n".join(
            [
                HEADER,
                *_lines(2),
                '100009,2024-03-01 10:00:00,5,P1,"2"x,2.50',  # text after a closing quote
                "100010,2024-03-01 10:00:00,5,P1,2,2.50,surplus",
                *_lines(2, start=20),
            ]
        )
        + "\n"
    )
    count, rows = _loaded(tmp_path, _write(tmp_path / "broken.csv", text))
    assert (count.records, count.unreadable) == (6, 2)
    assert [(row["source_line_number"], row["unreadable_reason"]) for row in rows] == [
        (2, None),
        (3, None),
        (4, "broken_quoting"),
        (5, "wrong_column_count"),
        (6, None),
        (7, None),
    ]
    assert rows[3]["unreadable_detail"].startswith("7 fields where the header has 6")
    assert rows[3]["invoice_id"] is None  # values of an unreadable record are never guessed


def test_quoted_line_breaks_are_one_record_and_line_numbers_follow_the_file(tmp_path: Path):
    text = f'{HEADER},product_name\n1,2024-03-01,5,P1,1,2,"two\nlines"\n\n2,2024-03-01,5,P1,1,2,x\n'
    count, rows = _loaded(tmp_path, _write(tmp_path / "multiline.csv", text))
    assert (count.records, count.blank_lines) == (2, 1)
    assert [row["source_line_number"] for row in rows] == [2, 5]
    assert rows[0]["product_name"] == "two\nlines"


@pytest.mark.parametrize(
    "name, text, match",
    [
        (
            "unclosed.csv",
            f'{HEADER}\n1,2024-03-01,5,"P1,1,2\n2,2024-03-01,5,P1,1,2\n',
            r"the quote opened on line 2 is never closed",
        ),
        (
            "swallowing.csv",
            f'{HEADER}\n1,2024-03-01,5,"P1,1,2\n'
            + "2,2024-03-01,5,P1,1,2\n" * 30
            + '3,2024-03-01,5,P1",1,2\n',
            r"the record starting on line 2 runs to line 33",
        ),
        ("header_only.csv", f"{HEADER}\n", r"has a header but no data rows"),
        ("repeated.csv", "invoice_id,invoice_id,x\n1,2,3\n", r"its header repeats column\(s\) invoice_id"),
        ("binary.csv", "\x00\x01\x02PK\x03\x04\x00\n\x00\x00", r"its first line holds NUL bytes"),
    ],
)
def test_files_whose_records_cannot_be_counted_are_refused(tmp_path: Path, name, text, match):
    _refusal(tmp_path, _write(tmp_path / name, text), match)


def test_a_folder_and_an_unknown_encoding_are_named(tmp_path: Path):
    _refusal(tmp_path, tmp_path, r"RAW is a folder, not a file")
    raw = _write(tmp_path / "ok.csv", "\n".join([HEADER, *_lines(1)]))
    _refusal(tmp_path, raw, r"unknown ENCODING 'klingon'", encoding="klingon")


def test_a_workbook_is_counted_from_its_xml_and_read_past_a_blank_row(tmp_path: Path):
    import openpyxl

    header = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    workbook = openpyxl.Workbook()
    sheets = [workbook.active, workbook.create_sheet("later")]
    for sheet, invoices in zip(sheets, [["1", "2", "3", None, "4", "5"], ["6"]]):
        sheet.append(header)
        for invoice in invoices:
            sheet.append([invoice, "P1", 1, "2024-03-01 10:00", 2.5, None, "UK"] if invoice else [])
    raw = tmp_path / "export.xlsx"
    workbook.save(raw)
    count, rows = _loaded(tmp_path, raw, format_name="online_retail")
    # DuckDB's reader alone stops at the first empty row: 4 of the 6 records.
    assert (count.records, count.blank_lines, count.sheets) == (6, 1, ["Sheet", "later"])
    assert [row["invoice_id"] for row in rows] == ["1", "2", "3", "4", "5", "6"]


# --- Loader: encodings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, declared",
    [("latin-1", "latin-1"), ("cp1252", "cp1252"), ("utf-16", "utf-8"), ("utf-16", "utf-16")],
)
def test_declared_or_marked_encodings_decode(tmp_path: Path, encoding, declared):
    # utf-16 declared as utf-8 (the default): its byte-order mark decides.
    text = (
        f"{HEADER},product_name\n1,2024-03-01,5,P1,1,2,Crème brûlée {'€' if encoding != 'latin-1' else '£'}\n"
    )
    count, rows = _loaded(tmp_path, _write(tmp_path / "export.csv", text, encoding), declared)
    assert count.unreadable == 0
    assert rows[0]["product_name"].startswith("Crème brûlée ")


def test_undecodable_bytes_are_quarantined_and_a_bad_header_names_the_encoding(tmp_path: Path):
    latin = _write(
        tmp_path / "latin.csv",
        f"{HEADER},product_name\n1,2024-03-01,5,P1,1,2,Café\n2,2024-03-01,5,P1,1,2,Tea\n",
        "latin-1",
    )
    count, rows = _loaded(tmp_path, latin)
    assert [row["unreadable_reason"] for row in rows] == ["undecodable_text", None]
    assert "not utf-8-sig text; set ENCODING=" in rows[0]["unreadable_detail"]
    header = _write(tmp_path / "header.csv", "Numéro,date\n1,2\n", "latin-1")
    _refusal(tmp_path, header, r"its header is not valid utf-8-sig text; set ENCODING=")


# --- Loader: formats and identifiers ----------------------------------------------------------


def test_tsv_and_semicolon_exports_are_read(tmp_path: Path):
    tsv = _write(tmp_path / "export.tsv", HEADER.replace(",", "\t") + "\n1\t2024-03-01\t5\tP1\t1\t2,50\n")
    count, rows = _loaded(tmp_path, tsv)
    assert (count.delimiter, rows[0]["unit_price"]) == ("\t", "2,50")
    semicolon = _write(tmp_path / "export.csv", HEADER.replace(",", ";") + "\n1;2024-03-01;5;P1;1;2.5\n")
    count, rows = _loaded(tmp_path, semicolon)
    assert (count.delimiter, rows[0]["product_id"]) == (";", "P1")


def test_whole_number_ids_written_as_decimals_are_the_same_id(tmp_path: Path):
    text = f"{HEADER}\n536365.0,2024-03-01,12345.0,85123.00,1,2\n536365,2024-03-01,12345,85123,1,2\n1.5,2024-03-01,C12345.0,P,1,2\n"
    _, rows = _loaded(tmp_path, _write(tmp_path / "ids.csv", text))
    assert [(row["invoice_id"], row["customer_id"], row["product_id"]) for row in rows] == [
        ("536365", "12345", "85123"),
        ("536365", "12345", "85123"),
        ("1.5", "C12345.0", "P"),
    ]


# --- Build: refusals before dbt runs (fast) ----------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line_refusal(result: subprocess.CompletedProcess, expected: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr[-2000:]
    assert len(lines) == 1, result.stderr[-2000:]
    assert expected in lines[0]
    return lines[0]


def _stand_in(directory: Path) -> Path:
    """A published warehouse that a refused build must leave byte for byte as it was."""
    directory.mkdir(exist_ok=True)
    warehouse = directory / "smartcart.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table published as select 42 as answer")
    return warehouse


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    return _stand_in(tmp_path)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--as-of", "20110630"], "AS_OF must be a date written YYYY-MM-DD"),
        (["--as-of", "2024-02-30"], "AS_OF must be a date written YYYY-MM-DD"),
        (["--as-of", "2020-01-01"], "AS_OF 2020-01-01 is before the first invoice (2024-01-01)"),
        (["--encoding", "klingon"], "unknown ENCODING 'klingon'"),
    ],
)
def test_build_refuses_bad_values_in_one_line(stand_in: Path, args, expected):
    before = _digest(stand_in)
    _one_line_refusal(run_build(*args, "--warehouse", stand_in), expected)
    assert _digest(stand_in) == before


def test_an_as_of_without_sales_in_the_days_before_it_is_refused(stand_in: Path, tmp_path: Path):
    # Every line is dated 2024-03-01; AS_OF 2024-05-30 is 90 days later (max_days_without_sales).
    raw = _write(tmp_path / "march.csv", "\n".join([HEADER, *_lines(3)]) + "\n")
    before = _digest(stand_in)
    _one_line_refusal(
        run_build("--raw", raw, "--as-of", "2024-05-30", "--warehouse", stand_in),
        "no sales in the last 90 days before AS_OF 2024-05-30 (the last invoice is dated 2024-03-01)",
    )
    assert _digest(stand_in) == before


def test_reserved_warehouse_names_are_refused(tmp_path: Path):
    result = run_build("--warehouse", tmp_path / "marts.duckdb")
    _one_line_refusal(result, "would name its DuckDB catalog 'marts'")


def test_a_read_write_holder_is_named_and_its_file_left_alone(stand_in: Path):
    before = _digest(stand_in)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
            " print('open', flush=True); time.sleep(120)",
            str(stand_in),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = run_build("--warehouse", stand_in)
    finally:
        holder.kill()
        holder.wait()
    _one_line_refusal(result, f"(PID {holder.pid}) holds {stand_in} open for writing")
    assert _digest(stand_in) == before


def test_make_passes_user_values_literally(tmp_path: Path):
    # Backticks, $(shell ...) and $ reach the build as characters: the refusal names the file.
    name = "it's $HOME `touch pwned` $(shell touch pwned).csv"
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "build",
            f"RAW={tmp_path / name}",
            f"WAREHOUSE={tmp_path / 'wh.duckdb'}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert f"raw file not found: {tmp_path / name}" in result.stderr
    assert not list(REPO_ROOT.glob("pwned")) and not list(tmp_path.glob("pwned"))


# --- Build: a tiny export published after killed builds, every record accounted for -------


def _tiny_export(path: Path, junk_share: float) -> tuple[Path, str]:
    """Every 40th line of the bundled sample (~4,000 lines over its two years), plus
    ``junk_share`` as many '#N/A' lines, a line with too few fields, a quantity 1e3, one
    customer written 12345.0 and 12345, and an invoice whose lines carry two dates (it spans
    midnight); also the date two weeks after its last invoice."""
    with gzip.open(SAMPLE, "rt") as sample:
        header = sample.readline()
        lines = [line.rstrip("\n").split(",") for i, line in enumerate(sample) if i % 40 == 0]
    column = {name: i for i, name in enumerate(header.strip().split(","))}
    last = lines[-1]
    extra = []
    for invoice, date, customer, quantity in [
        ("990001", "2024-06-01 23:59:30", "12345.0", "1"),
        ("990001", "2024-06-02 00:00:15", "12345", "2"),
        ("990002", "2024-06-03 10:00:00", "12345", "1e3"),
    ]:
        line = list(last)
        line[column["invoice_id"]], line[column["invoice_date"]] = invoice, date
        line[column["customer_id"]], line[column["quantity"]] = customer, quantity
        extra.append(line)
    body = [",".join(line) for line in lines + extra] + ["not,enough,fields"]
    body += ["#N/A"] * int(len(lines) * junk_share)
    path.write_text(header + "\n".join(body) + "\n")
    last_date = max(line[column["invoice_date"]][:10] for line in lines)
    as_of = (dt.date.fromisoformat(last_date) + dt.timedelta(days=14)).isoformat()
    return path, as_of


def _killed_build(warehouse: Path, raw: Path, signum: int, when: str) -> subprocess.Popen:
    """Start a build and send ``signum`` once its output shows ``when``; return it finished."""
    process = subprocess.Popen(
        build_command("--raw", raw, "--warehouse", warehouse),
        cwd=REPO_ROOT,
        env=build_env(warehouse.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if when in line:
            break
    process.send_signal(signum)
    process.stdout.read()
    process.wait(timeout=120)
    return process


def _stale_wal(warehouse: Path) -> None:
    """Leave a write-ahead log beside ``warehouse``, as a killed read-write session does."""
    script = (
        "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]);"
        " c.execute('create table foreign_rows as select range as n from range(100)');"
        " os.kill(os.getpid(), 9)"
    )
    subprocess.run([sys.executable, "-c", script, str(warehouse)], check=False)
    assert warehouse.with_name(warehouse.name + ".wal").exists()


@background_fixture(seconds=110)
def faults(directory: Path) -> dict:
    """Kill builds at several points, then let one recover and publish the tiny export.

    The published file is a stand-in whose name has an apostrophe and a space, with a stale
    WAL beside it; what each step left behind is recorded for the tests below."""
    warehouse = directory / "it's smartcart.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table published as select 42 as answer")
    _stale_wal(warehouse)
    raw, as_of = _tiny_export(directory / "tiny.csv", junk_share=0.02)
    building = build_path_for(warehouse)
    before = _digest(warehouse)
    steps = {}
    for name, signum, when in [
        ("SIGINT after loading", signal.SIGINT, "loaded"),
        ("SIGTERM in a Python model", signal.SIGTERM, "START python"),
        ("SIGKILL in dbt", signal.SIGKILL, "START sql"),
    ]:
        process = _killed_build(warehouse, raw, signum, when)
        time.sleep(1)
        steps[name] = {
            "returncode": process.returncode,
            "stderr": process.stderr.read().strip().splitlines(),
            "unchanged": _digest(warehouse) == before,
            "leftovers": leftover_processes(building),
            "side_files": sorted(p.name for p in directory.glob(f"{building.name}*")),
        }
    recovery = run_build("--raw", raw, "--warehouse", warehouse, "--as-of", as_of, "--no-docs")
    return {
        "steps": steps,
        "recovery": recovery,
        "warehouse": warehouse,
        "raw": raw,
        "as_of": as_of,
        "leftovers": leftover_processes(building),
        "side_files": sorted(p.name for p in directory.glob(f".{warehouse.name}*")),
    }


def test_interrupted_and_terminated_builds_stop_cleanly(faults: dict):
    for name in ("SIGINT after loading", "SIGTERM in a Python model"):
        step = faults["steps"][name]
        assert step["returncode"] == 130, name
        assert step["stderr"] == [
            f"smartcart: build interrupted; published warehouse unchanged: {faults['warehouse']}"
        ], name
        assert step["unchanged"] and step["leftovers"] == [] and step["side_files"] == [], name


# A Ctrl-C that lands inside subprocess.Popen, after the fork: a signal one of DuckDB's threads
# receives runs Python's handler in the main thread whatever that thread's signal mask, so the
# build process cannot hold it back with a mask. Fault injection in a process of its own: Popen
# is the real one, and the signal comes while it returns.
INTERRUPT_WHILE_DBT_STARTS = """
import os, signal, subprocess, sys, threading, time
from pathlib import Path
from smartcart import build_warehouse

real_popen, started = subprocess.Popen, []

def popen_then_interrupt(*args, **kwargs):
    started.append(real_popen(*args, **kwargs))
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)  # Python's handler runs here, inside "Popen"
    return started[0]

subprocess.Popen = popen_then_interrupt
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()  # as DuckDB's threads
signal.signal(signal.SIGINT, build_warehouse._on_interrupt)
try:
    build_warehouse.run_dbt(Path(sys.argv[1]), [["--version"]], None)
except KeyboardInterrupt:
    print("interrupted; dbt", "running" if started[0].poll() is None else "stopped")
"""


def test_an_interrupt_while_dbt_starts_stops_the_dbt_it_started(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_DBT_STARTS, tmp_path / "w.duckdb"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1:] == ["interrupted; dbt stopped"], result.stderr[-2000:]


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_process_group_of_exited_processes_is_not_waited_for():
    """dbt's resource tracker outlives dbt and, once exited, waits for PID 1 to reap it (seconds
    in a container): the build stops waiting for dbt's group when only such zombies are left,
    and still waits while a process of it runs."""
    exited = subprocess.Popen(["true"], start_new_session=True)
    running = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while _state(exited.pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(exited.pid, 0)  # the group of the unreaped process is still there
        alive = build_warehouse._group_alive
        assert (alive(exited.pid), alive(running.pid)) == (False, True)
    finally:
        running.kill()
        running.wait()
        exited.wait()


def test_a_killed_build_never_touches_the_published_file_and_the_next_recovers(faults: dict):
    step = faults["steps"]["SIGKILL in dbt"]
    assert step["returncode"] == -signal.SIGKILL
    assert step["unchanged"]
    recovery = faults["recovery"]
    assert recovery.returncode == 0, recovery.stderr[-3000:]
    assert "a write-ahead log left by a killed session" in recovery.stdout
    assert faults["leftovers"] == [] and faults["side_files"] == []
    warehouse = faults["warehouse"]
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    tables = {row[0] for row in query(warehouse, "select table_name from information_schema.tables")}
    assert "published" not in tables and "foreign_rows" not in tables


def test_every_record_of_the_tiny_export_is_accounted_for(faults: dict):
    warehouse, raw = faults["warehouse"], faults["raw"]
    file_records = len(raw.read_text().splitlines()) - 1
    rows = query(warehouse, "select sum(line_count), max(raw_line_count) from marts.load_reconciliation")
    assert rows == [(file_records, file_records)]
    junk = raw.read_text().count("#N/A")
    quarantined = dict(
        query(
            warehouse,
            "select rejection_reason, count(*) from marts.quarantined_invoice_lines group by all",
        )
    )
    assert quarantined["wrong_column_count"] == junk + 1
    (line, detail) = query(
        warehouse,
        "select source_line_number, rejection_detail from marts.quarantined_invoice_lines"
        " where rejection_detail like '3 fields%'",
    )[0]
    assert raw.read_text().splitlines()[line - 1] == "not,enough,fields"
    assert detail == "3 fields where the header has 19: not,enough,fields"
    assert query(
        warehouse,
        "select rejection_reason from marts.quarantined_invoice_lines where quantity_text = '1e3'",
    ) == [("unparseable_number",)]


def test_the_tiny_export_keeps_one_customer_and_one_order_across_midnight(faults: dict):
    warehouse = faults["warehouse"]
    assert query(
        warehouse, "select customer_id from marts.dim_customers where customer_id like '12345%'"
    ) == [("12345",)]
    assert query(warehouse, "select count(*) from marts.fct_orders where invoice_id = '990001'") == [(1,)]
    assert query(warehouse, "select cast(as_of_date as varchar) from intermediate.int_as_of_date") == [
        (faults["as_of"],)
    ]


@background_fixture(seconds=40)
def refused_builds(directory: Path) -> dict[str, dict]:
    """Two exports whose build a failing dbt test refuses, built at the same time, each over a
    stand-in published file: one mostly rejected (10% '#N/A' lines), and one with an invoice id
    reused for another sale (a till whose numbering restarted: one order of fct_orders would
    merge them and give one customer's lines to the other). What each printed, and whether its
    published file was left as it was."""
    reused = _lines(40) + ["100003,2024-03-20 10:00:00,999,P1,1,2.50"]  # 100003: customer 503 on 2024-03-01
    raws = {
        "mostly rejected": _tiny_export(directory / "junk.csv", junk_share=0.10)[0],
        "reused invoice": _write(directory / "reused.csv", "\n".join([HEADER, *reused]) + "\n"),
    }
    started = {}
    for number, (name, raw) in enumerate(raws.items()):
        warehouse = _stand_in(directory / str(number))
        process = subprocess.Popen(
            build_command("--raw", raw, "--warehouse", warehouse, "--no-docs"),
            cwd=REPO_ROOT,
            env=build_env(warehouse.parent),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started[name] = (process, warehouse, _digest(warehouse))
    refused = {}
    for name, (process, warehouse, before) in started.items():
        stdout, stderr = process.communicate()
        refused[name] = {
            "result": subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr),
            "raw": raws[name],
            "unchanged": _digest(warehouse) == before,
        }
    return refused


def test_a_mostly_rejected_export_is_refused_with_its_share_and_reasons(refused_builds: dict):
    refused = refused_builds["mostly rejected"]
    line = _one_line_refusal(refused["result"], "are rejected, more than the 5% limit")
    rejected, records, share = re.search(r"([\d,]+) of ([\d,]+) records \(([\d.]+)%\)", line).groups()
    rejected, records = int(rejected.replace(",", "")), int(records.replace(",", ""))
    text = refused["raw"].read_text()
    assert records == len(text.splitlines()) - 1
    assert share == f"{100 * rejected / records:.1f}" and rejected > 0.05 * records
    # The '#N/A' lines and the line with three fields, the largest reason, named first.
    assert f"top reasons: wrong_column_count {text.count('#N/A') + 1:,}" in line
    assert refused["unchanged"]


def test_an_invoice_id_reused_for_another_sale_is_refused(refused_builds: dict):
    refused = refused_builds["reused invoice"]
    line = _one_line_refusal(refused["result"], "dbt nodes failed")
    assert "assert_invoice_ids_are_not_reused" in line
    assert refused["unchanged"]


# --- Plain dbt ---------------------------------------------------------------------------------


def _plain_dbt(cwd: Path, directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``dbt run`` as a user types it (the profile's own path unless ``env`` sets one)."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "run",
            "--select",
            "int_as_of_date",
            "--project-dir",
            str(REPO_ROOT),
            "--profiles-dir",
            str(REPO_ROOT),
            "--target-path",
            str(directory / "target"),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


@background_fixture(seconds=25)
def plain_dbt_runs(directory: Path) -> dict[str, subprocess.CompletedProcess]:
    """``dbt run`` on a fresh clone (the build file holds no export yet), and from another
    folder that has a warehouse/ folder of its own, where the profile's relative path would
    create a database."""
    env = {key: value for key, value in os.environ.items() if key != "SMARTCART_DB_PATH"}
    fresh_clone = _plain_dbt(
        REPO_ROOT, directory, {**env, "SMARTCART_DB_PATH": str(directory / "empty.duckdb")}
    )
    (directory / "warehouse").mkdir()
    return {"fresh clone": fresh_clone, "another folder": _plain_dbt(directory, directory, env)}


def test_plain_dbt_without_a_loaded_build_file_stops_in_one_line(plain_dbt_runs: dict):
    result = plain_dbt_runs["fresh clone"]
    assert result.returncode != 0
    said = [line for line in result.stdout.splitlines() if "smartcart:" in line]
    assert len(said) == 1 and "holds no loaded export: run `make build` first" in said[0]
    assert "Traceback" not in result.stdout + result.stderr
    result = plain_dbt_runs["another folder"]
    assert result.returncode != 0
    assert "smartcart: run dbt from the project folder" in result.stdout
