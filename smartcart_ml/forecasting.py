"""Daily sales forecasting with rolling-origin model selection.

The entry point is :func:`forecast_all`. It takes a long DataFrame of daily
series (one row per ``series_level`` x ``series_id`` x ``date``), backtests a
small set of candidate models per series on rolling origins, serves the model
with the lowest backtest MAE, and returns forecasts with 80 % / 95 %
prediction intervals plus per-bucket accuracy and per-series notes.
:func:`reconcile_to_total` optionally makes one level's members add up to the
``'total'`` series afterwards.

Candidate models
----------------
``seasonal_naive_7``
    Value of the same weekday in the most recent open week. Intervals are
    empirical quantiles of the in-sample ``k``-week-lag seasonal-naive errors
    (``k = ceil(h / 7)``); lags with fewer than ``_MIN_LAG_ERRORS`` errors
    reuse the largest well-populated lag, widened by ``sqrt(k / k_ok)``.
``ets_weekly``
    statsmodels ``ETSModel`` (additive error, no trend, additive weekly
    seasonality) on ``log1p(value)``, i.e. multiplicative weekly seasonality
    on the original scale, with heuristic initial states (only the two
    smoothing parameters are optimised). Closed days are imputed before
    fitting (ETS cannot skip observations). A damped trend was left out: it
    costs ~4x the fit time. Intervals are the model's exact Gaussian forecast
    variance.
``regression_calendar``
    statsmodels ``SARIMAX`` regression with ARIMA(0,1,1) errors (a local
    level, which tracks drifts in level better than stationary AR(1) errors
    did in testing) on ``log1p(value)``: weekday dummies, a holiday flag and,
    with at least a year of history, three yearly Fourier pairs. Closed days
    are missing values, which the Kalman filter skips. Regression
    coefficients live in the state vector (``mle_regression=False``) and the
    scale is concentrated out, so only the MA coefficient is optimised.
    Intervals come from ``get_forecast`` and include coefficient uncertainty.

For the log models the back-transformed mean ``expm1(E[log1p y])`` is the
forecast median, which is the MAE-optimal point forecast; interval bounds
transform exactly because ``expm1`` is monotone. Values are clipped at 0
before the log transform.

Closed days
-----------
A day is closed if the caller flags it (``is_closed``) or if it falls on an
*always-closed weekday*: a weekday with zero value on at least 90 % of its
days while the remaining weekdays are not sparse. Closed days are dropped
from model targets (missing / imputed), excluded from scoring, and forecast
as exactly 0 with zero-width intervals, as are future dates in
``closed_dates_future``. The closure calendar is treated as known in
advance, so backtests use the same closed-day mask.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

BASELINE_MODEL = "seasonal_naive_7"
MIN_TRAIN_DAYS = 56
"""Minimum history (8 weeks) before a backtest origin; also the short-series cut-off
together with the backtest window."""
SPARSE_ZERO_SHARE = 0.5
"""Series with a larger share of zero open days are served the baseline."""
ALWAYS_CLOSED_ZERO_SHARE = 0.9
"""A weekday with at least this share of zero days is treated as always closed."""

FORECAST_COLUMNS = [
    "series_level", "series_id", "forecast_date", "model_name",
    "forecast", "lower_80", "upper_80", "lower_95", "upper_95",
]
ACCURACY_COLUMNS = [
    "series_level", "series_id", "model_name", "horizon_bucket", "mae", "wape",
    "mase", "bias", "coverage_80", "coverage_95", "n_origins", "n_points", "is_chosen",
]
NOTES_COLUMNS = ["series_level", "series_id", "served_model", "n_history_days", "n_origins", "note"]

_INPUT_COLUMNS = ["series_level", "series_id", "date", "value", "is_closed"]
_INTERVAL_COLUMNS = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
_QUANTILE_PROBS = np.array([0.025, 0.1, 0.9, 0.975])
_Z80, _Z95 = float(norm.ppf(0.9)), float(norm.ppf(0.975))
_MIN_LAG_ERRORS = 10
_MIN_OBS_PER_WEEKDAY = 4
_YEARLY_MIN_DAYS = 365
_FOURIER_ORDER = 3
_MAXITER = 50
_FIT_ERRORS = (ValueError, np.linalg.LinAlgError)


@dataclass
class ForecastResult:
    """Output of :func:`forecast_all`.

    Attributes:
        forecasts: one row per series x future date for the served model
            (columns ``FORECAST_COLUMNS``).
        accuracy: one row per series x candidate model x horizon bucket
            (columns ``ACCURACY_COLUMNS``).
        notes: one row per series with the served model, history length,
            number of backtest origins and a free-text note (columns
            ``NOTES_COLUMNS``; ``note`` is ``''`` when nothing is worth saying).
    """

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    notes: pd.DataFrame


@dataclass(frozen=True)
class _Config:
    """Run-wide settings shipped to worker processes."""

    as_of: pd.Timestamp
    horizon: int
    n_origins: int
    backtest_horizon: int
    closed_future: np.ndarray  # datetime64[D]
    holidays: np.ndarray  # datetime64[D]


@dataclass(frozen=True)
class _Series:
    """One input series: values from ``start`` to as_of, one per day."""

    level: str
    series_id: str
    start: pd.Timestamp
    values: np.ndarray
    is_closed: np.ndarray


@dataclass(frozen=True)
class _Window:
    """Model input: training values (NaN on closed days) and dates to forecast."""

    y: np.ndarray
    dates: pd.DatetimeIndex
    future: pd.DatetimeIndex
    holidays: np.ndarray


@dataclass
class _Prediction:
    """Point forecast and interval bounds (1-D per window, 2-D when stacked)."""

    forecast: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray

    def arrays(self) -> list[np.ndarray]:
        """Arrays in ``_INTERVAL_COLUMNS`` order."""
        return [self.forecast, self.lower_80, self.upper_80, self.lower_95, self.upper_95]


@dataclass
class _SeriesOutput:
    """Per-series result frames returned by workers."""

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    notes: dict[str, object]


# --------------------------------------------------------------------------- public API


def forecast_all(
    series: pd.DataFrame,
    as_of_date: str | date | pd.Timestamp,
    horizon: int = 90,
    n_origins: int = 8,
    backtest_horizon: int = 28,
    closed_dates_future: Iterable[str | date | pd.Timestamp] | None = None,
    holidays: Iterable[str | date | pd.Timestamp] | None = None,
    n_jobs: int = 2,
) -> ForecastResult:
    """Backtest candidate models per series and forecast ``horizon`` days ahead.

    Args:
        series: long frame with columns ``series_level``, ``series_id``,
            ``date`` (daily, contiguous per series up to ``as_of_date``),
            ``value`` (float) and ``is_closed`` (bool). Rows after
            ``as_of_date`` are ignored.
        as_of_date: last day with actuals; forecasts start the day after.
        horizon: number of days to forecast.
        n_origins: number of rolling backtest origins, spaced 7 days apart.
        backtest_horizon: days forecast from each origin; the last origin is
            ``as_of_date - backtest_horizon``.
        closed_dates_future: future dates on which business is closed (applies
            to every series); forecast as exactly 0.
        holidays: holiday dates (past and future) used as a calendar regressor.
        n_jobs: worker processes; ``1`` runs serially in-process.

    Returns:
        :class:`ForecastResult` with ``forecasts``, ``accuracy`` and ``notes``.

    Raises:
        ValueError: on missing columns, a non-daily/non-contiguous series, a
            series not ending on ``as_of_date``, or non-positive horizons.
    """
    if horizon < 1 or backtest_horizon < 1 or n_origins < 0:
        raise ValueError("horizon and backtest_horizon must be >= 1 and n_origins >= 0")
    cfg = _Config(
        as_of=pd.Timestamp(as_of_date).normalize(),
        horizon=horizon,
        n_origins=n_origins,
        backtest_horizon=backtest_horizon,
        closed_future=_to_days(closed_dates_future),
        holidays=_to_days(holidays),
    )
    outputs = _run_all(_split_series(series, cfg.as_of), cfg, n_jobs)
    keys = ["series_level", "series_id"]
    forecasts = _concat([o.forecasts for o in outputs], FORECAST_COLUMNS)
    accuracy = _concat([o.accuracy for o in outputs], ACCURACY_COLUMNS)
    notes = pd.DataFrame([o.notes for o in outputs], columns=NOTES_COLUMNS)
    return ForecastResult(
        forecasts=forecasts.sort_values([*keys, "forecast_date"], ignore_index=True),
        accuracy=accuracy.sort_values([*keys, "model_name"], kind="stable", ignore_index=True),
        notes=notes.sort_values(keys, ignore_index=True),
    )


def backtest_origins(
    series_start: str | date | pd.Timestamp,
    as_of_date: str | date | pd.Timestamp,
    n_origins: int,
    backtest_horizon: int,
    min_train_days: int = MIN_TRAIN_DAYS,
) -> list[pd.Timestamp]:
    """Rolling backtest origins, oldest first.

    The last origin is ``as_of_date - backtest_horizon`` days (so its whole
    window has actuals); earlier ones step back 7 days at a time. Origins
    leaving fewer than ``min_train_days`` days of history (origin included)
    are dropped, so short series get fewer (or no) origins.
    """
    start = pd.Timestamp(series_start).normalize()
    last = pd.Timestamp(as_of_date).normalize() - pd.Timedelta(days=backtest_horizon)
    origins = [last - pd.Timedelta(days=7 * k) for k in range(n_origins)]
    return sorted(o for o in origins if (o - start).days + 1 >= min_train_days)


def reconcile_to_total(
    forecasts: pd.DataFrame, level: str, total_level: str = "total"
) -> pd.DataFrame:
    """Proportional top-down reconciliation of one level to the total series.

    For every ``forecast_date`` each member ``i`` of ``level`` gets the
    factor ``total_forecast / sum_j forecast_j``; its forecast and all four
    interval bounds are multiplied by that factor, so members sum exactly to
    the total and interval ordering and non-negativity are preserved. On
    dates where all members forecast 0 but the total does not, the total (and
    its intervals) is split equally among members. Scaled member intervals are
    a heuristic: they are not exact quantiles of the reconciled members and do
    not add up to the total's intervals.

    Args:
        forecasts: ``ForecastResult.forecasts`` (or any frame with
            ``FORECAST_COLUMNS``) holding exactly one ``total_level`` series.
        level: the ``series_level`` to reconcile, e.g. ``'category'``.
        total_level: the level holding the single top series.

    Returns:
        A copy of ``forecasts`` with the ``level`` rows reconciled; other
        rows are unchanged.

    Raises:
        ValueError: if there is not exactly one total series, ``level`` is
            the total level, or a member date has no total forecast.
    """
    if level == total_level:
        raise ValueError("level must differ from total_level")
    total = forecasts[forecasts["series_level"] == total_level]
    if total["series_id"].nunique() != 1:
        raise ValueError(f"expected exactly one {total_level!r} series")
    total = total.set_index("forecast_date")[_INTERVAL_COLUMNS]
    is_member = forecasts["series_level"] == level
    members = forecasts.loc[is_member]
    missing = ~members["forecast_date"].isin(total.index)
    if missing.any():
        raise ValueError(f"no {total_level!r} forecast for {members.loc[missing, 'forecast_date'].min()}")

    by_date = members.groupby("forecast_date")["forecast"]
    member_sum = by_date.transform("sum").to_numpy(float)
    n_members = by_date.transform("size").to_numpy(float)
    total_rows = total.loc[members["forecast_date"]].to_numpy(float)
    total_forecast = total_rows[:, 0]
    positive = member_sum > 0
    factor = np.divide(total_forecast, member_sum, out=np.zeros_like(member_sum), where=positive)
    scaled = members[_INTERVAL_COLUMNS].to_numpy(float) * factor[:, None]
    equal_split = total_rows / n_members[:, None]

    result = forecasts.copy()
    result.loc[is_member, _INTERVAL_COLUMNS] = np.where(positive[:, None], scaled, equal_split)
    return result


# --------------------------------------------------------------------------- orchestration


def _to_days(values: Iterable[str | date | pd.Timestamp] | None) -> np.ndarray:
    """Dates as a sorted unique ``datetime64[D]`` array (empty for ``None``)."""
    if values is None:
        return np.array([], dtype="datetime64[D]")
    return np.unique(pd.to_datetime(list(values)).to_numpy().astype("datetime64[D]"))


def _split_series(frame: pd.DataFrame, as_of: pd.Timestamp) -> list[_Series]:
    """Validate the long input frame and split it into per-series arrays."""
    missing = set(_INPUT_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"series is missing columns: {sorted(missing)}")
    frame = frame.loc[pd.to_datetime(frame["date"]) <= as_of, _INPUT_COLUMNS]
    out = []
    for (level, series_id), g in frame.groupby(["series_level", "series_id"], sort=True):
        g = g.sort_values("date")
        dates = pd.DatetimeIndex(pd.to_datetime(g["date"])).normalize()
        if dates[-1] != as_of or (dates[1:] - dates[:-1] != pd.Timedelta(days=1)).any():
            raise ValueError(
                f"series {level}/{series_id} must be daily and contiguous up to {as_of.date()}"
            )
        out.append(_Series(
            level=level,
            series_id=series_id,
            start=dates[0],
            values=g["value"].to_numpy(float),
            is_closed=g["is_closed"].to_numpy(bool),
        ))
    return out


def _run_all(tasks: list[_Series], cfg: _Config, n_jobs: int) -> list[_SeriesOutput]:
    """Forecast every series, serially or in chunks across worker processes."""
    if n_jobs <= 1 or len(tasks) <= 1:
        return _forecast_chunk(tasks, cfg)
    chunks = _balanced_chunks(tasks, n_chunks=min(len(tasks), 4 * n_jobs))
    context = multiprocessing.get_context("spawn")  # safe inside threaded hosts such as dbt
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(chunks)), mp_context=context) as pool:
        results = pool.map(_forecast_chunk, chunks, itertools.repeat(cfg))
        return [out for chunk in results for out in chunk]


def _balanced_chunks(tasks: list[_Series], n_chunks: int) -> list[list[_Series]]:
    """Deal series, longest first, round-robin into ``n_chunks`` chunks."""
    ordered = sorted(tasks, key=lambda s: len(s.values), reverse=True)
    return [ordered[i::n_chunks] for i in range(n_chunks)]


def _forecast_chunk(tasks: Sequence[_Series], cfg: _Config) -> list[_SeriesOutput]:
    """Worker entry point: forecast a chunk of series.

    BLAS is pinned to one thread: the state-space matrices are tiny, so BLAS
    threads only add overhead and oversubscribe the cores the pool uses.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return [_forecast_series(s, cfg) for s in tasks]


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate non-empty frames, keeping ``columns`` when there are none."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


# --------------------------------------------------------------------------- per series


def _forecast_series(s: _Series, cfg: _Config) -> _SeriesOutput:
    """Backtest, choose and refit the models for one series."""
    dates = pd.date_range(s.start, periods=len(s.values), freq="D")
    weekday_closed = _always_closed_weekdays(s.values, s.is_closed, dates.day_of_week.to_numpy())
    closed = s.is_closed | weekday_closed[dates.day_of_week]
    y = np.where(closed, np.nan, s.values)
    future = pd.date_range(cfg.as_of + pd.Timedelta(days=1), periods=cfg.horizon, freq="D")
    future_closed = (
        np.isin(future.to_numpy().astype("datetime64[D]"), cfg.closed_future)
        | weekday_closed[future.day_of_week]
    )

    fallback = _fallback_reason(y, cfg.backtest_horizon)
    candidates = [BASELINE_MODEL] if fallback else list(CANDIDATES)
    origins = backtest_origins(s.start, cfg.as_of, cfg.n_origins, cfg.backtest_horizon)
    predictions, actual, failures = _backtest(y, dates, origins, candidates, cfg)
    chosen = _choose_model(predictions, actual)
    notes = [fallback] if fallback else []
    notes += failures

    window = _Window(y=y, dates=dates, future=future, holidays=cfg.holidays)
    try:
        served = _predict(chosen, window, future_closed)
    except _FIT_ERRORS as exc:
        notes.append(f"{chosen} failed on full history ({exc}): served baseline")
        chosen = BASELINE_MODEL
        served = _predict(chosen, window, future_closed)

    accuracy = _accuracy_table(predictions, actual, cfg.backtest_horizon)
    accuracy.insert(0, "series_level", s.level)
    accuracy.insert(1, "series_id", s.series_id)
    accuracy["is_chosen"] = accuracy["model_name"] == chosen
    forecasts = pd.DataFrame({
        "series_level": s.level,
        "series_id": s.series_id,
        "forecast_date": future,
        "model_name": chosen,
        **dict(zip(_INTERVAL_COLUMNS, served.arrays())),
    })
    return _SeriesOutput(
        forecasts=forecasts,
        accuracy=accuracy[ACCURACY_COLUMNS],
        notes={
            "series_level": s.level,
            "series_id": s.series_id,
            "served_model": chosen,
            "n_history_days": len(s.values),
            "n_origins": len(origins),
            "note": "; ".join(notes),
        },
    )


def _always_closed_weekdays(values: np.ndarray, is_closed: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Boolean mask over weekdays 0..6 of weekdays the business never trades.

    A weekday qualifies when at least ``ALWAYS_CLOSED_ZERO_SHARE`` of its
    (not explicitly closed) days are zero over at least
    ``_MIN_OBS_PER_WEEKDAY`` observations, and the other weekdays are not
    sparse themselves (so a slow-moving product is not declared "closed").
    """
    open_days = ~is_closed
    zero = values == 0
    counts = np.bincount(weekday[open_days], minlength=7)
    zeros = np.bincount(weekday[open_days & zero], minlength=7)
    share = np.divide(zeros, counts, out=np.ones(7), where=counts > 0)
    candidate = (counts >= _MIN_OBS_PER_WEEKDAY) & (share >= ALWAYS_CLOSED_ZERO_SHARE)
    others = open_days & ~candidate[weekday]
    if not candidate.any() or not others.any() or zero[others].mean() > SPARSE_ZERO_SHARE:
        return np.zeros(7, dtype=bool)
    return candidate


def _fallback_reason(y: np.ndarray, backtest_horizon: int) -> str:
    """Why a series only gets the baseline (``''`` when it gets all candidates)."""
    min_days = MIN_TRAIN_DAYS + backtest_horizon
    if len(y) < min_days:
        return f"short series ({len(y)} days < {min_days}): served baseline"
    observed = y[np.isfinite(y)]
    zero_share = float(np.mean(observed == 0)) if observed.size else 1.0
    if zero_share > SPARSE_ZERO_SHARE:
        return f"sparse series ({zero_share:.0%} zero open days): served baseline"
    return ""


def _backtest(
    y: np.ndarray,
    dates: pd.DatetimeIndex,
    origins: list[pd.Timestamp],
    candidates: list[str],
    cfg: _Config,
) -> tuple[dict[str, _Prediction], np.ndarray, list[str]]:
    """Refit every candidate at every origin and forecast ``backtest_horizon`` days.

    Returns stacked predictions per surviving model (shape ``origins x
    backtest_horizon``), the matching actuals (NaN on closed days) and notes
    for models that failed at some origin (those are dropped entirely).
    """
    h = cfg.backtest_horizon
    if not origins:
        return {}, np.empty((0, h)), []
    cuts = [(o - dates[0]).days + 1 for o in origins]
    actual = np.array([y[c:c + h] for c in cuts])
    predictions, failures = {}, []
    for name in candidates:
        try:
            per_origin = [
                _predict(
                    name,
                    _Window(y=y[:c], dates=dates[:c], future=dates[c:c + h], holidays=cfg.holidays),
                    np.isnan(y[c:c + h]),
                )
                for c in cuts
            ]
        except _FIT_ERRORS as exc:
            failures.append(f"{name} failed in backtest ({exc}): excluded")
            continue
        predictions[name] = _Prediction(*(np.array(parts) for parts in zip(*(p.arrays() for p in per_origin))))
    return predictions, actual, failures


def _choose_model(predictions: dict[str, _Prediction], actual: np.ndarray) -> str:
    """Model with the lowest backtest MAE over all open held-out days.

    Ties (and series without scoreable backtest points) go to the earliest
    candidate, i.e. the baseline.
    """
    scored = np.isfinite(actual)
    if not scored.any():
        return BASELINE_MODEL
    maes = {name: np.abs(p.forecast[scored] - actual[scored]).mean() for name, p in predictions.items()}
    return min(maes, key=maes.get)


def _predict(name: str, window: _Window, closed: np.ndarray) -> _Prediction:
    """Run candidate ``name`` and make its output a valid served forecast."""
    return _finalize(CANDIDATES[name](window), closed)


def _finalize(pred: _Prediction, closed: np.ndarray) -> _Prediction:
    """Zero closed days, clip at 0 and enforce lower_95 <= lower_80 <= forecast <= upper_80 <= upper_95.

    Raises:
        ValueError: if the model produced non-finite values.
    """
    arrays = pred.arrays()
    if not all(np.isfinite(a).all() for a in arrays):
        raise ValueError("non-finite forecast")
    forecast, lo80, hi80, lo95, hi95 = (np.where(closed, 0.0, np.clip(a, 0.0, None)) for a in arrays)
    lo80 = np.minimum(lo80, forecast)
    hi80 = np.maximum(hi80, forecast)
    return _Prediction(forecast, lo80, hi80, np.minimum(lo95, lo80), np.maximum(hi95, hi80))


# --------------------------------------------------------------------------- accuracy


def _horizon_buckets(backtest_horizon: int) -> list[tuple[str, int, int]]:
    """Buckets ``1-7``, ``8-14``, ``15-<backtest_horizon>`` (truncated) plus ``all``."""
    buckets = [
        (f"{lo}-{min(hi, backtest_horizon)}", lo, min(hi, backtest_horizon))
        for lo, hi in [(1, 7), (8, 14), (15, backtest_horizon)]
        if lo <= backtest_horizon
    ]
    return [*buckets, ("all", 1, backtest_horizon)]


def _ratio(num: float, den: float) -> float:
    """``num / den`` or NaN when the denominator is 0."""
    return num / den if den else math.nan


def _accuracy_table(
    predictions: dict[str, _Prediction], actual: np.ndarray, backtest_horizon: int
) -> pd.DataFrame:
    """Backtest metrics per model and horizon bucket, scored on open days only."""
    columns = [c for c in ACCURACY_COLUMNS if c not in ("series_level", "series_id", "is_chosen")]
    if not predictions:
        return pd.DataFrame(columns=columns)
    steps = np.arange(1, backtest_horizon + 1)
    rows = []
    for label, lo, hi in _horizon_buckets(backtest_horizon):
        in_bucket = np.zeros_like(actual, dtype=bool)
        in_bucket[:, (steps >= lo) & (steps <= hi)] = True
        mask = in_bucket & np.isfinite(actual)
        a = actual[mask]
        baseline_mae = np.abs(predictions[BASELINE_MODEL].forecast[mask] - a).mean() if a.size else math.nan
        for name, p in predictions.items():
            err = p.forecast[mask] - a
            mae = np.abs(err).mean() if a.size else math.nan
            rows.append({
                "model_name": name,
                "horizon_bucket": label,
                "mae": mae,
                "wape": _ratio(np.abs(err).sum(), np.abs(a).sum()),
                "mase": _ratio(mae, baseline_mae),
                "bias": err.mean() if a.size else math.nan,
                "coverage_80": _coverage(a, p.lower_80[mask], p.upper_80[mask]),
                "coverage_95": _coverage(a, p.lower_95[mask], p.upper_95[mask]),
                "n_origins": actual.shape[0],
                "n_points": int(a.size),
            })
    return pd.DataFrame(rows, columns=columns)


def _coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside ``[lower, upper]`` (NaN without points)."""
    return float(np.mean((actual >= lower) & (actual <= upper))) if actual.size else math.nan


# --------------------------------------------------------------------------- models


@contextmanager
def _quiet_fit() -> Iterator[None]:
    """Silence convergence warnings of the short, iteration-capped fits (the
    backtest, not the optimiser, judges the resulting forecasts)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        yield


def _seasonal_naive(w: _Window) -> _Prediction:
    """Same weekday in the most recent open week, with empirical error quantiles."""
    y = w.y
    last_open = np.zeros(7)
    train_weekday = w.dates.day_of_week.to_numpy()
    for d in range(7):
        seen = np.flatnonzero((train_weekday == d) & np.isfinite(y))
        if seen.size:
            last_open[d] = y[seen[-1]]
    point = last_open[w.future.day_of_week]
    weeks_ahead = (np.arange(len(w.future)) // 7) + 1
    quantiles = _lag_error_quantiles(y, int(weeks_ahead.max()))[weeks_ahead - 1]
    bounds = point[:, None] + quantiles
    return _Prediction(point, bounds[:, 1], bounds[:, 2], bounds[:, 0], bounds[:, 3])


def _lag_error_quantiles(y: np.ndarray, n_weeks: int) -> np.ndarray:
    """Quantiles (``_QUANTILE_PROBS``) of ``y[t] - y[t - 7k]`` for ``k = 1..n_weeks``.

    Lags with fewer than ``_MIN_LAG_ERRORS`` errors reuse the last
    well-populated lag scaled by ``sqrt(k / k_ok)``. If even lag 1 is that
    thin, its errors (or, lacking two of them, deviations from the mean) are
    used as the lag-1 base.
    """
    out = np.zeros((n_weeks, len(_QUANTILE_PROBS)))
    base_k, base_q = 1, _base_error_quantiles(y)
    for k in range(1, n_weeks + 1):
        errors = y[7 * k:] - y[:-7 * k] if len(y) > 7 * k else np.array([])
        errors = errors[np.isfinite(errors)]
        if errors.size >= _MIN_LAG_ERRORS:
            base_k, base_q = k, np.quantile(errors, _QUANTILE_PROBS)
            out[k - 1] = base_q
        else:
            out[k - 1] = base_q * math.sqrt(k / base_k)
    return out


def _base_error_quantiles(y: np.ndarray) -> np.ndarray:
    """Lag-1-week error quantiles for series too short for ``_MIN_LAG_ERRORS``."""
    errors = (y[7:] - y[:-7]) if len(y) > 7 else np.array([])
    errors = errors[np.isfinite(errors)]
    if errors.size < 2:
        observed = y[np.isfinite(y)]
        errors = observed - observed.mean() if observed.size else np.zeros(1)
    return np.quantile(errors, _QUANTILE_PROBS)


def _log_target(y: np.ndarray) -> np.ndarray:
    """``log1p`` of values clipped at 0; NaN (closed days) stay NaN."""
    return np.log1p(np.clip(y, 0.0, None))


def _from_log_gaussian(mean: np.ndarray, variance: np.ndarray) -> _Prediction:
    """Back-transform Gaussian log1p-scale forecasts to median and interval bounds."""
    mean = np.asarray(mean, dtype=float)
    sd = np.sqrt(np.clip(np.asarray(variance, dtype=float), 0.0, None))
    return _Prediction(*(np.expm1(mean + z * sd) for z in (0.0, -_Z80, _Z80, -_Z95, _Z95)))


def _impute_closed(y: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """Fill closed days: interpolate between the same weekday's neighbouring weeks,
    then over time for weekdays that are never open."""
    s = pd.Series(y)
    by_weekday = s.groupby(dates.day_of_week.to_numpy()).transform(
        lambda g: g.interpolate(limit_direction="both")
    )
    return by_weekday.interpolate(limit_direction="both").fillna(0.0).to_numpy()


def _ets_weekly(w: _Window) -> _Prediction:
    """ETS(A,N,A) with period 7 on log1p values, closed days imputed."""
    y = _impute_closed(_log_target(w.y), w.dates)
    with _quiet_fit():
        model = ETSModel(
            pd.Series(y), error="add", trend=None, seasonal="add", seasonal_periods=7,
            initialization_method="heuristic",
        )
        fit = model.fit(disp=False, maxiter=_MAXITER)
        pred = fit.get_prediction(start=len(y), end=len(y) + len(w.future) - 1)
    return _from_log_gaussian(pred.predicted_mean, pred.var_pred_mean)


def _calendar_features(dates: pd.DatetimeIndex, holidays: np.ndarray, yearly: bool) -> np.ndarray:
    """Weekday one-hot (7 columns), holiday flag and optional yearly Fourier pairs."""
    columns = [np.eye(7)[dates.day_of_week.to_numpy()]]
    columns.append(np.isin(dates.to_numpy().astype("datetime64[D]"), holidays)[:, None].astype(float))
    if yearly:
        angle = 2 * np.pi * dates.day_of_year.to_numpy()[:, None] / 365.25 * np.arange(1, _FOURIER_ORDER + 1)
        columns += [np.sin(angle), np.cos(angle)]
    return np.hstack(columns)


def _regression_calendar(w: _Window) -> _Prediction:
    """Calendar regression with ARIMA(0,1,1) errors on log1p values; closed days missing."""
    y = _log_target(w.y)
    yearly = len(y) >= _YEARLY_MIN_DAYS
    x_train = _calendar_features(w.dates, w.holidays, yearly)
    x_future = _calendar_features(w.future, w.holidays, yearly)
    keep = (x_train[np.isfinite(y)] != 0).any(axis=0)  # drop dummies never seen open
    keep[np.argmax(keep[:7])] = False  # reference weekday: the integrated level is the intercept
    with _quiet_fit():
        model = SARIMAX(
            y, exog=x_train[:, keep], order=(0, 1, 1),
            mle_regression=False, concentrate_scale=True,
        )
        # All states approximately diffuse: the default mixed stationary/diffuse
        # initialisation is re-solved on every likelihood call and is ~20x slower.
        model.ssm.initialize_approximate_diffuse()
        # One parameter: Powell's line search needs ~5x fewer likelihood calls than L-BFGS.
        fit = model.fit(method="powell", xtol=1e-3, ftol=1e-6, disp=False, maxiter=_MAXITER)
        pred = fit.get_forecast(len(w.future), exog=x_future[:, keep])
    return _from_log_gaussian(pred.predicted_mean, pred.var_pred_mean)


CANDIDATES: dict[str, Callable[[_Window], _Prediction]] = {
    BASELINE_MODEL: _seasonal_naive,
    "ets_weekly": _ets_weekly,
    "regression_calendar": _regression_calendar,
}
"""Candidate models in tie-break order (the baseline wins ties)."""
