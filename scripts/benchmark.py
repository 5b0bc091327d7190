"""Benchmark the warehouse build on a large generated export; write benchmarks/results.json.

    python scripts/benchmark.py [--customers 16000]

Generates (once, cached in benchmarks/data/, not committed) an export of about 1M lines with
scripts/generate_sample.py, then measures, each in a fresh process:
- load: scripts/load_raw.py into an empty DuckDB file (wall time, peak memory);
- build: scripts/build_warehouse.py (load + dbt build + docs + publish; wall, peak memory),
  with per-node timings from dbt's target/run_results.json.
Results go to benchmarks/results.json, keyed by dataset, so they are reviewed with the code.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCRIPTS = PROJECT_DIR / "scripts"
BENCHMARK_DIR = PROJECT_DIR / "benchmarks"


def _timed(command: list[str]) -> dict:
    """Run ``command``; return its wall time and peak memory (this child's own rusage)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}")
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def _node_timings() -> dict[str, float]:
    results = json.loads((PROJECT_DIR / "target" / "run_results.json").read_text())
    timings = {
        result["unique_id"].split(".", 2)[-1]: round(result["execution_time"], 2)
        for result in results["results"]
        if result["unique_id"].startswith(("model.", "seed."))
    }
    return dict(sorted(timings.items(), key=lambda item: -item[1]))


def run(customers: int) -> dict:
    export = BENCHMARK_DIR / "data" / f"invoice_lines_{customers}.csv.gz"
    if not export.exists():
        export.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(SCRIPTS / "generate_sample.py"), "--customers", str(customers),
             "--output", str(export)],
            check=True,
        )
    with gzip.open(export, "rb") as handle:
        lines = sum(1 for _ in handle) - 1
    with tempfile.TemporaryDirectory() as scratch:
        load = _timed([sys.executable, str(SCRIPTS / "load_raw.py"), "--raw", str(export),
                       "--database", f"{scratch}/load.duckdb"])
        build = _timed([sys.executable, str(SCRIPTS / "build_warehouse.py"), "--raw", str(export),
                        "--warehouse", f"{scratch}/smartcart.duckdb"])
        size_mib = round(Path(scratch, "smartcart.duckdb").stat().st_size / 2**20)
    return {
        "dataset": f"generated, {customers} customers",
        "raw_lines": lines,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load": load,
        "build": build,
        "warehouse_mib": size_mib,
        "slowest_nodes_seconds": dict(list(_node_timings().items())[:15]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=16000, help="16000 ≈ 1M lines")
    args = parser.parse_args()
    result = run(args.customers)
    output = BENCHMARK_DIR / "results.json"
    results = json.loads(output.read_text()) if output.exists() else {}
    results[result["dataset"]] = result
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
