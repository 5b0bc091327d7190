"""make report: the notebooks executed headless against a published warehouse, and the HTML
report they make, read as a file and in a real browser (Debian's Chromium)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import nbformat
import pytest
from chromium import chromium_page, screenshot
from conftest import REPO_ROOT

from smartcart import build_report as report

REPORT = [sys.executable, "-m", "smartcart.build_report"]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def run_report(warehouse: Path, output_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*REPORT, "--warehouse", str(warehouse), "--output-dir", str(output_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def build_report(warehouse: Path, output_dir: Path) -> Path:
    """Run the report; fail on a non-zero exit; check it left the warehouse byte-identical."""
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    result = run_report(warehouse, output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before, "the report changed the warehouse"
    return output_dir


def assert_notebooks_clean(output_dir: Path) -> None:
    """Every notebook executed, no cell error or stderr output, at least one chart each."""
    executed = sorted((output_dir / "notebooks").glob("*.ipynb"))
    assert [path.name for path in executed] == [path.name for path in NOTEBOOKS]
    for path in executed:
        notebook = nbformat.read(path, as_version=4)
        outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
        problems = [
            output.get("ename") or output.get("text", "")[:200]
            for output in outputs
            if output["output_type"] == "error" or output.get("name") == "stderr"
        ]
        assert not problems, f"{path.name}: {problems}"
        code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.get("execution_count") for cell in code_cells), f"{path.name}: a cell did not run"
        assert any("image/png" in output.get("data", {}) for output in outputs), f"{path.name}: no chart"


@pytest.fixture(scope="module")
def sample_report(sample_warehouse, tmp_path_factory) -> Path:
    return build_report(sample_warehouse, tmp_path_factory.mktemp("report"))


def test_report_without_a_warehouse_fails_in_one_line(tmp_path):
    result = run_report(tmp_path / "missing.duckdb", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"smartcart: report failed: no warehouse at {tmp_path / 'missing.duckdb'}: run `make build` first"
    ]
    assert not (tmp_path / "out").exists()


def test_a_failing_cell_stops_the_report_in_one_line(tmp_path):
    # A warehouse that has the as-of date but none of the marts the notebooks read.
    warehouse = tmp_path / "hollow.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create schema marts; create table marts.sales_forecast as select date '2024-01-31' as as_of_date"
        )
    result = run_report(warehouse, tmp_path / "out")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"smartcart: report failed: notebook \d\d_\w+\.ipynb failed at cell \d+: Catalog Error: .*", lines[0]
    )
    assert not (tmp_path / "out" / "smartcart_report.html").exists()


def test_a_kernels_own_stderr_stays_off_the_terminal(tmp_path, capfd):
    # What a kernel process writes to its stderr itself (not through a cell's output) must not
    # reach the report's stderr, which is one line on failure.
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os\nos.write(2, b'kernel noise\\n')\n1 / 0")]
    )
    path = tmp_path / "noisy.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(report.ReportError, match=r"notebook noisy.ipynb failed at cell 0: ZeroDivisionError"):
        asyncio.run(report._execute(path, tmp_path / "out"))
    assert "kernel noise" not in capfd.readouterr().err


def test_notebooks_run_on_the_sample(sample_report):
    assert_notebooks_clean(sample_report)


def test_notebooks_run_on_the_real_online_retail_file(online_retail, tmp_path):
    assert_notebooks_clean(build_report(online_retail, tmp_path))


def test_report_is_self_contained(sample_report):
    page = (sample_report / "smartcart_report.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section class="notebook" id="([^"]+)"', page)
    assert sections == [path.stem for path in NOTEBOOKS]
    assert len(re.findall(r'<img\b[^>]*\bsrc="data:image/png;base64,', page)) >= len(NOTEBOOKS)
    # Nothing fetched: no script or style sheet by URL, no remote image or font.
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(\s*['\"]?(https?:)?//", page)
    assert not re.search(r"""\b(src|href)=["']?(https?:)?//""", page)


def test_report_in_a_browser_shows_every_section_with_a_chart(sample_report):
    with chromium_page((sample_report / "smartcart_report.html").as_uri()) as (page, problems):
        sections = page.locator("section.notebook")
        assert sections.count() == len(NOTEBOOKS)
        for index in range(sections.count()):
            section = sections.nth(index)
            title = section.get_attribute("data-title")
            images = section.locator("img")
            assert images.count() >= 1, f"{title}: no image"
            rendered = images.evaluate_all(
                "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length"
            )
            assert rendered == images.count(), f"{title}: {images.count() - rendered} images did not render"
            assert section.locator("text=Takeaway:").count() >= 1, f"{title}: no takeaway"
            assert (
                section.locator(".output_error, [data-mime-type='application/vnd.jupyter.stderr']").count()
                == 0
            )
            assert "Traceback" not in section.inner_text()
        assert problems == []
        screenshot(page, "report", full_page=True)
