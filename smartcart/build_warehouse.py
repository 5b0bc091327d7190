"""Build the SmartCart warehouse: write, audit, publish.

1. write: load the export into a fresh build file next to the warehouse, run ``dbt build``
   (models, unit tests and data tests) and ``dbt docs generate`` against it (one dbt process,
   one parse: smartcart.dbt_session);
2. audit: any failing test or model stops here;
3. publish: only a fully passing build atomically replaces the warehouse file (``os.replace``),
   and only while no other process holds the warehouse open for writing; a write-ahead log
   left beside it by a killed session is removed first, so it is never replayed onto the
   new file; its docs site, one self-contained page, then replaces
   ``docs/<warehouse name>.html`` beside it.

A failure, a bad input or an interrupt (Ctrl-C, SIGTERM) leaves the published warehouse
untouched, stops dbt and its worker processes (dbt runs in its own process group), removes
the build's side files and is reported in one line. A build killed outright (SIGKILL) is
cleaned up by the next one. Readers that hold the published file open (BI tools, read-only)
keep reading the old file until they reconnect; the build never writes to it.

History: the history marts of the previously published warehouse (``load_history``,
``build_history``, ``forecast_history``, ``segment_history``,
``prediction_history``) are copied into raw tables of the build file before
dbt runs, and the build's own row is added to build_history once ``dbt build`` has passed, so history survives
every rebuild.
``--mode append`` starts the build file as a copy of the published warehouse and adds RAW to
its raw data as one more load instead of replacing it.

    smartcart-build [--raw FILE] [--format NAME] [--encoding NAME]
                    [--as-of YYYY-MM-DD] [--warehouse PATH] [--no-docs]
                    [--mode full|append]

dbt runs inside the warehouse's folder and sees the build file by its name only, so the
profile is the same for every warehouse folder and dbt's partial parsing survives builds into
other folders; the docs catalog reuses the build's compilation (``--no-compile``). DuckDB's
memory, threads and spill folder are bounded (``duckdb_settings``; README, "Memory, threads
and build speed").
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections import deque
from pathlib import Path

import duckdb
import yaml

from smartcart.load_raw import FORMATS, HISTORY_TABLES, LoadError, describe, load

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_RAW = PROJECT_DIR / "data" / "sample" / "invoice_lines.csv.gz"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "smartcart.duckdb"
# DuckDB's memory limit by default: a quarter of the machine's memory, at most this much.
MEMORY_LIMIT_CAP_MIB = 4096
# Seconds dbt gets to stop after SIGTERM before its process group is killed.
STOP_GRACE_SECONDS = 10
# Warehouse names that would give the file's catalog the name of a DuckDB catalog or of one
# of the warehouse's schemas, so that `marts.fct_orders` would be ambiguous for readers.
RESERVED_CATALOGS = {"memory", "system", "temp", "main", "raw", "staging", "intermediate", "marts"}
# The data test that refuses a mostly rejected export (its failing rows make the refusal).
REJECTED_SHARE_TEST = "assert_rejected_share_within_limit"
# full: the raw data is RAW alone; append: RAW is added to the published warehouse's raw data.
MODES = ("full", "append")
# The nodes that evaluate models (rolling backtests, the segmentation's search over k) rather
# than apply them: an append build may keep the published ones (var model_evaluation_days).
EVALUATION_NODES = ("forecast_backtest_results", "prediction_backtest_results", "segmentation_search_results")
# What code_fingerprint hashes: every file that decides what a build computes.
FINGERPRINTED = (
    "dbt_project.yml",
    "profiles.yml",
    "requirements.txt",
    "models",
    "python_models",
    "macros",
    "seeds",
    "tests/marts",
    "smartcart_ml",
)


# Set by Ctrl-C or SIGTERM: the flag, not an exception, decides that an interrupted build is
# never published.
INTERRUPTED = threading.Event()
# Set while a step must not be cut in two (_interrupts_deferred): the signal sets INTERRUPTED,
# and the interrupt is raised when the step is done.
_DEFERRING = threading.Event()


class BuildError(Exception):
    """The build did not pass; the message is one line."""


def _on_interrupt(signum, frame) -> None:
    INTERRUPTED.set()
    if not _DEFERRING.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts_deferred():
    """Ctrl-C and SIGTERM during the block raise only after it. A signal mask cannot do this:
    a signal that one of DuckDB's threads receives still runs Python's handler in the main
    thread. An interrupt inside subprocess.Popen, after the fork, lost the dbt process already
    started: it was never stopped, and the removed build file was back after the build exited
    (2 of 4 Ctrl-Cs after loading, measured on a loaded machine)."""
    _DEFERRING.set()
    try:
        yield
    finally:
        _DEFERRING.clear()
    _stop_if_interrupted()


def _stop_if_interrupted() -> None:
    """Raise the interrupt a step swallowed: DuckDB imports pandas on its first query, and a
    Ctrl-C that lands in that import is lost inside DuckDB; the flag stays set."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


def build_path_for(warehouse: Path) -> Path:
    """The build file: beside the warehouse, so publishing is a same-filesystem rename. DuckDB
    names its catalog after the file and dbt writes that name into SQL, so quotes and other
    punctuation of the warehouse's name become ``_`` here (the published name keeps them)."""
    return warehouse.with_name("." + re.sub(r"[^A-Za-z0-9_.-]", "_", warehouse.name) + ".building")


def docs_page_for(warehouse: Path) -> Path:
    """The static docs site of exactly this warehouse (``dbt docs generate --static``)."""
    return warehouse.parent / "docs" / f"{warehouse.stem}.html"


# Two flaws of dbt's docs page that make a browser fetch URLs that do not exist (console errors):
# SVG icons whose href is an un-interpolated Angular expression until Angular binds it
# (ng-attr- binds it without the raw value ever reaching the browser), and a favicon link
# written as an unexpanded JavaScript template (an empty inline icon fetches nothing).
DOCS_PAGE_FIXES = {
    '<use xlink:href="{{ getIcon(': '<use ng-attr-xlink:href="{{ getIcon(',
    "href=\"${require('./assets/favicons/favicon.ico')}\"": 'href="data:,"',
}


def _write_docs_page(static_index: Path, destination: Path) -> None:
    page = static_index.read_text(encoding="utf-8")
    for broken, fixed in DOCS_PAGE_FIXES.items():
        page = page.replace(broken, fixed)
    destination.write_text(page, encoding="utf-8")


def _side_files(database: Path) -> list[Path]:
    """A DuckDB file and what a session leaves beside it (its WAL, the loader's copy)."""
    return [database, *(database.with_name(database.name + end) for end in (".wal", ".records.csv"))]


def target_dir() -> Path:
    """dbt's target folder (run_results.json, the docs page): DBT_TARGET_PATH or target/."""
    return PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


def _remove_side_files(path: Path) -> None:
    shutil.rmtree(path.with_name(f"{path.name}.tmp"), ignore_errors=True)  # DuckDB's spill folder
    for leftover in _side_files(path)[1:]:
        leftover.unlink(missing_ok=True)


def _remove_database(path: Path) -> None:
    path.unlink(missing_ok=True)
    _remove_side_files(path)


# --- Input checks -------------------------------------------------------------------------


def _check_as_of(as_of: str | None) -> None:
    if as_of is None:
        return
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
            raise ValueError(as_of)
        dt.date.fromisoformat(as_of)
    except ValueError as error:
        raise BuildError(
            f"AS_OF must be a date written YYYY-MM-DD (e.g. 2011-06-30), got {as_of!r}"
        ) from error


def _check_warehouse_name(warehouse: Path) -> None:
    if warehouse.is_dir():
        raise BuildError(f"WAREHOUSE is a folder: {warehouse}; give a file name like smartcart.duckdb")
    stem = warehouse.name.split(".")[0].lower()
    if stem in RESERVED_CATALOGS:
        raise BuildError(
            f"the warehouse file name {warehouse.name!r} would name its DuckDB catalog {stem!r}, "
            "which DuckDB or the warehouse's schemas already use; choose another WAREHOUSE name"
        )


def _check_as_of_against_data(database: Path, as_of: str | None) -> None:
    """An AS_OF before every invoice would leave nothing to build, one long after the last
    would score a closed business (var max_days_without_sales): refuse in user terms."""
    if as_of is None:
        return
    day = dt.date.fromisoformat(as_of)
    with duckdb.connect(str(database), read_only=True) as con:
        first, last = con.execute(
            "select min(invoice_day), max(invoice_day) filter (where invoice_day <= ?)"
            " from (select try_cast(invoice_date as date) as invoice_day from raw.invoice_lines"
            " where unreadable_reason is null)",
            [day],
        ).fetchone()
    if first is not None and day < first:
        raise BuildError(f"AS_OF {as_of} is before the first invoice ({first}); give a later AS_OF or none")
    quiet_days = int(_project_var("max_days_without_sales"))
    if last is not None and (day - last).days >= quiet_days:
        raise BuildError(
            f"no sales in the last {quiet_days} days before AS_OF {as_of} (the last invoice is "
            f"dated {last}); give an AS_OF within {quiet_days} days of the data, or none"
        )


# --- History and append mode ------------------------------------------------------------------


def _start_build_file(building: Path, warehouse: Path, mode: str) -> None:
    """Append mode starts from a copy of the published warehouse (its raw data and history)."""
    if mode == "append":
        if not warehouse.is_file():
            raise BuildError(
                f"MODE=append needs a published warehouse, and there is none at {warehouse}; "
                "run a full `make build RAW=...` first"
            )
        shutil.copyfile(warehouse, building)


def _history_catalog(con: duckdb.DuckDBPyConnection, warehouse: Path, mode: str) -> str | None:
    """The catalog holding the previously published history marts (the copy itself in append
    mode), or None when there is no readable earlier warehouse."""
    if mode == "append":
        return con.sql("select current_database()").fetchall()[0][0]
    if not warehouse.is_file():
        return None
    try:
        location = str(warehouse).replace("'", "''")
        con.execute(f"attach '{location}' as previous_warehouse (read_only)")
    except duckdb.Error as error:
        if _is_interrupt(error):  # Ctrl-C during the attach is DuckDB's InterruptException
            raise
        print(f"no history carried: the published {warehouse.name} cannot be read ({error})")
        return None
    return "previous_warehouse"


def _carry_history(building: Path, warehouse: Path, mode: str) -> None:
    """Copy the previous warehouse's history marts (HISTORY_TABLES) into the raw tables of the
    same names in the build file, which dbt then carries on into the new marts."""
    with duckdb.connect(str(building)) as con:
        catalog = _history_catalog(con, warehouse, mode)
        present = {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'",
                [catalog],
            ).fetchall()
        }
        con.execute("create schema if not exists raw")
        for name, columns in HISTORY_TABLES.items():
            con.execute(f"create or replace table raw.{name} ({columns})")
            if name in present:
                source = f'"{catalog}".marts.{name}'
                # By name: a column added since the earlier warehouse was built starts null.
                names = ", ".join(
                    set(con.sql(f"select * from raw.{name} limit 0").columns)
                    & set(con.sql(f"select * from {source} limit 0").columns)
                )
                con.execute(f"insert into raw.{name} by name select {names} from {source}")


def _reusable_evaluation(building: Path, as_of: str | None) -> dt.date | None:
    """The as-of date of the published model evaluations when an append build may keep them:
    the published build ran this code (code_fingerprint), and this build's as-of date (AS_OF,
    or the latest invoice date the raw data now holds that is not in the future, as
    int_as_of_date takes it) is fewer than var model_evaluation_days after them."""
    with duckdb.connect(str(building), read_only=True) as con:
        published = con.sql(
            "select models_evaluated_as_of, code_fingerprint from raw.build_history"
            " order by build_id desc limit 1"
        ).fetchone()
        if published is None or published[0] is None or published[1] != code_fingerprint():
            return None
        (day,) = (
            (dt.date.fromisoformat(as_of),)
            if as_of
            else con.sql(
                "select max(invoice_day) from (select try_cast(invoice_date as date) as invoice_day"
                " from raw.invoice_lines where unreadable_reason is null) where invoice_day <= current_date"
            ).fetchone()
        )
    evaluated, days = published[0], int(_project_var("model_evaluation_days"))
    return evaluated if day is not None and 0 <= (day - evaluated).days < days else None


def _unit_tests_passed_on_this_code(building: Path) -> bool:
    """Whether a published build of this code (build_history.code_fingerprint) ran the unit
    tests: they depend on the code alone, and a published build passed every test it ran."""
    with duckdb.connect(str(building), read_only=True) as con:
        (builds,) = con.execute(
            "select count(*) from raw.build_history where code_fingerprint = ? and unit_test_count > 0",
            [code_fingerprint()],
        ).fetchone()
    return builds > 0


def _dbt_build_command(building: Path, mode: str, as_of: str | None) -> tuple[list[str], dt.date | None]:
    """``dbt build``, and the as-of date of the model evaluations it keeps (None: it evaluates).

    The unit tests depend on the code alone: a build leaves them out when a published build
    of this code ran them (_unit_tests_passed_on_this_code). In append mode the incremental
    models (int_invoice_lines_validated, fct_sales_lines, fct_orders) only add and rewrite
    rows, so an AS_OF before the published as-of date, which takes lines out, rebuilds them
    in full (--full-refresh). Otherwise an append build with a reusable evaluation
    (_reusable_evaluation) leaves out EVALUATION_NODES and the seeds, whose published tables
    the build file holds. A full build's file is new, so dbt builds every model and seed.
    Resource types excluded by the caller's DBT_EXCLUDE_RESOURCE_TYPES stay excluded (the
    command-line option would override it)."""
    command, evaluated = ["build"], None
    excluded = os.environ.get("DBT_EXCLUDE_RESOURCE_TYPES", "").split()
    if "unit_test" not in excluded and _unit_tests_passed_on_this_code(building):
        print("smartcart: the unit tests passed on this code in a published build; not run again")
        excluded.append("unit_test")
    if mode == "append":
        if as_of is not None:
            with duckdb.connect(str(building), read_only=True) as con:
                (published,) = con.sql("select as_of_date from intermediate.int_as_of_date").fetchone()
        if as_of is not None and dt.date.fromisoformat(as_of) < published:
            command.append("--full-refresh")
        elif (evaluated := _reusable_evaluation(building, as_of)) is not None:
            print(
                f"smartcart: keeping the model evaluations as of {evaluated} (fewer than "
                f"model_evaluation_days before this build, same code)"
            )
            command += ["--exclude", *EVALUATION_NODES]
            excluded.append("seed")
    if excluded:
        command += ["--exclude-resource-type", *excluded]
    return command, evaluated


def code_fingerprint() -> str:
    """SHA-256 of the files that decide what a build computes (FINGERPRINTED: the project's
    settings, pinned requirements, models, macros, seeds, data tests and smartcart_ml), by
    relative path and content."""
    digest = hashlib.sha256()
    for root in FINGERPRINTED:
        path = PROJECT_DIR / root
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(f"{file.relative_to(PROJECT_DIR)}\0".encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def smartcart_version() -> str:
    """The project's version (pyproject.toml), recorded with every published build."""
    with (PROJECT_DIR / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def _record_build(building: Path, mode: str, started: float, evaluated: dt.date | None) -> None:
    """Add this build's row, from the passing dbt build's run_results, to raw.build_history and
    to marts.build_history (which dbt built from it, renamed only: another dbt run just for
    this row would cost every build dbt's start-up and parse)."""
    results = json.loads((target_dir() / "run_results.json").read_text())["results"]
    kinds = [result["unique_id"].split(".")[0] for result in results]
    tests = [
        result["status"] for result in results if result["unique_id"].startswith(("test.", "unit_test."))
    ]
    with duckdb.connect(str(building)) as con:
        con.execute(
            "insert into raw.build_history select coalesce(max(build_id), 0) + 1, current_timestamp,"
            " (select as_of_date from intermediate.int_as_of_date), ?,"
            " (select max(load_id) from raw.load_manifest), ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " coalesce(?, (select as_of_date from intermediate.int_as_of_date)), ?"
            " from raw.build_history",
            [
                mode,
                smartcart_version(),
                kinds.count("model"),
                kinds.count("seed"),
                kinds.count("test"),
                kinds.count("unit_test"),
                tests.count("pass"),
                tests.count("warn"),
                tests.count("fail"),
                round(time.monotonic() - started, 1),
                evaluated,
                code_fingerprint(),
            ],
        )
        con.execute(
            "insert into marts.build_history by name select * from raw.build_history"
            " where build_id = (select max(build_id) from raw.build_history)"
        )


# --- dbt in its own process group -----------------------------------------------------------


def _in_dbt_child(build_process: int) -> None:
    """In the dbt child before exec: be killed when the build process dies, even by SIGKILL
    (Linux), and stop at once if it already has (then no death signal would come)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != build_process:
        os._exit(1)


def _stop_group(process: subprocess.Popen) -> None:
    """Stop dbt and every worker it started (its process group): SIGTERM, then SIGKILL. A
    second Ctrl-C waits until this is done."""
    with _interrupts_deferred():
        _stop_group_now(process)


def _wait_until_gone(alive, seconds: float) -> bool:
    """Poll ``alive()`` until it is false or ``seconds`` have passed; return whether gone."""
    deadline = time.monotonic() + seconds
    while alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs. An exited one waiting to be reaped (a
    zombie) does not count: dbt's workers and resource tracker outlive dbt, so their parent
    is then PID 1, which in a container may reap them seconds later (1.4-1.8 s a dbt command on
    the 2-core machines this project is built on)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    if not Path("/proc/self/stat").exists():
        return True
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue
        if int(group) == pgid and state != "Z":
            return True
    return False


def _stop_group_now(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    # Workers and multiprocessing's resource tracker exit on their own once dbt is gone (the
    # tracker then frees their semaphores); whatever is still there after the grace is killed.
    if not _wait_until_gone(lambda: _group_alive(process.pid), STOP_GRACE_SECONDS):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def leftover_processes(database: Path) -> list[int]:
    """Processes still working on ``database``: dbt and its workers carry its path in their
    environment (SMARTCART_BUILD_FILE)."""
    marker = f"SMARTCART_BUILD_FILE={database}\0".encode()
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if int(proc.name) != os.getpid() and marker in (proc / "environ").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def _stop_leftover_processes(database: Path) -> None:
    """Stop what a killed earlier build left running on ``database`` (dbt's forecasting
    workers): SIGTERM, and SIGKILL for those still there after the grace."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for pid in leftover_processes(database):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass
        if _wait_until_gone(lambda: leftover_processes(database), STOP_GRACE_SECONDS):
            return


def _dbt_failure(started: float, output: deque[str], returncode: int) -> str:
    """The one-line reason a dbt command failed."""
    run_results = target_dir() / "run_results.json"
    if run_results.is_file() and run_results.stat().st_mtime >= started:
        results = json.loads(run_results.read_text())["results"]
        failed = [
            result["unique_id"].split(".")[-1]
            for result in results
            if result["status"] in {"fail", "error", "runtime error"}
        ]
        if failed:
            shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
            return f"{len(failed)} of {len(results)} dbt nodes failed ({shown})"
    errors = [line.strip() for line in output if "error" in line.lower()]
    last = (errors or list(output) or [f"exit status {returncode}"])[-1]
    return f"dbt could not run: {last}"


def duckdb_settings(building: Path) -> dict[str, str]:
    """DuckDB's resource settings for the build, read by profiles.yml from the environment.

    ``SMARTCART_MEMORY_LIMIT`` (default: a quarter of the machine's memory, at most
    ``MEMORY_LIMIT_CAP_MIB``) and ``SMARTCART_THREADS`` (default: the CPUs this process may
    use) can be set by the caller; the spill folder is always ``<build file>.tmp`` beside the
    build file (relative: dbt runs in the warehouse's folder), removed with the build's side files.
    """
    memory_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return {
        "SMARTCART_MEMORY_LIMIT": os.environ.get(
            "SMARTCART_MEMORY_LIMIT", f"{min(memory_mib // 4, MEMORY_LIMIT_CAP_MIB)}MiB"
        ),
        "SMARTCART_THREADS": os.environ.get("SMARTCART_THREADS", str(len(os.sched_getaffinity(0)))),
        "SMARTCART_TEMP_DIRECTORY": f"{building.name}.tmp",
    }


def dbt_profile_environment(database: Path) -> dict[str, str]:
    """The environment profiles.yml reads in a dbt process building ``database``: the build
    file by name (dbt runs in its folder, see the module's docstring) and DuckDB's resource
    settings. The same for every build file of one name, so dbt's partial-parse state of one
    build serves another's."""
    return {**duckdb_settings(database), "SMARTCART_DB_PATH": database.name}


def run_dbt(database: Path, commands: list[list[str]], as_of: str | None) -> list[str]:
    """Run dbt commands against ``database``, one after another in one dbt process of its own
    process group that parses the project once (smartcart.dbt_session), stopping at the
    first that fails; return the names of the failed nodes (empty when everything passed);
    raise BuildError when dbt cannot run."""
    env = {
        **os.environ,
        **dbt_profile_environment(database),
        "SMARTCART_BUILD_FILE": str(database),  # marks dbt and its workers (leftover_processes)
        "PYTHONUNBUFFERED": "1",  # dbt's progress reaches the user line by line
    }
    args = [
        sys.executable,
        "-m",
        "smartcart.dbt_session",
        json.dumps(commands),
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of})]
    started = time.time()
    output: deque[str] = deque(maxlen=50)
    process = None
    try:
        with _interrupts_deferred():  # the process, once started, is always stopped below
            process = subprocess.Popen(
                args,
                env=env,
                cwd=database.parent,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
                preexec_fn=functools.partial(_in_dbt_child, os.getpid()),
            )
        for line in process.stdout:
            output.append(line)
            sys.stdout.write(line)
            sys.stdout.flush()
        process.wait()
    finally:
        if process is not None:
            _stop_group(process)
    _stop_if_interrupted()
    if process.returncode == 0:
        return []
    message = _dbt_failure(started, output, process.returncode)
    if message.startswith("dbt could not run"):
        raise BuildError(message)
    return [message]


# --- Refusals in the user's terms -----------------------------------------------------------


def _project_var(name: str):
    """A var's default as dbt_project.yml declares it."""
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][name]


def _rejected_share_refusal(database: Path) -> str | None:
    """'N of M records (x%) are rejected ...: top reasons' when the share test failed: its rows
    (one per reason), by re-running its compiled SQL, so the rule lives in the test alone."""
    run_results = target_dir() / "run_results.json"
    failed = [
        result["compiled_code"]
        for result in json.loads(run_results.read_text())["results"]
        if result["unique_id"].endswith(f".{REJECTED_SHARE_TEST}") and result["status"] == "fail"
    ]
    if not failed:
        return None
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.sql(failed[0]).fetchall()
    load_id, _, _, rejected, records = rows[0]  # the latest failing load
    reasons = ", ".join([f"{reason} {count:,}" for load, reason, count, _, _ in rows if load == load_id][:3])
    limit = float(_project_var("max_rejected_line_share"))
    return (
        f"{rejected:,} of {records:,} records ({rejected / records:.1%}) are rejected, more than "
        f"the {limit:.0%} limit (max_rejected_line_share); top reasons: {reasons} - fix the "
        "export or choose the FORMAT/ENCODING that matches it"
    )


def _refusal(database: Path, failures: list[str]) -> str:
    return _rejected_share_refusal(database) or failures[0]


# --- Publishing ------------------------------------------------------------------------------


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file, so the published warehouse is one file."""
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")
    if database.with_name(database.name + ".wal").exists():
        raise BuildError(f"the build file {database.name} kept a write-ahead log after checkpoint")


def _refuse_if_held_for_writing(warehouse: Path) -> None:
    """A read-write connection to the published file would lose its writes at publish (or
    write its log onto the new file): refuse, naming the process. Read-only readers are fine."""
    if not warehouse.exists():
        return
    try:
        duckdb.connect(str(warehouse), read_only=True).close()
    except duckdb.Error as error:
        message = str(error)
        if "lock" not in message.lower():
            return  # unreadable or foreign: it is replaced, never read
        holder = re.search(r"held in (\S+) \(PID (\d+)\)", message)
        who = f"{Path(holder[1]).name} (PID {holder[2]})" if holder else "another process"
        raise BuildError(
            f"refusing to publish: {who} holds {warehouse} open for writing, and its writes "
            "would be lost; close that connection (or open it read-only) and build again"
        ) from error


def publish(building: Path, warehouse: Path) -> None:
    """Replace the published warehouse with the audited build file, never beside a WAL."""
    _refuse_if_held_for_writing(warehouse)
    stale_wal = warehouse.with_name(warehouse.name + ".wal")
    if stale_wal.exists():
        # No process holds the file, so the log is a killed session's: replayed onto the new
        # file it would rewrite or break it.
        stale_wal.unlink()
        print(f"removed {stale_wal.name}, a write-ahead log left by a killed session")
    _stop_if_interrupted()
    os.replace(building, warehouse)


# The docs site of exactly the file that is published, generated right after the passing
# dbt build in its process: ``--static`` inlines manifest and catalog into one page that opens
# without a server; ``--no-compile`` reuses the build's compilation; ``--no-write-json`` keeps
# the build's run_results.json (per-node timings and test results).
DOCS_COMMAND = ["docs", "generate", "--static", "--no-compile", "--no-write-json"]


def _write_docs_page_beside(warehouse: Path) -> Path:
    """The docs page dbt generated, written beside its final place (published with the file)."""
    docs_page = docs_page_for(warehouse)
    docs_page.parent.mkdir(exist_ok=True)
    docs_building = docs_page.with_name(f".{docs_page.name}.building")
    _write_docs_page(target_dir() / "static_index.html", docs_building)
    return docs_building


def build(
    raw: Path,
    format_name: str,
    warehouse: Path,
    as_of: str | None,
    encoding: str = "utf-8",
    docs: bool = True,
    mode: str = "full",
) -> int:
    """Load, build and publish (with the docs site unless ``docs`` is false; ``mode`` append:
    RAW is added to the published raw data); return the number of records of the file."""
    started = time.monotonic()
    _check_as_of(as_of)
    _check_warehouse_name(warehouse)
    _refuse_if_held_for_writing(warehouse)  # again at publish; here it saves a whole build
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    building = build_path_for(warehouse.resolve())
    _stop_leftover_processes(building)
    _remove_database(building)
    try:
        _start_build_file(building, warehouse, mode)
        _carry_history(building, warehouse, mode)
        _stop_if_interrupted()
        count = load(building, raw, format_name, encoding, append=mode == "append")
        _stop_if_interrupted()
        print(f"loaded {describe(count, raw)} ({format_name}); building {building.name}", flush=True)
        _check_as_of_against_data(building, as_of)
        command, evaluated = _dbt_build_command(building, mode, as_of)
        failures = run_dbt(building, [command, DOCS_COMMAND] if docs else [command], as_of)
        if failures:
            raise BuildError(_refusal(building, failures))
        _record_build(building, mode, started, evaluated)
        docs_building = _write_docs_page_beside(warehouse) if docs else None
        _checkpoint(building)
        publish(building, warehouse)
        if docs_building is not None:
            os.replace(docs_building, docs_page_for(warehouse))
        _remove_side_files(building)
    except BuildError:
        # A build that ran and failed keeps its file for inspection (and plain dbt commands).
        _remove_side_files(building)
        raise
    except BaseException:
        _remove_database(building)
        raise
    return count.records


def _is_interrupt(error: BaseException) -> bool:
    """Ctrl-C: Python's KeyboardInterrupt, or any error raised while one was under way."""
    return isinstance(error, (KeyboardInterrupt, duckdb.InterruptException)) or INTERRUPTED.is_set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and publish the SmartCart warehouse.")
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="export file to load")
    parser.add_argument("--format", default="smartcart", help=" | ".join(sorted(FORMATS)))
    parser.add_argument("--encoding", default="utf-8", help="text encoding of a .csv/.tsv export")
    parser.add_argument("--as-of", default=None, help="compute as of this date (YYYY-MM-DD)")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument(
        "--no-docs", dest="docs", action="store_false", help="skip the docs site (e.g. in tests)"
    )
    parser.add_argument(
        "--mode", choices=MODES, default="full", help="full: RAW is the data; append: RAW is added"
    )
    parser.add_argument(
        "--target", default="dev", choices=("dev", "spark"), help="dev: DuckDB; spark: Apache Spark"
    )
    args = parser.parse_args(argv)
    if args.target == "spark":
        return _main_spark(args)
    status = run_reported(
        "build",
        lambda: build(
            args.raw, args.format, args.warehouse, args.as_of or None, args.encoding, args.docs, args.mode
        ),
        f"published warehouse unchanged: {args.warehouse}",
    )
    if status == 0:
        print(f"smartcart: published {args.warehouse}")
    return status


def run_reported(verb: str, work, state: str) -> int:
    """Run ``work()`` with Ctrl-C and SIGTERM caught; a failure or an interrupt is one line on
    stderr ending with ``state`` (what the published warehouse is now). Return the exit status."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_interrupt)
    try:
        work()
    except BaseException as error:
        if _is_interrupt(error):
            print(f"smartcart: {verb} interrupted; {state}", file=sys.stderr)
            return 130
        if not isinstance(error, (LoadError, BuildError)):
            raise
        print(f"smartcart: {verb} failed: {error}; {state}", file=sys.stderr)
        return 1
    return 0


def _main_spark(args: argparse.Namespace) -> int:
    """The Spark build (smartcart/spark_warehouse.py) into the folder spark/ beside the
    warehouse, in this process: one Spark session."""
    from smartcart import spark_warehouse

    spark_dir = args.warehouse.parent / "spark"
    if args.mode != "full":
        print(
            "smartcart: MODE=append is not available on Spark (README, Running on Apache Spark)",
            file=sys.stderr,
        )
        return 1
    try:
        _check_as_of(args.as_of or None)
        spark_warehouse.build(args.raw, args.format, spark_dir, args.as_of or None, args.encoding)
    except KeyboardInterrupt:
        print(f"smartcart: Spark build interrupted: {spark_dir}", file=sys.stderr)
        return 130
    except (LoadError, BuildError, spark_warehouse.SparkBuildError) as error:
        print(f"smartcart: Spark build failed: {error}", file=sys.stderr)
        return 1
    print(f"smartcart: built {spark_dir} on Spark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
