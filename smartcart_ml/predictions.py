"""Customer predictions: churn risk and customer value, trained and chosen out of time.

Input is each customer's days with an invoice (``customer_id, activity_date, order_count,
net_revenue``; int_customer_days_aggregated). For a target with horizon H (churn: no order in the
next ``churn_window_days``; value: orders and net revenue in the next ``value_horizon_days``):

1. **Training window.** Features are computed as of ``cutoff = as_of_date - H`` from the days up
   to the cutoff only, and labels from the days in ``(cutoff, as_of_date]``. Only customers known
   at the cutoff are in the window: all of them up to ``sample_customers`` (20,000), a fixed
   random sample of that many above, so the fits cost the same at any size.
2. **Backtest.** Every candidate is scored on the window by K-fold cross-validation over
   customers (each customer is predicted by a model that never saw them), so every customer of
   the window gets an out-of-fold prediction; :func:`backtest` reports AUC, Brier score and
   calibration by decile (churn) or MAE per customer and total predicted vs actual (value).
   Models that need no labels (the naive rate, BG/NBD + Gamma-Gamma) are fitted on the features
   alone. The candidate with the best score is chosen: for churn the lowest Brier score (a
   proper score: ranking and calibration together, since the probability is used as one, e.g.
   for revenue at stake), for value the lowest MAE per customer. Hyper-parameters are fixed
   in the code, never tuned on the window, and gradient boosting runs all its iterations
   (scikit-learn would otherwise stop early above 10,000 customers, a different model).
3. **Serving.** :func:`score_customers` refits the chosen model on the whole window and scores
   every customer with features as of ``as_of_date``. Value predictions are multiplied by the
   season factor (the served total sales forecast for the horizon over the actual of the last
   horizon), because a model learned on the last H days carries that season's level.

Too few customers (or one churn class only) in the window falls back to the naive rate baseline,
which needs no labels, with the reason in ``note``; a BG/NBD or Gamma-Gamma fit that fails or
whose parameters collapse is reported with its reason and is never chosen.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from smartcart_ml.tables import with_text_columns

CHURN, VALUE = "churn", "value"
NAIVE_RATE = "naive_rate"
RECENCY_LOGISTIC = "recency_logistic"
LOGISTIC_ALL = "logistic_all_features"
GRADIENT_BOOSTING = "gradient_boosting"
BG_NBD = "bg_nbd_gamma_gamma"
GRADIENT_BOOSTING_REGRESSOR = "gradient_boosting_regressor"
PURCHASE_X_SPEND = "purchase_probability_x_spend"
CHURN_MODELS = (RECENCY_LOGISTIC, LOGISTIC_ALL, GRADIENT_BOOSTING)
VALUE_MODELS = (NAIVE_RATE, BG_NBD, GRADIENT_BOOSTING_REGRESSOR, PURCHASE_X_SPEND)
OVERALL = "overall"

FEATURES = [
    "recency_days",
    "tenure_days",
    "order_count",
    "order_days",
    "net_revenue",
    "revenue_per_order",
    "orders_last_30d",
    "orders_last_60d",
    "orders_last_90d",
    "orders_last_180d",
    "orders_previous_90d",
    "order_trend",
    "revenue_last_30d",
    "revenue_last_90d",
    "order_rate",
    "revenue_rate",
    "recency_over_gap",
    "gap_mean_days",
    "gap_std_days",
    "gap_max_days",
    "recency_over_max_gap",
    "return_day_share",
    "median_order_day_revenue",
    "max_order_day_revenue",
]
ACCURACY_COLUMNS = [
    "target",
    "model_name",
    "evaluation_bucket",
    "customers_scored",
    "auc",
    "brier_score",
    "mean_predicted",
    "mean_observed",
    "mae_per_customer",
    "total_predicted",
    "total_actual",
    "total_error_share",
    "is_chosen",
    "note",
]
PREDICTION_COLUMNS = [
    "customer_id",
    "churn_probability",
    "churn_risk_band",
    "expected_orders_90d",
    "expected_revenue_90d",
    "clv_365d",
    "clv_tier",
    "probability_alive",
    "churn_model_name",
    "value_model_name",
    "season_factor",
    "prediction_note",
]


@dataclass(frozen=True)
class PredictionSettings:
    """Everything the predictions depend on besides the data (vars of the dbt models)."""

    churn_window_days: int = 90
    value_horizon_days: int = 90
    clv_days: int = 365
    min_customers: int = 100  # in the training window, below which the baseline serves
    min_class_customers: int = 10  # churned and retained customers needed to fit a classifier
    folds: int = 5
    # Customers of a training window the models are fitted and backtested on: a fixed random
    # sample of this many above it (bounds the cost at scale; every customer is still scored).
    sample_customers: int = 20_000
    random_state: int = 42
    high_risk_from: float = 0.7  # churn_probability bands: high >= this, medium >= medium_risk_from
    medium_risk_from: float = 0.4
    high_clv_share: float = 0.2  # clv_tier: the top 20% of customers by clv_365d are high,
    medium_clv_share: float = 0.5  # down to the top 50% medium, the rest low


def _in_grain_order(customer_days: pd.DataFrame) -> pd.DataFrame:
    """The days sorted by their grain (customer_id, activity_date), dates as datetimes.

    Sums of floating-point revenue depend on the order they are added in (to the last bits),
    and DuckDB returns a view's rows in no fixed order (it differs between two warehouses with
    the same rows, e.g. one built in full and one appended month by month). Those last bits
    can move a gradient-boosting bin edge, so every feature and label is summed in this one
    order: the same days always give the same predictions."""
    days = customer_days.assign(activity_date=pd.to_datetime(customer_days["activity_date"]))
    return days.sort_values(["customer_id", "activity_date"], kind="stable", ignore_index=True)


def features_as_of(customer_days: pd.DataFrame, cutoff, horizon_days: int) -> pd.DataFrame:
    """:func:`_features` of the days in any order."""
    return _features(_in_grain_order(customer_days), cutoff, horizon_days)


def _features(days: pd.DataFrame, cutoff, horizon_days: int) -> pd.DataFrame:
    """One row per customer with a day up to ``cutoff``, indexed by customer_id: :data:`FEATURES`
    from those days only, plus what BG/NBD needs (``repeat_days``, ``first_to_last_days``,
    ``first_order_age_days``, ``repeat_revenue_per_day``) and the orders and net revenue of the
    last ``horizon_days`` (``orders_last_horizon``, ``revenue_last_horizon``: what
    :func:`_purchase_x_spend` carries on to the next horizon).

    Frequency over several windows (30, 60, 90, 180 days and the 90 before the last 90) and its
    trend, orders and net revenue per day since the first day (``order_rate``, ``revenue_rate``:
    the long-run rates the naive baseline extrapolates, so the supervised models can start from
    them), the days between order days (mean, spread, longest; a customer with one order day
    gets their tenure), recency against the usual and the longest gap, and the share of days
    with a net return (negative net revenue). ``days`` are in grain order (:func:`_in_grain_order`)."""
    cutoff = pd.Timestamp(cutoff)
    days = days[days["activity_date"] <= cutoff]
    age = (cutoff - days["activity_date"]).dt.days
    ordered = days["order_count"] > 0
    days = days.assign(
        age=age,
        order_age=age.where(ordered),
        recent_30=days["order_count"].where(age < 30, 0),
        recent_60=days["order_count"].where(age < 60, 0),
        recent_90=days["order_count"].where(age < 90, 0),
        recent_180=days["order_count"].where(age < 180, 0),
        previous_90=days["order_count"].where((age >= 90) & (age < 180), 0),
        revenue_30=days["net_revenue"].where(age < 30, 0.0),
        revenue_90=days["net_revenue"].where(age < 90, 0.0),
        orders_horizon=days["order_count"].where(age < horizon_days, 0),
        revenue_horizon=days["net_revenue"].where(age < horizon_days, 0.0),
        return_day=(days["net_revenue"] < 0).astype(int),
        order_day=ordered.astype(int),
        order_day_revenue=days["net_revenue"].where(ordered),
    )
    grouped = days.groupby("customer_id")
    out = pd.DataFrame(
        {
            "tenure_days": grouped["age"].max(),
            "last_order_age": grouped["order_age"].min(),
            "first_order_age_days": grouped["order_age"].max(),
            "order_count": grouped["order_count"].sum(),
            "order_days": grouped["order_day"].sum(),
            "net_revenue": grouped["net_revenue"].sum().astype(float),
            "orders_last_30d": grouped["recent_30"].sum(),
            "orders_last_60d": grouped["recent_60"].sum(),
            "orders_last_90d": grouped["recent_90"].sum(),
            "orders_last_180d": grouped["recent_180"].sum(),
            "orders_previous_90d": grouped["previous_90"].sum(),
            "revenue_last_30d": grouped["revenue_30"].sum().astype(float),
            "revenue_last_90d": grouped["revenue_90"].sum().astype(float),
            "orders_last_horizon": grouped["orders_horizon"].sum(),
            "revenue_last_horizon": grouped["revenue_horizon"].sum().astype(float),
            "return_days": grouped["return_day"].sum(),
            "median_order_day_revenue": grouped["order_day_revenue"].median().astype(float).fillna(0.0),
            "max_order_day_revenue": grouped["order_day_revenue"].max().astype(float).fillna(0.0),
        }
    )
    out["recency_days"] = out["last_order_age"].fillna(out["tenure_days"])
    out["revenue_per_order"] = out["net_revenue"] / out["order_count"].clip(lower=1)
    out["order_rate"] = out["order_count"] / (out["tenure_days"] + 1)
    out["revenue_rate"] = out["net_revenue"] / (out["tenure_days"] + 1)
    gap = (out["first_order_age_days"] - out["last_order_age"]) / (out["order_days"] - 1).clip(lower=1)
    out["recency_over_gap"] = out["recency_days"] / gap.where(
        out["order_days"] > 1, out["tenure_days"] + 1
    ).clip(lower=1)
    order_days = days.loc[ordered, ["customer_id", "order_age"]].sort_values(["customer_id", "order_age"])
    gaps = order_days.groupby("customer_id")["order_age"].diff().dropna().groupby(order_days["customer_id"])
    single = out["tenure_days"] + 1
    out["gap_mean_days"] = gaps.mean().reindex(out.index).fillna(single)
    out["gap_std_days"] = gaps.std().reindex(out.index).fillna(0.0)
    out["gap_max_days"] = gaps.max().reindex(out.index).fillna(single)
    out["recency_over_max_gap"] = out["recency_days"] / out["gap_max_days"].clip(lower=1)
    recent = out["orders_last_90d"] + out["orders_previous_90d"]
    out["order_trend"] = (out["orders_last_90d"] - out["orders_previous_90d"]) / recent.clip(lower=1)
    out["return_day_share"] = out["return_days"] / out["order_days"].clip(lower=1)
    out["repeat_days"] = (out["order_days"] - 1).clip(lower=0)
    out["first_to_last_days"] = (out["first_order_age_days"] - out["last_order_age"]).fillna(0)
    out["repeat_revenue_per_day"] = out["net_revenue"] / out["order_days"].clip(lower=1)
    return out


def labels_after(customer_days: pd.DataFrame, customers: pd.Index, cutoff, horizon_days: int) -> pd.DataFrame:
    """:func:`_labels` of the days in any order."""
    return _labels(_in_grain_order(customer_days), customers, cutoff, horizon_days)


def _labels(days: pd.DataFrame, customers: pd.Index, cutoff, horizon_days: int) -> pd.DataFrame:
    """Orders and net revenue of each of ``customers`` in ``(cutoff, cutoff + horizon_days]``,
    and ``churned`` = no order in that window; ``days`` in grain order."""
    cutoff = pd.Timestamp(cutoff)
    dates = days["activity_date"]
    window = days[(dates > cutoff) & (dates <= cutoff + pd.Timedelta(days=horizon_days))]
    totals = (
        window.groupby("customer_id")[["order_count", "net_revenue"]].sum().reindex(customers, fill_value=0)
    )
    return pd.DataFrame(
        {
            "orders": totals["order_count"].astype(float),
            "revenue": totals["net_revenue"].astype(float),
            "churned": (totals["order_count"] == 0).astype(int),
        },
        index=customers,
    )


def _naive_orders(features: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """The naive rate: orders per day since the first order (over at least ``horizon_days``, so
    a customer first seen yesterday is not extrapolated) times the horizon."""
    observed = np.maximum(features["first_order_age_days"].fillna(0).to_numpy() + 1, horizon_days)
    return features["order_count"].to_numpy() / observed * horizon_days


def _naive_amount(features: pd.DataFrame, column: str, horizon_days: int) -> np.ndarray:
    """The naive rate's orders, or net revenue (its orders x the customer's net revenue per
    order, at least 0), over ``horizon_days``."""
    orders = _naive_orders(features, horizon_days)
    return orders if column == "orders" else orders * features["revenue_per_order"].clip(lower=0).to_numpy()


def _log_features(x):
    return np.sign(x) * np.log1p(np.abs(x))


def _classifier(name: str, random_state: int):
    if name == GRADIENT_BOOSTING:
        return HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.03,
            max_depth=2,
            min_samples_leaf=50,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=random_state,
        )
    return make_pipeline(
        FunctionTransformer(_log_features), StandardScaler(), LogisticRegression(max_iter=1000)
    )


def _churn_columns(name: str) -> list[str]:
    return ["recency_days"] if name == RECENCY_LOGISTIC else FEATURES


def _regressor(random_state: int, loss: str = "poisson"):
    return HistGradientBoostingRegressor(
        loss=loss,
        max_iter=150,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=30,
        early_stopping=False,
        random_state=random_state,
    )


class DegenerateFit(ValueError):
    """A value model that cannot be fitted (BG/NBD or Gamma-Gamma failed or collapsed, too few
    buyers to learn from); the message is the reason."""


def bg_nbd_gamma_gamma(features: pd.DataFrame, horizon_days: int, clv_days: int) -> pd.DataFrame:
    """Expected orders and revenue over ``horizon_days``, revenue over ``clv_days`` and the
    probability of being alive, from BG/NBD and Gamma-Gamma fitted on ``features`` (daily
    units). Customers without an order get zeros. Raises :class:`DegenerateFit` with the reason
    when a fit fails or collapses (e.g. a dropout probability estimate pinned at 0 or 1)."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    buyers = features[features["order_days"] > 0]
    frequency = buyers["repeat_days"].to_numpy(float)
    recency = buyers["first_to_last_days"].to_numpy(float)
    age = buyers["first_order_age_days"].to_numpy(float)
    if (frequency > 0).sum() < 20:
        raise DegenerateFit("fewer than 20 customers with a repeat order")
    # lifetimes prints scipy's whole optimiser result when a fit does not converge: the reason
    # goes into DegenerateFit instead of the build's log.
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            bgf = BetaGeoFitter(penalizer_coef=0.001).fit(frequency, recency, age)
        except Exception as error:  # lifetimes raises ConvergenceError and bare numeric errors
            raise DegenerateFit(f"BG/NBD did not fit ({type(error).__name__})") from error
        r, alpha, a, b = (float(bgf.params_[key]) for key in ("r", "alpha", "a", "b"))
        dropout = a / (a + b)
        if not np.all(np.isfinite([r, alpha, a, b])) or not 1e-3 < dropout < 0.999 or min(a, b) < 1e-3:
            raise DegenerateFit(f"BG/NBD dropout estimate collapsed (a={a:.3g}, b={b:.3g})")
        repeaters = buyers[(buyers["repeat_days"] > 0) & (buyers["repeat_revenue_per_day"] > 0)]
        try:
            ggf = GammaGammaFitter(penalizer_coef=0.001).fit(
                repeaters["repeat_days"], repeaters["repeat_revenue_per_day"]
            )
        except Exception as error:
            raise DegenerateFit(f"Gamma-Gamma did not fit ({type(error).__name__})") from error
        p, q, v = (float(ggf.params_[key]) for key in ("p", "q", "v"))
        if not np.all(np.isfinite([p, q, v])) or q <= 1:
            raise DegenerateFit(f"Gamma-Gamma has no finite mean spend (q={q:.3g})")
        spend = ggf.conditional_expected_average_profit(
            buyers["repeat_days"], buyers["repeat_revenue_per_day"].clip(lower=0)
        ).to_numpy(float)
        horizon_orders = bgf.conditional_expected_number_of_purchases_up_to_time(
            horizon_days, frequency, recency, age
        )
        clv_orders = bgf.conditional_expected_number_of_purchases_up_to_time(
            clv_days, frequency, recency, age
        )
        alive = bgf.conditional_probability_alive(frequency, recency, age)
    result = pd.DataFrame(
        {
            "orders": np.asarray(horizon_orders, float),
            "revenue": np.asarray(horizon_orders, float) * spend,
            "clv": np.asarray(clv_orders, float) * spend,
            "probability_alive": np.asarray(alive, float),
        },
        index=buyers.index,
    )
    if not np.isfinite(result.to_numpy()).all():
        raise DegenerateFit("BG/NBD gave non-finite predictions")
    return result.reindex(features.index, fill_value=0.0)


def _value_predictions(
    name: str,
    train: pd.DataFrame,
    labels: pd.DataFrame,
    score: pd.DataFrame,
    settings: PredictionSettings,
    with_orders: bool = True,
) -> pd.DataFrame:
    """Orders, revenue, CLV and probability_alive of every row of ``score`` by a value model
    fitted on ``train`` (and ``labels`` for the supervised ones). ``with_orders=False`` (the
    backtest, which scores revenue only) leaves a supervised model's orders unfitted (NaN)."""
    horizon = settings.value_horizon_days
    random_state = settings.random_state
    if name == BG_NBD:
        return bg_nbd_gamma_gamma(score, horizon, settings.clv_days)
    if name == NAIVE_RATE:
        orders, revenue = (_naive_amount(score, column, horizon) for column in ("orders", "revenue"))
    else:
        buyers = int((labels["revenue"] > 0).sum())
        if min(buyers, len(labels) - buyers) < settings.min_class_customers:
            raise DegenerateFit(
                f"fewer than {settings.min_class_customers} customers with revenue, or without, to learn from"
            )
        if name == PURCHASE_X_SPEND:
            predict = _purchase_x_spend(train, labels, score, settings)
        else:

            def predict(column: str) -> np.ndarray:
                model = _regressor(random_state).fit(train[FEATURES], labels[column].clip(lower=0))
                return model.predict(score[FEATURES])

        revenue = predict("revenue")
        orders = predict("orders") if with_orders else np.full(len(score), np.nan)
    return pd.DataFrame(
        {
            "orders": orders,
            "revenue": revenue,
            "clv": revenue * settings.clv_days / horizon,
            "probability_alive": np.nan,
        },
        index=score.index,
    )


def _purchase_x_spend(
    train: pd.DataFrame, labels: pd.DataFrame, score: pd.DataFrame, settings: PredictionSettings
) -> Callable[[str], np.ndarray]:
    """The purchase probability x spend model fitted on the window (``train``, ``labels``):
    ``predict(column)`` gives each customer of ``score`` their ``column`` (revenue or orders)
    over the horizon.

    Each customer's figure is p x a: p the probability of net revenue in the horizon (the
    all-features logistic regression), a a buyer's typical amount, scaled so that the figures
    add up to what the window says the customers carry on. The typical amount is the naive
    rate's (:func:`_naive_amount`) times a correction learned by gradient boosting on the log
    ratio of the window's buyers' actual amount to it: trees do not extrapolate and the naive
    rate does, so the largest buyers keep their scale, nobody's figure runs away, and a few
    wholesale orders do not lift everyone's (a geometric, not arithmetic, typical amount); no
    figure goes beyond the largest the window saw. The total is the customers' amount of the
    last horizon (``orders_last_horizon``, ``revenue_last_horizon``) times the share of it the
    window's customers placed or spent again in the horizon after: p x a ranks and spreads the
    customers, the carried total sets the level."""
    buying = (labels["revenue"] > 0).astype(int)
    classifier = _classifier(LOGISTIC_ALL, settings.random_state).fit(train[FEATURES], buying)
    probability = classifier.predict_proba(score[FEATURES])[:, 1]
    buyers = train[buying.to_numpy() == 1]
    horizon = settings.value_horizon_days

    def predict(column: str) -> np.ndarray:
        actual = np.log1p(labels.loc[buyers.index, column].clip(lower=0).to_numpy(float))
        naive = np.log1p(_naive_amount(buyers, column, horizon))
        correction = _regressor(settings.random_state, "squared_error").fit(buyers[FEATURES], actual - naive)
        typical = np.log1p(_naive_amount(score, column, horizon)) + correction.predict(score[FEATURES])
        shape = probability * np.expm1(typical.clip(0, actual.max()))
        last = f"{column}_last_horizon"
        total = float(labels[column].sum()) / float(train[last].sum()) * float(score[last].sum())
        if not (np.isfinite(total) and total > 0 and shape.sum() > 0):
            raise DegenerateFit(f"no {column} carried on from the window's last horizon to the next")
        return shape * (total / shape.sum())

    return predict


def training_window(
    customer_days: pd.DataFrame, as_of_date, horizon_days: int, settings: PredictionSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`_window` of the days in any order."""
    return _window(_in_grain_order(customer_days), as_of_date, horizon_days, settings)


def _window(
    days: pd.DataFrame, as_of_date, horizon_days: int, settings: PredictionSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features as of ``cutoff = as_of_date - horizon_days`` and labels from the horizon after
    it, of the customers known at the cutoff: all of them up to ``settings.sample_customers``,
    a fixed random sample (``settings.random_state``) of that many above; ``days`` in grain
    order."""
    cutoff = pd.Timestamp(as_of_date) - pd.Timedelta(days=horizon_days)
    known = days.loc[days["activity_date"] <= cutoff, "customer_id"].unique()
    if len(known) > settings.sample_customers:
        rng = np.random.default_rng(settings.random_state)
        sample = rng.choice(np.sort(known), settings.sample_customers, replace=False)
        days = days[days["customer_id"].isin(sample)]
    features = _features(days, cutoff, horizon_days)
    return features, _labels(days, features.index, cutoff, horizon_days)


def _window_problem(labels: pd.DataFrame, target: str, settings: PredictionSettings) -> str | None:
    """Why the window is too small to fit and compare models, or None."""
    if len(labels) < settings.min_customers:
        return (
            f"{len(labels)} customers known at the cutoff (< {settings.min_customers}): naive rate baseline"
        )
    if (
        target == CHURN
        and min(labels["churned"].sum(), (1 - labels["churned"]).sum()) < settings.min_class_customers
    ):
        return f"fewer than {settings.min_class_customers} churned or retained customers: naive rate baseline"
    return None


def _folds(labels: pd.DataFrame, target: str, settings: PredictionSettings):
    splitter = StratifiedKFold if target == CHURN else KFold
    split = splitter(settings.folds, shuffle=True, random_state=settings.random_state)
    return split.split(labels, labels["churned"])


def out_of_fold(
    name: str, target: str, features: pd.DataFrame, labels: pd.DataFrame, settings: PredictionSettings
) -> pd.Series:
    """Each window customer's prediction (churn probability; 90-day revenue) by a model that did
    not see them. The naive rate and BG/NBD use no labels and are fitted on all features."""
    if target == CHURN and name == NAIVE_RATE:
        return pd.Series(np.exp(-_naive_orders(features, settings.churn_window_days)), index=features.index)
    if target == VALUE and name in (NAIVE_RATE, BG_NBD):
        return _value_predictions(name, features, labels, features, settings)["revenue"]
    predicted = pd.Series(np.nan, index=features.index)
    for train, test in _folds(labels, target, settings):
        fit_x, fit_y, test_x = features.iloc[train], labels.iloc[train], features.iloc[test]
        if target == CHURN:
            columns = _churn_columns(name)
            model = _classifier(name, settings.random_state).fit(fit_x[columns], fit_y["churned"])
            predicted.iloc[test] = model.predict_proba(test_x[columns])[:, 1]
        else:
            predicted.iloc[test] = _value_predictions(
                name, fit_x, fit_y, test_x, settings, with_orders=False
            )["revenue"].to_numpy()
    return predicted


def _mean(values: np.ndarray) -> float:
    """The mean, NaN without values (no customer in the training window: a tiny or very recent
    export), without numpy's warning."""
    return float(values.mean()) if len(values) else np.nan


def churn_accuracy(model_name: str, predicted: pd.Series, churned: pd.Series) -> pd.DataFrame:
    """Overall AUC and Brier score plus calibration by decile of predicted probability."""
    y, p = churned.to_numpy(), predicted.to_numpy()
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else np.nan
    # No customer in the training window (a tiny or very recent export): nothing to score.
    brier = brier_score_loss(y, p, labels=[0, 1]) if len(y) else np.nan
    rows = [[OVERALL, len(y), auc, brier, _mean(p), _mean(y)]]
    order = np.argsort(p, kind="stable")
    for decile, members in enumerate(np.array_split(order, 10), start=1):
        if len(members):
            rows.append(
                [f"decile {decile:02d}", len(members), np.nan, np.nan, p[members].mean(), y[members].mean()]
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "evaluation_bucket",
            "customers_scored",
            "auc",
            "brier_score",
            "mean_predicted",
            "mean_observed",
        ],
    )
    return frame.assign(target=CHURN, model_name=model_name)


def value_accuracy(model_name: str, predicted: pd.Series, revenue: pd.Series) -> pd.DataFrame:
    """MAE per customer and the total predicted against the actual net revenue."""
    p, y = predicted.to_numpy(), revenue.to_numpy()
    total_actual = float(y.sum())
    return pd.DataFrame(
        {
            "target": [VALUE],
            "model_name": [model_name],
            "evaluation_bucket": [OVERALL],
            "customers_scored": [len(y)],
            "mean_predicted": [_mean(p)],
            "mean_observed": [_mean(y)],
            "mae_per_customer": [_mean(np.abs(p - y))],
            "total_predicted": [float(p.sum())],
            "total_actual": [total_actual],
            "total_error_share": [float(p.sum() / total_actual - 1) if total_actual else np.nan],
        }
    )


def backtest(customer_days: pd.DataFrame, as_of_date, settings: PredictionSettings) -> pd.DataFrame:
    """The accuracy table (:data:`ACCURACY_COLUMNS`): every candidate of both targets on its
    training window, the chosen model of each target flagged (``is_chosen`` on all its rows)."""
    days = _in_grain_order(customer_days)
    windows = _windows(days, as_of_date, settings)
    tables = []
    for target, models, horizon in (
        (CHURN, CHURN_MODELS, settings.churn_window_days),
        (VALUE, VALUE_MODELS, settings.value_horizon_days),
    ):
        features, labels = windows[horizon]
        problem = _window_problem(labels, target, settings)
        candidates = (NAIVE_RATE,) if problem else models
        scored = []
        for name in candidates:
            try:
                predicted = out_of_fold(name, target, features, labels, settings)
            except DegenerateFit as error:
                scored.append(pd.DataFrame({"target": [target], "model_name": [name], "note": [str(error)]}))
                continue
            accuracy = (
                churn_accuracy(name, predicted, labels["churned"])
                if target == CHURN
                else value_accuracy(name, predicted, labels["revenue"])
            )
            scored.append(accuracy.assign(note=problem))
        table = pd.concat(scored, ignore_index=True)
        score = "brier_score" if target == CHURN else "mae_per_customer"
        overall = table[table["evaluation_bucket"] == OVERALL]
        chosen = (
            overall.loc[overall[score].idxmin(), "model_name"] if overall[score].notna().any() else NAIVE_RATE
        )
        tables.append(table.assign(is_chosen=table["model_name"] == chosen))
    accuracy = pd.concat(tables, ignore_index=True).reindex(columns=ACCURACY_COLUMNS)
    accuracy["customers_scored"] = accuracy["customers_scored"].fillna(0).astype("int64")
    accuracy["evaluation_bucket"] = accuracy["evaluation_bucket"].fillna(OVERALL)
    return accuracy


def _windows(days: pd.DataFrame, as_of_date, settings: PredictionSettings) -> dict:
    """horizon -> :func:`_window`, once for each of the churn and value horizons (one when they
    are equal, as by default)."""
    horizons = dict.fromkeys((settings.churn_window_days, settings.value_horizon_days))
    return {horizon: _window(days, as_of_date, horizon, settings) for horizon in horizons}


def chosen_models(accuracy: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """target -> (chosen model name, its note) from :func:`backtest`'s table."""
    chosen = accuracy[accuracy["is_chosen"] & (accuracy["evaluation_bucket"] == OVERALL)]
    return {
        row.target: (row.model_name, None if pd.isna(row.note) else row.note) for row in chosen.itertuples()
    }


def risk_band(probability: np.ndarray, settings: PredictionSettings) -> np.ndarray:
    """'high', 'medium' or 'low' churn risk by the settings' thresholds."""
    return np.select(
        [probability >= settings.high_risk_from, probability >= settings.medium_risk_from],
        ["high", "medium"],
        "low",
    )


def clv_tier(clv: np.ndarray, settings: PredictionSettings) -> np.ndarray:
    """'high', 'medium' or 'low' by the share of customers with a CLV at least as high (so tied
    customers share a tier): high within the top ``high_clv_share``, medium within the top
    ``medium_clv_share``."""
    share_at_least = pd.Series(clv).rank(method="max", ascending=False).to_numpy() / max(len(clv), 1)
    return np.select(
        [share_at_least <= settings.high_clv_share, share_at_least <= settings.medium_clv_share],
        ["high", "medium"],
        "low",
    )


def churn_scores(
    name: str, window: tuple[pd.DataFrame, pd.DataFrame], current: pd.DataFrame, settings: PredictionSettings
) -> np.ndarray:
    """Churn probabilities of the customers of ``current`` (features as of ``as_of_date``) by the
    churn model ``name`` fitted on its training ``window`` (:func:`training_window` with the
    churn horizon)."""
    if name == NAIVE_RATE:
        return np.exp(-_naive_orders(current, settings.churn_window_days))
    train, labels = window
    columns = _churn_columns(name)
    model = _classifier(name, settings.random_state).fit(train[columns], labels["churned"])
    return model.predict_proba(current[columns])[:, 1]


def value_scores(
    name: str, window: tuple[pd.DataFrame, pd.DataFrame], current: pd.DataFrame, settings: PredictionSettings
) -> pd.DataFrame:
    """Orders, revenue, CLV and probability_alive of the customers of ``current`` by the value
    model ``name`` fitted on its training ``window`` (:func:`training_window` with the value
    horizon; no season factor)."""
    train, labels = window
    return _value_predictions(name, train, labels, current, settings)


def score_customers(
    customer_days: pd.DataFrame,
    customer_ids: pd.Series,
    as_of_date,
    accuracy: pd.DataFrame,
    season_factor: float | None,
    settings: PredictionSettings,
) -> pd.DataFrame:
    """One row per ``customer_ids`` (:data:`PREDICTION_COLUMNS`), scored as of ``as_of_date`` by
    the models :func:`backtest` chose, refitted on their whole training window. Value predictions
    for the horizon are multiplied by ``season_factor`` (1 when unknown, with a note)."""
    chosen = chosen_models(accuracy)
    days = _in_grain_order(customer_days)
    windows = _windows(days, as_of_date, settings)
    current = _features(days, as_of_date, settings.value_horizon_days).reindex(
        pd.Index(customer_ids, name="customer_id")
    )
    missing = current["tenure_days"].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum())} customers have no invoice day up to as_of_date")
    notes = []
    churn_model, churn_note = chosen[CHURN]
    churn = churn_scores(churn_model, windows[settings.churn_window_days], current, settings)
    value_model, value_note = chosen[VALUE]
    try:
        value = value_scores(value_model, windows[settings.value_horizon_days], current, settings)
    except DegenerateFit as error:  # BG/NBD refitted as of as_of_date can collapse too
        notes.append(f"{value_model} not served ({error}): naive rate baseline")
        value_model = NAIVE_RATE
        value = value_scores(value_model, windows[settings.value_horizon_days], current, settings)
    if season_factor is None or not np.isfinite(season_factor) or season_factor <= 0:
        notes.append("no season factor (no total sales forecast): value predictions unscaled")
        season_factor = 1.0
    notes += [note for note in (churn_note, value_note) if note]
    return pd.DataFrame(
        {
            "customer_id": current.index.to_numpy(),
            "churn_probability": churn,
            "churn_risk_band": risk_band(churn, settings),
            "expected_orders_90d": value["orders"].to_numpy() * season_factor,
            "expected_revenue_90d": value["revenue"].to_numpy() * season_factor,
            "clv_365d": value["clv"].to_numpy(),
            "clv_tier": clv_tier(value["clv"].to_numpy(), settings),
            "probability_alive": value["probability_alive"].to_numpy(),
            "churn_model_name": churn_model,
            "value_model_name": value_model,
            "season_factor": season_factor,
            "prediction_note": "; ".join(dict.fromkeys(notes)) or None,
        }
    )[PREDICTION_COLUMNS].pipe(with_text_columns)
