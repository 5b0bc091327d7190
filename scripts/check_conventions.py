"""Check the project's conventions on dbt's manifest (run after ``dbt parse``).

Rules (README, "Conventions"):
- naming: a model's prefix matches its folder (staging ``stg_<source>__``, intermediate ``int_``,
  marts/core ``fct_``/``dim_``; other marts and Python models use business names without a
  layer prefix);
- every model has a description that states its grain, and every documented column a description;
- every model has a primary-key test: ``unique`` and ``not_null`` on one column, or
  ``unique_combination_of_columns``;
- ``source()`` is used only in staging;
- every ``access: public`` model has an enforced contract;
- every exposure has a description and depends only on public models with an enforced contract.

Exceptions are listed in EXCEPTIONS with a reason. Prints one line per violation; exit 1 if any.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

# (rule, model name) -> why the rule does not apply.
EXCEPTIONS: dict[tuple[str, str], str] = {}

LAYER_PREFIXES = {
    "staging": re.compile(r"^stg_[a-z0-9]+__[a-z0-9_]+$"),
    "intermediate": re.compile(r"^int_[a-z0-9_]+$"),
    "marts/core": re.compile(r"^(fct|dim)_[a-z0-9_]+$"),
}
LAYER_NAMES = re.compile(r"^(stg|int|fct|dim)_")


def _layer(path: str) -> str:
    parts = Path(path).parts
    if parts[0] == "marts" and len(parts) > 2 and parts[1] == "core":
        return "marts/core"
    return parts[0]


def _naming_violation(name: str, path: str) -> str | None:
    layer = _layer(path)
    pattern = LAYER_PREFIXES.get(layer)
    if pattern is not None:
        return None if pattern.match(name) else f"name does not match the {layer} convention"
    if LAYER_NAMES.match(name):
        return f"layer prefix used outside its folder ({path})"
    return None


def _primary_key_tests(manifest: dict) -> set[str]:
    """Models with a unique + not_null column pair or a unique combination test."""
    column_tests: dict[tuple[str, str], set[str]] = defaultdict(set)
    with_key: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("attached_node"):
            continue
        test_name = (node.get("test_metadata") or {}).get("name")
        model = node["attached_node"]
        if test_name == "unique_combination_of_columns" and not node["config"].get("where"):
            with_key.add(model)
        elif test_name in {"unique", "not_null"} and node.get("column_name"):
            column_tests[(model, node["column_name"])].add(test_name)
    with_key.update(model for (model, _), tests in column_tests.items() if tests >= {"unique", "not_null"})
    return with_key


def check(manifest: dict) -> list[str]:
    violations = []
    keyed = _primary_key_tests(manifest)
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model" or node["package_name"] != "smartcart":
            continue
        name, path = node["name"], node["path"]
        found = []
        if (problem := _naming_violation(name, path)) is not None:
            found.append(("naming", problem))
        if "grain" not in node["description"].lower():
            found.append(("description", "description missing or does not state the grain"))
        undocumented = [c for c, col in node["columns"].items() if not col["description"].strip()]
        if undocumented:
            found.append(("description", f"columns without description: {', '.join(undocumented)}"))
        if unique_id not in keyed:
            found.append(("primary_key", "no primary-key test (unique + not_null, or unique combination)"))
        sources = [n for n in node["depends_on"]["nodes"] if n.startswith("source.")]
        if sources and _layer(path) != "staging":
            found.append(("source", "source() used outside staging"))
        if node.get("access") == "public" and not node["config"]["contract"]["enforced"]:
            found.append(("contract", "public model without an enforced contract"))
        violations += [
            f"{path}: {message}" for rule, message in found if (rule, name) not in EXCEPTIONS
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
            if node.get("access") != "public" or not node.get("config", {}).get("contract", {}).get("enforced"):
                violations.append(f"{where}: depends on {unique_id}, not a public contracted model")
    return violations


def main(argv: list[str]) -> int:
    manifest_path = Path(argv[1] if len(argv) > 1 else "target/manifest.json")
    violations = check(json.loads(manifest_path.read_text()))
    for violation in violations:
        print(violation)
    print(f"conventions: {len(violations)} violation(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
