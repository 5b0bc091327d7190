"""Sales marts on real data: UCI Online Retail, the mall file and the bundled sample.

Each test states a property the marts must have on that data and fails if they do not; the
warehouses are built once per session through the real build (conftest).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from conftest import query
from scipy import sparse

AFFINITY_MIN_INVOICES = 10  # dbt_project.yml var affinity_min_invoices


def _dates(warehouse: Path, sql: str) -> list[dt.date]:
    return [row[0] for row in query(warehouse, sql)]


# --- UCI Online Retail: one online store, no cost, discount or payment method -----------------


def test_uci_affinity_matches_an_independent_count_over_every_invoice(online_retail: Path):
    """Every order invoice and every product counts: the pairs and their counts equal a sparse
    invoice x product matrix product computed here, not a sample of it."""
    lines = query(
        online_retail,
        "select distinct invoice_id, product_id from marts.fct_sales_lines where line_type = 'sale'",
    )
    invoices = sorted({invoice for invoice, _ in lines})
    products = sorted({product for _, product in lines})
    invoice_index = {invoice: i for i, invoice in enumerate(invoices)}
    product_index = {product: i for i, product in enumerate(products)}
    basket = sparse.csr_matrix(
        (
            np.ones(len(lines), dtype=np.int32),
            ([invoice_index[i] for i, _ in lines], [product_index[p] for _, p in lines]),
        ),
        shape=(len(invoices), len(products)),
    )
    together = sparse.triu(basket.T @ basket, k=1).tocoo()
    keep = together.data >= AFFINITY_MIN_INVOICES
    expected = {
        (products[a], products[b]): int(n)
        for a, b, n in zip(together.row[keep], together.col[keep], together.data[keep])
    }
    per_product = dict(zip(products, np.asarray(basket.sum(axis=0)).ravel().tolist()))

    rows = query(
        online_retail,
        """
        select product_a_id, product_b_id, invoices_with_both, invoices_with_a, invoices_with_b,
               total_invoices, lift
        from marts.product_affinity
        """,
    )
    (order_invoices,) = query(
        online_retail, "select count(*) from marts.fct_orders where invoice_type = 'order'"
    )[0]
    assert len(invoices) == order_invoices > 12_000
    assert len(products) > 3_500
    assert {(a, b): n for a, b, n, *_ in rows} == expected
    assert {total for *_, total, _ in rows} == {order_invoices}
    for a, b, _, with_a, with_b, _, _ in rows:
        assert (with_a, with_b) == (per_product[a], per_product[b])
    # Pairs bought together far more than chance exist (sets sold as separate products).
    assert max(lift for *_, lift in rows) > 100


def test_uci_without_cost_or_discount_gives_null_not_zero(online_retail: Path):
    checks = {
        "sales_kpis_daily": "count(cost_amount) + count(margin_amount) + count(discounts)",
        "sales_kpis_monthly_by_store": "count(cost_amount) + count(margin_rate) + count(discounts)",
        "product_performance": "count(cost_amount) + count(margin_amount) + count(discounts)",
        "category_performance": "count(margin_amount) + count(margin_rate)",
        "discount_impact": "count(effective_margin) + count(average_discount_depth) + count(volume_lift)",
    }
    for table, known in checks.items():
        (rows, known_values) = query(online_retail, f"select count(*), {known} from marts.{table}")[0]
        assert rows > 0, table
        assert known_values == 0, f"{table} reports a cost, margin or discount the export lacks"
    bands = query(online_retail, "select distinct discount_band from marts.discount_impact")
    assert bands == [("unknown",)]
    # ...while what the export does carry is computed.
    (revenue, orders) = query(
        online_retail, "select sum(net_revenue), sum(orders) from marts.sales_kpis_daily"
    )[0]
    assert revenue > 5_000_000 and orders > 12_000


def test_uci_daily_series_has_every_day_with_zeros_on_closed_days(online_retail: Path):
    days = _dates(online_retail, "select date_day from marts.sales_kpis_daily order by date_day")
    (as_of,) = query(online_retail, "select as_of_date from intermediate.int_as_of_date")[0]
    assert days[0] == dt.date(2010, 12, 1) and days[-1] == as_of == dt.date(2011, 8, 31)
    assert len(days) == (days[-1] - days[0]).days + 1 == len(set(days))
    # The retailer does not trade on Saturdays: those days are present, with zeros.
    saturdays = query(
        online_retail,
        """
        select count(*), sum(net_revenue), sum(orders), count(net_revenue)
        from marts.sales_kpis_daily
        where dayofweek(date_day) = 6
        """,
    )[0]
    assert saturdays[0] >= 38 and saturdays[1:] == (0, 0, saturdays[0])


def test_uci_abc_classes_follow_pareto(online_retail: Path):
    shares = dict(
        query(
            online_retail,
            """
            select abc_class, sum(net_revenue) / (select sum(net_revenue) from marts.product_performance
                                                   where net_revenue > 0)
            from marts.product_performance
            where net_revenue > 0
            group by abc_class
            """,
        )
    )
    assert 0.80 <= shares["A"] < 0.81
    assert 0.94 <= shares["A"] + shares["B"] < 0.96
    (top_a, products) = query(
        online_retail,
        "select count(case when abc_class = 'A' then 1 end), count(*) from marts.product_performance",
    )[0]
    assert top_a < products / 3  # a few products make most of the revenue


# --- Mall file: ten stores, one line per invoice, dates without times -------------------------


def test_mall_degrades_gracefully(mall: Path):
    (stores,) = query(mall, "select count(*) from marts.store_performance")[0]
    assert stores == 10
    # One product line per invoice: no pair is ever bought together.
    assert query(mall, "select count(*) from marts.product_affinity") == [(0,)]
    # Dates without times: no hour-of-day profile, while the weekday profile exists.
    hours = query(
        mall,
        """
        select count(*), count(net_revenue_index) from marts.seasonality_profile
        where profile = 'hour_of_day'
        """,
    )
    assert hours == [(24, 0)]
    (weekdays,) = query(
        mall,
        "select count(net_revenue_index) from marts.seasonality_profile where profile = 'day_of_week'",
    )[0]
    assert weekdays == 7
    # Every customer buys once: all active customers are new.
    (returning,) = query(mall, "select sum(returning_customers) from marts.sales_kpis_monthly")[0]
    assert returning == 0
    methods = {
        row[0]
        for row in query(
            mall, "select payment_method from marts.payment_method_mix where breakdown = 'total'"
        )
    }
    assert methods == {"cash", "credit_card", "debit_card"}


# --- Bundled sample: stores, regions, discounts, costs, payments, ages --------------------------


def test_sample_margins_discounts_and_payments_are_known(sample_warehouse: Path):
    (days, costed, discounted) = query(
        sample_warehouse,
        "select count(*), count(margin_amount), count(discounts) from marts.sales_kpis_daily",
    )[0]
    assert days == costed == discounted > 700
    (unknown_share,) = query(
        sample_warehouse,
        """
        select sum(share_of_orders) from marts.payment_method_mix
        where breakdown = 'total' and payment_method = 'unknown'
        """,
    )[0]
    assert unknown_share is None or unknown_share < 0.01
    (regions,) = query(sample_warehouse, "select count(*) from marts.region_performance")[0]
    assert regions >= 5


def test_sample_promotions_lift_volume(sample_warehouse: Path):
    """The sample's promotions carry 1.3x-1.9x the lines of the category: every discounted band
    with a baseline must show a lift, and its effective margin rate must be below the gross one."""
    bands = query(
        sample_warehouse,
        """
        select category, discount_band, volume_lift, gross_margin_rate, effective_margin_rate,
               average_discount_depth
        from marts.discount_impact
        where discount_band not in ('none', 'unknown') and category_days >= 5
        """,
    )
    assert len(bands) >= 5
    for category, band, lift, gross_rate, effective_rate, depth in bands:
        assert lift is not None and lift > 1.1, (category, band, lift)
        assert effective_rate < gross_rate, (category, band)
        assert 0 < depth < 0.5


def test_sample_seasonality_peaks_in_q4(sample_warehouse: Path):
    flags = dict(
        query(
            sample_warehouse,
            "select period_label, is_peak from marts.seasonality_profile where profile = 'quarter'",
        )
    )
    assert flags["Q4"] is True
    (december,) = query(
        sample_warehouse,
        """
        select net_revenue_index from marts.seasonality_profile
        where profile = 'month_of_year' and period_number = 12
        """,
    )[0]
    assert december > 1.1
