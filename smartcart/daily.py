"""Append every new export of an inbox folder to the published warehouse, once, in name order.

A file is new when no earlier load of the warehouse has its content (SHA-256, as recorded in
``marts.load_history``); each new file is one append build (load, build, test, publish), so the
history marts record what was loaded and when. With no published warehouse yet, the first file
is a full build. A file that fails stops the run in one line: nothing of it is published, the
files before it stay published, the files after it wait for the next run.

    smartcart-daily --inbox DIR [--format NAME] [--encoding NAME] [--warehouse PATH] [--no-docs]

Example cron line (every morning at 06:00):

    0 6 * * * cd /path/to/smartcart && make daily INBOX=/data/inbox >> logs/daily.log 2>&1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from smartcart.build_warehouse import DEFAULT_WAREHOUSE, BuildError, build, run_reported
from smartcart.load_raw import FORMATS, LoadError, file_sha256

# The file name endings the loader reads (gzipped text included).
EXPORT_ENDINGS = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".parquet", ".xlsx")


def loaded_hashes(warehouse: Path) -> set[str]:
    """SHA-256 of every file the published warehouse has loaded (empty when there is none, or
    when it has no load history: its first append then refuses in one line)."""
    if not warehouse.is_file():
        return set()
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {row[0] for row in con.sql("select file_sha256 from marts.load_history").fetchall()}
    except duckdb.CatalogException:
        return set()


def new_exports(inbox: str, warehouse: Path) -> list[Path]:
    """The inbox's export files in name order, without those already loaded."""
    if not inbox or not Path(inbox).is_dir():
        raise LoadError(f"INBOX is not a folder: {inbox!r}; give the folder the exports arrive in")
    loaded = loaded_hashes(warehouse)
    exports = sorted(
        path
        for path in Path(inbox).iterdir()
        if path.is_file() and path.name.lower().endswith(EXPORT_ENDINGS)
    )
    return [path for path in exports if file_sha256(path) not in loaded]


def run(inbox: str, format_name: str, warehouse: Path, encoding: str, docs: bool = True) -> list[Path]:
    """Append the new exports one by one (each with its docs site unless ``docs`` is false);
    return those published."""
    published = []
    for path in new_exports(inbox, warehouse):
        mode = "append" if warehouse.is_file() else "full"
        try:
            build(path, format_name, warehouse, None, encoding, docs, mode)
        except (LoadError, BuildError) as error:
            raise LoadError(
                f"stopped at {path.name}: {error}; {len(published)} file(s) appended before it"
            ) from error
        published.append(path)
        print(f"smartcart: appended {path.name} to {warehouse}", flush=True)
    return published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", required=True, help="folder of incoming exports")
    parser.add_argument("--format", default="smartcart", help=" | ".join(sorted(FORMATS)))
    parser.add_argument("--encoding", default="utf-8", help="text encoding of .csv/.tsv exports")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument(
        "--no-docs", dest="docs", action="store_false", help="skip the docs site (e.g. in tests)"
    )
    args = parser.parse_args(argv)
    published: list[Path] = []
    status = run_reported(
        "daily",
        lambda: published.extend(run(args.inbox, args.format, args.warehouse, args.encoding, args.docs)),
        f"published warehouse: {args.warehouse}",
    )
    if status == 0:
        print(f"smartcart: daily: {len(published)} new file(s) appended from {args.inbox}")
    return status


if __name__ == "__main__":
    sys.exit(main())
