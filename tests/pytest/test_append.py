"""Append mode and history: a small generated export split into a history file and a daily
file. The history is built once; then, at the same time, ``make daily``'s inbox runner
appends the daily file (with the end of the history re-sent, and the history file itself
lying in the inbox again) and a full build of history + daily replaces a second copy. The
appended warehouse ends with the marts of the full build; re-sent data is refused or
quarantined, never counted twice; the history marts survive the full rebuild; the first
build's forecasts are scored against the days the daily file brought.

Three builds of a 60-customer export, ``--no-docs``, the last two in parallel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, build_command, build_env, query, run_build

DAILY_SCRIPT = REPO_ROOT / "scripts" / "daily.py"

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from compare_warehouses import compare  # noqa: E402

# Marts that differ between the two ways by design: the history marts hold one row per load
# and build, and the append run's re-sent lines are quarantined (checked on their own below).
HISTORY_MARTS = {"load_history", "build_history"}
RESENT_MARTS = {"quarantined_invoice_lines", "load_reconciliation"}
RESENT_LINES = 25

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """History (the first 80% of the lines), the daily file (the rest, with the history's
    last lines re-sent), and both as one file."""
    folder = tmp_path_factory.mktemp("exports")
    generated = folder / "generated.csv"
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "generate_sample.py"),
            *("--customers", "60", "--start", "2024", "--end", "2024", "--output", str(generated)),
        ],
        check=True,
        capture_output=True,
    )
    header, *lines = generated.read_text().splitlines(keepends=True)
    split = int(len(lines) * 0.8)
    while lines[split] == lines[split - 1]:  # the generator writes a duplicate right after its line
        split += 1
    parts = {
        "history": lines[:split],
        "day1": lines[split:] + lines[split - RESENT_LINES : split],
        "whole": lines,
    }
    files = {}
    for name, part in parts.items():
        files[name] = folder / f"{name}.csv"
        files[name].write_text(header + "".join(part))
    return files


@pytest.fixture(scope="module")
def runs(tmp_path_factory, exports) -> dict:
    """The history built once; then, in parallel, the daily runner over an inbox (the history
    file again, the daily file, a file with a header and no lines) on one copy, and a full
    build of the whole export on another."""
    history = tmp_path_factory.mktemp("history") / "smartcart.duckdb"
    run_build("--raw", exports["history"], "--warehouse", history, "--no-docs", check=True)
    appended = tmp_path_factory.mktemp("appended") / "smartcart.duckdb"
    rebuilt = tmp_path_factory.mktemp("rebuilt") / "smartcart.duckdb"
    for copy in (appended, rebuilt):
        shutil.copyfile(history, copy)
    inbox = appended.parent / "inbox"
    inbox.mkdir()
    shutil.copyfile(exports["history"], inbox / "a_history.csv")
    shutil.copyfile(exports["day1"], inbox / "b_day1.csv")
    (inbox / "c_empty.csv").write_text("invoice_id,invoice_date\n")
    (inbox / "notes.md").write_text("not an export")
    daily = [
        sys.executable,
        str(DAILY_SCRIPT),
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
    }
    started = {
        name: subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=build_env(folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (command, folder) in commands.items()
    }
    results = {name: process.communicate() + (process.returncode,) for name, process in started.items()}
    if results["rebuild"][2] != 0:
        pytest.fail(f"full build failed:\n{results['rebuild'][0][-3000:]}\n{results['rebuild'][1][-3000:]}")
    return {"appended": appended, "rebuilt": rebuilt, "inbox": inbox, "daily": results["daily"]}


def test_appended_marts_equal_one_full_build(runs):
    differences = [
        line
        for line in compare(runs["rebuilt"], runs["appended"])
        if line.split(":")[0].removeprefix("marts.") not in HISTORY_MARTS | RESENT_MARTS
    ]
    assert differences == []


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
    assert appended_loads[1][5] == f"already_loaded: {RESENT_LINES}"
    # The full rebuild carries the first load as recorded and adds its own.
    rebuilt_loads = query(rebuilt, history)
    assert rebuilt_loads[0] == appended_loads[0]
    assert rebuilt_loads[1][:2] == (2, "whole.csv")
    builds = (
        "select build_id, build_mode, last_load_id, tests_failed from marts.build_history order by build_id"
    )
    assert query(appended, builds) == [(1, "full", 1, 0), (2, "append", 2, 0)]
    assert query(rebuilt, builds) == [(1, "full", 1, 0), (2, "full", 2, 0)]


def test_daily_skips_what_was_loaded_and_stops_at_a_bad_file(runs):
    stdout, stderr, returncode = runs["daily"]
    assert returncode == 1
    message = stderr.strip()
    assert "\n" not in message
    assert message.startswith("smartcart: daily failed: stopped at c_empty.csv: ")
    assert message.endswith(f"; 1 file(s) appended before it; published warehouse: {runs['appended']}")
    assert "appended b_day1.csv" in stdout and "a_history.csv" not in stdout


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


def test_a_file_loaded_twice_is_refused_in_one_line(runs, exports, tmp_path):
    warehouse = tmp_path / "smartcart.duckdb"
    shutil.copyfile(runs["appended"], warehouse)
    before = warehouse.read_bytes()
    result = run_build("--raw", runs["inbox"] / "b_day1.csv", "--warehouse", warehouse, "--mode", "append")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert "b_day1.csv was already loaded as load 2" in message
    assert warehouse.read_bytes() == before


def test_append_without_a_published_warehouse_is_refused(tmp_path, exports):
    result = run_build("--raw", exports["day1"], "--warehouse", tmp_path / "none.duckdb", "--mode", "append")
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
