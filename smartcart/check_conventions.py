"""Check the project's conventions on dbt's manifest (run after ``dbt parse``).

Rules (README, "Layout and conventions"):
- direction: data flows staging -> intermediate -> core star schema -> area marts. Staging reads
  sources only; intermediates (and the Python models, whose outputs are intermediate tables) read
  staging, intermediates, seeds and the core star schema; the core reads the same plus the core;
  area marts read anything but sources. An edge against that order is a violation;
- naming: a model's prefix matches its folder (staging ``stg_<source>__<entity>s``, intermediate
  ``int_<entity>s_<verb>ed``, marts/core ``fct_``/``dim_``; other marts and Python models use
  business names without a layer prefix);
- materialization: staging and SQL intermediates are views (a table only where many readers
  would otherwise recompute it);
- every model has a description that states its grain, and every documented column a description;
- every model has a primary-key test: ``unique`` and ``not_null`` on one column, or
  ``unique_combination_of_columns``, reading every row or only the rows the build loaded or
  validated (BUILD_SCOPES; the earlier rows passed the build that made them), never a
  filtered subset;
- ``source()`` is used only in staging;
- every ``access: public`` model has an enforced contract;
- every exposure has a description and depends only on public models with an enforced contract.

Every deviation is listed in EXCEPTIONS with its reason (the README's "Deviations" list is this
list). Prints one line per violation; exit 1 if any.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

# (rule, model name) -> why the rule does not apply. For the direction rule the subject is the
# edge, "child -> parent". Keep the README's "Deviations" list in step (a test checks it).
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("naming", "int_as_of_date"): (
        "a one-row table of the build's parameter (the date every model is computed as of), "
        "not an entity that was transformed"
    ),
    ("naming", "int_forecast_calendar"): "named for the forecast input it prepares (the calendar)",
    ("naming", "int_forecast_series"): "named for the forecast input it prepares (the series)",
    ("naming", "int_forecast_series_lines"): "named for the forecast input it prepares",
    ("naming", "int_forecast_series_daily"): "named for the forecast input it prepares",
    ("materialization", "int_as_of_date"): "every model reads the one row: computed once",
    ("materialization", "int_invoice_lines_validated"): (
        "the duplicate detection over every raw line runs once, not once per reader; incremental"
        " on DuckDB, so an append validates only what its load can change"
    ),
    ("materialization", "int_sales_lines_attributed"): (
        "the line-level joins run once: four sales models read it, three of them more than once;"
        " incremental on DuckDB, so an append re-attributes only the lines its load can change"
    ),
    ("materialization", "int_customers_aggregated"): (
        "every line and order is aggregated once, not once per reader and data test (the RFM"
        " scoring, the tiers, dim_customers; at 16.8M lines a test of the view took 25-70 s)"
    ),
    ("materialization", "int_customer_preferences_ranked"): (
        "every line and order is ranked once, not once per reader and data test"
    ),
    ("materialization", "int_forecast_series_daily"): (
        "both forecasting Python models and the tests read it"
    ),
    ("materialization", "int_sales_periods_aggregated"): (
        "six sales KPI marts read it; as a view it would be computed once per mart; incremental"
        " on DuckDB, so an append re-aggregates only the periods its load can change"
    ),
    ("materialization", "int_sales_windows_aggregated"): (
        "four performance marts read it; as a view it would be computed once per mart"
    ),
}

LAYER_PREFIXES = {
    "staging": re.compile(r"^stg_[a-z0-9]+__[a-z0-9_]+s$"),
    "intermediate": re.compile(r"^int_[a-z0-9_]+s_[a-z0-9_]*[a-z]ed$"),
    "core": re.compile(r"^(fct|dim)_[a-z0-9_]+$"),
}
LAYER_NAMES = re.compile(r"^(stg|int|fct|dim)_")

# Layer of a node -> the layers it may read.
ALLOWED_PARENTS = {
    "staging": {"source"},
    "intermediate": {"staging", "intermediate", "python", "seed", "core"},
    "python": {"staging", "intermediate", "python", "seed", "core"},
    "core": {"staging", "intermediate", "python", "seed", "core"},
    "mart": {"staging", "intermediate", "python", "seed", "core", "mart"},
}


def _layer(node: dict) -> str:
    """staging, intermediate, core, mart, python (dbt Python models), seed or source."""
    if node["resource_type"] in {"seed", "source"}:
        return node["resource_type"]
    parts = Path(node["original_file_path"]).parts
    if parts[0] == "python_models":
        return "python"
    if parts[:2] == ("models", "marts"):
        return "core" if parts[2] == "core" else "mart"
    return parts[1]


def _naming_violation(name: str, layer: str) -> str | None:
    pattern = LAYER_PREFIXES.get(layer)
    if pattern is not None:
        return None if pattern.match(name) else f"name does not match the {layer} convention"
    if LAYER_NAMES.match(name):
        return f"layer prefix used outside its folder ({layer})"
    return None


def _backward_edges(manifest: dict, node: dict) -> list[str]:
    """Parents of ``node`` it may not read, as "child -> parent"."""
    allowed = ALLOWED_PARENTS[_layer(node)]
    edges = []
    for parent_id in node["depends_on"]["nodes"]:
        parent = manifest["nodes"].get(parent_id) or manifest["sources"].get(parent_id)
        if parent is None or parent["resource_type"] not in {"model", "seed", "source"}:
            continue
        if _layer(parent) not in allowed:
            edges.append(f"{node['name']} -> {parent['name']} ({_layer(node)} reads {_layer(parent)})")
    return edges


# The `where` scopes of macros/get_where_subquery.sql: what this build loaded or validated.
BUILD_SCOPES = {"__latest_load__", "__lines_validated_by_this_build__"}


def _primary_key_tests(manifest: dict) -> set[str]:
    """Models with a unique + not_null column pair or a unique combination test, each over
    every row or a build scope."""
    column_tests: dict[tuple[str, str], set[str]] = defaultdict(set)
    with_key: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("attached_node"):
            continue
        test_name = (node.get("test_metadata") or {}).get("name")
        model = node["attached_node"]
        if node["config"].get("where") not in {None, *BUILD_SCOPES}:
            continue
        if test_name == "unique_combination_of_columns":
            with_key.add(model)
        elif test_name in {"unique", "not_null"} and node.get("column_name"):
            column_tests[(model, node["column_name"])].add(test_name)
    with_key.update(model for (model, _), tests in column_tests.items() if tests >= {"unique", "not_null"})
    return with_key


def check(manifest: dict) -> list[str]:
    violations = []
    used: set[tuple[str, str]] = set()
    keyed = _primary_key_tests(manifest)
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model" or node["package_name"] != "smartcart":
            continue
        name, path, layer = node["name"], node["original_file_path"], _layer(node)
        found = [
            ("direction", edge.split(" (")[0], f"reads against the layer order: {edge}")
            for edge in _backward_edges(manifest, node)
        ]
        if (problem := _naming_violation(name, layer)) is not None:
            found.append(("naming", name, problem))
        if layer in {"staging", "intermediate"} and node["config"]["materialized"] != "view":
            found.append(
                ("materialization", name, f"{layer} model is a {node['config']['materialized']}, not a view")
            )
        if "grain" not in node["description"].lower():
            found.append(("description", name, "description missing or does not state the grain"))
        undocumented = [c for c, col in node["columns"].items() if not col["description"].strip()]
        if undocumented:
            found.append(("description", name, f"columns without description: {', '.join(undocumented)}"))
        if unique_id not in keyed:
            found.append(
                ("primary_key", name, "no primary-key test (unique + not_null, or unique combination)")
            )
        sources = [n for n in node["depends_on"]["nodes"] if n.startswith("source.")]
        if sources and layer != "staging":
            found.append(("source", name, "source() used outside staging"))
        if node.get("access") == "public" and not node["config"]["contract"]["enforced"]:
            found.append(("contract", name, "public model without an enforced contract"))
        for rule, subject, message in found:
            if (rule, subject) in EXCEPTIONS:
                used.add((rule, subject))
            else:
                violations.append(f"{path}: {message}")
    violations += [
        f"smartcart/check_conventions.py: exception no longer needed, remove it: {rule} {subject}"
        for rule, subject in EXCEPTIONS
        if (rule, subject) not in used
    ]
    return violations + _exposure_violations(manifest)


def _exposure_violations(manifest: dict) -> list[str]:
    violations = []
    for exposure in sorted(manifest["exposures"].values(), key=lambda e: e["unique_id"]):
        where = f"{exposure['original_file_path']}: exposure {exposure['name']}"
        if not exposure["description"].strip():
            violations.append(f"{where}: no description")
        for unique_id in exposure["depends_on"]["nodes"]:
            node = manifest["nodes"].get(unique_id, {})
            if node.get("access") != "public" or not node.get("config", {}).get("contract", {}).get(
                "enforced"
            ):
                violations.append(f"{where}: depends on {unique_id}, not a public contracted model")
    return violations


def main(argv: list[str] | None = None) -> int:
    """``smartcart-check-conventions [MANIFEST]`` (default target/manifest.json)."""
    args = sys.argv[1:] if argv is None else argv
    manifest_path = Path(args[0] if args else "target/manifest.json")
    if not manifest_path.is_file():
        print(f"smartcart: no dbt manifest at {manifest_path}; run dbt parse first", file=sys.stderr)
        return 2
    violations = check(json.loads(manifest_path.read_text()))
    for violation in violations:
        print(violation)
    print(f"conventions: {len(violations)} violation(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
