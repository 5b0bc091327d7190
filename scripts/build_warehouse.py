"""Build the SmartCart warehouse: write, audit, publish.

1. write: load the export into a fresh build file next to the warehouse, run ``dbt build``
   (models, unit tests and data tests) and ``dbt docs generate`` against it;
2. audit: any failing test or model stops here;
3. publish: only a fully passing build atomically replaces the warehouse file (``os.replace``),
   and its docs site, one self-contained page, replaces ``docs/<warehouse name>.html`` beside it.

A failure, a bad input or an interrupt leaves the published warehouse untouched and is reported
in one line. Readers that hold the published file open (BI tools, read-only) keep reading the
old file until they reconnect; the build never writes to it.

    python scripts/build_warehouse.py [--raw FILE] [--format NAME] [--as-of YYYY-MM-DD]
                                      [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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


def docs_page_for(warehouse: Path) -> Path:
    """The static docs site of exactly this warehouse (``dbt docs generate --static``)."""
    return warehouse.parent / "docs" / f"{warehouse.stem}.html"


# Two flaws of dbt's docs page that make a browser fetch URLs that do not exist (console errors):
# SVG icons whose href is an un-interpolated Angular expression until Angular binds it
# (ng-attr- binds it without the raw value ever reaching the browser), and a favicon link
# written as an unexpanded JavaScript template (an empty inline icon fetches nothing).
DOCS_PAGE_FIXES = {
    "<use xlink:href=\"{{ getIcon(": "<use ng-attr-xlink:href=\"{{ getIcon(",
    "href=\"${require('./assets/favicons/favicon.ico')}\"": 'href="data:,"',
}


def _write_docs_page(static_index: Path, destination: Path) -> None:
    page = static_index.read_text(encoding="utf-8")
    for broken, fixed in DOCS_PAGE_FIXES.items():
        page = page.replace(broken, fixed)
    destination.write_text(page, encoding="utf-8")


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


def run_dbt(database: Path, command: list[str], as_of: str | None) -> None:
    """Run a dbt command against ``database``; raise BuildError unless everything passes."""
    from dbt.cli.main import dbtRunner

    os.environ["SMARTCART_DB_PATH"] = str(database)
    os.environ["SMARTCART_ROOT"] = str(PROJECT_DIR)
    args = [*command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of})]
    result = dbtRunner().invoke(args)
    if isinstance(result.exception, KeyboardInterrupt):
        raise result.exception
    if result.exception is not None:
        message = str(result.exception).strip() or type(result.exception).__name__
        raise BuildError(f"dbt could not run: {message.splitlines()[0]}")
    if not result.success:
        raise BuildError(_failure_summary(result.result.results))


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file, so the published warehouse is one file."""
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")


def build(raw: Path, format_name: str, warehouse: Path, as_of: str | None) -> int:
    """Load, build and publish; return the number of raw lines loaded."""
    if as_of:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError as error:
            raise BuildError(f"AS_OF must be a date written YYYY-MM-DD, got {as_of!r}") from error
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    building = build_path_for(warehouse)
    _remove_database(building)
    lines = load(building, raw, format_name)
    print(f"loaded {lines:,} raw lines from {raw} ({format_name}); building {building.name}")
    run_dbt(building, ["build"], as_of)
    # The docs site's catalog describes exactly the file that is published; --no-write-json
    # keeps the build's target/run_results.json (per-node timings and test results); --static
    # inlines manifest and catalog into one page that opens without a server.
    run_dbt(building, ["docs", "generate", "--static", "--no-write-json"], as_of)
    docs_page = docs_page_for(warehouse)
    docs_page.parent.mkdir(exist_ok=True)
    docs_building = docs_page.with_name(f".{docs_page.name}.building")
    _write_docs_page(PROJECT_DIR / "target" / "static_index.html", docs_building)
    _checkpoint(building)
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt
    os.replace(building, warehouse)
    os.replace(docs_building, docs_page)
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
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _on_interrupt)
    unchanged = f"published warehouse unchanged: {args.warehouse}"
    try:
        build(args.raw, args.format, args.warehouse, args.as_of or None)
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
