"""Shared fixtures: the repository layout and warehouse builds through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_warehouse.py"


def run_build(*args: str | Path, check: bool = False) -> subprocess.CompletedProcess:
    """Run ``scripts/build_warehouse.py`` in a subprocess, as ``make build`` does."""
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        pytest.fail(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def query(warehouse: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on a read-only connection to ``warehouse``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def shared_file(name: str) -> Path:
    """A file of ../shared/data, or skip the test when the folder is absent."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The bundled sample, built and published once per test session."""
    warehouse = tmp_path_factory.mktemp("sample") / "smartcart.duckdb"
    run_build("--warehouse", warehouse, check=True)
    return warehouse
