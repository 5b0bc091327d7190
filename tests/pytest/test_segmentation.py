"""Tests for smartcart_ml.segmentation (k-means customer segmentation)."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from smartcart_ml.segmentation import (
    PARAMETER_COLUMNS,
    SEARCH_COLUMNS,
    SINGLE_SEGMENT_NAME,
    _choose_k,
    _prepare,
    chosen_k,
    describe_segments,
    diagnostics_table,
    fit_segments,
    score,
    segment_customers,
)

FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "return_rate",
    "tenure_days",
    "age",
]
# Known segments: mean of each feature above, and share of customers.
SEGMENT_SPECS = [
    ((10, 30, 6000, 200, 0.02, 1200, 45), 0.25),  # frequent big spenders
    ((20, 6, 3000, 500, 0.05, 300, 35), 0.25),  # new, big baskets
    ((300, 2, 100, 50, 0.15, 900, 55), 0.30),  # lapsed
    ((120, 12, 800, 67, 0.30, 600, 28), 0.20),  # occasional, returns a lot
]
FAST = {"n_bootstrap": 5}


def make_customers(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Customers drawn from four well-separated known segments (column true_segment)."""
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(n, [share for _, share in SEGMENT_SPECS])
    parts = []
    for label, ((means, _), size) in enumerate(zip(SEGMENT_SPECS, sizes, strict=True)):
        values = np.asarray(means, dtype=float) * np.exp(rng.normal(0, 0.12, (size, len(means))))
        part = pd.DataFrame(values, columns=FEATURES)
        part["frequency"] = part["frequency"].round().clip(lower=1)
        part.loc[rng.random(size) < 0.1, "age"] = np.nan
        part["true_segment"] = label
        parts.append(part)
    customers = pd.concat(parts, ignore_index=True).sample(frac=1, random_state=seed).reset_index(drop=True)
    customers.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(customers))])
    return customers


def labels_by_customer(result) -> pd.Series:
    return result.assignments.set_index("customer_id")["cluster_id"]


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    """One BLAS/OpenMP thread: on a shared 2-core machine k-means is then ~5x faster."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return make_customers()


@pytest.fixture(scope="module")
def result(customers):
    return segment_customers(customers, FEATURES, **FAST)


def fitted_k(result) -> int:
    return int(result.diagnostics.loc[result.diagnostics["is_chosen"], "k"].item())


def test_recovers_four_known_segments(customers, result):
    assert result.reason is None
    assert fitted_k(result) == 4
    merged = customers.merge(result.assignments, on="customer_id")
    assert adjusted_rand_score(merged["true_segment"], merged["cluster_id"]) >= 0.95


def test_diagnostics_one_row_per_k_with_exactly_one_chosen(result):
    diagnostics = result.diagnostics
    assert diagnostics["k"].tolist() == list(range(2, 9))
    assert diagnostics["is_chosen"].sum() == 1
    assert (diagnostics["is_rejected"] == (diagnostics["smallest_cluster_share"] < 0.05)).all()
    chosen = diagnostics[diagnostics["is_chosen"]].iloc[0]
    assert not chosen["is_rejected"]
    assert chosen["silhouette"] == diagnostics.loc[~diagnostics["is_rejected"], "silhouette"].max()
    assert chosen["bootstrap_stability"] >= 0.9
    assert diagnostics.loc[~diagnostics["is_chosen"], "bootstrap_stability"].isna().all()


def test_every_chosen_cluster_holds_at_least_five_percent(result):
    shares = result.assignments["cluster_id"].value_counts(normalize=True)
    assert shares.min() >= 0.05


def test_small_group_is_not_split_off_below_min_share():
    rng = np.random.default_rng(3)
    centres, sizes = [[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 7]], [600, 600, 600, 54]  # last: 2.9%
    points = np.vstack([np.asarray(c) + rng.normal(size=(s, 3)) for c, s in zip(centres, sizes, strict=True)])
    data = pd.DataFrame(points, columns=["a", "b", "c"]).assign(customer_id=range(len(points)))

    strict = segment_customers(data, ["a", "b", "c"], n_bootstrap=0)
    loose = segment_customers(data, ["a", "b", "c"], min_cluster_share=0.02, n_bootstrap=0)

    assert fitted_k(strict) == 3
    assert strict.assignments["cluster_id"].value_counts(normalize=True).min() >= 0.05
    assert strict.diagnostics.set_index("k").loc[4, "is_rejected"]
    assert fitted_k(loose) == 4  # k=4 has the best silhouette; only the share rule excluded it


def test_identical_input_gives_identical_output(customers, result):
    again = segment_customers(customers, FEATURES, **FAST)
    assert again.reason == result.reason
    assert_frame_equal(again.assignments, result.assignments)
    assert_frame_equal(again.diagnostics, result.diagnostics)
    assert_frame_equal(again.parameters, result.parameters)


def test_shuffled_rows_give_same_cluster_per_customer(customers, result):
    shuffled = customers.sample(frac=1, random_state=99).reset_index(drop=True)
    again = segment_customers(shuffled, FEATURES, **FAST)
    pd.testing.assert_series_equal(labels_by_customer(again), labels_by_customer(result))


def test_score_reproduces_assignments(customers, result):
    assert customers["age"].isna().any()  # the fill step is exercised
    scored = score(result.parameters, customers.set_index("customer_id"))
    expected = result.assignments["cluster_id"].to_numpy()
    assert (scored.reindex(result.assignments["customer_id"]).to_numpy() == expected).all()


def test_clusters_ordered_by_monetary_and_named(customers, result):
    merged = customers.merge(result.assignments, on="customer_id")
    mean_monetary = merged.groupby("cluster_id")["monetary"].mean()
    assert mean_monetary.is_monotonic_decreasing
    assert list(mean_monetary.index) == [1, 2, 3, 4]
    names = result.parameters.drop_duplicates("cluster_id").set_index("cluster_id")["segment_name"]
    assert names.is_unique
    assert names[1] == "High-value loyal"
    assert (merged["segment_name"] == merged["cluster_id"].map(names)).all()


def test_parameters_table_layout(result):
    parameters = result.parameters
    assert list(parameters.columns) == PARAMETER_COLUMNS
    assert len(parameters) == 4 * len(FEATURES)
    first = parameters[parameters["cluster_id"] == 1]
    assert first["feature"].tolist() == FEATURES
    assert first["feature_order"].tolist() == list(range(1, len(FEATURES) + 1))
    age = first.set_index("feature").loc["age"]
    assert age["fill_value"] == pytest.approx(make_customers()["age"].median())


def test_skewed_features_are_logged_and_capped():
    rng = np.random.default_rng(7)
    n = 400
    data = pd.DataFrame(
        {
            "customer_id": range(n),
            "monetary": rng.lognormal(5, 1, n),
            "age": rng.normal(40, 10, n),
            "balance_change": rng.lognormal(0, 1, n) - 5,  # skewed but negative: no log
            "return_rate": np.zeros(n),
        }
    )
    data.loc[0, "monetary"] = 1e7
    data.loc[[1, 2], "return_rate"] = [0.5, 0.8]  # 0.5% non-zero: the 99th percentile is 0
    data.loc[3, "age"] = np.nan
    features = ["monetary", "age", "balance_change", "return_rate"]

    result = segment_customers(data, features, n_bootstrap=0)
    params = result.parameters.drop_duplicates("feature").set_index("feature")

    assert params["log_transform"].to_dict() == {
        "monetary": True,
        "age": False,
        "balance_change": False,
        "return_rate": True,
    }
    assert params.loc["monetary", "cap_upper"] == pytest.approx(np.quantile(data["monetary"], 0.99))
    assert params.loc["monetary", "cap_upper"] < 1e7
    lower, upper = params.loc["monetary", ["cap_lower", "cap_upper"]]
    logged = np.log(1 + data["monetary"].clip(lower, upper))  # caps before the log
    assert params.loc["monetary", "center"] == pytest.approx(logged.mean())
    assert params.loc["monetary", "scale"] == pytest.approx(logged.std(ddof=0))
    assert params.loc["age", "cap_lower"] == pytest.approx(np.nanquantile(data["age"], 0.01))
    assert (params.loc["return_rate", "cap_lower"], params.loc["return_rate", "cap_upper"]) == (0.0, 0.8)
    outlier = data.loc[[0]]
    at_cap = outlier.assign(monetary=params.loc["monetary", "cap_upper"])
    assert score(result.parameters, outlier).item() == score(result.parameters, at_cap).item()
    assert (score(result.parameters, data).to_numpy() == result.assignments["cluster_id"].to_numpy()).all()


def test_standardised_values_are_clipped_at_three_standard_deviations():
    # 3 of 100 customers returned everything: ln(1 + x) leaves a 0/1 rate a 0/ln 2 rate, so
    # unclipped they would sit at z = (1 - 0.03) / sqrt(0.03 * 0.97) = 5.686 (the zeros at
    # -0.03 / sqrt(0.03 * 0.97) = -0.1759).
    data = pd.DataFrame(
        {
            "customer_id": range(100),
            "monetary": np.linspace(10.0, 1000.0, 100),
            "return_rate": [1.0] * 3 + [0.0] * 97,
        }
    )
    _, _, prep, X = _prepare(data, ["monetary", "return_rate"])
    assert prep.log_transform.tolist() == [False, True]
    assert prep.z_limit.tolist() == [3.0, 3.0]
    assert X[:3, 1].tolist() == [3.0] * 3
    assert X[3:, 1] == pytest.approx(np.full(97, -0.03 / np.sqrt(0.03 * 0.97)))
    # The scorer clips too: beyond three standard deviations a higher rate changes nothing.
    result = fit_segments(data, ["monetary", "return_rate"], k=2)
    assert (result.parameters["z_limit"] == 3.0).all()
    heavy = pd.DataFrame({"monetary": [500.0, 500.0], "return_rate": [0.9, 1.0]})
    assert score(result.parameters, heavy).nunique() == 1
    assert (score(result.parameters, data).to_numpy() == result.assignments["cluster_id"].to_numpy()).all()


def test_constant_feature_is_kept_with_unit_scale(customers):
    data = customers.assign(store_count=1.0)
    result = segment_customers(data, [*FEATURES, "store_count"], n_bootstrap=0)

    assert fitted_k(result) == 4
    merged = data.merge(result.assignments, on="customer_id")
    assert adjusted_rand_score(merged["true_segment"], merged["cluster_id"]) >= 0.95
    constant = result.parameters[result.parameters["feature"] == "store_count"]
    assert (constant["scale"] == 1.0).all()
    assert (constant["centroid"] == 0.0).all()


def _three_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": [1, 2, 3], "recency_days": [5, 50, 500], "monetary": [10.0, None, 90.0]}
    )


def _identical_customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": range(200), "recency_days": 30, "monetary": 25.0})


def _no_customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": pd.Series(dtype="int64"), "recency_days": [], "monetary": []})


@pytest.mark.parametrize(
    ("make_data", "reason_fragment"),
    [
        (_three_customers, "Only 3 customers"),
        (_identical_customers, "same value for all customers"),
        (_no_customers, "zero rows"),
    ],
)
def test_degenerate_input_gives_one_segment(make_data, reason_fragment):
    data = make_data()
    result = segment_customers(data, ["recency_days", "monetary"])

    assert reason_fragment in result.reason
    assignments = result.assignments
    assert len(assignments) == len(data)
    assert (assignments["cluster_id"] == 1).all()
    assert (assignments["segment_name"] == SINGLE_SEGMENT_NAME).all()
    assert (assignments["distance_to_centroid"] == 0).all()
    assert result.diagnostics.empty
    assert list(result.parameters.columns) == PARAMETER_COLUMNS
    assert len(result.parameters) == 2
    newcomer = pd.DataFrame({"recency_days": [1.0, None], "monetary": [1e6, None]})
    assert score(result.parameters, newcomer).tolist() == [1, 1]
    assert score(result.parameters, data).tolist() == [1] * len(data)


def test_no_candidate_passing_min_share_gives_one_segment(customers):
    result = segment_customers(customers, FEATURES, k_range=range(2, 5), min_cluster_share=0.6, n_bootstrap=0)

    assert "at least 60%" in result.reason
    assert (result.assignments["cluster_id"] == 1).all()
    assert result.diagnostics["k"].tolist() == [2, 3, 4]
    assert result.diagnostics["is_rejected"].all()
    assert not result.diagnostics["is_chosen"].any()
    assert (score(result.parameters, customers) == 1).all()


def test_describe_segments(customers, result):
    summary = describe_segments(result, customers)

    assert summary["cluster_id"].tolist() == [1, 2, 3, 4]
    assert summary["customers"].sum() == len(customers)
    assert summary["share_of_customers"].sum() == pytest.approx(1.0)
    assert summary["share_of_revenue"].sum() == pytest.approx(1.0)
    assert summary["share_of_revenue"].iloc[0] == summary["share_of_revenue"].max()
    assert {f"mean_{f}" for f in FEATURES} <= set(summary.columns)
    for row in summary.itertuples():
        assert row.description.startswith(f"{row.segment_name}: ")
        assert row.description.count(".") == 1 and row.description.endswith(".")
    assert summary["reason"].isna().all()


def test_describe_segments_of_the_one_segment_result_carries_the_reason():
    data = _identical_customers()
    result = segment_customers(data, ["recency_days", "monetary"])
    summary = describe_segments(result, data)

    assert summary["cluster_id"].tolist() == [1]
    assert summary["share_of_customers"].tolist() == [1.0]
    assert summary["reason"].tolist() == [result.reason]
    assert summary["description"].item() == (
        "All customers: 100% of customers and 100% of revenue, with a profile close to the average customer."
    )


def test_duplicate_customer_ids_are_rejected(customers):
    with pytest.raises(ValueError, match="one row per customer_id"):
        segment_customers(pd.concat([customers, customers.head(1)]), FEATURES)


# --- the pipeline API: search once, then fit at the chosen k -----------------------------------


def test_fit_segments_at_chosen_k_equals_segment_customers(customers, result):
    shuffled = customers.sample(frac=1, random_state=5)  # fit_segments sorts by customer_id too
    fitted = fit_segments(shuffled, FEATURES, fitted_k(result))

    assert fitted.reason is None
    assert fitted.diagnostics.empty
    assert_frame_equal(fitted.assignments, result.assignments)
    assert_frame_equal(fitted.parameters, result.parameters)


def test_fit_segments_at_another_k_is_a_valid_fit(customers, result):
    fitted = fit_segments(customers, FEATURES, 3)

    assert sorted(fitted.assignments["cluster_id"].unique()) == [1, 2, 3]
    assert len(fitted.parameters) == 3 * len(FEATURES)
    scored = score(fitted.parameters, customers.set_index("customer_id"))
    assert (
        scored.reindex(fitted.assignments["customer_id"]).to_numpy() == fitted.assignments["cluster_id"]
    ).all()


def test_fit_segments_with_k_one_equals_the_degenerate_result():
    data = _three_customers()
    expected = segment_customers(data, ["recency_days", "monetary"])
    fitted = fit_segments(data, ["recency_days", "monetary"], 1, reason=expected.reason)

    assert fitted.reason == expected.reason
    assert_frame_equal(fitted.assignments, expected.assignments)
    assert_frame_equal(fitted.parameters, expected.parameters)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be >= 1"),
        ({"k": 2, "reason": "why"}, "reason only applies"),
        ({"k": 250}, "distinct customer profiles"),
    ],
)
def test_fit_segments_rejects_invalid_k(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_segments(_identical_customers().head(100).assign(monetary=range(100)), ["monetary"], **kwargs)


def test_diagnostics_table_of_a_normal_fit(result):
    table = diagnostics_table(result, 0.05)

    assert list(table.columns) == SEARCH_COLUMNS
    assert_frame_equal(table[result.diagnostics.columns], result.diagnostics)
    assert (table["min_cluster_share"] == 0.05).all()
    assert table["reason"].isna().all()
    assert chosen_k(table) == (4, None)


def test_diagnostics_table_without_candidates_has_one_chosen_k_one_row():
    result = segment_customers(_identical_customers(), ["recency_days", "monetary"])
    table = diagnostics_table(result, 0.05)

    assert table["k"].tolist() == [1]
    row = table.iloc[0]
    assert row["is_chosen"] and not row["is_rejected"]
    assert row["smallest_cluster_share"] == 1.0
    assert np.isnan(row["inertia"]) and np.isnan(row["silhouette"]) and np.isnan(row["bootstrap_stability"])
    assert chosen_k(table) == (1, result.reason)


def test_diagnostics_table_keeps_rejected_candidates_and_adds_k_one(customers):
    result = segment_customers(customers, FEATURES, k_range=range(2, 5), min_cluster_share=0.6, n_bootstrap=0)
    table = diagnostics_table(result, 0.6)

    assert table["k"].tolist() == [1, 2, 3, 4]
    assert table["is_chosen"].tolist() == [True, False, False, False]
    assert table["is_rejected"].tolist() == [False, True, True, True]
    assert table.loc[table["k"] > 1, "reason"].isna().all()
    k, reason = chosen_k(table)
    assert (k, reason) == (1, result.reason)
    refit = fit_segments(customers, FEATURES, k, reason=reason)
    assert_frame_equal(refit.assignments, result.assignments)


def test_chosen_k_needs_exactly_one_chosen_row(result):
    table = diagnostics_table(result, 0.05).assign(is_chosen=False)
    with pytest.raises(ValueError, match="exactly one chosen row"):
        chosen_k(table)


def test_one_purchase_per_customer_gives_one_segment_with_min_repeat_share(customers):
    # Clear structure in recency and basket size, but nobody ordered twice (the shopping-mall file).
    once = customers.assign(frequency=1, tenure_days=customers["recency_days"])

    segmented = segment_customers(once, FEATURES, n_bootstrap=0)
    guarded = segment_customers(once, FEATURES, n_bootstrap=0, min_repeat_share=0.05)

    assert segmented.reason is None and fitted_k(segmented) > 1
    assert "Only 0.0% of customers ordered more than once" in guarded.reason
    assert (guarded.assignments["cluster_id"] == 1).all()
    assert guarded.diagnostics.empty


def test_min_repeat_share_keeps_data_with_enough_repeat_customers(customers, result):
    assert (customers["frequency"] >= 2).mean() > 0.9
    guarded = segment_customers(customers, FEATURES, min_repeat_share=0.5, **FAST)
    assert_frame_equal(guarded.assignments, result.assignments)


def test_min_repeat_share_needs_a_frequency_column():
    data = _identical_customers()
    with pytest.raises(ValueError, match="'frequency' column"):
        segment_customers(data, ["recency_days", "monetary"], min_repeat_share=0.05)


def test_sample_size_bounds_silhouette_and_bootstrap_without_changing_small_data(customers, result):
    # At least as many customers as the data: the same draws, so the same result.
    same = segment_customers(customers, FEATURES, **FAST, sample_size=len(customers))
    pd.testing.assert_frame_equal(same.diagnostics, result.diagnostics)
    # A smaller sample still finds the four planted segments, stably.
    sampled = segment_customers(customers, FEATURES, **FAST, sample_size=len(customers) // 3)
    assert fitted_k(sampled) == fitted_k(result)
    chosen = sampled.diagnostics.loc[sampled.diagnostics["is_chosen"]]
    assert 0.8 < chosen["bootstrap_stability"].item() <= 1.0
    assert not chosen["silhouette"].equals(
        result.diagnostics.loc[result.diagnostics["is_chosen"], "silhouette"]
    )


def test_the_largest_stable_k_within_the_silhouette_tolerance_is_chosen():
    # k = 5 is rejected (share); 2 and 3 are within 0.02 of the best silhouette, 4 is not.
    diagnostics = pd.DataFrame(
        {
            "k": [2, 3, 4, 5],
            "silhouette": [0.30, 0.29, 0.25, 0.40],
            "is_rejected": [False, False, False, True],
            "bootstrap_stability": np.nan,
        }
    )

    def choose(stabilities: dict[int, float], min_stability: float = 0.85):
        table = diagnostics.copy()
        return _choose_k(table, 0.02, min_stability, stabilities.__getitem__), table

    k, table = choose({3: 0.9, 2: 0.95})
    assert k == 3 and table["bootstrap_stability"].notna().tolist() == [False, True, False, False]
    k, table = choose({3: 0.8, 2: 0.9})  # k = 3 is unstable: the next smaller one
    assert k == 2 and table["bootstrap_stability"].tolist()[:2] == [0.9, 0.8]
    assert choose({3: 0.6, 2: 0.5})[0] == 3  # none stable: the most stable of the two
    assert _choose_k(diagnostics.copy(), 0.0, 0.0, lambda k: np.nan) == 2  # the best silhouette


def test_a_wide_silhouette_tolerance_takes_the_largest_stable_k(customers, result):
    wide = segment_customers(customers, FEATURES, silhouette_tolerance=1.0, min_stability=0.85, **FAST)
    tried = wide.diagnostics.dropna(subset=["bootstrap_stability"]).set_index("k")
    k = fitted_k(wide)
    # Every accepted k was tried from the largest down; the larger ones were unstable.
    accepted = wide.diagnostics.loc[~wide.diagnostics["is_rejected"], "k"]
    assert tried.index.tolist() == [c for c in accepted if c >= k]
    assert tried.loc[k, "bootstrap_stability"] >= 0.85 > tried.drop(k)["bootstrap_stability"].max()
    assert k >= fitted_k(result)
    table = diagnostics_table(wide, 0.05, 1.0, 0.85)
    assert table[["silhouette_tolerance", "min_stability"]].drop_duplicates().values.tolist() == [[1.0, 0.85]]
