"""Benchmark the warehouse build: a scale curve of generated exports and the real file.

    smartcart-benchmark [--customers 16000 64000] [--real | --no-real]

For each generated size (``--customers``; 16,000 ≈ 1 M lines, 64,000 ≈ 4 M, 256,000 ≈ 16 M)
an export is generated once with smartcart-generate-sample (cached in benchmarks/data/, not
committed); then the real UCI Online Retail file of ../shared/data (when present). Each export
is built in a fresh process by smartcart-build (load, parse, dbt build, docs
generate, publish) into a scratch folder with its own dbt target folder, measuring:

- wall time, lines per second and the load average before and after (the machine is shared:
  read every figure beside its load), and the CPU seconds (user + system) of the build's
  whole process tree, which other load distorts far less than the wall;
- peak memory of the whole process tree (the build, DuckDB inside it, forecasting workers),
  sampled from /proc every 0.2 s;
- the wall time of each phase (load, parse, build = models and tests, docs, publish), from
  the time each phase's first output line reached the benchmark;
- thread-seconds per node type and the ten slowest nodes, from the build's run_results.json.

Append (``--append``, on by default; ``--no-scale`` skips everything above): each generated
export is split into its history (every line but those of its last invoice day) and that day;
the history is built in full, then the day is appended to it (``--mode append``), and both
builds are measured as above. The shares are the append's wall and CPU over the full
build's, next to the seconds of the incremental models and of the rest of the DAG in each, in
the "append" section of results.json.

Results go to benchmarks/results.json, keyed by dataset (a rerun replaces that entry), and a
chart of time and memory against lines to benchmarks/scale.png when matplotlib is installed.
Speed and memory targets are judged here, never in timed tests.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCHMARK_DIR = PROJECT_DIR / "benchmarks"
REAL_FILE = PROJECT_DIR.parent / "shared" / "data" / "online_retail_2010_12_to_2011_08.csv"

# A phase starts with the first output line that contains its marker (in this order).
PHASE_MARKERS = [
    ("parse", "loaded "),
    ("build", "Found "),
    ("docs", "Building catalog"),
    ("publish", "Catalog written"),
]


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (0 for vanished processes)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class _PeakMemory(threading.Thread):
    """Samples the process tree's resident memory until the process ends."""

    def __init__(self, process: subprocess.Popen):
        super().__init__(daemon=True)
        self.process, self.peak = process, 0

    def run(self) -> None:
        while self.process.poll() is None:
            self.peak = max(self.peak, _tree_rss_bytes(self.process.pid))
            time.sleep(0.2)


def _build(raw: Path, format_name: str, scratch: Path, mode: str = "full") -> dict:
    """Build ``raw`` into ``scratch`` (``mode`` append: onto the warehouse already there);
    wall, phases, peak memory and dbt's per-node results."""
    env = {**os.environ, "DBT_TARGET_PATH": str(scratch / "target"), "DBT_LOG_PATH": str(scratch / "logs")}
    command = [
        sys.executable,
        "-m",
        "smartcart.build_warehouse",
        "--raw",
        str(raw),
        "--format",
        format_name,
        "--warehouse",
        str(scratch / "smartcart.duckdb"),
        "--mode",
        mode,
    ]
    load_before = os.getloadavg()
    cpu_before = _children_cpu_seconds()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    memory = _PeakMemory(process)
    memory.start()
    marks, pending, tail = {"load": 0.0}, list(PHASE_MARKERS), []
    for line in process.stdout:
        tail = [*tail[-20:], line]
        if pending and pending[0][1] in line:
            marks[pending.pop(0)[0]] = time.perf_counter() - start
    process.wait()
    wall = time.perf_counter() - start
    cpu = _children_cpu_seconds() - cpu_before
    memory.join()
    if process.returncode != 0:
        raise SystemExit(f"benchmark build failed: {' '.join(command)}\n{''.join(tail)}")
    ends = [*list(marks.values())[1:], wall]
    run_results = json.loads((scratch / "target" / "run_results.json").read_text())
    manifest = json.loads((scratch / "target" / "manifest.json").read_text())
    return {
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "phase_seconds": {name: round(end - begin, 1) for (name, begin), end in zip(marks.items(), ends)},
        "peak_memory_mib": round(memory.peak / 2**20),
        "load_average": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
        "warehouse_mib": round((scratch / "smartcart.duckdb").stat().st_size / 2**20),
        **_node_summary(run_results),
        "model_seconds_by_kind": _model_seconds_by_kind(run_results, manifest),
    }


def _children_cpu_seconds() -> float:
    """User + system CPU seconds of every child process that has ended (each build's whole
    tree: dbt, DuckDB's threads, the forecasting workers), the fairer measure on a shared
    machine than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _model_seconds_by_kind(run_results: dict, manifest: dict) -> dict:
    """Thread-seconds of the incremental models, the Python (ML) models and the other SQL models."""
    kinds = {"incremental": 0.0, "python": 0.0, "other sql": 0.0}
    for result in run_results["results"]:
        node = manifest["nodes"].get(result["unique_id"], {})
        if node.get("resource_type") != "model":
            continue
        if node["config"]["materialized"] == "incremental":  # macro incremental_materialization
            kind = "incremental"
        else:
            kind = "python" if node["language"] == "python" else "other sql"
        kinds[kind] += result["execution_time"]
    return {kind: round(seconds, 1) for kind, seconds in kinds.items()}


def _node_summary(run_results: dict) -> dict:
    """Thread-seconds per node type (models run two at a time) and the ten slowest nodes."""
    kinds: dict[str, float] = {}
    for result in run_results["results"]:
        kind = result["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + result["execution_time"]
    slowest = sorted(run_results["results"], key=lambda result: -result["execution_time"])[:10]
    return {
        "node_seconds_by_type": {kind: round(seconds, 1) for kind, seconds in sorted(kinds.items())},
        "slowest_nodes_seconds": {
            result["unique_id"].split(".", 2)[-1]: round(result["execution_time"], 2) for result in slowest
        },
    }


def _generated_export(customers: int) -> Path:
    export = BENCHMARK_DIR / "data" / f"invoice_lines_{customers}.csv.gz"
    if not export.exists():
        export.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "smartcart.generate_sample",
                "--customers",
                str(customers),
                "--output",
                str(export),
            ],
            check=True,
        )
    return export


def _is_date(text: str) -> bool:
    try:
        return len(text) == 10 and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


def _last_day_split(export: Path) -> tuple[Path, Path]:
    """The export as two files beside it (cached): its history, every line but those dated on
    its last invoice day, and that day's lines (the file of one appended day)."""
    history = export.with_name(export.name.replace(".csv.gz", "_history.csv.gz"))
    day = export.with_name(export.name.replace(".csv.gz", "_last_day.csv"))
    if history.exists() and day.exists():
        return history, day
    with gzip.open(export, "rt", encoding="utf-8", newline="") as source:
        rows = csv.reader(source)
        header = next(rows)
        date_field = header.index("invoice_date")
        today = dt.date.today().isoformat()
        # The latest well-formed invoice date that is not in the future (the as-of date).
        last = max(
            day
            for day in (row[date_field][:10] for row in rows if len(row) > date_field)
            if _is_date(day) and day <= today
        )
    with (
        gzip.open(export, "rt", encoding="utf-8", newline="") as source,
        gzip.open(history, "wt", encoding="utf-8", newline="") as history_file,
        day.open("w", encoding="utf-8", newline="") as day_file,
    ):
        rows = csv.reader(source)
        next(rows)
        writers = [csv.writer(file, lineterminator="\n") for file in (history_file, day_file)]
        for writer in writers:
            writer.writerow(header)
        for row in rows:
            on_last_day = len(row) > date_field and row[date_field][:10] == last
            writers[on_last_day].writerow(row)
    return history, day


def run_append(dataset: str, export: Path) -> dict:
    """The export's history built in full, then its last day appended to that warehouse."""
    history, day = _last_day_split(export)
    with tempfile.TemporaryDirectory(dir=BENCHMARK_DIR) as scratch:
        full = _build(history, "smartcart", Path(scratch))
        append = _build(day, "smartcart", Path(scratch), mode="append")
    return {
        "dataset": dataset,
        "history_lines": _line_count(history),
        "appended_lines": _line_count(day),
        "append_share_of_full_build": round(append["wall_seconds"] / full["wall_seconds"], 3),
        "append_cpu_share_of_full_build": round(append["cpu_seconds"] / full["cpu_seconds"], 3),
        "full_build": full,
        "append": append,
        "conditions": _conditions(),
    }


def _line_count(export: Path) -> int:
    opener = gzip.open if export.suffix == ".gz" else open
    with opener(export, "rb") as handle:
        return sum(1 for _ in handle) - 1


def _commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
    ).stdout.strip()


def run(dataset: str, export: Path, format_name: str) -> dict:
    lines = _line_count(export)
    with tempfile.TemporaryDirectory(dir=BENCHMARK_DIR) as scratch:
        build = _build(export, format_name, Path(scratch))
    return {
        "dataset": dataset,
        "raw_lines": lines,
        "lines_per_second": round(lines / build["wall_seconds"]),
        **build,
        "conditions": _conditions(),
    }


def _conditions() -> str:
    return (
        f"{dt.date.today()}, commit {_commit()}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') // 2**30} GiB;"
        " one build at a time by this benchmark, other load as in load_average (1-minute,"
        " before and after)"
    )


def _chart(results: dict, output: Path) -> bool:
    """Time and peak memory against lines for the generated exports (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    curve = sorted(
        (r for name, r in results.items() if name != "append" and r["dataset"].startswith("generated")),
        key=lambda r: r["raw_lines"],
    )
    lines = [r["raw_lines"] / 1e6 for r in curve]
    figure, (wall, memory) = plt.subplots(1, 2, figsize=(8, 3))
    wall.plot(lines, [r["wall_seconds"] for r in curve], marker="o")
    wall.set(xlabel="million lines", ylabel="wall seconds", title="build time")
    memory.plot(lines, [r["peak_memory_mib"] / 1024 for r in curve], marker="o")
    memory.set(xlabel="million lines", ylabel="GiB", title="peak memory (process tree)")
    figure.tight_layout()
    figure.savefig(output, dpi=100)
    return True


def _record(output: Path, keys: list[str], result: dict) -> None:
    """Put ``result`` at ``keys`` of results.json, read again just before (another benchmark
    run may have written its entries meanwhile), and print it."""
    results = json.loads(output.read_text()) if output.exists() else {}
    entry = results
    for key in keys[:-1]:
        entry = entry.setdefault(key, {})
    entry[keys[-1]] = result
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(result, indent=2), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers",
        type=int,
        nargs="*",
        default=[16000, 64000],
        help="generated sizes (16000 ≈ 1M lines, 64000 ≈ 4M, 256000 ≈ 16M)",
    )
    parser.add_argument(
        "--real",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also build the real Online Retail file of ../shared/data",
    )
    parser.add_argument(
        "--scale",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the full builds of the generated sizes (and the real file, --real)",
    )
    parser.add_argument(
        "--append",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one generated day appended to each generated size, against its full build",
    )
    args = parser.parse_args()
    generated = [(f"generated, {n} customers", _generated_export(n)) for n in args.customers]
    runs = [(dataset, export, "smartcart") for dataset, export in generated] if args.scale else []
    if args.scale and args.real and REAL_FILE.is_file():
        runs.append(("real Online Retail", REAL_FILE, "online_retail"))
    output = BENCHMARK_DIR / "results.json"
    for dataset, export, format_name in runs:
        result = run(dataset, export, format_name)
        _record(output, [dataset], result)
    for dataset, export in generated if args.append else []:
        result = run_append(dataset, export)
        _record(output, ["append", dataset], result)
    results = json.loads(output.read_text()) if output.exists() else {}
    if not _chart(results, BENCHMARK_DIR / "scale.png"):
        print("matplotlib is not installed: no chart written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
