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


def build_warehouse(directory: Path, *args: str | Path) -> Path:
    """Build and publish ``directory/smartcart.duckdb`` through the real CLI; fail on error."""
    warehouse = directory / "smartcart.duckdb"
    run_build(*args, "--warehouse", warehouse, check=True)
    return warehouse


# Each warehouse is built once per test session and shared by every suite: tests read them
# (read-only) and never change them.
@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The bundled sample."""
    return build_warehouse(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def online_retail(tmp_path_factory) -> Path:
    """The real UCI Online Retail file of ../shared/data."""
    raw = shared_file("online_retail_2010_12_to_2011_08.csv")
    return build_warehouse(tmp_path_factory.mktemp("online_retail"), "--raw", raw, "--format", "online_retail")


@pytest.fixture(scope="session")
def mall(tmp_path_factory) -> Path:
    """The real mall point-of-sale sample of ../shared/data (every customer buys once)."""
    raw = shared_file("customer_shopping_sample_2000.csv")
    return build_warehouse(tmp_path_factory.mktemp("mall"), "--raw", raw, "--format", "customer_shopping")
