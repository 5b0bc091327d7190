"""Execute every notebook of ``notebooks/`` headless and write one self-contained HTML report.

Each notebook runs in its own Jupyter kernel (nbclient, no Jupyter server; all at once) against
the published warehouse, which the notebooks open read-only. The report embeds every chart as a
PNG data URI and loads no script, style sheet or font from anywhere. Written to the output
folder, each file atomically:

    smartcart_report.html     one section per notebook, charts and takeaways, no code
    notebooks/<name>.ipynb    the executed notebooks, code and outputs

    smartcart-report [--warehouse PATH] [--output-dir DIR]

A missing warehouse or a failing cell stops with one line and exit status 1 (the failed
notebook is still written, with its error, for inspection).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "smartcart.duckdb"
DEFAULT_OUTPUT_DIR = PROJECT_DIR / "reports"
REPORT_NAME = "smartcart_report.html"
CELL_TIMEOUT_SECONDS = 300

# The page's only style: inline, system fonts, nothing fetched.
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #1f2328; line-height: 1.45; }
header { border-bottom: 2px solid #d0d7de; margin-bottom: 1.5em; }
nav ol { columns: 2; }
section.notebook { border-top: 1px solid #d0d7de; margin-top: 2.5em; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border: 1px solid #d0d7de; padding: 0.2em 0.5em; text-align: right; }
pre { background: #f6f8fa; padding: 0.5em; overflow-x: auto; }
"""


class ReportError(Exception):
    """The report could not be built; the message is one line."""


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


# A database error as DuckDB words it ("Catalog Error: Table with name ... does not exist!").
DATABASE_ERROR = re.compile(r"\b[A-Z][A-Za-z]* Error: .*")


def _failure(notebook, error) -> str:
    """Which cell failed and why, in one line: the database's own message when there is one
    (jupysql prints it to the cell's output and raises a generic error)."""
    executed = [index for index, cell in enumerate(notebook.cells) if cell.get("execution_count")]
    index = executed[-1] if executed else 0
    outputs = notebook.cells[index].get("outputs", []) if notebook.cells else []
    texts = [output.get("text", "") for output in outputs] + [str(error.evalue)]
    for text in texts:
        if match := DATABASE_ERROR.search(text):
            return f"cell {index}: {match.group(0).strip()}"
    lines = [line.strip() for line in str(error.evalue).splitlines() if line.strip()]
    return f"cell {index}: {error.ename}: {lines[-1] if lines else ''}"


async def _execute(path: Path, output_dir: Path):
    """Run one notebook in its own kernel; write it executed; return it (raise on a cell error)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        # The kernels listen on loopback only; their routine start-up warnings are not news.
        extra_arguments=["--log-level=ERROR"],
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    try:
        # A kernel's own stderr (not its cells', which reach the notebook) stays off the
        # terminal, so a failure is still one line: under load, a kernel shut down after a
        # failing cell can print ZeroMQ's "Assertion failed: pfd.revents & POLLIN" there.
        await client.async_execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as error:
        raise ReportError(f"notebook {path.name} failed at {_failure(notebook, error)}") from error
    finally:
        _write_atomically(output_dir / "notebooks" / path.name, nbformat.writes(notebook))
    return notebook


async def _execute_all(paths: list[Path], output_dir: Path) -> list:
    results = await asyncio.gather(*(_execute(path, output_dir) for path in paths), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _title(notebook, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def render(notebooks: list[tuple[str, object]], warehouse: Path, as_of: str) -> str:
    """The report page: a contents list, then each notebook's outputs (no code) in a section."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    contents, sections = [], []
    for name, notebook in notebooks:
        title = html.escape(_title(notebook, name))
        body, _ = exporter.from_notebook_node(notebook)
        contents.append(f'<li><a href="#{name}">{title}</a></li>')
        sections.append(f'<section class="notebook" id="{name}" data-title="{title}">\n{body}\n</section>')
    built = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>SmartCart report</title>",
            f"<style>{STYLE}</style></head><body>",
            "<header><h1>SmartCart report</h1>",
            f"<p>Warehouse <code>{html.escape(warehouse.name)}</code>, computed as of <b>{as_of}</b>; "
            f"report built {built}. Amounts are in the export's currency.</p>",
            f"<nav><ol>{''.join(contents)}</ol></nav></header>",
            *sections,
            "</body></html>",
        ]
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _as_of_date(warehouse: Path) -> str:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return str(con.sql("select max(as_of_date) from marts.sales_forecast").fetchone()[0])


def build_report(warehouse: Path, output_dir: Path) -> Path:
    """Execute the notebooks against ``warehouse``; return the path of the HTML report."""
    warehouse = warehouse.resolve()
    if not warehouse.is_file():
        raise ReportError(f"no warehouse at {warehouse}: run `make build` first")
    paths = notebook_paths()
    if not paths:
        raise ReportError(f"no notebooks in {NOTEBOOKS_DIR}")
    as_of = _as_of_date(warehouse)
    # The kernels inherit the environment: it names the warehouse they read.
    os.environ["SMARTCART_WAREHOUSE"] = str(warehouse)
    executed = asyncio.run(_execute_all(paths, output_dir))
    report = output_dir / REPORT_NAME
    page = render([(path.stem, notebook) for path, notebook in zip(paths, executed)], warehouse, as_of)
    _write_atomically(report, page)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the notebooks and write the HTML report.")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    args = parser.parse_args(argv)
    try:
        report = build_report(args.warehouse, args.output_dir)
    except ReportError as error:
        print(f"smartcart: report failed: {error}", file=sys.stderr)
        return 1
    print(f"smartcart: report written to {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
