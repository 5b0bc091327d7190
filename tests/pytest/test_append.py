"""Append mode and history: a generated export split into a history file and two daily files,
appended one by one, ends with the marts of one full build of the whole file; re-sent data is
refused or quarantined, never counted twice; the history marts survive a full rebuild.

Five builds of a small generated export (about a minute each): history, day 1, day 2 (with the
end of day 1 re-sent), a full rebuild of the three over a copy of that warehouse, and day 3
through ``make daily``'s inbox runner.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, query, run_build

DAILY_SCRIPT = REPO_ROOT / "scripts" / "daily.py"

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from compare_warehouses import compare  # noqa: E402

# Marts that differ between the two ways by design: the history marts hold one row per load
# and build, and the append run's re-sent lines are quarantined (checked on their own below).
HISTORY_MARTS = {"load_history", "build_history"}
RESENT_MARTS = {"quarantined_invoice_lines", "load_reconciliation"}
RESENT_LINES = 25


def _split_points(lines: list[str], shares: tuple[float, ...]) -> list[int]:
    """Row positions near ``shares`` of the file, moved on so that no exact duplicate pair
    (the generator writes a copy right after its line) is split between two files."""
    points = []
    for share in shares:
        point = int(len(lines) * share)
        while lines[point] == lines[point - 1]:
            point += 1
        points.append(point)
    return points


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """A history file, day 1, day 2 with day 1's last lines re-sent, day 3, and the whole of
    history + day 1 + day 2 as one file."""
    folder = tmp_path_factory.mktemp("exports")
    generated = folder / "generated.csv"
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "generate_sample.py"),
            "--customers",
            "60",
            "--start",
            "2024",
            "--end",
            "2024",
            "--output",
            str(generated),
        ],
        check=True,
        capture_output=True,
    )
    header, *lines = generated.read_text().splitlines(keepends=True)
    first, second, third = _split_points(lines, (0.75, 0.85, 0.93))
    parts = {
        "history": lines[:first],
        "day1": lines[first:second],
        "day2": lines[second:third] + lines[second - RESENT_LINES : second],
        "day3": lines[third:],
        "whole": lines[:third],
    }
    files = {}
    for name, part in parts.items():
        files[name] = folder / f"{name}.csv"
        files[name].write_text(header + "".join(part))
    return files


@pytest.fixture(scope="module")
def appended(tmp_path_factory, exports) -> Path:
    """History, then day 1 and day 2 appended, published to one warehouse."""
    warehouse = tmp_path_factory.mktemp("appended") / "smartcart.duckdb"
    run_build("--raw", exports["history"], "--warehouse", warehouse, check=True)
    for day in ("day1", "day2"):
        run_build("--raw", exports[day], "--warehouse", warehouse, "--mode", "append", check=True)
    return warehouse


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory, exports, appended) -> Path:
    """A full build of the whole export over a copy of the appended warehouse."""
    warehouse = tmp_path_factory.mktemp("rebuilt") / "smartcart.duckdb"
    shutil.copyfile(appended, warehouse)
    run_build("--raw", exports["whole"], "--warehouse", warehouse, check=True)
    return warehouse


def test_appended_marts_equal_one_full_build(appended, rebuilt):
    differences = [
        line
        for line in compare(rebuilt, appended)
        if line.split(":")[0].removeprefix("marts.") not in HISTORY_MARTS | RESENT_MARTS
    ]
    assert differences == []


def test_resent_lines_are_quarantined_not_counted(appended, rebuilt):
    outcomes = "select outcome, line_count, gross_amount from marts.load_reconciliation"
    appended_outcomes = {row[0]: row[1:] for row in query(appended, outcomes)}
    rebuilt_outcomes = {row[0]: row[1:] for row in query(rebuilt, outcomes)}
    resent = appended_outcomes.pop("rejected: already_loaded")
    assert resent[0] == RESENT_LINES
    assert appended_outcomes == rebuilt_outcomes
    quarantine = (
        "select invoice_id, invoice_date_text, product_id, quantity_text, rejection_reason"
        " from marts.quarantined_invoice_lines"
    )
    appended_quarantine, rebuilt_quarantine = (
        set(query(appended, quarantine)),
        set(query(rebuilt, quarantine)),
    )
    assert rebuilt_quarantine <= appended_quarantine
    extra = appended_quarantine - rebuilt_quarantine
    assert len(extra) == RESENT_LINES
    assert {row[-1] for row in extra} == {"already_loaded"}
    # Every raw line counted once: the loads' records add up to the raw table, ids unique.
    (lines, ids, records) = query(
        appended,
        "select count(*), count(distinct source_row_number),"
        " (select sum(file_record_count) from raw.load_manifest) from raw.invoice_lines",
    )[0]
    assert lines == ids == records


def test_load_history_has_one_balanced_row_per_load(appended, rebuilt):
    history = "select load_id, file_name, line_count, accepted_line_count, rejected_line_count, rejected_by_reason from marts.load_history order by load_id"
    appended_loads = query(appended, history)
    assert [row[:2] for row in appended_loads] == [(1, "history.csv"), (2, "day1.csv"), (3, "day2.csv")]
    raw_lines = dict(query(appended, "select load_id, count(*) from raw.invoice_lines group by load_id"))
    for load_id, _, lines, accepted, rejected, _ in appended_loads:
        assert lines == raw_lines[load_id] == accepted + rejected
    assert appended_loads[2][4] == RESENT_LINES
    assert appended_loads[2][5] == f"already_loaded: {RESENT_LINES}"
    # The full rebuild carries the three earlier loads as recorded and adds its own.
    rebuilt_loads = query(rebuilt, history)
    assert rebuilt_loads[:3] == appended_loads
    assert rebuilt_loads[3][:2] == (4, "whole.csv")
    assert sum(row[2] for row in appended_loads) == rebuilt_loads[3][2] + RESENT_LINES


def test_build_history_survives_a_full_rebuild(appended, rebuilt):
    builds = (
        "select build_id, build_mode, last_load_id, tests_failed from marts.build_history order by build_id"
    )
    assert query(appended, builds) == [(1, "full", 1, 0), (2, "append", 2, 0), (3, "append", 3, 0)]
    assert query(rebuilt, builds)[3] == (4, "full", 4, 0)
    (passed, models) = query(
        rebuilt, "select tests_passed, model_count from marts.build_history where build_id = 4"
    )[0]
    assert passed > 100 and models > 50


def test_a_file_loaded_twice_is_refused_in_one_line(appended, exports):
    before = appended.read_bytes()
    result = run_build("--raw", exports["day1"], "--warehouse", appended, "--mode", "append")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert "day1.csv was already loaded as load 2" in message
    assert appended.read_bytes() == before


def test_append_without_a_published_warehouse_is_refused(tmp_path, exports):
    result = run_build("--raw", exports["day1"], "--warehouse", tmp_path / "none.duckdb", "--mode", "append")
    assert result.returncode == 1
    assert "MODE=append needs a published warehouse" in result.stderr


def test_daily_appends_each_new_file_once_and_stops_at_a_bad_one(tmp_path, appended, exports):
    warehouse = tmp_path / "smartcart.duckdb"
    shutil.copyfile(appended, warehouse)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("day1", "day3"):
        shutil.copyfile(exports[name], inbox / f"{name}.csv")
    (inbox / "day4.csv").write_text("invoice_id,invoice_date\n")  # a header and no lines
    (inbox / "notes.md").write_text("not an export")
    daily = [sys.executable, str(DAILY_SCRIPT), "--inbox", str(inbox), "--warehouse", str(warehouse)]
    result = subprocess.run(daily, cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith("smartcart: daily failed: stopped at day4.csv: ")
    assert message.endswith(f"; 1 file(s) appended before it; published warehouse: {warehouse}")
    # day1.csv was loaded before (same content): skipped; day3.csv appended once.
    loads = query(warehouse, "select load_id, file_name from marts.load_history order by load_id")
    assert loads[3:] == [(4, "day3.csv")]
    (inbox / "day4.csv").unlink()
    again = subprocess.run(daily, cwd=REPO_ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "0 new file(s) appended" in again.stdout
