"""Customer marts on real data: RFM, customer 360, value tiers, repeat, cohorts, retention.

Two public files with opposite shapes: UCI Online Retail (wholesalers who come back, some
customers with only cancellations) and the shopping-mall sample (every customer buys exactly
once), so every mart must build and say plainly that nobody came back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT, query

SAMPLE = REPO_ROOT / "data" / "sample" / "invoice_lines.csv.gz"


def _one(warehouse: Path, sql: str):
    rows = query(warehouse, sql)
    assert len(rows) == 1, rows
    return rows[0]


# --- shared invariants, checked on both files -------------------------------------------------


@pytest.fixture(params=["online_retail", "mall"])
def warehouse(request) -> Path:
    return request.getfixturevalue(request.param)


def test_rfm_covers_every_customer_and_only_they_have_orders(warehouse: Path):
    customers, with_orders = _one(
        warehouse,
        "select count(*), count(case when order_count > 0 then 1 end) from marts.dim_customers",
    )
    rfm, rfm_with_orders = _one(
        warehouse,
        "select count(*), count(case when frequency > 0 then 1 end) from marts.customer_rfm",
    )
    (ordering_customers,) = _one(
        warehouse,
        """
        select count(distinct customer_id) from marts.fct_orders
        where invoice_type = 'order' and customer_id is not null
        """,
    )
    assert customers > 0
    assert rfm == customers
    assert rfm_with_orders == with_orders == ordering_customers


def test_value_tiers_partition_customers_and_revenue(warehouse: Path):
    shares = query(
        warehouse,
        """
        select value_tier, customer_count, share_of_customers, share_of_net_revenue,
               cumulative_share_of_net_revenue
        from marts.customer_value_summary order by value_tier_order
        """,
    )
    assert [row[0] for row in shares] == ["high", "medium", "low"]
    assert sum(row[2] for row in shares) == pytest.approx(1.0)
    assert sum(row[3] for row in shares) == pytest.approx(1.0)
    assert shares[-1][4] == pytest.approx(1.0)
    # Nominal 20 / 30 / 50 %, up to the customers tied at a cut.
    total = sum(row[1] for row in shares)
    assert shares[0][1] >= 0.2 * total - 1
    (top_10,) = _one(warehouse, "select count(*) from marts.dim_customers where is_top_10_percent")
    assert 0.1 * total - 1 <= top_10 <= shares[0][1]


def test_every_cohort_starts_with_full_retention(warehouse: Path):
    month_zero = query(
        warehouse,
        """
        select distinct retention_rate, active_customers = cohort_customers
        from marts.customer_cohorts where months_since_first_order = 0
        """,
    )
    assert month_zero == [(1.0, True)]
    # The cohorts hold every customer with an order, once.
    (in_cohorts,) = _one(
        warehouse,
        "select sum(cohort_customers) from marts.customer_cohorts where months_since_first_order = 0",
    )
    (with_orders,) = _one(warehouse, "select count(*) from marts.dim_customers where order_count > 0")
    assert in_cohorts == with_orders


def test_retention_flows_add_up(warehouse: Path):
    broken = query(
        warehouse,
        """
        select month_start_date from marts.customer_retention_monthly
        where active_customers != new_customers + returning_customers + reactivated_customers
        """,
    )
    assert broken == []
    (new_total,) = _one(warehouse, "select sum(new_customers) from marts.customer_retention_monthly")
    (with_orders,) = _one(warehouse, "select count(*) from marts.dim_customers where order_count > 0")
    assert new_total == with_orders


# --- Online Retail: customers who come back ---------------------------------------------------


def test_online_retail_has_repeat_customers_and_retention(online_retail: Path):
    types = dict(query(online_retail, "select customer_type, count(*) from marts.dim_customers group by 1"))
    assert types["repeat"] > types["one_time"] > 0
    # Customers whose only lines are cancellations of older orders still appear.
    assert types["no_orders"] > 0
    no_order_scores = query(
        online_retail,
        """
        select distinct r_score, f_score, rfm_segment from marts.customer_rfm
        where frequency = 0
        """,
    )
    assert {(r, f) for r, f, _ in no_order_scores} == {(1, 1)}
    rates = [
        rate
        for (rate,) in query(
            online_retail,
            "select retention_rate from marts.customer_retention_monthly where retention_rate is not null",
        )
    ]
    assert rates and all(0.1 < rate < 0.9 for rate in rates)
    (reactivated, churned) = _one(
        online_retail,
        "select sum(reactivated_customers), sum(churned_customers) from marts.customer_retention_monthly",
    )
    assert reactivated > 0 and churned > 0


def test_online_retail_rfm_uses_the_whole_scale(online_retail: Path):
    for score in ("r_score", "m_score"):
        used = {
            value for (value,) in query(online_retail, f"select distinct {score} from marts.customer_rfm")
        }
        assert used == {1, 2, 3, 4, 5}, score
    segments = {
        name for (name,) in query(online_retail, "select distinct rfm_segment from marts.customer_rfm")
    }
    assert {"Champions", "Lost", "At Risk"} <= segments


def test_online_retail_revenue_is_concentrated(online_retail: Path):
    high_share, high_customers = _one(
        online_retail,
        "select share_of_net_revenue, share_of_customers from marts.customer_value_summary where value_tier = 'high'",
    )
    # Wholesale data: the top fifth of customers brings well over half the revenue.
    assert high_customers == pytest.approx(0.2, abs=0.01)
    assert high_share > 0.5


# --- Shopping mall: every customer buys once --------------------------------------------------


def test_mall_has_no_repeat_customers_and_says_so(mall: Path):
    assert query(mall, "select distinct customer_type from marts.dim_customers") == [("one_time",)]
    assert query(
        mall, "select count(*) from marts.dim_customers where average_days_between_orders is not null"
    ) == [(0,)]
    repeat = query(
        mall,
        """
        select count(*), sum(active_customers), sum(net_revenue)
        from marts.customer_repeat_monthly where customer_type = 'repeat'
        """,
    )
    (months,) = _one(mall, "select count(*) from marts.customer_retention_monthly")
    assert repeat == [(months, 0, 0)]
    (one_time_share,) = _one(
        mall,
        """
        select min(share_of_active_customers) from marts.customer_repeat_monthly
        where customer_type = 'one_time' and active_customers > 0
        """,
    )
    assert one_time_share == 1.0


def test_mall_retention_is_zero_not_missing(mall: Path):
    flows = _one(
        mall,
        """
        select sum(returning_customers), sum(reactivated_customers), sum(retained_customers),
               max(retention_rate), count(retention_rate)
        from marts.customer_retention_monthly
        """,
    )
    assert flows[:4] == (0, 0, 0, 0.0)
    assert flows[4] > 0
    later_months = _one(
        mall,
        """
        select count(*), max(retention_rate), max(active_customers)
        from marts.customer_cohorts where months_since_first_order > 0
        """,
    )
    assert later_months[0] > 0 and later_months[1:] == (0.0, 0)


def test_mall_scores_stay_defined(mall: Path):
    assert query(mall, "select distinct f_score from marts.customer_rfm") == [(1,)]
    for score in ("r_score", "m_score"):
        used = {value for (value,) in query(mall, f"select distinct {score} from marts.customer_rfm")}
        assert used == {1, 2, 3, 4, 5}, score
    assert query(mall, "select count(*) from marts.customer_rfm where rfm_segment is null") == [(0,)]
    # Ten malls and three payment methods: every customer has a favourite store and payment.
    assert query(
        mall,
        """
        select count(*) from marts.dim_customers
        where favourite_store_id is null or favourite_payment_method is null
           or favourite_category is null
        """,
    ) == [(0,)]


# --- the bundled sample (multi-store, two years), once it is generated -------------------------


def test_sample_customer_marts(sample_warehouse_if_present: Path):
    types = dict(
        query(
            sample_warehouse_if_present,
            "select customer_type, count(*) from marts.dim_customers group by 1",
        )
    )
    assert types.get("repeat", 0) > 0
    (missing_store,) = _one(
        sample_warehouse_if_present,
        "select count(*) from marts.dim_customers where order_count > 0 and favourite_store_id is null",
    )
    assert missing_store == 0


@pytest.fixture
def sample_warehouse_if_present(sample_warehouse: Path) -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} not generated yet")
    return sample_warehouse
