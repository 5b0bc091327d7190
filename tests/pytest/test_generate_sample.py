"""The bundled sample: reproducible from smartcart-generate-sample, on the raw contract,
and structured enough for the models that learn from it."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT

from smartcart import generate_sample

GENERATE = [sys.executable, "-m", "smartcart.generate_sample"]
SAMPLE = REPO_ROOT / "data" / "sample" / "invoice_lines.csv.gz"

HEADER = (
    "invoice_id,invoice_date,customer_id,product_id,product_name,category,quantity,"
    "unit_price,discount_amount,unit_cost,store_id,store_name,region,channel,payment_method,"
    "country,customer_gender,customer_age,customer_signup_date"
)
TIMESTAMP = "try_strptime(invoice_date, '%Y-%m-%d %H:%M:%S')"

# Dirty kind -> predicate on the raw text (empty fields are read as null).
DIRTY_ROWS = {
    "unparseable_date": f"invoice_date is not null and {TIMESTAMP} is null",
    "missing_date": "invoice_date is null",
    "future_date": f"{TIMESTAMP} >= timestamp '2026-01-01'",
    "unparseable_quantity": "quantity is not null and try_cast(quantity as integer) is null",
    "unparseable_price": ("unit_price is not null and try_cast(unit_price as decimal(12, 2)) is null"),
    "missing_product": "product_id is null",
    "missing_invoice_id": "invoice_id is null",
    "zero_quantity": "quantity = '0'",
    "nonpositive_price": (
        "try_cast(quantity as integer) > 0 and try_cast(unit_price as decimal(12, 2)) <= 0"
        " and product_id is distinct from 'B'"
    ),
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """``raw``: the sample as text; ``lines``: its parseable lines in 2024-2025, typed."""
    connection = duckdb.connect()
    connection.execute(
        f"create table raw as select * from read_csv('{SAMPLE}', header = true, "
        "delim = ',', quote = '\"', all_varchar = true)"
    )
    connection.execute(
        f"""
        create table lines as
        select
            *,
            {TIMESTAMP} as invoiced_at,
            try_cast(quantity as integer) as qty,
            try_cast(unit_price as decimal(12, 2)) as price,
            try_cast(discount_amount as decimal(12, 2)) as discount,
            qty * price - discount as net
        from raw
        where invoice_id is not null and product_id is not null
          and invoiced_at < timestamp '2026-01-01' and qty is not null and price is not null
        """
    )
    yield connection
    connection.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.sql(sql).fetchone()[0]


def test_regenerating_gives_the_committed_bytes(tmp_path: Path) -> None:
    output = tmp_path / "invoice_lines.csv.gz"
    subprocess.run([*GENERATE, "--output", str(output)], check=True, capture_output=True)
    assert output.read_bytes() == SAMPLE.read_bytes()


def test_header_is_the_raw_contract() -> None:
    with gzip.open(SAMPLE, "rt", encoding="ascii", newline="") as sample:
        assert sample.readline() == HEADER + "\n"


def test_sample_is_small_enough_to_commit() -> None:
    assert SAMPLE.stat().st_size < 15 * 1024 * 1024


def test_population(con) -> None:
    assert scalar(con, "select count(distinct customer_id) from lines") >= 2000
    assert scalar(con, "select count(distinct category) from lines") >= 6
    assert scalar(con, "select count(distinct payment_method) from lines") >= 3


def test_stores_and_online_shop(con) -> None:
    stores, regions = con.sql(
        "select count(distinct store_id), count(distinct region) from lines where channel = 'store'"
    ).fetchone()
    assert stores >= 5
    assert regions >= 3
    assert scalar(con, "select count(*) from lines where store_id = 'ONLINE' and channel = 'online'") > 0


def test_two_full_calendar_years(con) -> None:
    first, last = con.sql("select min(invoiced_at)::date, max(invoiced_at)::date from lines").fetchone()
    assert (str(first), str(last)) == ("2024-01-01", "2025-12-31")
    months = scalar(con, "select count(distinct date_trunc('month', invoiced_at)) from lines")
    assert months == 24


def test_fourth_quarter_peak(con) -> None:
    share = scalar(con, "select sum(net) filter (where quarter(invoiced_at) = 4) / sum(net) from lines")
    assert share > 0.30


def test_stores_closed_on_christmas_and_new_year(con) -> None:
    assert (
        scalar(
            con,
            "select count(*) from lines where channel = 'store' and strftime(invoiced_at, '%m-%d')"
            " in ('12-25', '01-01')",
        )
        == 0
    )


def test_promotions_returns_cancellations_and_adjustments(con) -> None:
    assert scalar(con, "select count(*) from lines where discount > 0") > 0
    assert scalar(con, "select count(*) from lines where qty < 0") > 0
    prefixes = {row[0] for row in con.sql("select distinct left(invoice_id, 1) from lines").fetchall()}
    assert {"C", "R", "A"} <= prefixes
    assert (
        scalar(
            con,
            "select count(*) from lines where invoice_id like 'A%' and (product_id <> 'B' or price >= 0)",
        )
        == 0
    )


def test_returns_follow_a_purchase_of_the_product(con) -> None:
    unmatched = scalar(
        con,
        """
        select count(*) from lines as r
        where r.invoice_id like 'R%' and not exists (
            select 1 from lines as s
            where regexp_matches(s.invoice_id, '^[0-9]') and s.customer_id = r.customer_id
              and s.product_id = r.product_id and s.invoiced_at < r.invoiced_at
        )
        """,
    )
    returns = scalar(con, "select count(*) from lines where invoice_id like 'R%'")
    assert returns > 0
    assert unmatched <= 0.01 * returns  # a dirty row may have spoiled the original line


def test_signup_is_not_after_the_first_purchase(con) -> None:
    assert (
        scalar(
            con,
            """
        select count(*) from (
            select min(customer_signup_date::date) as signed_up, min(invoiced_at)::date as first_day
            from lines where customer_id is not null group by customer_id
        ) where signed_up > first_day
        """,
        )
        == 0
    )


@pytest.mark.parametrize("kind", sorted(DIRTY_ROWS))
def test_dirty_rows_of_each_kind(con, kind: str) -> None:
    assert scalar(con, f"select count(*) from raw where {DIRTY_ROWS[kind]}") >= 10


def test_exact_duplicate_lines(con) -> None:
    repeats = scalar(
        con,
        "select sum(copies - 1) from (select *, count(*) as copies from raw group by all) where copies > 1",
    )
    assert repeats >= 10


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="ascii", newline="") as export:
        return export.read().splitlines(keepends=True)


def test_daily_files_are_the_export_cut_by_day(tmp_path: Path) -> None:
    """--daily-from: the history file plus one file per later day with lines are
    the one export's lines in its order, each day's lines in its own file, and the invoice
    ids run on across the files: none is in two files (make daily then loads them all)."""
    window = ("--customers", "40", "--start", "2024-01-01", "--end", "2024-03-31")
    whole = tmp_path / "whole.csv"
    history = tmp_path / "history.csv.gz"
    assert generate_sample.main([*window, "--output", str(whole)]) == 0
    assert generate_sample.main([*window, "--output", str(history), "--daily-from", "2024-03-20"]) == 0
    days = sorted((tmp_path / "daily").iterdir())
    assert {day.name for day in days} <= {f"invoice_lines_2024-03-{d}.csv.gz" for d in range(20, 32)}
    files = [history, *days]
    header, *lines = read_lines(whole)
    parts = [read_lines(path) for path in files]
    assert {part[0] for part in parts} == {header}
    assert all(len(part) > 1 for part in parts)  # no file without lines: make daily would refuse it
    assert [line for part in parts for line in part[1:]] == lines
    with duckdb.connect() as con:
        con.execute(
            "create table lines as select * from read_csv(?, header = true, all_varchar = true,"
            " filename = true)",
            [[str(path) for path in files]],
        )
        # Every line of a daily file is of its day (but the spoilt dates); the history ends before.
        misplaced = scalar(
            con,
            f"""
            select count(*) from lines
            where {TIMESTAMP} is not null and {TIMESTAMP} < timestamp '2099-01-01'
              and case
                  when filename like '%history%' then {TIMESTAMP} >= timestamp '2024-03-20'
                  else strftime({TIMESTAMP}, '%Y-%m-%d') <> regexp_extract(filename, '\\d{{4}}-\\d{{2}}-\\d{{2}}')
              end
            """,
        )
        in_two_files = scalar(
            con,
            "select count(*) from (select invoice_id from lines where invoice_id is not null"
            " group by invoice_id having count(distinct filename) > 1)",
        )
        daily_lines = scalar(con, "select count(*) from lines where filename not like '%history%'")
    assert (misplaced, in_two_files) == (0, 0)
    assert daily_lines > 0


@pytest.mark.parametrize(
    "arguments",
    [("--daily-from", "2023-12-31"), ("--daily-from", "2025-01-01"), ("--daily-dir", "days")],
)
def test_daily_files_need_a_day_of_the_window(tmp_path: Path, capsys, arguments: tuple[str, str]) -> None:
    with pytest.raises(SystemExit) as exit_status:
        generate_sample.main(
            ["--start", "2024", "--end", "2024", "--output", str(tmp_path / "x.csv"), *arguments]
        )
    assert exit_status.value.code == 2
    assert ": error: --daily-" in capsys.readouterr().err.splitlines()[-1]
    assert not (tmp_path / "x.csv").exists()
