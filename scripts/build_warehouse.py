"""Build the SmartCart warehouse: write, audit, publish.

1. write: load the export into a fresh build file next to the warehouse, run ``dbt build``
   (models, unit tests and data tests) and ``dbt docs generate`` against it;
2. audit: any failing test or model stops here;
3. publish: only a fully passing build atomically replaces the warehouse file (``os.replace``).

A failure, a bad input or an interrupt leaves the published warehouse untouched and is reported
in one line. Readers that hold the published file open (BI tools, read-only) keep reading the
old file until they reconnect; the build never writes to it.

    python scripts/build_warehouse.py [--raw FILE] [--format NAME] [--as-of YYYY-MM-DD]
                                      [--warehouse PATH] [--no-docs]

dbt parses the project once per build (the manifest is shared by ``build`` and ``docs
generate``), always against the same relative build-file name inside the warehouse's folder,
so its partial parsing survives builds into other folders. DuckDB's memory, threads and spill
folder are bounded (``duckdb_settings``; README, "Memory and threads").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_raw import FORMATS, LoadError, load  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_RAW = PROJECT_DIR / "data" / "sample" / "invoice_lines.csv.gz"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "smartcart.duckdb"
# DuckDB's memory limit by default: a quarter of the machine's memory, at most this much.
MEMORY_LIMIT_CAP_MIB = 4096


# Set by Ctrl-C. dbt catches KeyboardInterrupt in some phases and may carry on, so the flag,
# not the exception, decides that an interrupted build is never published.
INTERRUPTED = threading.Event()


class BuildError(Exception):
    """The build did not pass; the message is one line."""


def _on_interrupt(signum, frame) -> None:
    INTERRUPTED.set()
    raise KeyboardInterrupt


def build_path_for(warehouse: Path) -> Path:
    """The build file: beside the warehouse, so publishing is a same-filesystem rename."""
    return warehouse.with_name(f".{warehouse.name}.building")


def _remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _failure_summary(results) -> str:
    failed = [
        result.node.name
        for result in results
        if str(result.status) in {"fail", "error", "runtime error"}
    ]
    shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
    return f"{len(failed)} of {len(results)} dbt nodes failed ({shown})"


def duckdb_settings(building: Path) -> dict[str, str]:
    """DuckDB's resource settings for the build, read by profiles.yml from the environment.

    ``SMARTCART_MEMORY_LIMIT`` (default: a quarter of the machine's memory, at most
    ``MEMORY_LIMIT_CAP_MIB``) and ``SMARTCART_THREADS`` (default: the CPUs this process may
    use) can be set by the caller; the spill folder is always ``<build file>.tmp`` beside the
    build file (relative: dbt runs in the warehouse's folder), removed after the build.
    """
    memory_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return {
        "SMARTCART_MEMORY_LIMIT": os.environ.get(
            "SMARTCART_MEMORY_LIMIT", f"{min(memory_mib // 4, MEMORY_LIMIT_CAP_MIB)}MiB"
        ),
        "SMARTCART_THREADS": os.environ.get("SMARTCART_THREADS", str(len(os.sched_getaffinity(0)))),
        "SMARTCART_TEMP_DIRECTORY": f"{building.name}.tmp",
    }


def _dbt_args(command: list[str], as_of: str | None) -> list[str]:
    args = [*command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of})]
    return args


def run_dbt(building: Path, commands: list[list[str]], as_of: str | None) -> None:
    """Parse once, then run each dbt command against ``building`` with that manifest; raise
    BuildError unless everything passes.

    dbt runs inside the build file's folder and sees the file by its name only, so the
    profile (and with it dbt's partial parsing) is the same for every warehouse folder.
    """
    from dbt.cli.main import dbtRunner

    os.environ.update(duckdb_settings(building))
    os.environ["SMARTCART_DB_PATH"] = building.name
    os.environ["SMARTCART_ROOT"] = str(PROJECT_DIR)
    with contextlib.chdir(building.parent):
        manifest = _invoke(dbtRunner(), _dbt_args(["parse"], as_of)).result
        for command in commands:
            _invoke(dbtRunner(manifest=manifest), _dbt_args(command, as_of))


def _invoke(runner, args: list[str]):
    result = runner.invoke(args)
    if isinstance(result.exception, KeyboardInterrupt):
        raise result.exception
    if result.exception is not None:
        message = str(result.exception).strip() or type(result.exception).__name__
        raise BuildError(f"dbt could not run: {message.splitlines()[0]}")
    if not result.success:
        raise BuildError(_failure_summary(result.result.results))
    return result


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file, so the published warehouse is one file.

    dbt's connection is still open in this process: DuckDB wants the same options."""
    config = {
        "memory_limit": os.environ["SMARTCART_MEMORY_LIMIT"],
        "threads": os.environ["SMARTCART_THREADS"],
        "temp_directory": os.environ["SMARTCART_TEMP_DIRECTORY"],
    }
    with contextlib.chdir(database.parent), duckdb.connect(database.name, config=config) as con:
        con.execute("checkpoint")


def dbt_commands(docs: bool) -> list[list[str]]:
    """``dbt build``, then (unless ``docs`` is false) the docs site's catalog of exactly the
    file that is published. ``--no-compile``: the build has just compiled every node;
    ``--no-write-json`` keeps the build's target/run_results.json (per-node timings)."""
    return [["build"], *([["docs", "generate", "--no-compile", "--no-write-json"]] if docs else [])]


def build(raw: Path, format_name: str, warehouse: Path, as_of: str | None, docs: bool = True) -> int:
    """Load, build and publish; return the number of raw lines loaded."""
    if as_of:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError as error:
            raise BuildError(f"AS_OF must be a date written YYYY-MM-DD, got {as_of!r}") from error
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    building = build_path_for(warehouse.resolve())
    _remove_database(building)
    lines = load(building, raw, format_name)
    print(f"loaded {lines:,} raw lines from {raw} ({format_name}); building {building.name}")
    run_dbt(building, dbt_commands(docs), as_of)
    _checkpoint(building)
    shutil.rmtree(building.with_name(f"{building.name}.tmp"), ignore_errors=True)
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt
    os.replace(building, warehouse)
    return lines


def _is_interrupt(error: BaseException) -> bool:
    """Ctrl-C: Python's KeyboardInterrupt, or any error raised while one was under way."""
    return isinstance(error, (KeyboardInterrupt, duckdb.InterruptException)) or INTERRUPTED.is_set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and publish the SmartCart warehouse.")
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="export file to load")
    parser.add_argument("--format", default="smartcart", help=" | ".join(sorted(FORMATS)))
    parser.add_argument("--as-of", default=None, help="compute as of this date (YYYY-MM-DD)")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--no-docs", dest="docs", action="store_false",
                        help="skip dbt docs generate (the docs catalog), e.g. in tests")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _on_interrupt)
    unchanged = f"published warehouse unchanged: {args.warehouse}"
    try:
        build(args.raw, args.format, args.warehouse, args.as_of or None, args.docs)
    except BaseException as error:
        if _is_interrupt(error):
            print(f"smartcart: build interrupted; {unchanged}", file=sys.stderr)
            return 130
        if not isinstance(error, (LoadError, BuildError)):
            raise
        print(f"smartcart: build failed: {error}; {unchanged}", file=sys.stderr)
        return 1
    print(f"smartcart: published {args.warehouse}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
