"""The two pinned locks describe one environment: requirements-spark.txt is requirements.txt
plus Spark's packages, every shared pin identical (pyproject.toml, extra `spark`)."""

from __future__ import annotations

import re

from conftest import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


def _pins(name: str) -> dict[str, str]:
    lines = (REPO_ROOT / name).read_text().splitlines()
    return {match[1].lower(): match[2] for match in map(PIN.match, lines) if match}


def test_the_spark_lock_is_the_base_lock_plus_spark():
    base, spark = _pins("requirements.txt"), _pins("requirements-spark.txt")
    assert base and {name: spark.get(name) for name in base} == base
    assert {"dbt-spark", "pyspark"} <= set(spark) - set(base)
    assert "pyspark" not in base  # make build and make test never download Spark
