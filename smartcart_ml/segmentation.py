"""Customer segmentation with k-means, fitted so that SQL can reproduce it.

The method (who is segmented, features, preprocessing, choice of k, stability, names) is
described once, in the dbt doc block ``segmentation_method``
(``models/marts/segmentation/_segmentation__docs.md``); this docstring gives the scoring rule.

The fitted model is exported as a long ``parameters`` table. Scoring a
customer with it is a fixed rule that SQL reproduces step by step (and that
:func:`score` implements in numpy). For every feature, in ``feature_order``:

1. ``x = coalesce(x, fill_value)``        -- ``fill_value`` is the median of
   the observed values, so a null (e.g. an unknown ``age``) becomes the median;
2. ``x = least(greatest(x, cap_lower), cap_upper)`` -- caps are the 1st and
   99th percentiles of the raw observed values (see :func:`segment_customers`);
3. ``if log_transform: x = ln(1 + x)``;
4. ``z = (x - center) / scale``           -- standardisation (mean, population
   std); a constant feature gets ``center`` = its value and ``scale`` = 1;
5. ``z = least(greatest(z, -z_limit), z_limit)`` -- ``z_limit`` = 3: no feature
   moves a customer further than three standard deviations from the average;

then the customer belongs to the cluster whose ``centroid`` is nearest by
squared Euclidean distance over all features, ties going to the lowest
``cluster_id``. The labels returned by :func:`segment_customers` are computed
with exactly this rule, so ``score(parameters, customers)`` reproduces them.

Two ways to fit. :func:`segment_customers` does everything at once: the
candidate search over k, the bootstrap and the final labels. A pipeline that
needs the labels and the parameters in separate steps (the dbt Python models)
runs the expensive search once, keeps :func:`diagnostics_table` of it, reads
the decision back with :func:`chosen_k` and calls :func:`fit_segments` at that
k in each later step: it returns exactly the assignments and parameters that
:func:`segment_customers` returned, without searching again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from smartcart_ml.tables import with_text_columns

CAP_QUANTILES = (0.01, 0.99)
SKEW_THRESHOLD = 1.0
# Standardised values are clipped to +-Z_LIMIT (the three-sigma rule): a feature that stays
# heavy-tailed after capping and the log (a return rate, 0 for two customers in three) cannot pull
# its few extreme customers into a cluster of their own (measured on the Online Retail file: a
# 2.5% cluster of heavy returners at z = 5.3 for every k >= 4).
Z_LIMIT = 3.0
SILHOUETTE_SAMPLE_SIZE = 5000
MIN_CUSTOMERS = 20
N_INIT = 10
NAME_Z_THRESHOLD = 0.5
SINGLE_SEGMENT_NAME = "All customers"
RECENCY, FREQUENCY, MONETARY, TENURE = "recency_days", "frequency", "monetary", "tenure_days"

ASSIGNMENT_COLUMNS = ["customer_id", "cluster_id", "segment_name", "distance_to_centroid"]
SEARCH_COLUMNS = [
    "k",
    "inertia",
    "silhouette",
    "smallest_cluster_share",
    "is_rejected",
    "is_chosen",
    "bootstrap_stability",
    "min_cluster_share",
    "silhouette_tolerance",
    "min_stability",
    "reason",
]
DIAGNOSTIC_COLUMNS = [
    "k",
    "inertia",
    "silhouette",
    "smallest_cluster_share",
    "is_rejected",
    "is_chosen",
    "bootstrap_stability",
]
PARAMETER_COLUMNS = [
    "cluster_id",
    "feature",
    "feature_order",
    "fill_value",
    "cap_lower",
    "cap_upper",
    "log_transform",
    "center",
    "scale",
    "z_limit",
    "centroid",
    "segment_name",
]


@dataclass(frozen=True)
class SegmentationResult:
    """Output of :func:`segment_customers`.

    Attributes:
        assignments: one row per customer (sorted by ``customer_id``):
            customer_id, cluster_id (1..k), segment_name, distance_to_centroid
            (Euclidean distance in the standardised space; 0 for a one-segment
            result).
        diagnostics: one row per candidate k: k, inertia, silhouette,
            smallest_cluster_share, is_rejected, is_chosen,
            bootstrap_stability (for every k the rule tried, NaN otherwise).
        parameters: the fitted model, one row per (cluster_id, feature); the
            columns are listed in ``PARAMETER_COLUMNS``.
        reason: ``None`` for a normal fit; otherwise a sentence explaining why
            every customer was put into the single segment "All customers".
    """

    assignments: pd.DataFrame
    diagnostics: pd.DataFrame
    parameters: pd.DataFrame
    reason: str | None = None


@dataclass(frozen=True)
class _Preprocessing:
    """Per-feature preprocessing parameters (arrays aligned with ``features``)."""

    features: list[str]
    fill_value: np.ndarray
    cap_lower: np.ndarray
    cap_upper: np.ndarray
    log_transform: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    z_limit: np.ndarray
    is_constant: np.ndarray


def segment_customers(
    customers: pd.DataFrame,
    features: list[str],
    k_range: Iterable[int] = range(2, 9),
    min_cluster_share: float = 0.05,
    random_state: int = 42,
    n_bootstrap: int = 20,
    min_repeat_share: float = 0.0,
    sample_size: int = SILHOUETTE_SAMPLE_SIZE,
    silhouette_tolerance: float = 0.0,
    min_stability: float = 0.0,
) -> SegmentationResult:
    """Segment customers with k-means and choose k automatically.

    Preprocessing, per feature (see the module docstring for the scoring rule):

    * nulls are filled with the median of the observed values (all-null
      features get 0); ``fill_value`` records the value used;
    * values are capped at the 1st and 99th percentiles of the observed raw
      values; if those coincide for a non-constant feature (e.g. a return rate
      that is 0 for 99% of customers), the observed min and max are used
      instead so that rare values are not erased;
    * ``ln(1 + x)`` is applied when the capped values are skewed
      (sample skewness > 1) and non-negative (``cap_lower >= 0``);
    * values are standardised to mean 0 and standard deviation 1. A constant
      feature is kept with ``scale`` = 1: all its standardised values and
      centroid coordinates are 0, so it never changes an assignment;
    * standardised values are clipped to [-3, 3] (``Z_LIMIT``), so a feature
      that is still heavy-tailed (a rate near 0 for most customers, which the
      log does not compress) cannot make its extreme customers a cluster.

    Choice of k: k-means (``n_init=10``, fixed ``random_state``) is fitted for
    every k in ``k_range``. A candidate is rejected when its smallest cluster
    holds less than ``min_cluster_share`` of customers (a k larger than the
    number of distinct customer profiles is rejected without fitting). Among
    the rest, the candidates whose silhouette is within ``silhouette_tolerance``
    of the best are tried from the largest k down: the first whose bootstrap
    stability reaches ``min_stability`` is chosen (more segments to act on,
    as long as they separate nearly as well as the best split and come back
    when the data are resampled); when none does, the most stable of them
    (ties: smaller k). With the defaults (0, 0) the best silhouette wins (ties:
    larger k). Silhouettes are computed on a fixed-seed sample of at most
    ``sample_size`` customers.

    Labels: clusters are numbered 1..k by mean (filled, capped) ``monetary``
    descending -- or by the first feature if ``monetary`` is not a feature --
    so cluster 1 is the most valuable. Final labels use the nearest-centroid
    rule of the module docstring, so :func:`score` reproduces them exactly.
    Rows are sorted by ``customer_id`` before fitting, so the output does not
    depend on the input row order.

    Segment names come from each centroid's coordinates on recency_days (r),
    frequency (f), monetary (m) and tenure_days -- standardised, i.e. z-scores
    relative to the average customer; a feature that is absent counts as 0.
    With t = 0.5 the first matching rule wins:

    ========================================  ============================
    rule                                      name
    ========================================  ============================
    m >= t and r >= t                         At-risk high-value
    m >= t and f >= t                         High-value loyal
    m >= t and r <= -t                        Recent big spenders
    m >= t                                    Big spenders
    r <= -t and tenure <= -t (f <= -t if no   New customers
    tenure_days feature)
    r >= t and m < 0                          Lapsed low-value
    r >= t                                    Lapsing
    f >= t                                    Frequent small-basket buyers
    m <= -t                                   Price-sensitive occasional
    otherwise                                 Mainstream
    ========================================  ============================

    A repeated name gets a suffix (" 2", " 3", ...) in cluster_id order.

    Stability: for each k tried, ``n_bootstrap`` resamples (with replacement,
    of at most ``sample_size`` customers, so the cost stays bounded) are refitted, all customers are assigned with each refit, and the mean
    adjusted Rand index against the full-data labels is reported.

    Degenerate data never raises: with zero rows, fewer than
    ``max(20, 2 * max(k_range))`` customers, only constant features, fewer
    than ``min_repeat_share`` of customers with ``frequency`` >= 2 (e.g. a
    file where every customer bought once: their only differences are the
    date and size of one purchase, which is not buying behaviour), or no
    acceptable candidate k, every customer is put into one segment
    ("All customers", cluster_id 1, distance 0) and ``reason`` says why. The
    diagnostics then have zero rows, except when candidates were evaluated
    and all failed (then all candidate rows are kept, none chosen). The
    parameters table stays valid for scoring.

    Args:
        customers: one row per customer with ``customer_id`` and the features.
        features: names of the numeric feature columns, in scoring order.
        k_range: candidate numbers of clusters (each >= 2).
        min_cluster_share: smallest acceptable cluster size as a share of
            customers.
        random_state: seed for k-means, silhouette sampling and bootstrap.
        n_bootstrap: number of bootstrap resamples (0 skips the stability).
        min_repeat_share: smallest share of customers with two or more
            orders (column ``frequency``, required when this is > 0) for
            the data to be segmented; 0 (the default) disables the check.
        sample_size: most customers in the silhouette sample and in each
            bootstrap resample (with fewer customers, all of them).
        silhouette_tolerance: how far below the best silhouette a larger k
            may be and still be chosen.
        min_stability: bootstrap stability (mean adjusted Rand index) a k
            needs to be chosen before a smaller one is tried.

    Returns:
        A :class:`SegmentationResult`.

    Raises:
        ValueError: on invalid arguments, missing columns or duplicate
            customer ids (contract violations, not data problems).
    """
    ks = _validate(customers, features, k_range, min_cluster_share)
    if not 0 <= min_repeat_share <= 1:
        raise ValueError("min_repeat_share must be in [0, 1].")
    if min_repeat_share > 0 and FREQUENCY not in customers.columns:
        raise ValueError(f"min_repeat_share needs a {FREQUENCY!r} column.")
    data, raw, prep, X = _prepare(customers, features)
    ids = data["customer_id"]

    reason = _degenerate_reason(len(X), prep, ks) or _repeat_reason(data, min_repeat_share)
    if reason is not None:
        return _single_segment(ids, X, prep, reason, _empty_diagnostics())

    diagnostics, centroids_by_k = _evaluate_candidates(X, ks, min_cluster_share, random_state, sample_size)
    k = _choose_k(
        diagnostics,
        silhouette_tolerance,
        min_stability,
        lambda k: _bootstrap_stability(
            X, k, _nearest(X, centroids_by_k[k])[0], n_bootstrap, random_state, sample_size
        ),
    )
    if k is None:
        reason = (
            f"No candidate k in {ks} gives every cluster at least {min_cluster_share:.0%} "
            "of customers with a computable silhouette, so all customers form one segment."
        )
        return _single_segment(ids, X, prep, reason, diagnostics)

    assignments, parameters = _labelled(ids, raw, prep, X, centroids_by_k[k])
    diagnostics["is_chosen"] = diagnostics["k"] == k
    return SegmentationResult(assignments, diagnostics, parameters)


def fit_segments(
    customers: pd.DataFrame,
    features: list[str],
    k: int,
    random_state: int = 42,
    reason: str | None = None,
) -> SegmentationResult:
    """Fit k-means at a given k, without the candidate search.

    With the same ``customers``, ``features`` and ``random_state``, the
    assignments and parameters are identical to those of
    :func:`segment_customers` when it chose this k (same preprocessing, same
    k-means fit, same cluster order and names). ``k = 1`` gives the
    one-segment result, as :func:`segment_customers` does on degenerate data.

    Args:
        customers: one row per customer with ``customer_id`` and the features.
        features: names of the numeric feature columns, in scoring order.
        k: number of clusters (>= 1), e.g. from :func:`chosen_k`.
        random_state: seed for k-means.
        reason: for ``k = 1``, the sentence explaining the single segment
            (e.g. the reason stored by :func:`diagnostics_table`).

    Returns:
        A :class:`SegmentationResult` whose diagnostics have zero rows.

    Raises:
        ValueError: on invalid arguments, missing columns, duplicate customer
            ids, a reason with ``k > 1``, or a k larger than the number of
            distinct customer profiles.
    """
    if k < 1:
        raise ValueError("k must be >= 1.")
    if k > 1 and reason is not None:
        raise ValueError("reason only applies to the one-segment result (k = 1).")
    _validate(customers, features, [2], 0.0)
    data, raw, prep, X = _prepare(customers, features)
    ids = data["customer_id"]
    if k == 1:
        reason = reason or "k = 1 was requested, so all customers form one segment."
        return _single_segment(ids, X, prep, reason, _empty_diagnostics())
    if k > len(np.unique(X, axis=0)):
        raise ValueError(f"k = {k} is more than the number of distinct customer profiles.")
    assignments, parameters = _labelled(ids, raw, prep, X, _kmeans(X, k, random_state).cluster_centers_)
    return SegmentationResult(assignments, _empty_diagnostics(), parameters)


def feature_columns(customers: pd.DataFrame) -> list[str]:
    """The features of a customer table: every column but ``customer_id``, in table order."""
    return [column for column in customers.columns if column != "customer_id"]


def fit_chosen(
    customers: pd.DataFrame, diagnostics: pd.DataFrame, random_state: int = 42
) -> SegmentationResult:
    """:func:`fit_segments` at the k a search chose (its :func:`diagnostics_table`).

    The step every later dbt Python model runs: the same customers and random state give the
    same assignments and parameters as the search's own fit at that k.
    """
    k, reason = chosen_k(diagnostics)
    return fit_segments(customers, feature_columns(customers), k, random_state, reason)


def diagnostics_table(
    result: SegmentationResult,
    min_cluster_share: float,
    silhouette_tolerance: float = 0.0,
    min_stability: float = 0.0,
) -> pd.DataFrame:
    """The search as a table that always has exactly one chosen row.

    Args:
        result: output of :func:`segment_customers`.
        min_cluster_share, silhouette_tolerance, min_stability: the values
            ``segment_customers`` was called with (stored in every row, so
            readers can check the rule).

    Returns:
        ``result.diagnostics`` with the three settings and ``reason`` (``result.reason`` on the chosen row, else null). When
        no k >= 2 was chosen, a row ``k = 1`` is appended as the chosen one:
        inertia, silhouette and bootstrap_stability null,
        smallest_cluster_share 1 (null without customers), not rejected.
        Columns in ``SEARCH_COLUMNS`` order.
    """
    table = result.diagnostics.copy()
    if not table["is_chosen"].any():
        n_customers = len(result.assignments)
        single = {
            "k": 1,
            "inertia": np.nan,
            "silhouette": np.nan,
            "smallest_cluster_share": 1.0 if n_customers else np.nan,
            "is_rejected": False,
            "is_chosen": True,
            "bootstrap_stability": np.nan,
        }
        single_row = pd.DataFrame([single])
        table = pd.concat([table, single_row], ignore_index=True) if len(table) else single_row
    table = table.astype({"k": "int64", "is_rejected": bool, "is_chosen": bool})
    table["min_cluster_share"] = float(min_cluster_share)
    table["silhouette_tolerance"] = float(silhouette_tolerance)
    table["min_stability"] = float(min_stability)
    table["reason"] = pd.Series([None] * len(table), dtype=object)
    table.loc[table["is_chosen"], "reason"] = result.reason
    return table.sort_values("k", kind="stable").reset_index(drop=True)[SEARCH_COLUMNS]


def chosen_k(diagnostics: pd.DataFrame) -> tuple[int, str | None]:
    """Read the decision back from a :func:`diagnostics_table`.

    Args:
        diagnostics: a :func:`diagnostics_table` (e.g. reloaded from the
            warehouse).

    Returns:
        The chosen k and the reason stored on its row (``None`` when the
        fit is a normal one).

    Raises:
        ValueError: unless exactly one row is chosen.
    """
    chosen = diagnostics[diagnostics["is_chosen"].astype(bool)]
    if len(chosen) != 1:
        raise ValueError(f"diagnostics must have exactly one chosen row, found {len(chosen)}.")
    reason = chosen["reason"].iloc[0]
    return int(chosen["k"].iloc[0]), (None if pd.isna(reason) else str(reason))


def score(parameters: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """Assign customers to clusters with a fitted ``parameters`` table.

    Implements the scoring rule of the module docstring (the reference for the
    SQL scorer). Feature columns may contain nulls.

    Args:
        parameters: ``SegmentationResult.parameters``.
        customers: frame holding every feature named in ``parameters``.

    Returns:
        Integer ``cluster_id`` per customer, indexed like ``customers``.
    """
    prep, centroids, cluster_ids = _from_parameters(parameters)
    labels, _ = _nearest(_transform(_raw_matrix(customers, prep.features), prep), centroids)
    return pd.Series(cluster_ids[labels], index=customers.index, name="cluster_id")


def describe_segments(result: SegmentationResult, customers: pd.DataFrame) -> pd.DataFrame:
    """Summarise each segment for business readers.

    Args:
        result: output of :func:`segment_customers` on ``customers``.
        customers: the frame that was segmented (raw feature values).

    Returns:
        One row per cluster: cluster_id, segment_name, customers,
        share_of_customers, share_of_revenue (sum of ``monetary``; NaN when
        there is no monetary column or no revenue), ``mean_<feature>`` for each
        feature (raw values, nulls ignored), a one-sentence description
        naming the features that most distinguish the segment, and
        ``reason`` (``result.reason`` on every row: null for a normal fit,
        the explanation of the one-segment result otherwise).
    """
    prep, centroids, cluster_ids = _from_parameters(result.parameters)
    segments = result.parameters.drop_duplicates("cluster_id").set_index("cluster_id")["segment_name"]
    columns = ["customer_id", *prep.features]
    columns += [MONETARY] if MONETARY in customers.columns and MONETARY not in columns else []
    data = result.assignments[["customer_id", "cluster_id"]].merge(
        customers[columns], on="customer_id", how="left"
    )
    summary = pd.DataFrame({"cluster_id": cluster_ids, "segment_name": segments.loc[cluster_ids].to_numpy()})
    summary["customers"] = data.groupby("cluster_id").size().reindex(cluster_ids, fill_value=0).to_numpy()
    summary["share_of_customers"] = summary["customers"] / max(len(data), 1)
    summary["share_of_revenue"] = _revenue_shares(data, cluster_ids)
    for feature in prep.features:
        values = pd.to_numeric(data[feature]).astype("float64")
        summary[f"mean_{feature}"] = values.groupby(data["cluster_id"]).mean().reindex(cluster_ids).to_numpy()
    summary["description"] = [
        _describe(name, customer_share, revenue_share, centroid, prep.features)
        for name, customer_share, revenue_share, centroid in zip(
            summary["segment_name"],
            summary["share_of_customers"],
            summary["share_of_revenue"],
            centroids,
            strict=True,
        )
    ]
    summary["reason"] = pd.Series([result.reason] * len(summary), dtype=object)
    return summary


def _validate(
    customers: pd.DataFrame, features: list[str], k_range: Iterable[int], min_cluster_share: float
) -> list[int]:
    """Check the arguments and return the sorted candidate ks."""
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 2:
        raise ValueError("k_range must contain at least one k, and every k must be >= 2.")
    if not 0 <= min_cluster_share < 1:
        raise ValueError("min_cluster_share must be in [0, 1).")
    if not features or len(set(features)) != len(features):
        raise ValueError("features must be a non-empty list of distinct column names.")
    missing = [c for c in ["customer_id", *features] if c not in customers.columns]
    if missing:
        raise ValueError(f"customers is missing columns: {missing}")
    if customers["customer_id"].duplicated().any():
        raise ValueError("customers must have one row per customer_id.")
    return ks


def _prepare(
    customers: pd.DataFrame, features: list[str]
) -> tuple[pd.DataFrame, np.ndarray, _Preprocessing, np.ndarray]:
    """Sort by customer_id; return the sorted rows, raw matrix, preprocessing and X."""
    data = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    raw = _raw_matrix(data, features)
    prep = _fit_preprocessing(raw, features)
    return data, raw, prep, _transform(raw, prep)


def _labelled(
    ids: pd.Series, raw: np.ndarray, prep: _Preprocessing, X: np.ndarray, fitted_centroids: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Order and name the fitted centroids; return assignments and parameters."""
    features = prep.features
    ranking_feature = features.index(MONETARY) if MONETARY in features else 0
    ranking = _fill_and_clip(raw, prep.fill_value, prep.cap_lower, prep.cap_upper)[:, ranking_feature]
    centroids = _order_clusters(X, fitted_centroids, ranking)
    labels, squared = _nearest(X, centroids)
    names = _segment_names(centroids, features)
    assignments = pd.DataFrame(
        {
            "customer_id": ids,
            "cluster_id": labels + 1,
            "segment_name": np.asarray(names, dtype=object)[labels],
            "distance_to_centroid": np.sqrt(squared),
        }
    ).pipe(with_text_columns)
    return assignments, _parameters_table(prep, centroids, names)


def _kmeans(X: np.ndarray, k: int, random_state: int) -> KMeans:
    """The one k-means configuration used for every fit."""
    return KMeans(n_clusters=k, n_init=N_INIT, random_state=random_state).fit(X)


def _raw_matrix(customers: pd.DataFrame, features: list[str]) -> np.ndarray:
    """Return the features as a float matrix with NaN for nulls."""
    columns = [pd.to_numeric(customers[f]).to_numpy(dtype="float64", na_value=np.nan) for f in features]
    return np.column_stack(columns).reshape(len(customers), len(features))


def _fit_preprocessing(raw: np.ndarray, features: list[str]) -> _Preprocessing:
    """Learn fill values, caps, log flags and standardisation per feature."""
    n_features = raw.shape[1]
    fill, lower, upper = np.zeros(n_features), np.zeros(n_features), np.zeros(n_features)
    for j in range(n_features):
        observed = raw[np.isfinite(raw[:, j]), j]
        if observed.size:
            fill[j] = np.median(observed)
            lower[j], upper[j] = np.quantile(observed, CAP_QUANTILES)
            if lower[j] == upper[j]:
                lower[j], upper[j] = observed.min(), observed.max()
    capped = _fill_and_clip(raw, fill, lower, upper)
    skewness = np.array([pd.Series(capped[:, j]).skew() for j in range(n_features)], dtype=float)
    skewed = skewness > SKEW_THRESHOLD  # NaN (fewer than 3 rows) counts as not skewed
    log_transform = skewed & (lower >= 0)
    center, scale, is_constant = _standardisation(_log(capped, log_transform))
    z_limit = np.full(n_features, Z_LIMIT)
    return _Preprocessing(features, fill, lower, upper, log_transform, center, scale, z_limit, is_constant)


def _standardisation(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, population std and constant flags per column (constant: own value, 1)."""
    if len(values) == 0:
        n_features = values.shape[1]
        return np.zeros(n_features), np.ones(n_features), np.ones(n_features, dtype=bool)
    is_constant = np.ptp(values, axis=0) == 0
    center = np.where(is_constant, values[0], values.mean(axis=0))
    scale = np.where(is_constant, 1.0, values.std(axis=0))
    return center, scale, is_constant


def _fill_and_clip(
    raw: np.ndarray, fill_value: np.ndarray, cap_lower: np.ndarray, cap_upper: np.ndarray
) -> np.ndarray:
    """Steps 1-2 of the scoring rule: coalesce nulls, then clip to the caps."""
    return np.clip(np.where(np.isnan(raw), fill_value, raw), cap_lower, cap_upper)


def _log(values: np.ndarray, log_transform: np.ndarray) -> np.ndarray:
    """Step 3: ``ln(1 + x)`` on flagged columns (written as SQL will write it)."""
    out = values.copy()
    out[:, log_transform] = np.log(1.0 + out[:, log_transform])
    return out


def _transform(raw: np.ndarray, prep: _Preprocessing) -> np.ndarray:
    """Apply scoring steps 1-5 and return standardised, clipped values."""
    capped = _fill_and_clip(raw, prep.fill_value, prep.cap_lower, prep.cap_upper)
    z = (_log(capped, prep.log_transform) - prep.center) / prep.scale
    return np.clip(z, -prep.z_limit, prep.z_limit)


def _nearest(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return 0-based nearest-centroid labels (ties: lowest) and squared distances."""
    squared = np.column_stack([((X - c) ** 2).sum(axis=1) for c in centroids]).reshape(len(X), len(centroids))
    labels = squared.argmin(axis=1)
    return labels, squared[np.arange(len(X)), labels]


def _degenerate_reason(n_customers: int, prep: _Preprocessing, ks: list[int]) -> str | None:
    """Explain why the data cannot be segmented, or return None."""
    needed = max(MIN_CUSTOMERS, 2 * ks[-1])
    if n_customers == 0:
        return "No customers to segment: the input has zero rows."
    if n_customers < needed:
        return (
            f"Only {n_customers} customers; at least {needed} are needed to compare "
            f"{ks[0]} to {ks[-1]} segments, so all customers form one segment."
        )
    if prep.is_constant.all():
        return "Every feature has the same value for all customers, so all customers form one segment."
    return None


def _repeat_reason(data: pd.DataFrame, min_repeat_share: float) -> str | None:
    """Explain why too few customers ordered twice to segment, or return None."""
    if min_repeat_share <= 0 or data.empty:
        return None
    repeat_share = float((pd.to_numeric(data[FREQUENCY]).fillna(0) >= 2).mean())
    if repeat_share >= min_repeat_share:
        return None
    return (
        f"Only {repeat_share:.1%} of customers ordered more than once (at least {min_repeat_share:.0%} "
        "needed): customers who bought once differ only in the date and size of that purchase, "
        "which is no buying behaviour to segment, so all customers form one segment."
    )


def _evaluate_candidates(
    X: np.ndarray, ks: list[int], min_cluster_share: float, random_state: int, sample_size: int
) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """Fit every candidate k; return the diagnostics and the centroids per k."""
    n_distinct = len(np.unique(X, axis=0))
    rng = np.random.default_rng(random_state)
    sample = np.arange(len(X))
    if len(X) > sample_size:
        sample = np.sort(rng.choice(len(X), sample_size, replace=False))
    rows, centroids_by_k = [], {}
    for k in ks:
        if k > n_distinct:
            rows.append({"k": k, "inertia": np.nan, "silhouette": np.nan, "smallest_cluster_share": 0.0})
            continue
        model = _kmeans(X, k, random_state)
        labels, _ = _nearest(X, model.cluster_centers_)
        centroids_by_k[k] = model.cluster_centers_
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "silhouette": _silhouette(X[sample], labels[sample]),
                "smallest_cluster_share": np.bincount(labels, minlength=k).min() / len(X),
            }
        )
    diagnostics = pd.DataFrame(rows)
    diagnostics["is_rejected"] = diagnostics["smallest_cluster_share"] < min_cluster_share
    diagnostics["is_chosen"] = False
    diagnostics["bootstrap_stability"] = np.nan
    return diagnostics[DIAGNOSTIC_COLUMNS], centroids_by_k


def _silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette score, NaN when it is undefined for these labels."""
    n_labels = len(np.unique(labels))
    return float(silhouette_score(X, labels)) if 2 <= n_labels < len(X) else np.nan


def _choose_k(
    diagnostics: pd.DataFrame, silhouette_tolerance: float, min_stability: float, stability
) -> int | None:
    """The rule of :func:`segment_customers`: the largest accepted k within
    ``silhouette_tolerance`` of the best silhouette whose ``stability(k)`` reaches
    ``min_stability``, else the most stable of those k (ties: smaller k); None when no
    candidate is accepted. Writes every stability it measures into ``diagnostics``."""
    eligible = diagnostics[~diagnostics["is_rejected"] & diagnostics["silhouette"].notna()]
    if eligible.empty:
        return None
    close = eligible[eligible["silhouette"] >= eligible["silhouette"].max() - silhouette_tolerance]
    for k in sorted(close["k"], reverse=True):
        measured = stability(int(k))
        diagnostics.loc[diagnostics["k"] == k, "bootstrap_stability"] = measured
        if not measured < min_stability:  # NaN (no bootstrap asked for) passes
            return int(k)
    tried = diagnostics[diagnostics["k"].isin(close["k"])]
    return int(tried.sort_values(["bootstrap_stability", "k"], ascending=[False, True])["k"].iloc[0])


def _order_clusters(X: np.ndarray, centroids: np.ndarray, ranking: np.ndarray) -> np.ndarray:
    """Reorder centroids by mean ranking value descending (ties: centroid coordinates)."""
    labels, _ = _nearest(X, centroids)
    means = np.array(
        [ranking[labels == c].mean() if (labels == c).any() else -np.inf for c in range(len(centroids))]
    )
    order = np.lexsort((*centroids.T[::-1], -means))
    return centroids[order]


def _segment_names(centroids: np.ndarray, features: list[str]) -> list[str]:
    """Business names for each centroid (rules in segment_customers), made unique."""
    names = []
    for centroid in centroids:
        z = dict(zip(features, centroid.tolist(), strict=True))
        recency, frequency, monetary = (z.get(name, 0.0) for name in (RECENCY, FREQUENCY, MONETARY))
        names.append(_profile_name(recency, frequency, monetary, z.get(TENURE)))
    return _make_unique(names)


def _profile_name(r: float, f: float, m: float, tenure: float | None) -> str:
    """Name a cluster from its recency, frequency, monetary and tenure z-scores."""
    t = NAME_Z_THRESHOLD
    is_new = r <= -t and (tenure <= -t if tenure is not None else f <= -t)
    rules = [
        (m >= t and r >= t, "At-risk high-value"),
        (m >= t and f >= t, "High-value loyal"),
        (m >= t and r <= -t, "Recent big spenders"),
        (m >= t, "Big spenders"),
        (is_new, "New customers"),
        (r >= t and m < 0, "Lapsed low-value"),
        (r >= t, "Lapsing"),
        (f >= t, "Frequent small-basket buyers"),
        (m <= -t, "Price-sensitive occasional"),
    ]
    return next((name for matched, name in rules if matched), "Mainstream")


def _make_unique(names: list[str]) -> list[str]:
    """Suffix repeated names with " 2", " 3", ... in order of appearance."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return unique


def _bootstrap_stability(
    X: np.ndarray, k: int, labels: np.ndarray, n_bootstrap: int, random_state: int, sample_size: int
) -> float:
    """Mean adjusted Rand index between full-data labels and bootstrap refits (each on a
    resample of at most ``sample_size`` customers)."""
    rng = np.random.default_rng(random_state)
    scores = []
    for _ in range(n_bootstrap):
        sample = X[rng.integers(0, len(X), size=min(len(X), sample_size))]
        seed = int(rng.integers(2**31 - 1))
        if len(np.unique(sample, axis=0)) < k:
            continue
        model = _kmeans(sample, k, seed)
        scores.append(adjusted_rand_score(labels, _nearest(X, model.cluster_centers_)[0]))
    return float(np.mean(scores)) if scores else np.nan


def _parameters_table(prep: _Preprocessing, centroids: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Long table with one row per (cluster_id, feature)."""
    k, n_features = centroids.shape
    return pd.DataFrame(
        {
            "cluster_id": np.repeat(np.arange(1, k + 1), n_features),
            "feature": np.tile(np.asarray(prep.features, dtype=object), k),
            "feature_order": np.tile(np.arange(1, n_features + 1), k),
            "fill_value": np.tile(prep.fill_value, k),
            "cap_lower": np.tile(prep.cap_lower, k),
            "cap_upper": np.tile(prep.cap_upper, k),
            "log_transform": np.tile(prep.log_transform, k),
            "center": np.tile(prep.center, k),
            "scale": np.tile(prep.scale, k),
            "z_limit": np.tile(prep.z_limit, k),
            "centroid": centroids.ravel(),
            "segment_name": np.repeat(np.asarray(names, dtype=object), n_features),
        }
    )


def _from_parameters(parameters: pd.DataFrame) -> tuple[_Preprocessing, np.ndarray, np.ndarray]:
    """Rebuild preprocessing, centroid matrix and cluster ids from the table."""
    table = parameters.sort_values(["cluster_id", "feature_order"])
    cluster_ids = table["cluster_id"].drop_duplicates().to_numpy(dtype="int64")
    first = table[table["cluster_id"] == cluster_ids[0]]
    features = first["feature"].tolist()
    if (
        len(table) != len(cluster_ids) * len(features)
        or not (
            table["feature"].to_numpy().reshape(len(cluster_ids), -1) == np.asarray(features, dtype=object)
        ).all()
    ):
        raise ValueError("parameters must list the same features, in the same order, for every cluster.")
    prep = _Preprocessing(
        features,
        first["fill_value"].to_numpy(dtype="float64"),
        first["cap_lower"].to_numpy(dtype="float64"),
        first["cap_upper"].to_numpy(dtype="float64"),
        first["log_transform"].to_numpy(dtype=bool),
        first["center"].to_numpy(dtype="float64"),
        first["scale"].to_numpy(dtype="float64"),
        first["z_limit"].to_numpy(dtype="float64"),
        np.zeros(len(features), dtype=bool),
    )
    centroids = table["centroid"].to_numpy(dtype="float64").reshape(len(cluster_ids), len(features))
    return prep, centroids, cluster_ids


def _single_segment(
    ids: pd.Series, X: np.ndarray, prep: _Preprocessing, reason: str, diagnostics: pd.DataFrame
) -> SegmentationResult:
    """Result that puts every customer into "All customers"."""
    centroid = X.mean(axis=0, keepdims=True) if len(X) else np.zeros((1, len(prep.features)))
    assignments = pd.DataFrame(
        {
            "customer_id": ids,
            "cluster_id": np.ones(len(ids), dtype="int64"),
            "segment_name": np.full(len(ids), SINGLE_SEGMENT_NAME, dtype=object),
            "distance_to_centroid": np.zeros(len(ids)),
        }
    ).pipe(with_text_columns)
    parameters = _parameters_table(prep, centroid, [SINGLE_SEGMENT_NAME])
    return SegmentationResult(assignments, diagnostics, parameters, reason)


def _empty_diagnostics() -> pd.DataFrame:
    """Diagnostics frame with the right columns and dtypes but no rows."""
    dtypes = ["int64", "float64", "float64", "float64", "bool", "bool", "float64"]
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in zip(DIAGNOSTIC_COLUMNS, dtypes, strict=True)})


def _revenue_shares(data: pd.DataFrame, cluster_ids: np.ndarray) -> np.ndarray:
    """Share of total ``monetary`` per cluster (NaN without monetary or revenue)."""
    if MONETARY not in data.columns:
        return np.full(len(cluster_ids), np.nan)
    revenue = pd.to_numeric(data[MONETARY]).astype("float64").fillna(0.0)
    total = revenue.sum()
    per_cluster = revenue.groupby(data["cluster_id"]).sum().reindex(cluster_ids, fill_value=0.0).to_numpy()
    return per_cluster / total if total > 0 else np.full(len(cluster_ids), np.nan)


def _describe(
    name: str, customer_share: float, revenue_share: float, centroid: np.ndarray, features: list[str]
) -> str:
    """One sentence: size, revenue share and the two most distinctive features."""
    revenue = "" if np.isnan(revenue_share) else f" and {revenue_share:.0%} of revenue"
    top = [j for j in np.argsort(-np.abs(centroid), kind="stable")[:2] if abs(centroid[j]) >= 0.25]
    traits = [
        f"{'much ' if abs(centroid[j]) >= 1 else ''}{'higher' if centroid[j] > 0 else 'lower'} "
        f"{features[j].replace('_', ' ')}"
        for j in top
    ]
    profile = " and ".join(traits) if traits else "a profile close to the average customer"
    return f"{name}: {customer_share:.0%} of customers{revenue}, with {profile}."
