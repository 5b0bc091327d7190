"""The semantic layer: `mf query` (MetricFlow's CLI, as an analyst runs it) on the published
sample warehouse returns exactly the rows of the sales_kpis_monthly marts."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPO_ROOT, query

MF = Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv")) / "bin" / "mf"


@pytest.fixture(scope="module")
def metric_warehouse(sample_warehouse: Path, tmp_path_factory) -> Path:
    """A copy of the sample warehouse: MetricFlow's dbt-duckdb connection opens it read-write,
    and the session's warehouses are only ever read."""
    copy = tmp_path_factory.mktemp("semantic_layer") / "smartcart.duckdb"
    shutil.copyfile(sample_warehouse, copy)
    # mf reads the project's target/semantic_manifest.json: parse it for this file, whose
    # catalog name the relations carry (another build may have parsed for another file).
    subprocess.run(
        [str(MF.with_name("dbt")), "parse", "--quiet"],
        cwd=REPO_ROOT,
        env={**os.environ, "SMARTCART_DB_PATH": str(copy), "DBT_PROFILES_DIR": str(REPO_ROOT)},
        check=True,
    )
    return copy


def mf_query(warehouse: Path, out: Path, *args: str) -> list[dict[str, str]]:
    """Rows of `mf query ... --csv out` against ``warehouse``."""
    env = {**os.environ, "SMARTCART_DB_PATH": str(warehouse), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    result = subprocess.run(
        [str(MF), "query", *args, "--csv", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and out.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def test_net_revenue_and_orders_by_month_equal_sales_kpis_monthly(metric_warehouse: Path, tmp_path: Path):
    rows = mf_query(
        metric_warehouse,
        tmp_path / "monthly.csv",
        "--metrics", "net_revenue,orders",
        "--group-by", "metric_time__month",
        "--order", "metric_time__month",
    )  # fmt: skip
    got = [(_month(r["metric_time__month"]), Decimal(r["net_revenue"]), int(r["orders"])) for r in rows]
    expected = query(
        metric_warehouse,
        "select month_start_date, net_revenue, orders from marts.sales_kpis_monthly order by 1",
    )
    assert len(expected) >= 12
    assert got == expected


def test_net_revenue_and_orders_by_month_and_store_equal_sales_kpis_monthly_by_store(
    metric_warehouse: Path, tmp_path: Path
):
    """MetricFlow has no row for a store-month without any product line, where the mart has
    zeros: those rows are compared by being absent on one side and all-zero on the other."""
    rows = mf_query(
        metric_warehouse,
        tmp_path / "by_store.csv",
        "--metrics", "net_revenue,orders",
        "--group-by", "metric_time__month,store",
    )  # fmt: skip
    got = sorted(
        (_month(r["metric_time__month"]), r["store"], Decimal(r["net_revenue"]), int(r["orders"]))
        for r in rows
    )
    mart = query(
        metric_warehouse,
        "select month_start_date, store_id, net_revenue, orders "
        "from marts.sales_kpis_monthly_by_store order by 1, 2",
    )
    expected = [row for row in mart if row[2] != 0 or row[3] != 0]
    assert len({row[1] for row in expected}) >= 2
    assert got == expected
    assert all(row[2] == 0 and row[3] == 0 for row in mart if row not in expected)


def test_metric_definitions_agree_with_the_monthly_mart(metric_warehouse: Path, tmp_path: Path):
    """The other governed metrics: one definition each, equal to the mart's column."""
    columns = {  # metric -> sales_kpis_monthly column
        "gross_sales": "gross_sales", "discounts": "discounts", "returns_amount": "returns_amount",
        "cost": "cost_amount", "margin": "margin_amount", "margin_rate": "margin_rate",
        "units_sold": "units_sold", "units_returned": "units_returned",
        "active_customers": "active_customers", "new_customers": "new_customers",
        "returning_customers": "returning_customers", "average_order_value": "average_order_value",
        "units_per_order": "units_per_order", "net_revenue_mom_growth": "net_revenue_mom_growth",
    }  # fmt: skip
    rows = mf_query(
        metric_warehouse,
        tmp_path / "metrics.csv",
        "--metrics", ",".join(columns),
        "--group-by", "metric_time__month",
        "--order", "metric_time__month",
    )  # fmt: skip
    mart = query(
        metric_warehouse,
        f"select {', '.join(columns.values())} from marts.sales_kpis_monthly order by month_start_date",
    )
    assert len(rows) == len(mart)
    for row, expected in zip(rows, mart, strict=True):
        for metric, value in zip(columns, expected, strict=True):
            got = row[metric]
            if value is None:
                assert got == "", metric
            elif isinstance(value, float):
                assert float(got) == pytest.approx(value, rel=1e-9), metric
            else:  # decimal(18, 4) money, rounded like the mart, or a count
                assert Decimal(got).quantize(Decimal("0.0001")) == value, metric
