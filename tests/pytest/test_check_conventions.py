"""smartcart-check-conventions: the project passes, a backward edge fails, exceptions stay true.

The check runs through its CLI on the manifest of a real ``dbt parse`` of this project, then on
copies of it with one rule broken.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smartcart import check_conventions

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECK = [sys.executable, "-m", "smartcart.check_conventions"]


@pytest.fixture(scope="module")
def manifest(parsed_project: Path) -> dict:
    return json.loads((parsed_project / "manifest.json").read_text())


def _check(manifest: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return subprocess.run([*CHECK, str(path)], capture_output=True, text=True)


def _add_edge(manifest: dict, child: str, parent: str) -> dict:
    changed = copy.deepcopy(manifest)
    changed["nodes"][f"model.smartcart.{child}"]["depends_on"]["nodes"].append(f"model.smartcart.{parent}")
    return changed


def test_the_project_passes(manifest: dict, tmp_path: Path):
    result = _check(manifest, tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("conventions: 0 violation(s)")


@pytest.mark.parametrize(
    ("child", "parent", "expected"),
    [
        # an intermediate reading an area mart: the edge this project removed
        ("int_customer_features_selected", "customer_rfm", "intermediate reads mart"),
        # the core star schema reading an area mart
        ("dim_customers", "customer_value_summary", "core reads mart"),
        # a Python model (an intermediate table) reading an area mart
        ("segmentation_search_results", "customer_rfm", "python reads mart"),
        # staging reading anything but a source
        ("stg_smartcart__invoice_lines", "int_as_of_date", "staging reads intermediate"),
    ],
)
def test_a_new_backward_edge_fails(manifest: dict, tmp_path: Path, child, parent, expected):
    result = _check(_add_edge(manifest, child, parent), tmp_path)
    assert result.returncode == 1
    assert f"reads against the layer order: {child} -> {parent} ({expected})" in result.stdout
    assert "conventions: 1 violation(s)" in result.stdout


def test_forward_edges_pass(manifest: dict, tmp_path: Path):
    # a mart may read a mart, an intermediate the core star schema, the core an intermediate
    changed = _add_edge(manifest, "customer_value_summary", "customer_rfm")
    changed = _add_edge(changed, "int_customers_tiered", "dim_products")
    changed = _add_edge(changed, "fct_orders", "int_as_of_date")
    assert _check(changed, tmp_path).returncode == 0


def test_a_primary_key_test_of_a_filtered_subset_does_not_count(manifest: dict, tmp_path: Path):
    # fct_sales_lines' unique test reads the lines the build validated (a build scope, which
    # counts); a filter of the analyst's choosing reads a subset the key may repeat in.
    changed = copy.deepcopy(manifest)
    (unique,) = (
        node
        for node in changed["nodes"].values()
        if node.get("attached_node") == "model.smartcart.fct_sales_lines"
        and (node.get("test_metadata") or {}).get("name") == "unique"
    )
    assert unique["config"]["where"] in check_conventions.BUILD_SCOPES
    unique["config"]["where"] = "line_type = 'sale'"
    result = _check(changed, tmp_path)
    assert result.returncode == 1
    assert "fct_sales_lines.sql: no primary-key test" in result.stdout


def test_an_exception_that_no_longer_applies_fails(manifest: dict, tmp_path: Path):
    changed = copy.deepcopy(manifest)
    changed["nodes"]["model.smartcart.int_sales_periods_aggregated"]["config"]["materialized"] = "view"
    result = _check(changed, tmp_path)
    assert result.returncode == 1
    assert (
        "exception no longer needed, remove it: materialization int_sales_periods_aggregated" in result.stdout
    )


def test_the_readme_deviations_are_the_exceptions():
    source = Path(check_conventions.__file__).read_text()
    excepted = set(re.findall(r'\("(?:naming|materialization|direction)", "([a-z_ >-]+)"\)', source))
    section = REPO_ROOT.joinpath("README.md").read_text().split("Deviations from the house style")[1]
    section = section.split("\n## ")[0]
    listed = set(re.findall(r"`(int_[a-z_]+|stg_[a-z_]+|fct_[a-z_]+|dim_[a-z_]+)`", section))
    assert excepted, "no exceptions found in the check"
    assert excepted == listed


def test_a_missing_manifest_fails_in_one_line(tmp_path: Path):
    result = subprocess.run([*CHECK, str(tmp_path / "manifest.json")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"smartcart: no dbt manifest at {tmp_path / 'manifest.json'}; run dbt parse first"
    ]
