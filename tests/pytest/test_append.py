"""Append mode and history: a small generated export split into a history file and a daily
file. The history is built once; then, at the same time, ``make daily``'s inbox runner
appends the daily file (with the end of the history re-sent, and the history file itself
lying in the inbox again) and a full build of history + daily replaces a second copy. The
appended warehouse ends with the marts of the full build; re-sent data is refused or
quarantined, never counted twice; the history marts survive the full rebuild; the first
build's forecasts are scored against the days the daily file brought.

Three builds of a 60-customer export, ``--no-docs``, the last two in parallel, in the
background from the session's start (``background_fixture``). A reader holds the appended copy
open while the daily runner publishes it, as a notebook or a BI tool would.

On the real Online Retail file (../shared/data, skipped when absent): its last two months
appended month by month onto the months before them give the marts of the session's full
build of the file; a month-by-month append of all nine months would cost nine real builds
(minutes of CI), so two are appended.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import (
    ONLINE_RETAIL,
    REPO_ROOT,
    background_fixture,
    build_command,
    build_env,
    query,
    run_build,
    shared_file,
)

from smartcart import build_warehouse
from smartcart.compare_warehouses import compare

DAILY = [sys.executable, "-m", "smartcart.daily"]  # smartcart-daily, what make daily runs

# Marts that differ between the two ways by design: the history marts hold one row per load
# and build, and the append run's re-sent lines are quarantined (checked on their own below).
HISTORY_MARTS = {"load_history", "build_history"}
# And, between builds of different as-of dates, the archives of every build and what scores them.
ARCHIVE_MARTS = {
    "forecast_history",
    "forecast_observations",
    "forecast_tracking",
    "segment_history",
    "prediction_history",
    "churn_band_tracking",
    "model_drift",
}
# The real Online Retail file's last months, appended one by one onto the months before them.
APPENDED_MONTHS = ("2011-07", "2011-08")
RESENT_MARTS = {"quarantined_invoice_lines", "load_reconciliation"}
RESENT_LINES = 25
# Days of lines after the history in the short append (fewer than var model_evaluation_days).
SHORT_DAYS = 3
# Two of the row tests of fct_sales_lines that read the lines the build validated
# (`where: __lines_validated_by_this_build__`, macros/get_where_subquery.sql).
SCOPED_TESTS = {
    "quantity": "expression_is_true_fct_sales_lines_quantity__quantity_0",
    "net_amount": "expression_is_true_fct_sales_lines_net_amount__net_amount_gross_amount_coalesce_discount_amount_0_",
}

pytestmark = pytest.mark.build


def _exports(folder: Path) -> dict[str, Path]:
    """History (the first 60% of the lines, up to mid-September, so that the first build's
    90-day churn window has closed by the daily file's end), the daily file (the rest, with
    the history's last lines re-sent), and both as one file."""
    folder.mkdir()
    generated = folder / "generated.csv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "smartcart.generate_sample",
            *("--customers", "60", "--start", "2024", "--end", "2024", "--output", str(generated)),
        ],
        check=True,
        capture_output=True,
    )
    header, *lines = generated.read_text().splitlines(keepends=True)
    split = int(len(lines) * 0.6)
    while lines[split] == lines[split - 1]:  # the generator writes a duplicate right after its line
        split += 1
    date_field = header.split(",").index("invoice_date")
    days = [_date_or_none(row[date_field][:10]) for row in csv.reader(lines)]
    short_end = max(day for day in days[:split] if day) + dt.timedelta(days=SHORT_DAYS)
    parts = {
        "history": lines[:split],
        "day1": lines[split:] + lines[split - RESENT_LINES : split],
        "whole": lines,
        # The days just after the history: an append within model_evaluation_days of it.
        "short": [line for line, day in zip(lines[split:], days[split:]) if day and day <= short_end],
    }
    files = {}
    for name, part in parts.items():
        files[name] = folder / f"{name}.csv"
        files[name].write_text(header + "".join(part))
    return files


def _date_or_none(text: str) -> dt.date | None:
    """The date, or None for the generator's unparseable ones (such as a 13th month)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    return con.sql("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]


@background_fixture(seconds=150)
def runs(directory: Path) -> dict:
    """The history built once; then, in parallel, the daily runner over an inbox (the history
    file again, the daily file, a file with a header and no lines) on one copy, with a reader
    holding that copy open all along, and a full build of the whole export on another."""
    exports = _exports(directory / "exports")
    history, appended, rebuilt, short = (
        directory / name / "smartcart.duckdb" for name in ("history", "appended", "rebuilt", "short")
    )
    history.parent.mkdir()
    # With the unit tests, which the later builds of the same code then leave out.
    run_build("--raw", exports["history"], "--warehouse", history, "--no-docs", check=True, unit_tests=True)
    for copy in (appended, rebuilt, short):
        copy.parent.mkdir()
        shutil.copyfile(history, copy)
    inbox = appended.parent / "inbox"
    inbox.mkdir()
    shutil.copyfile(exports["history"], inbox / "a_history.csv")
    shutil.copyfile(exports["day1"], inbox / "b_day1.csv")
    (inbox / "c_empty.csv").write_text("invoice_id,invoice_date\n")
    (inbox / "notes.md").write_text("not an export")
    daily = [
        *DAILY,
        "--inbox",
        str(inbox),
        "--warehouse",
        str(appended),
        "--no-docs",
    ]
    commands = {
        "daily": (daily, appended.parent),
        "rebuild": (
            build_command("--raw", exports["whole"], "--warehouse", rebuilt, "--no-docs"),
            rebuilt.parent,
        ),
        "short": (
            build_command("--raw", exports["short"], "--warehouse", short, "--no-docs", "--mode", "append"),
            short.parent,
        ),
    }
    with duckdb.connect(str(appended), read_only=True) as reader:
        reader_as_of = [_as_of(reader)]
        started = {
            name: subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=build_env(folder, unit_tests=True),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, (command, folder) in commands.items()
        }
        results = {name: process.communicate() + (process.returncode,) for name, process in started.items()}
        reader_as_of.append(_as_of(reader))
    for name in ("rebuild", "short"):
        if results[name][2] != 0:
            pytest.fail(f"{name} build failed:\n{results[name][0][-3000:]}\n{results[name][1][-3000:]}")
    return {
        "exports": exports,
        "history": history,
        "appended": appended,
        "rebuilt": rebuilt,
        "short": short,
        "short_output": results["short"][0],
        "rebuild_output": results["rebuild"][0],
        "inbox": inbox,
        "daily": results["daily"],
        "reader_as_of": reader_as_of,
    }


def test_appended_marts_equal_one_full_build(runs):
    differences = [
        line
        for line in compare(runs["rebuilt"], runs["appended"])
        if line.split(":")[0].removeprefix("marts.") not in HISTORY_MARTS | RESENT_MARTS
    ]
    assert differences == []


def test_incremental_models_of_the_append_equal_a_full_refresh(runs):
    """The append built int_invoice_lines_validated, fct_sales_lines, fct_orders,
    int_sales_lines_attributed and int_sales_periods_aggregated incrementally (the history's
    lines keep the first build's validation) and they hold the full build's rows, value for
    value (the two marts also in the comparison above). The load columns of the validated and
    attributed lines differ by design (one load against two), and the re-sent lines exist only
    in the append."""
    appended, rebuilt = runs["appended"], runs["rebuilt"]
    validated_by = query(
        appended,
        "select load_id, validated_in_load_id, count(*) from intermediate.int_invoice_lines_validated"
        " group by all order by all",
    )
    assert [row[:2] for row in validated_by] == [(1, 1), (1, 2), (2, 2)]
    # The history lines validated again are the copies the daily file re-sent.
    assert validated_by[1][2] == RESENT_LINES
    # The history's lines keep the first build's attribution; the append attributed its own.
    attributed_by = query(
        appended,
        "select attributed_in_load_id, count(*) from intermediate.int_sales_lines_attributed"
        " group by all order by all",
    )
    assert [load for load, _ in attributed_by] == [1, 2]
    load_columns = "load_id, first_load_id, validated_in_load_id, source_line_number"
    lines = (
        f"select * exclude ({load_columns}) from {{}}.intermediate.int_invoice_lines_validated"
        " where rejection_reason is distinct from 'already_loaded'"
    )
    with duckdb.connect() as con:
        for alias, path in (("appended", appended), ("rebuilt", rebuilt)):
            con.execute(f"attach '{path}' as {alias} (read_only)")
        selects = {
            "intermediate.int_invoice_lines_validated": lines,
            "marts.fct_sales_lines": "select * from {}.marts.fct_sales_lines",
            "marts.fct_orders": "select * from {}.marts.fct_orders",
            "intermediate.int_sales_lines_attributed": (
                "select * exclude (attributed_in_load_id) from {}.intermediate.int_sales_lines_attributed"
            ),
            "intermediate.int_sales_periods_aggregated": "select * from {}.intermediate.int_sales_periods_aggregated",
        }
        for model, select in selects.items():
            (only_appended, only_rebuilt, rows) = con.sql(
                f"select (select count(*) from ({select.format('appended')} except all {select.format('rebuilt')})),"
                f" (select count(*) from ({select.format('rebuilt')} except all {select.format('appended')})),"
                f" (select count(*) from ({select.format('rebuilt')}))"
            ).fetchall()[0]
            assert (model, only_appended, only_rebuilt) == (model, 0, 0) and rows > 0


def _validated_lines(latest: bool) -> str:
    """The fct_sales_lines ids the latest build validated (or not)."""
    validated = "intermediate.int_invoice_lines_validated"
    return (
        f"invoice_line_id {'in' if latest else 'not in'} (select invoice_line_id from {validated}"
        f" where validated_in_load_id = (select max(validated_in_load_id) from {validated}))"
    )


def test_an_append_tests_the_lines_it_validated_and_a_full_build_every_line(runs, tmp_path):
    """The row tests of the line-level models read the lines the build validated: after the
    short append, a broken history line (validated by the first build, which tested it) is
    not read again and passes, a broken line the append validated fails; in a copy of the
    full history build, which validated every line, the same broken history line fails."""
    appended, full = (tmp_path / name / "smartcart.duckdb" for name in ("appended", "full"))
    for source, copy in ((runs["short"], appended), (runs["history"], full)):
        copy.parent.mkdir()
        shutil.copyfile(source, copy)
    with duckdb.connect(str(appended)) as con:
        lines = "select min(invoice_line_id) from marts.fct_sales_lines where {}"
        (old_line,) = con.sql(lines.format(_validated_lines(latest=False))).fetchall()[0]
        (new_line,) = con.sql(lines.format(_validated_lines(latest=True))).fetchall()[0]
        con.execute(f"update marts.fct_sales_lines set quantity = 0 where invoice_line_id = {old_line}")
        con.execute(
            f"update marts.fct_sales_lines set net_amount = net_amount + 1 where invoice_line_id = {new_line}"
        )
    with duckdb.connect(str(full)) as con:
        con.execute(f"update marts.fct_sales_lines set quantity = 0 where invoice_line_id = {old_line}")
    dbt = [str(Path(sys.executable).with_name("dbt")), "test", "--select", *SCOPED_TESTS.values()]
    started = [
        subprocess.Popen(
            [*dbt, "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)],
            cwd=database.parent,
            env={**build_env(database.parent), **build_warehouse.dbt_profile_environment(database)},
            stdout=subprocess.DEVNULL,
        )
        for database in (appended, full)
    ]
    for process in started:
        process.wait()
    statuses = []
    for database in (appended, full):
        results = json.loads((database.parent / "target" / "run_results.json").read_text())["results"]
        by_name = {result["unique_id"].split(".")[2]: result["status"] for result in results}
        statuses.append({column: by_name[name] for column, name in SCOPED_TESTS.items()})
    assert statuses == [
        {"quantity": "pass", "net_amount": "fail"},
        {"quantity": "fail", "net_amount": "pass"},
    ]


def test_resent_lines_are_quarantined_not_counted(runs):
    appended, rebuilt = runs["appended"], runs["rebuilt"]
    outcomes = "select outcome, line_count, gross_amount from marts.load_reconciliation"
    appended_outcomes = {row[0]: row[1:] for row in query(appended, outcomes)}
    rebuilt_outcomes = {row[0]: row[1:] for row in query(rebuilt, outcomes)}
    assert appended_outcomes.pop("rejected: already_loaded")[0] == RESENT_LINES
    assert appended_outcomes == rebuilt_outcomes
    # Every raw line counted once: the loads' records add up to the raw table, ids unique.
    (lines, ids, records) = query(
        appended,
        "select count(*), count(distinct source_row_number),"
        " (select sum(file_record_count) from raw.load_manifest) from raw.invoice_lines",
    )[0]
    assert lines == ids == records


def test_load_and_build_history_balance_and_survive_a_full_rebuild(runs):
    appended, rebuilt = runs["appended"], runs["rebuilt"]
    history = (
        "select load_id, file_name, line_count, accepted_line_count, rejected_line_count,"
        " rejected_by_reason from marts.load_history order by load_id"
    )
    appended_loads = query(appended, history)
    assert [row[:2] for row in appended_loads] == [(1, "history.csv"), (2, "b_day1.csv")]
    raw_lines = dict(query(appended, "select load_id, count(*) from raw.invoice_lines group by load_id"))
    for load_id, _, lines, accepted, rejected, _ in appended_loads:
        assert lines == raw_lines[load_id] == accepted + rejected
    # The daily file's own bad lines keep their reasons; the re-sent ones are already_loaded.
    reasons = dict(reason.split(": ") for reason in appended_loads[1][5].split(", "))
    assert reasons["already_loaded"] == str(RESENT_LINES)
    # The full rebuild carries the first load as recorded and adds its own.
    rebuilt_loads = query(rebuilt, history)
    assert rebuilt_loads[0] == appended_loads[0]
    assert rebuilt_loads[1][:2] == (2, "whole.csv")
    builds = (
        "select build_id, build_mode, last_load_id, tests_failed from marts.build_history order by build_id"
    )
    assert query(appended, builds) == [(1, "full", 1, 0), (2, "append", 2, 0)]
    assert query(rebuilt, builds) == [(1, "full", 1, 0), (2, "full", 2, 0)]


# What an append within model_evaluation_days keeps from the published build.
EVALUATIONS = (
    "intermediate.forecast_backtest_results",
    "intermediate.prediction_backtest_results",
    "intermediate.segmentation_search_results",
)


def test_an_append_within_the_evaluation_days_keeps_the_evaluations(runs):
    """The short append (SHORT_DAYS after the history) keeps the history build's backtests and
    choice of k, row for row, runs no unit tests or seeds, and says so in build_history; the
    models they chose are applied to its data: the forecasts start after its own as-of date.
    The daily file, months long, was evaluated anew (its marts equal the full build's)."""
    history, short = runs["history"], runs["short"]
    (history_as_of,) = query(history, "select as_of_date from intermediate.int_as_of_date")[0]
    (short_as_of,) = query(short, "select as_of_date from intermediate.int_as_of_date")[0]
    assert 0 < (short_as_of - history_as_of).days < 7
    assert f"keeping the model evaluations as of {history_as_of}" in runs["short_output"]
    builds = (
        "select build_mode, as_of_date, models_evaluated_as_of, seed_count, unit_test_count, data_test_count > 0"
        " from marts.build_history order by build_id"
    )
    assert query(short, builds)[1:] == [("append", short_as_of, history_as_of, 0, 0, True)]
    assert query(runs["appended"], builds)[-1][1] == query(runs["appended"], builds)[-1][2]
    with duckdb.connect() as con:
        for alias, path in (("history", history), ("short", short)):
            con.execute(f"attach '{path}' as {alias} (read_only)")
        for table in EVALUATIONS:
            differing = con.sql(
                f"select count(*) from ((from history.{table} except all from short.{table})"
                f" union all (from short.{table} except all from history.{table}))"
            ).fetchall()[0][0]
            assert (table, differing) == (table, 0)
    (first_forecast,) = query(short, "select min(forecast_date) from marts.sales_forecast")[0]
    assert first_forecast == short_as_of + dt.timedelta(days=1)


def test_builds_of_unchanged_code_do_not_run_the_unit_tests_again(runs):
    """The history build ran the unit tests (they depend on the code alone); the full rebuild
    and the appends of the same code leave them out and say so; the rebuild's file is new, so
    it still builds the seeds."""
    assert "the unit tests passed on this code in a published build" in runs["rebuild_output"]
    counts = "select build_mode, seed_count > 0, unit_test_count from marts.build_history order by build_id"
    (history_build,) = query(runs["history"], counts)
    assert history_build[:2] == ("full", True) and history_build[2] > 0
    assert query(runs["rebuilt"], counts)[1:] == [("full", True, 0)]
    assert [row[2] for row in query(runs["appended"], counts)[1:]] == [0]


def test_the_code_fingerprint_follows_the_code_only(tmp_path, monkeypatch):
    """A changed model changes the fingerprint (the next append evaluates and unit-tests
    anew); a changed README or a bytecode cache does not."""
    for root in build_warehouse.FINGERPRINTED:
        source = REPO_ROOT / root
        copy = tmp_path / root
        copy.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, copy)
    monkeypatch.setattr(build_warehouse, "PROJECT_DIR", tmp_path)
    original = build_warehouse.code_fingerprint()
    (tmp_path / "README.md").write_text("changed")
    (tmp_path / "smartcart_ml" / "__pycache__").mkdir(exist_ok=True)
    (tmp_path / "smartcart_ml" / "__pycache__" / "x.pyc").write_bytes(b"cache")
    assert build_warehouse.code_fingerprint() == original
    model = tmp_path / "models" / "marts" / "core" / "dim_stores.sql"
    model.write_text(model.read_text() + "\n")
    assert build_warehouse.code_fingerprint() != original


def test_daily_skips_what_was_loaded_and_stops_at_a_bad_file(runs):
    stdout, stderr, returncode = runs["daily"]
    assert returncode == 1
    message = stderr.strip()
    assert "\n" not in message
    assert message.startswith("smartcart: daily failed: stopped at c_empty.csv: ")
    assert message.endswith(f"; 1 file(s) appended before it; published warehouse: {runs['appended']}")
    assert "appended b_day1.csv" in stdout and "a_history.csv" not in stdout


def test_an_open_reader_does_not_block_publishing_and_keeps_its_snapshot(runs):
    """A notebook or BI tool holding the published file open (read-only) while the daily run
    publishes: the run is not blocked, and the reader sees the file it opened until it
    reconnects."""
    before, after = runs["reader_as_of"]
    assert before == after
    (published_as_of,) = query(runs["appended"], "select as_of_date from intermediate.int_as_of_date")[0]
    assert published_as_of > before
    assert "appended b_day1.csv" in runs["daily"][0]


def test_forecasts_of_the_first_build_are_scored_after_the_append(runs):
    appended = runs["appended"]
    archived = dict(
        query(appended, "select build_id, count(*) from marts.forecast_history group by build_id")
    )
    assert set(archived) == {1, 2}
    # Build 1's open forecast days up to build 2's as-of date, on series that still have actuals.
    (expected,) = query(
        appended,
        "select count(*) from marts.forecast_history as forecasts"
        " inner join intermediate.int_forecast_series_daily as actuals"
        " on forecasts.series_level = actuals.series_level and forecasts.series_id = actuals.series_id"
        " and forecasts.forecast_date = actuals.sales_date"
        " where forecasts.build_id = 1 and not forecasts.is_closed and not actuals.is_closed"
        " and not actuals.is_forecast_date",
    )[0]
    scored = query(
        appended,
        "select sum(n_points), min(first_origin_date) = max(last_origin_date), count(*) filter (where mae is null)"
        " from marts.forecast_tracking where horizon_bucket != 'all'",
    )[0]
    assert expected > 0
    assert scored == (expected, True, 0)
    # The full rebuild archived its own forecasts beside those carried from the first build.
    assert query(runs["rebuilt"], "select distinct build_id from marts.forecast_history order by 1") == [
        (1,),
        (2,),
    ]


def test_a_file_loaded_twice_is_refused_in_one_line(runs, tmp_path):
    warehouse = tmp_path / "smartcart.duckdb"
    shutil.copyfile(runs["appended"], warehouse)
    before = warehouse.read_bytes()
    result = run_build("--raw", runs["inbox"] / "b_day1.csv", "--warehouse", warehouse, "--mode", "append")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert "b_day1.csv was already loaded as load 2" in message
    assert warehouse.read_bytes() == before


def test_append_without_a_published_warehouse_is_refused(tmp_path, runs):
    result = run_build(
        "--raw", runs["exports"]["day1"], "--warehouse", tmp_path / "none.duckdb", "--mode", "append"
    )
    assert result.returncode == 1
    assert "MODE=append needs a published warehouse" in result.stderr


def test_segments_are_archived_and_compared_between_builds(runs):
    appended = runs["appended"]
    archived = query(
        appended,
        "select build_id, sum(customer_count), round(sum(share_of_customers), 6)"
        " from marts.segment_history group by build_id order by build_id",
    )
    assert [row[0] for row in archived] == [1, 2] and all(share == 1 for *_, share in archived)
    names = {row[0] for row in query(appended, "select distinct segment_name from marts.segment_history")}
    drift = query(
        appended,
        "select subject, reference_build_id, is_drift, finding from marts.model_drift"
        " where drift_kind = 'segment_share'",
    )
    assert {row[0] for row in drift} == names
    assert all(row[1] == 1 and row[3].startswith(f"Segment {row[0]} holds ") for row in drift)


def test_predictions_are_archived_and_scored_by_band_once_their_churn_window_closed(runs):
    history, appended = runs["history"], runs["appended"]
    scored = "select customer_id, as_of_date, churn_probability, churn_risk_band from marts.{}"
    # Build 1's predictions are carried as they were made, beside build 2's own, in both runs.
    assert sorted(query(appended, scored.format("prediction_history where build_id = 1"))) == sorted(
        query(history, scored.format("customer_predictions"))
    )
    assert sorted(query(appended, scored.format("prediction_history where build_id = 2"))) == sorted(
        query(appended, scored.format("customer_predictions"))
    )
    builds = "select distinct build_id from marts.prediction_history order by 1"
    assert query(runs["rebuilt"], builds) == [(1,), (2,)]
    # Build 1's bands against the orders its customers then placed (fct_orders) in the 90 days
    # after its as-of date, which the daily file brought; build 2's window is still open.
    expected = query(
        appended,
        "select churn_risk_band, count(*), avg(churn_probability), count(*) filter (where not exists ("
        " select 1 from marts.fct_orders as orders where orders.customer_id = predictions.customer_id"
        " and orders.invoice_type = 'order' and orders.invoice_date > predictions.as_of_date"
        " and orders.invoice_date <= predictions.as_of_date + 90))"
        " from marts.prediction_history as predictions where build_id = 1 group by 1 order by 1",
    )
    tracked = query(
        appended,
        "select churn_risk_band, customers_predicted, mean_churn_probability, churned_customers,"
        " build_id, observed_churn_share - mean_churn_probability = churn_gap"
        " from marts.churn_band_tracking order by churn_risk_band",
    )
    assert [row[:2] + (pytest.approx(row[2]),) + row[3:] for row in expected] == [row[:4] for row in tracked]
    assert all(row[4:] == (1, True) for row in tracked)
    assert 0 < sum(row[3] for row in expected) < sum(row[1] for row in expected)  # some churned, not all
    drift = query(
        appended,
        "select subject, reference_build_id, finding from marts.model_drift where drift_kind = 'churn_band'",
    )
    assert sorted(row[0] for row in drift) == [f"{row[0]} churn risk" for row in expected]
    assert all(row[1] == 1 and row[2].startswith("Customers of build 1 (as of ") for row in drift)


@pytest.fixture(scope="module")
def online_retail_appended(tmp_path_factory) -> Path:
    """The Online Retail file up to June 2011 built, then July and August appended by the
    daily runner, one load per month."""
    source = shared_file(ONLINE_RETAIL)
    folder = tmp_path_factory.mktemp("online_retail_months")
    header, *lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    # The file is in invoice-date order; csv finds the date (the fifth field) past quoted commas.
    months = [next(csv.reader([line]))[4][:7] for line in lines]
    starts = [months.index(month) for month in APPENDED_MONTHS]
    inbox = folder / "inbox"
    inbox.mkdir()
    history = folder / "history.csv"
    history.write_text(header + "".join(lines[: starts[0]]), encoding="utf-8")
    for month, start, end in zip(APPENDED_MONTHS, starts, [*starts[1:], len(lines)], strict=True):
        (inbox / f"{month}.csv").write_text(header + "".join(lines[start:end]), encoding="utf-8")
    warehouse = folder / "smartcart.duckdb"
    run_build(
        "--raw", history, "--format", "online_retail", "--warehouse", warehouse, "--no-docs", check=True
    )
    daily = [*DAILY, "--inbox", str(inbox), "--format", "online_retail"]
    result = subprocess.run(
        [*daily, "--warehouse", str(warehouse), "--no-docs"],
        cwd=REPO_ROOT,
        env=build_env(folder),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"daily failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return warehouse


# Three real-file builds: beyond the CI budget, so make test-slow runs it (README, "The test suite").
@pytest.mark.slow
def test_online_retail_appended_by_month_equals_one_full_build(online_retail_appended, online_retail):
    # A quarantined line's source_line_number is its line in its own file, so it differs for
    # the appended months; every other value of the quarantine must agree.
    skipped = HISTORY_MARTS | ARCHIVE_MARTS | {"quarantined_invoice_lines"}
    differences = [
        line
        for line in compare(online_retail, online_retail_appended)
        if line.split(":")[0].removeprefix("marts.") not in skipped
    ]
    assert differences == []
    with duckdb.connect() as con:
        for alias, path in (("appended", online_retail_appended), ("rebuilt", online_retail)):
            con.execute(f"attach '{path}' as {alias} (read_only)")
        quarantine = "select * exclude (source_line_number) from {}.marts.quarantined_invoice_lines"
        (unmatched,) = con.sql(
            f"select count(*) from ({quarantine.format('appended')} except all {quarantine.format('rebuilt')})"
        ).fetchall()[0]
        (lines,) = con.sql("select count(*) from rebuilt.marts.quarantined_invoice_lines").fetchall()[0]
    assert unmatched == 0 and lines > 0
    # One load per file, each balanced (lines = accepted + rejected) and holding its file's lines.
    loads = query(
        online_retail_appended,
        "select file_name, as_of_date, line_count, accepted_line_count + rejected_line_count"
        " from marts.load_history order by load_id",
    )
    folder = online_retail_appended.parent
    files = [folder / "history.csv", *(folder / "inbox" / f"{month}.csv" for month in APPENDED_MONTHS)]
    file_lines = [len(file.read_text(encoding="utf-8").splitlines()) - 1 for file in files]
    assert loads == [
        (file.name, as_of, lines, lines)
        for file, as_of, lines in zip(
            files, (dt.date(2011, 6, 30), dt.date(2011, 7, 31), dt.date(2011, 8, 31)), file_lines, strict=True
        )
    ]
    builds = "select build_id, as_of_date, build_mode, last_load_id from marts.build_history order by 1"
    assert query(online_retail_appended, builds) == [
        (1, dt.date(2011, 6, 30), "full", 1),
        (2, dt.date(2011, 7, 31), "append", 2),
        (3, dt.date(2011, 8, 31), "append", 3),
    ]
    # Build 3 scores the forecasts of every earlier build (as of June, as of July) against what
    # followed: each from the day after its as-of date to the end of August.
    observed = query(
        online_retail_appended,
        "select build_id, min(forecast_date), max(forecast_date) from marts.forecast_observations"
        " where series_level = 'total' group by build_id order by build_id",
    )
    assert observed == [
        (1, dt.date(2011, 7, 1), dt.date(2011, 8, 31)),
        (2, dt.date(2011, 8, 1), dt.date(2011, 8, 31)),
    ]
    scored = query(
        online_retail_appended,
        "select min(first_origin_date), max(last_origin_date), sum(n_points)"
        " from marts.forecast_tracking where series_level = 'total' and horizon_bucket != 'all'",
    )[0]
    assert scored[:2] == (dt.date(2011, 6, 30), dt.date(2011, 7, 31))
    assert scored[2] > 40
