"""smartcart_ml.predictions on small hand-computed fixtures and one seeded synthetic history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from smartcart_ml import predictions as p

CUTOFF = "2024-01-31"


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Fit on one thread, as the dbt models do (OpenMP oversubscription is slower on a busy machine)."""
    with threadpool_limits(1):
        yield


def customer_days(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "activity_date", "order_count", "net_revenue"])


# A: orders on Jan 1 (1, 100) and Jan 21 (2, 50), a return on Jan 25 (-10), an order after the
# cutoff. B: one order on Dec 2.
HAND = customer_days(
    [
        ("A", "2024-01-01", 1, 100.0),
        ("A", "2024-01-21", 2, 50.0),
        ("A", "2024-01-25", 0, -10.0),
        ("A", "2024-02-10", 1, 30.0),
        ("B", "2023-12-02", 1, 40.0),
    ]
)


def synthetic_days(customers: int = 400, seed: int = 7) -> pd.DataFrame:
    """Customers with their own order rate over 2023; a third stop ordering at a random date."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    rows = []
    for number in range(customers):
        rate = rng.gamma(2.0, 1 / 40)  # orders per day, mean 0.05
        first = int(rng.integers(0, 200))
        stop = int(rng.integers(first, 365)) if number % 3 == 0 else 365
        for day in range(first, stop):
            if day == first or rng.random() < rate:
                rows.append(
                    (f"C{number:04d}", start + pd.Timedelta(days=day), 1, float(rng.gamma(2.0, 25.0)))
                )
    return customer_days(rows)


def test_features_are_computed_from_the_days_up_to_the_cutoff_only():
    features = p.features_as_of(HAND, CUTOFF, 90)
    a, b = features.loc["A"], features.loc["B"]
    assert (a["tenure_days"], a["recency_days"], a["order_count"], a["order_days"]) == (30, 10, 3, 2)
    assert a["net_revenue"] == 140.0 and a["revenue_per_order"] == pytest.approx(140 / 3)
    # Jan 1 is 30 days before the cutoff: outside the last 30 days, inside the last 90.
    assert (a["orders_last_30d"], a["orders_last_90d"], a["revenue_last_90d"]) == (2, 3, 140.0)
    assert (a["orders_last_horizon"], a["revenue_last_horizon"]) == (3, 140.0)  # the 90 days
    short = p.features_as_of(HAND, CUTOFF, 30).loc["A"]  # Jan 21 and 25 only
    assert (short["orders_last_horizon"], short["revenue_last_horizon"]) == (2, 40.0)
    assert a["order_rate"] == pytest.approx(3 / 31)
    assert a["revenue_rate"] == pytest.approx(140 / 31)
    assert a["recency_over_gap"] == pytest.approx(10 / 20)  # one 20-day gap between order days
    assert (a["repeat_days"], a["first_to_last_days"], a["repeat_revenue_per_day"]) == (1, 20, 70.0)
    assert (a["median_order_day_revenue"], a["max_order_day_revenue"]) == (
        75.0,
        100.0,
    )  # the return day is no order day
    assert (b["tenure_days"], b["recency_days"], b["repeat_days"]) == (60, 60, 0)
    assert b["recency_over_gap"] == pytest.approx(60 / 61)  # no gap yet: the tenure stands in
    # One 20-day gap; the three orders all fall in the last 60 and 180 days, none in the 90 before.
    assert (a["gap_mean_days"], a["gap_std_days"], a["gap_max_days"]) == (20, 0, 20)
    windows = ["orders_last_60d", "orders_last_180d", "orders_previous_90d", "order_trend"]
    assert a[windows].tolist() == [3, 3, 0, 1]
    assert (a["revenue_last_30d"], a["return_day_share"]) == (40.0, 0.5)  # Jan 25 returns on 1 of 2
    assert (b["gap_mean_days"], b["gap_max_days"], b["gap_std_days"], b["return_day_share"]) == (61, 61, 0, 0)
    later_order = customer_days([("A", "2024-03-01", 5, 999.0)])
    with_future = p.features_as_of(pd.concat([HAND, later_order]), CUTOFF, 90)
    pd.testing.assert_frame_equal(with_future, features)


def test_labels_count_the_horizon_after_the_cutoff():
    labels = p.labels_after(HAND, pd.Index(["A", "B"]), CUTOFF, 30)
    assert labels.loc["A"].tolist() == [1.0, 30.0, 0]
    assert labels.loc["B"].tolist() == [0.0, 0.0, 1]
    assert p.labels_after(HAND, pd.Index(["A"]), CUTOFF, 9)["churned"].tolist() == [1]  # Feb 10 is day 10


def test_features_and_labels_do_not_depend_on_the_order_of_the_days():
    # DuckDB hands a view's rows over in no fixed order (a warehouse appended month by month
    # and one built in full order them differently); revenue sums must not move in the last bit.
    days = synthetic_days(customers=60)
    shuffled = days.sample(frac=1, random_state=3)
    features = p.features_as_of(days, "2023-09-30", 90)
    pd.testing.assert_frame_equal(p.features_as_of(shuffled, "2023-09-30", 90), features, check_exact=True)
    labels = p.labels_after(days, features.index, "2023-09-30", 90)
    pd.testing.assert_frame_equal(
        p.labels_after(shuffled, features.index, "2023-09-30", 90), labels, check_exact=True
    )


def test_a_training_window_above_the_sample_size_keeps_a_fixed_sample_of_its_customers():
    days = synthetic_days(customers=60)
    settings = p.PredictionSettings(sample_customers=25)
    features, labels = p.training_window(days, "2023-12-31", 90, settings)
    everyone, _ = p.training_window(days, "2023-12-31", 90, p.PredictionSettings())
    assert len(everyone) > 25 and len(features) == 25 and labels.index.equals(features.index)
    assert features.index.isin(everyone.index).all()
    # Each sampled customer keeps all their days: the same features as without the sample.
    pd.testing.assert_frame_equal(features, everyone.loc[features.index], check_exact=True)
    again, _ = p.training_window(days.sample(frac=1, random_state=5), "2023-12-31", 90, settings)
    assert again.index.equals(features.index)


def test_naive_rate_extrapolates_orders_per_day_over_at_least_the_horizon():
    features = p.features_as_of(HAND, CUTOFF, 90)
    # A: 3 orders over max(31, 90) days; B: 1 order over max(61, 90) days; times 90.
    assert p._naive_orders(features, 90).tolist() == pytest.approx([3.0, 1.0])
    # 20-day horizon: A over 31 days, B over 61.
    assert p._naive_orders(features, 20).tolist() == pytest.approx([3 / 31 * 20, 1 / 61 * 20])


def test_churn_accuracy_by_hand():
    table = p.churn_accuracy("m", pd.Series([0.1, 0.4, 0.35, 0.8]), pd.Series([0, 0, 1, 1]))
    overall = table[table["evaluation_bucket"] == p.OVERALL].iloc[0]
    # Pairs (churned, retained) ranked right: (0.35 > 0.1), (0.8 > 0.1), (0.8 > 0.4); wrong: (0.35 < 0.4).
    assert overall["auc"] == pytest.approx(0.75)
    assert overall["brier_score"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    deciles = table[table["evaluation_bucket"] != p.OVERALL]
    assert deciles["customers_scored"].sum() == 4
    assert deciles["mean_predicted"].tolist() == [0.1, 0.35, 0.4, 0.8]
    assert deciles["mean_observed"].tolist() == [0, 1, 0, 1]


def test_value_accuracy_by_hand():
    row = p.value_accuracy("m", pd.Series([10.0, 0.0, 5.0]), pd.Series([0.0, 0.0, 10.0])).iloc[0]
    assert row["mae_per_customer"] == pytest.approx(5.0)
    assert (row["total_predicted"], row["total_actual"]) == (15.0, 10.0)
    assert row["total_error_share"] == pytest.approx(0.5)


def test_risk_bands_at_their_thresholds():
    bands = p.risk_band(np.array([0.7, 0.69, 0.4, 0.39]), p.PredictionSettings())
    assert bands.tolist() == ["high", "medium", "medium", "low"]


def test_clv_tiers_by_share_of_customers_with_tied_values_together():
    clv = np.array([500.0, 400.0, 300.0, 300.0, 200.0, 100.0, 0.0, 0.0, 0.0, 0.0])
    # Shares of customers with a CLV at least as high: 0.1, 0.2, 0.4, 0.4, 0.5, 0.6, 1.0 x 4.
    assert p.clv_tier(clv, p.PredictionSettings()).tolist() == ["high"] * 2 + ["medium"] * 3 + ["low"] * 5


def test_too_few_customers_fall_back_to_the_naive_rate_and_say_so():
    accuracy = p.backtest(HAND, "2024-03-01", p.PredictionSettings())
    assert set(accuracy["model_name"]) == {p.NAIVE_RATE}
    assert accuracy["is_chosen"].all()
    assert accuracy["note"].str.contains("customers known at the cutoff").all()
    scored = p.score_customers(
        HAND, pd.Series(["A", "B"]), "2024-03-01", accuracy, 1.0, p.PredictionSettings()
    )
    # A as of Mar 1: 4 orders over max(61, 90) days -> 4 expected in 90 days, 4 x 42.5 revenue.
    a = scored.set_index("customer_id").loc["A"]
    assert a["expected_orders_90d"] == pytest.approx(4.0)
    assert a["expected_revenue_90d"] == pytest.approx(4 * 170 / 4)
    assert a["churn_probability"] == pytest.approx(np.exp(-4.0))
    assert a["clv_365d"] == pytest.approx(170 * 365 / 90)
    assert "naive rate baseline" in a["prediction_note"]


# Nothing to average must not print numpy's 'Mean of empty slice' into the build's log.
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_history_shorter_than_the_horizon_backtests_nobody_and_still_scores_everyone():
    # As of Jan 15 the 90-day training window ends before the first day: no customer is known
    # at its cutoff (the Online Retail II head file), so nothing is scored, nothing fails.
    accuracy = p.backtest(HAND, "2024-01-15", p.PredictionSettings())
    assert set(accuracy["model_name"]) == {p.NAIVE_RATE}
    assert (accuracy["customers_scored"] == 0).all()
    assert accuracy["is_chosen"].all()
    scored = p.score_customers(
        HAND, pd.Series(["A", "B"]), "2024-01-15", accuracy, 1.0, p.PredictionSettings()
    )
    assert sorted(scored["customer_id"]) == ["A", "B"]


def test_one_time_buyers_only_give_one_churn_class_and_no_bg_nbd():
    rows = [(f"C{n}", str(pd.Timestamp("2023-01-01") + pd.Timedelta(days=n)), 1, 10.0) for n in range(300)]
    accuracy = p.backtest(customer_days(rows), "2023-12-31", p.PredictionSettings())
    churn = accuracy[accuracy["target"] == p.CHURN]
    assert set(churn["model_name"]) == {p.NAIVE_RATE}
    assert churn["note"].str.contains("churned or retained").all()
    bg_nbd = accuracy[accuracy["model_name"] == p.BG_NBD].iloc[0]
    assert "repeat order" in bg_nbd["note"] and not bg_nbd["is_chosen"] and bg_nbd["customers_scored"] == 0


def test_a_gamma_gamma_fit_that_does_not_converge_is_a_reason_not_a_printout(capsys):
    # lifetimes prints scipy's optimiser result before raising ConvergenceError. One repeat
    # customer's spend per order day of 1e308 makes Gamma-Gamma's likelihood overflow at every
    # parameter value (frequency x spend is infinite), so its optimiser cannot converge on any
    # machine (whether a fit of ordinary data converges depends on the platform's arithmetic).
    features = p.features_as_of(synthetic_days(customers=120, seed=4), "2023-12-31", 90)
    repeater = features.index[features["repeat_days"] >= 2][0]
    features.loc[repeater, "repeat_revenue_per_day"] = 1e308
    with pytest.raises(p.DegenerateFit, match=r"Gamma-Gamma did not fit \(ConvergenceError\)"):
        p.bg_nbd_gamma_gamma(features, 90, 365)
    assert capsys.readouterr().out == ""


@pytest.fixture(scope="module")
def synthetic():
    days = synthetic_days()
    settings = p.PredictionSettings()
    return days, settings, p.backtest(days, "2023-12-31", settings)


def test_backtest_scores_every_candidate_and_chooses_the_best(synthetic):
    _, _, accuracy = synthetic
    overall = accuracy[accuracy["evaluation_bucket"] == p.OVERALL].set_index(["target", "model_name"])
    assert set(overall.loc[p.CHURN].index) == set(p.CHURN_MODELS)
    assert set(overall.loc[p.VALUE].index) == set(p.VALUE_MODELS)
    churn, value = overall.loc[p.CHURN], overall.loc[p.VALUE].dropna(subset=["mae_per_customer"])
    assert churn.loc[churn["is_chosen"]].index == [churn["brier_score"].idxmin()]
    assert value.loc[value["is_chosen"]].index == [value["mae_per_customer"].idxmin()]
    # Customers that stopped ordering are told apart from active ones better than chance.
    assert churn["auc"].min() > 0.6
    deciles = accuracy[(accuracy["target"] == p.CHURN) & (accuracy["evaluation_bucket"] != p.OVERALL)]
    assert (deciles.groupby("model_name")["evaluation_bucket"].count() == 10).all()


def test_purchase_x_spend_adds_up_to_what_the_window_carries_on_and_ranks_by_the_naive_rate(synthetic):
    days, settings, _ = synthetic
    train, labels = p.training_window(days, "2023-12-31", 90, settings)
    current = p.features_as_of(days, "2023-12-31", 90)
    predict = p._purchase_x_spend(train, labels, current, settings)
    for column in ("revenue", "orders"):
        # The window's customers placed or spent this share of their last 90 days again in the next 90.
        carried = labels[column].sum() / train[f"{column}_last_horizon"].sum()
        figures = predict(column)
        assert figures.sum() == pytest.approx(carried * current[f"{column}_last_horizon"].sum())
        assert (figures > 0).all()
    # The customers the naive rate expects most from keep most of it (trees correct the naive
    # figure, they do not replace it): rank correlation well above chance.
    naive = p._naive_amount(current, "revenue", 90)
    assert pd.Series(predict("revenue")).corr(pd.Series(naive), method="spearman") > 0.5


def test_purchase_x_spend_without_revenue_carried_on_is_not_fitted(synthetic):
    days, settings, _ = synthetic
    train, labels = p.training_window(days, "2023-12-31", 90, settings)
    current = p.features_as_of(days, "2023-12-31", 90)
    with pytest.raises(p.DegenerateFit, match="no revenue carried on"):
        p._purchase_x_spend(train, labels, current.assign(revenue_last_horizon=0.0), settings)("revenue")


def test_scoring_keeps_every_customer_and_applies_the_season_factor(synthetic):
    days, settings, accuracy = synthetic
    ids = pd.Series(sorted(days["customer_id"].unique()))
    plain = p.score_customers(days, ids, "2023-12-31", accuracy, 1.0, settings)
    doubled = p.score_customers(days, ids, "2023-12-31", accuracy, 2.0, settings)
    assert plain["customer_id"].tolist() == ids.tolist()
    assert doubled["expected_revenue_90d"].to_numpy() == pytest.approx(
        2 * plain["expected_revenue_90d"].to_numpy()
    )
    assert doubled["clv_365d"].to_numpy() == pytest.approx(
        plain["clv_365d"].to_numpy()
    )  # a year spans the season
    assert plain["churn_probability"].between(0, 1).all() and (plain["expected_revenue_90d"] >= 0).all()
    unknown = p.score_customers(days, ids, "2023-12-31", accuracy, None, settings)
    assert unknown["season_factor"].eq(1.0).all()
    assert unknown["prediction_note"].str.contains("no season factor").all()
    with pytest.raises(ValueError, match="1 customers have no invoice day"):
        p.score_customers(
            days, pd.concat([ids, pd.Series(["nobody"])]), "2023-12-31", accuracy, 1.0, settings
        )
